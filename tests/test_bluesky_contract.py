"""The Bluesky channel against the channel contract suite, with its own samples (Danish and Swedish)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from socialledger.plugins.bluesky.channel import BlueskyChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "bluesky"


class TestBlueskyContract(ChannelContract):
    channel = BlueskyChannel()
    platform_id = "did:plc:hvidovrekommune2kx4qa7bz"  # the account's DID, never its handle
    samples: ClassVar[list[Path]] = [
        FIX / "author_feed_sv.json",
        FIX / "thread_sv.json",
        FIX / "profile_sv.json",
        FIX / "jetstream_sv.jsonl",
        FIX / "repo_sv.car",
    ]
    unicode_text = "Välkommen på söndag 😊 Åbent hus på rådhuset"
    personal: ClassVar[list[str]] = [
        # the people who replied: their names, handles and words (their DIDs are in the posts' AT-URIs)
        "Astrid Jensen", "astridj.bsky.social", "När öppnar ni på söndag",
        "Lars Öberg", "larsoberg.bsky.social", "Köp billiga följare", "Tack för infon",
    ]
    other_page_sample = FIX / "author_feed_other_account.json"
    older = FIX / "jetstream_before_edit.jsonl"
    newer = FIX / "jetstream_after_edit.jsonl"
