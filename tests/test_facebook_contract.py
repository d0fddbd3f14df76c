"""The Facebook channel against the channel contract suite, with its own samples."""

from __future__ import annotations

from pathlib import Path

from socialledger.plugins.facebook.channel import FacebookChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "facebook"


class TestFacebookContract(ChannelContract):
    channel = FacebookChannel()
    platform_id = "104729384756102"
    samples = [
        FIX / "sv" / "page_feed_p1.json",
        FIX / "sv" / "post_comments_p1.json",
        FIX / "sv" / "page_insights.json",
        FIX / "sv" / "webhook_batch.jsonl",
        FIX / "sv" / "webhook_comment_add.json",
        FIX / "export_old",
        FIX / "export_new",
        FIX / "export_kinds",  # events, notes, title-only shares and comments, updates, non-ASCII media names
        FIX / "cases",  # posts without created_time; moderation of comments never captured
    ]
    unicode_text = "När öppnar biblioteket på söndag? 😊"
    personal = ["Åsa Öberg", "När öppnar biblioteket", "Örjan Ärlig", "10152345", "Märta Ängström",
                "Köp billiga glasögon", "Olle Ödmark", "Köp billiga klockor", "Kim Sjöberg"]
    other_page_sample = FIX / "graph" / "page_posts_fields_p1.json"
    older = FIX / "sv" / "edit_older.json"
    newer = FIX / "sv" / "edit_newer.json"
