"""The X channel against the channel contract suite, with its own archives (Swedish)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from socialledger.plugins.x.channel import XChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "x"


class TestXContract(ChannelContract):
    channel = XChannel()
    platform_id = "1422334455667788990"  # manifest.js userInfo.accountId
    samples: ClassVar[list[Path]] = [FIX / "archive_sv.zip"]
    unicode_text = "Välkommen på söndag 😊"
    # An archive holds the account's own tweets only; the people it names (in replies, mentions,
    # followers and likes) are in the account's words, or not kept at all.
    personal: ClassVar[list[str]] = ["kulturhuset@example.se", "https://twitter.com/intent/user?user_id=900001"]
    other_page_sample = FIX / "archive_other_account.zip"
    older = FIX / "archive_before_edit.zip"
    newer = FIX / "archive_after_edit.zip"
