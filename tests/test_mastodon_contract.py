"""The Mastodon channel against the channel contract suite, with its own Swedish and Danish samples."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from socialledger.plugins.mastodon.channel import MastodonChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "mastodon"


class TestMastodonContract(ChannelContract):
    channel = MastodonChannel()
    platform_id = "https://social.example.se/users/kommunen"  # the actor uri
    samples: ClassVar[list[Path]] = [
        FIX / "history",  # the edit history with the request it answered, before the statuses
        FIX / "sv",  # statuses, a context, a source, the user stream (event-stream text, JSON lines), webhooks
        FIX / "archive",  # the account archive, unpacked
        FIX / "webhook" / "status_created.json",
    ]
    unicode_text = "När öppnar museet på söndag? 😊"
    personal: ClassVar[list[str]] = [
        # people who wrote to the account, by name, acct and uri, and what they wrote
        "Åsa Öberg", "asa@mastodon.nu", "mastodon.nu/users/asa", "När öppnar museet", "Plogas Lilla Torg",
        "Søren Østergaard", "soren@mastodon.dk", "Hvornår åbner udstillingen", "sneplovene til Limhamn",
        "Göran Ärlemalm", "Finns det parkering", "Konsthallen har öppet till 17",
        # a direct message, never recorded at all
        "Mitt personnummer",
    ]
    other_page_sample = FIX / "other" / "other_account.json"
    older = FIX / "edits" / "status_before_edit.json"
    newer = FIX / "edits" / "status_after_edit.json"
