"""The one table from LinkedIn's metric names to the ledger's vocabulary (core/metrics.py).

`METRICS` maps each LinkedIn statistic the readers produce, including the
retired and renamed ones, to (ledger metric, default period). The default
period is the one a value has when the data gives no time range:

- organisation share statistics without `timeIntervals` cover LinkedIn's
  rolling twelve months ("range"; its end is the observation time when the
  input has one, an Airbyte record's `emitted_at`, else None);
- statistics of one post (`shares=List(urn:li:share:…)`) and a post's social
  action summary are "lifetime";
- follower counts are levels: "instant".

With `timeIntervals` each element has a `timeRange{start,end}` (epoch ms) and
its period is what that range is (`period_of`): a day, a week, a calendar
month, or "range".

Names the table does not hold are kept under their platform name, never
dropped: `engagement` (a rate, not a count: the ledger's "interactions" is a
count), `shareMentionsCount` and `commentMentionsCount` (mentions of the
organisation), `totalFirstLevelComments` (a part of the comments count), and
the follower demographics (`followerCountsByGeoCountry`, ... and the retired
`followerCountsByRegion`), each one record whose breakdown is the count per
segment.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Final

from socialledger.channels import VOCABULARY, Period

#: LinkedIn metric name -> (ledger metric, default period)
METRICS: Final[dict[str, tuple[str, Period]]] = {
    # --- organizationalEntityShareStatistics: totalShareStatistics (organic only) ---
    "impressionCount": ("impressions", "range"),
    "uniqueImpressionsCount": ("reach", "range"),  # unique members; LinkedIn gives it for lifetime queries
    "clickCount": ("clicks", "range"),
    "likeCount": ("reactions", "range"),  # renamed on the platform: "likes" count every reaction kind since 2019
    "commentCount": ("comments", "range"),
    "shareCount": ("shares", "range"),  # reposts
    # --- follower statistics and network size ---
    "followerGains": ("follows", "range"),  # organicFollowerGain + paidFollowerGain, split in the breakdown
    "firstDegreeSize": ("followers", "instant"),  # networkSizes (edgeType COMPANY_FOLLOWED_BY_MEMBER)
    "numFollowers": ("followers", "instant"),  # retired v1 Companies API (`/v1/companies/{id}/num-followers`)
    # --- socialActions summary of one post (`GET /rest/socialActions/{urn}`) ---
    "likesSummary.totalLikes": ("reactions", "lifetime"),  # likes now count every reaction kind
    "commentsSummary.aggregatedTotalComments": ("comments", "lifetime"),  # comments and replies
}

#: Statistics a post-level element (one share or ugcPost) has for its whole life.
POST_PERIOD: Final[Period] = "lifetime"

_outside = sorted({m for m, _ in METRICS.values()} - VOCABULARY.keys())
if _outside:  # the table may only name metrics of the ledger's vocabulary
    raise RuntimeError(f"linkedin METRICS names metrics outside the ledger vocabulary: {_outside}")


def ledger_metric(platform_name: str) -> str:
    """The ledger's name for a LinkedIn metric, or the platform's own name when the table has none."""
    entry = METRICS.get(platform_name)
    return entry[0] if entry else platform_name


def default_period(platform_name: str, fallback: Period = "range") -> Period:
    entry = METRICS.get(platform_name)
    return entry[1] if entry else fallback


def period_of(start: datetime, end: datetime) -> Period:
    """The period a `timeRange` covers: "day", "week", "month" (a calendar month) or "range"."""
    length = end - start
    if length == timedelta(days=1):
        return "day"
    if length == timedelta(days=7):
        return "week"
    if length == timedelta(days=28):
        return "days_28"
    if start.day == 1 and start.hour == start.minute == start.second == 0:
        days = calendar.monthrange(start.year, start.month)[1]
        if length == timedelta(days=days):
            return "month"
    return "range"


__all__ = ["METRICS", "POST_PERIOD", "default_period", "ledger_metric", "period_of"]
