"""The LinkedIn channel against the channel contract suite, with its own samples."""

from __future__ import annotations

from pathlib import Path

from socialledger.plugins.linkedin.channel import LinkedInChannel
from socialledger.testing import ChannelContract

FIX = Path(__file__).parent / "fixtures" / "linkedin"


class TestLinkedInContract(ChannelContract):
    channel = LinkedInChannel()
    platform_id = "90362860"  # the organisation of the real Airbyte sample; our sv/ fixtures use it too
    samples = [
        FIX / "sv" / "posts_p1.json",  # first: a JSON file (the bad-input tests cut and re-encode it)
        FIX / "sv" / "comments_share_p1.json",
        FIX / "sv" / "comments_ugcpost_p1.json",
        FIX / "sv" / "share_statistics_daily.json",
        FIX / "sv" / "share_statistics_posts.json",
        FIX / "sv" / "follower_statistics_monthly.json",
        FIX / "sv" / "follower_statistics_lifetime.json",
        FIX / "sv" / "network_size.json",
        FIX / "sv" / "organization.json",
        FIX / "api" / "airbyte_linkedin_pages_expected_records.jsonl",
        FIX / "export",
        FIX / "export_multiline",  # multi-line quoted texts, repeated share rows, Shares.csv by another name
    ]
    unicode_text = "Välkommen till vårens utställning på Kulturhuset 🎨"
    personal = [
        "aB3dE5fG7h",  # a commenter's person URN (id part)
        "Q9rS1tU3vW",
        "Kx0Adm1nZz",  # the administrator behind the organisation's reply (created.actor)
        "wx2KHVX1B1",  # the person in the real sample's organisation lookup
        "När öppnar kaféet på lördag",
        "Så fint det blev i foajén",
        "Märta Ängström",  # a person mentioned in a post
        "Kommunikatör på Kulturhuset Tornet",  # Profile.csv of the export: never read
        "sara-ersattare",  # Connections.csv of the export: never read
    ]
    other_page_sample = FIX / "sv" / "other_org_posts.json"
    older = FIX / "sv" / "edit_older.json"
    newer = FIX / "sv" / "edit_newer.json"
