"""The one table from Facebook's metric names to the ledger's vocabulary (core/metrics.py).

`METRICS` maps a Page or post Insights name, including the deprecated and the
renamed ones, to (ledger metric, default period). The default period is the
period the metric has when the data gives none; the period "instant" marks a
level (followers at a moment), which stays "instant" whatever the Insights
`period` says, since Facebook reports `page_fans` as "day" although it is the
count at the end of that day. Two names map to one ledger metric only where the
one replaced the other (`page_impressions_unique`, removed 2025, by
`page_total_media_view_unique`), so one page never reports a ledger metric
twice for one period.

A name the table does not know is kept under its platform name
(`ledger_metric("page_posts_impressions_paid") == "page_posts_impressions_paid"`):
never dropped.

The fields a Graph API post carries (`shares.count`, `comments.summary`,
`reactions.summary` and the per-reaction aliases, a comment's `like_count`) are
in the table too, under the names the readers give them.
"""

from __future__ import annotations

from typing import Final

from socialledger.channels import VOCABULARY, Period
from socialledger.plugins._meta.graph import INSIGHTS_PERIODS
from socialledger.plugins.facebook.common import FormatError

#: Facebook metric name -> (ledger metric, default period)
METRICS: Final[dict[str, tuple[str, Period]]] = {
    # --- Graph API object fields (counts on a post or comment) ---
    "shares": ("shares", "lifetime"),
    "comments": ("comments", "lifetime"),
    "reactions": ("reactions", "lifetime"),
    "likes": ("reactions", "lifetime"),  # before reactions (2016) there were only likes
    "like_count": ("reactions", "lifetime"),  # a comment's likes (all reaction kinds)
    "followers_count": ("followers", "instant"),
    "fan_count": ("followers", "instant"),  # page likes: superseded by followers_count
    # --- Page Insights ---
    "page_impressions": ("impressions", "day"),  # deprecated 2025: page_media_view
    "page_media_view": ("views", "day"),
    "page_impressions_unique": ("reach", "day"),  # deprecated 2025: page_total_media_view_unique
    "page_total_media_view_unique": ("reach", "day"),
    "page_fans": ("followers", "instant"),  # deprecated 2025: page_follows
    "page_follows": ("followers", "instant"),
    "page_fan_adds": ("follows", "day"),  # deprecated: page_daily_follows_unique
    "page_fan_adds_unique": ("follows", "day"),
    "page_daily_follows": ("follows", "day"),
    "page_daily_follows_unique": ("follows", "day"),
    "page_fan_removes": ("unfollows", "day"),  # deprecated: page_daily_unfollows_unique
    "page_fan_removes_unique": ("unfollows", "day"),
    "page_daily_unfollows": ("unfollows", "day"),
    "page_daily_unfollows_unique": ("unfollows", "day"),
    "page_engaged_users": ("engaged_users", "day"),  # deprecated 2024
    "page_post_engagements": ("interactions", "day"),
    "page_actions_post_reactions_total": ("reactions", "day"),  # breakdown per kind
    "page_consumptions": ("clicks", "day"),
    "page_views_total": ("profile_views", "day"),
    "page_video_views": ("video_views", "day"),
    # --- Post Insights ---
    "post_impressions": ("impressions", "lifetime"),  # deprecated 2025: post_media_view
    "post_media_view": ("views", "lifetime"),
    "post_impressions_unique": ("reach", "lifetime"),  # deprecated 2025: post_total_media_view_unique
    "post_total_media_view_unique": ("reach", "lifetime"),
    "post_engaged_users": ("engaged_users", "lifetime"),  # deprecated 2024
    "post_clicks": ("clicks", "lifetime"),
    "post_reactions_by_type_total": ("reactions", "lifetime"),  # breakdown per kind
    "post_video_views": ("video_views", "lifetime"),
}

#: Insights `period` -> the record's period (the same for Facebook and Instagram).
PERIODS: Final = INSIGHTS_PERIODS

#: Reaction kinds under one name: Insights say "sorry"/"anger" where the Graph aliases say "sad"/"angry".
REACTION_KINDS: Final[dict[str, str]] = {
    "like": "like",
    "love": "love",
    "wow": "wow",
    "haha": "haha",
    "sad": "sad",
    "sorry": "sad",
    "angry": "angry",
    "anger": "angry",
    "care": "care",
    "thankful": "thankful",
    "pride": "pride",
}

_outside = sorted({m for m, _ in METRICS.values()} - VOCABULARY.keys())
if _outside:  # the table may only name metrics of the ledger's vocabulary
    raise RuntimeError(f"facebook METRICS names metrics outside the ledger vocabulary: {_outside}")


def ledger_metric(platform_name: str) -> str:
    """The ledger's name for a Facebook metric, or the platform's own name when the table has none."""
    entry = METRICS.get(platform_name)
    return entry[0] if entry else platform_name


def default_period(platform_name: str) -> Period | None:
    entry = METRICS.get(platform_name)
    return entry[1] if entry else None


def record_period(platform_name: str, insights_period: str | None) -> Period:
    """The record period of a metric reported with Insights `period` (None: the data gives none).

    A level ("instant" in the table) stays "instant"; otherwise the Insights
    period wins, then the table's default, then "lifetime".
    """
    default = default_period(platform_name)
    if default == "instant":
        return "instant"
    if insights_period is not None:
        try:
            return PERIODS[insights_period]
        except KeyError:
            raise FormatError(f"unknown Insights period {insights_period!r} of {platform_name}") from None
    return default or "lifetime"


def reaction_kind(name: str) -> str:
    """`sorry` -> `sad`, `anger` -> `angry`, `LIKE` -> `like`; unknown kinds lower-cased."""
    key = name.lower()
    return REACTION_KINDS.get(key, key)
