"""The Instagram channel against the channel contract suite, with its own samples."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from socialledger.plugins.instagram.channel import InstagramChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "instagram"


class TestInstagramContract(ChannelContract):
    channel = InstagramChannel()
    platform_id = "17841400000000001"
    samples: ClassVar[list[Path]] = [
        FIX / "sv" / "user_media_p1.json",
        FIX / "sv" / "media_comments_p1.json",
        FIX / "sv" / "media_insights_reel.json",
        FIX / "sv" / "account_insights_day.json",
        FIX / "sv" / "account_insights_total_value.json",
        FIX / "sv" / "account.json",
        FIX / "sv" / "mentioned_media.json",
        FIX / "sv" / "batch_insights.json",
        FIX / "sv" / "webhook_batch.jsonl",
        FIX / "sv" / "webhook_comment_add.json",
        FIX / "export_old",
        FIX / "export_new",
        FIX / "export_kinds",  # IGTV (also inside the posts array), reels, stories
    ]
    unicode_text = "När öppnar utställningen på söndag? 😊"
    personal: ClassVar[list[str]] = [
        # commenters' usernames and ids (from{id,username}) and what they wrote
        "asa.oberg", "17840000000000301", "När öppnar utställningen",
        "goran.arlemalm", "Så fint ljus i foajén",
        "foljare_snabbt_2024", "Köp billiga följare",
        "lisa.wahlstrom", "Hittade en mössa",
        "orjan.arlig", "caféet öppet under påsklovet",
        # a caption mention by someone else, and the media owners named in the export's comments
        "anna.karlsson.foto", "Fantastisk kväll på",
        "konstnarsforbundet", "stadsteatern_sthlm", "Grattis till vernissagen",
    ]
    other_page_sample = FIX / "graph" / "user_media_p1.json"  # /{ig-user}/media of another account
    older = FIX / "sv" / "webhook_comment_older.json"
    newer = FIX / "sv" / "webhook_comment_newer.json"
