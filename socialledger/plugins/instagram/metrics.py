"""The one table from Instagram's metric names to the ledger's vocabulary (core/metrics.py).

`METRICS` maps an Instagram media or account Insights name, including the
deprecated and the renamed ones, and the counts a Graph API object carries
(`like_count`, `comments_count`, `followers_count`), to (ledger metric,
default period). The default period is the period the metric has when the data
gives none; "instant" marks a level (followers at a moment), which stays
"instant" whatever the data says.

Renamed and deprecated names map to their successor's ledger metric:
`plays` (2025) -> views like `views`; `engagement` -> interactions like
`total_interactions`; `carousel_album_*` (the old names of carousel metrics)
like the plain names. `impressions` (deprecated 2025, "use views") stays
`impressions`: the vocabulary keeps both, since views also count replays and
a series must not silently change meaning.

Where one response reports a deprecated name and its successor for the same
object (both are asked for during a deprecation window), the deprecated one is
kept under its platform name (`deprecated_conflicts`): one object never reports
one ledger metric twice for one period.

A name the table does not know is kept under its platform name
(`ledger_metric("ig_reels_avg_watch_time") == "ig_reels_avg_watch_time"`):
never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from socialledger.channels import VOCABULARY, Period
from socialledger.plugins._meta.graph import INSIGHTS_PERIODS
from socialledger.plugins.instagram.common import FormatError

#: Instagram metric name -> (ledger metric, default period)
METRICS: Final[dict[str, tuple[str, Period]]] = {
    # --- Graph API object fields ---
    "like_count": ("reactions", "lifetime"),  # likes of a media or comment: Instagram's only reaction
    "comments_count": ("comments", "lifetime"),
    "followers_count": ("followers", "instant"),
    # --- media Insights (period lifetime) ---
    "impressions": ("impressions", "lifetime"),  # deprecated 2025 (v22): views; account: day
    "reach": ("reach", "lifetime"),  # account: day, week, days_28
    "views": ("views", "lifetime"),
    "plays": ("views", "lifetime"),  # reels, deprecated 2025: views
    "saved": ("saves", "lifetime"),
    "saves": ("saves", "lifetime"),  # the account-level name (total_value)
    "likes": ("reactions", "lifetime"),
    "comments": ("comments", "lifetime"),
    "shares": ("shares", "lifetime"),
    "total_interactions": ("interactions", "lifetime"),
    "engagement": ("interactions", "lifetime"),  # deprecated: total_interactions
    "video_views": ("video_views", "lifetime"),  # deprecated for reels and feed videos: views
    "profile_visits": ("profile_views", "lifetime"),
    "follows": ("follows", "lifetime"),
    "carousel_album_impressions": ("impressions", "lifetime"),  # renamed: impressions
    "carousel_album_reach": ("reach", "lifetime"),  # renamed: reach
    "carousel_album_engagement": ("interactions", "lifetime"),  # renamed: total_interactions
    "carousel_album_saved": ("saves", "lifetime"),  # renamed: saved
    "carousel_album_video_views": ("video_views", "lifetime"),  # renamed: video_views
    # --- account Insights ---
    "follower_count": ("follows", "day"),  # new followers each day (not the total: followers_count)
    "profile_views": ("profile_views", "day"),  # deprecated 2025
    "website_clicks": ("clicks", "day"),  # deprecated 2025: profile_links_taps (kept by its own name)
    "accounts_engaged": ("engaged_users", "day"),
}

#: Deprecated or renamed name -> the name that replaced it (where both map to one ledger metric).
SUCCESSORS: Final[dict[str, str]] = {
    "plays": "views",
    "engagement": "total_interactions",
    "carousel_album_impressions": "impressions",
    "carousel_album_reach": "reach",
    "carousel_album_engagement": "total_interactions",
    "carousel_album_saved": "saved",
    "carousel_album_video_views": "video_views",
}

#: Metrics only an account (never a media) reports, also over a lifetime period.
ACCOUNT_METRICS: Final[frozenset[str]] = frozenset({
    "follower_count", "profile_views", "website_clicks", "accounts_engaged", "online_followers",
    "audience_city", "audience_country", "audience_gender_age", "audience_locale", "follower_demographics",
    "engaged_audience_demographics", "reached_audience_demographics", "follows_and_unfollows",
    "profile_links_taps", "email_contacts", "phone_call_clicks", "text_message_clicks",
    "get_directions_clicks",
})

#: Insights `period` -> the record's period (the same for Facebook and Instagram).
PERIODS: Final = INSIGHTS_PERIODS

_outside = sorted({m for m, _ in METRICS.values()} - VOCABULARY.keys())
if _outside:  # the table may only name metrics of the ledger's vocabulary
    raise RuntimeError(f"instagram METRICS names metrics outside the ledger vocabulary: {_outside}")
_bad_successors = sorted(n for n, s in SUCCESSORS.items() if METRICS[n][0] != METRICS[s][0])
if _bad_successors:
    raise RuntimeError(f"instagram SUCCESSORS map to another ledger metric than their successor: {_bad_successors}")


def ledger_metric(platform_name: str) -> str:
    """The ledger's name for an Instagram metric, or the platform's own name when the table has none."""
    entry = METRICS.get(platform_name)
    return entry[0] if entry else platform_name


def default_period(platform_name: str) -> Period | None:
    entry = METRICS.get(platform_name)
    return entry[1] if entry else None


def record_period(platform_name: str, insights_period: str | None, *, total_value: bool = False) -> Period:
    """The record period of a metric reported with Insights `period` (None: the data gives none).

    A level ("instant" in the table) stays "instant". A `total_value` (the v18+
    shape, `metric_type=total_value`) over a day, week or 28 days is one total
    over the requested since..until range, not a value per period: "range".
    Otherwise the Insights period wins, then the table's default, then "lifetime".
    """
    default = default_period(platform_name)
    if default == "instant":
        return "instant"
    if insights_period is not None:
        try:
            period = PERIODS[insights_period]
        except KeyError:
            raise FormatError(f"unknown Insights period {insights_period!r} of {platform_name}") from None
        if total_value and period != "lifetime":
            return "range"
        return period
    return default or "lifetime"


def deprecated_conflicts(names: Iterable[str]) -> set[str]:
    """The deprecated names among `names` whose successor is there too: they keep their platform name."""
    present = set(names)
    return {n for n in present if SUCCESSORS.get(n) in present}


def is_account_metric(platform_name: str, insights_period: str | None) -> bool:
    """Whether an Insights value is about the account rather than a media.

    Media Insights are always over the media's lifetime; an account reports per
    day, week or 28 days, and over a lifetime only its audience metrics.
    """
    if platform_name in ACCOUNT_METRICS:
        return True
    return insights_period is not None and insights_period != "lifetime"
