"""Organisation statistics and the organisation itself -> records.

- `organizationalEntityShareStatistics`: `totalShareStatistics{impressionCount,
  uniqueImpressionsCount, clickCount, likeCount, commentCount, shareCount,
  engagement, …}` (organic only). Without `timeIntervals` it covers LinkedIn's
  rolling twelve months: period "range", `end` = the time of the observation
  when the input gives one (an Airbyte record's `emitted_at`), else None (the
  core then tells observations apart by value), `start` None (LinkedIn does
  not say where the twelve months begin, so the ledger does not guess). With
  `timeIntervals` an element has `timeRange{start,end}` and its period is what
  the range is (`metrics.period_of`). An element that names a post (`share`,
  `ugcPost`) is about that post: `native_id` is its URN, period "lifetime".
- `organizationalEntityFollowerStatistics`: with `timeIntervals`,
  `followerGains{organicFollowerGain, paidFollowerGain}` per `timeRange` is one
  "follows" value (their sum; the breakdown keeps organic and paid). Without,
  the follower demographics `followerCountsBy<Segment>[{<segment>,
  followerCounts{organicFollowerCount, paidFollowerCount}}]` are one "instant"
  value per list, kept under its platform name, with the count per segment as
  breakdown; an empty list is no data and gives no record.
- `networkSizes`: `firstDegreeSize` -> "followers", "instant".
- The organisation lookup (`GET /rest/organizations/{id}`) -> AccountRecord:
  platform id the organisation's number, name `localizedName`, username
  `vanityName`.

`page_id` is the organisation named by `organizationalEntity` (or the looked-up
organisation); a networkSizes answer names none.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from socialledger.channels import AccountRecord, ItemError, MetricsRecord, Period
from socialledger.plugins.linkedin.common import (
    CHANNEL,
    FormatError,
    as_id,
    dict_at,
    is_post_urn,
    ms_time,
    number,
    org_id,
    text_or_none,
)
from socialledger.plugins.linkedin.metrics import (
    POST_PERIOD,
    default_period,
    ledger_metric,
    period_of,
)

SOURCE = "api"
FOLLOWER_SEGMENTS = "followerCountsBy"


def is_share_statistics(item: dict[str, Any]) -> bool:
    return "totalShareStatistics" in item


def is_follower_statistics(item: dict[str, Any]) -> bool:
    return "followerGains" in item or any(k.startswith(FOLLOWER_SEGMENTS) for k in item)


def is_network_size(item: dict[str, Any]) -> bool:
    return "firstDegreeSize" in item or "numFollowers" in item


def is_organization(item: dict[str, Any]) -> bool:
    return "id" in item and ("vanityName" in item or "localizedName" in item)


def is_error(item: dict[str, Any]) -> bool:
    return "serviceErrorCode" in item or (
        isinstance(item.get("status"), int) and isinstance(item.get("message"), str) and len(item) <= 4)


def _page(item: dict[str, Any], where: str) -> str | None:
    entity = item.get("organizationalEntity", item.get("organization"))
    if entity is None:
        return None
    page = org_id(entity)
    if page is None:
        raise FormatError(f"{where}: organizationalEntity {entity!r} is not an organisation URN")
    return page


def _time_range(item: dict[str, Any], where: str) -> tuple[datetime, datetime] | None:
    tr = item.get("timeRange")
    if tr is None:
        return None
    if not isinstance(tr, dict):
        raise FormatError(f"{where}.timeRange is not an object")
    start = ms_time(tr.get("start"), f"{where}.timeRange.start")
    end = ms_time(tr.get("end"), f"{where}.timeRange.end")
    if start is None or end is None or end <= start:
        raise FormatError(f"{where}.timeRange {tr!r} is not a time range")
    return start, end


def read_share_statistics(item: dict[str, Any], observed: datetime | None, where: str) -> Iterator[MetricsRecord]:
    stats = item.get("totalShareStatistics")
    if not isinstance(stats, dict):
        raise FormatError(f"{where}.totalShareStatistics is not an object")
    page = _page(item, where)
    post = next((item[k] for k in ("share", "ugcPost") if isinstance(item.get(k), str)), None)
    if post is not None and not is_post_urn(post):
        raise FormatError(f"{where}: {post!r} is not a share or ugcPost URN")
    tr = _time_range(item, where)
    period: Period
    if tr is not None:
        start, end = tr
        period = period_of(start, end)
    else:
        start, end = None, observed
        period = POST_PERIOD if post is not None else "range"
    for name, value in stats.items():
        if value is None:
            continue
        yield MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=ledger_metric(name), platform_metric=name, period=period,
            end=end, start=start, value=number(value, f"{where}.totalShareStatistics.{name}"), native_id=post,
            page_id=page,
        )


def read_follower_statistics(item: dict[str, Any], observed: datetime | None,
                             where: str) -> Iterator[MetricsRecord]:
    page = _page(item, where)
    tr = _time_range(item, where)
    gains = item.get("followerGains")
    if gains is not None:
        if not isinstance(gains, dict):
            raise FormatError(f"{where}.followerGains is not an object")
        breakdown = {
            kind: number(gains[field], f"{where}.followerGains.{field}")
            for kind, field in (("organic", "organicFollowerGain"), ("paid", "paidFollowerGain"))
            if gains.get(field) is not None
        }
        if breakdown:
            start, end = tr if tr is not None else (None, observed)
            period: Period = period_of(start, end) if start is not None and end is not None else "range"
            yield MetricsRecord(
                channel=CHANNEL, source=SOURCE, metric=ledger_metric("followerGains"),
                platform_metric="followerGains", period=period, start=start, end=end,
                value=sum(breakdown.values()), breakdown=breakdown, page_id=page,
            )
    for name, segments in item.items():
        if not name.startswith(FOLLOWER_SEGMENTS):
            continue
        if not isinstance(segments, list):
            raise FormatError(f"{where}.{name} is not a list")
        if not segments:
            continue  # no data
        breakdown = {}
        for j, seg in enumerate(segments):
            at = f"{where}.{name}[{j}]"
            if not isinstance(seg, dict):
                raise FormatError(f"{at} is not an object")
            counts = dict_at(seg, "followerCounts")
            label = next((str(v) for k, v in seg.items() if k != "followerCounts"), None)
            if label is None:
                raise FormatError(f"{at} names no segment")
            total = sum(number(counts[f], f"{at}.followerCounts.{f}")
                        for f in ("organicFollowerCount", "paidFollowerCount") if counts.get(f) is not None)
            breakdown[label] = breakdown.get(label, 0.0) + total
        start, end = tr if tr is not None else (None, observed)
        yield MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=ledger_metric(name), platform_metric=name,
            period="instant" if tr is None else period_of(*tr), start=start, end=end,
            value=sum(breakdown.values()), breakdown=breakdown, page_id=page,
        )


def read_network_size(item: dict[str, Any], observed: datetime | None, page: str | None,
                      where: str) -> Iterator[MetricsRecord]:
    for name in ("firstDegreeSize", "numFollowers"):
        if item.get(name) is not None:
            yield MetricsRecord(
                channel=CHANNEL, source=SOURCE, metric=ledger_metric(name), platform_metric=name,
                period=default_period(name), end=observed, value=number(item[name], f"{where}.{name}"),
                page_id=page,
            )


def read_organization(item: dict[str, Any], observed: datetime | None, where: str) -> AccountRecord:
    org = as_id(item["id"], f"{where}.id")
    if org.startswith("urn:li:"):
        org = org_id(org) or org
    name = text_or_none(item.get("localizedName"))
    if name is None:  # the multi-locale form: {"localized": {"sv_SE": "..."}, "preferredLocale": {...}}
        localized = dict_at(item, "name", "localized")
        name = next((v for v in localized.values() if isinstance(v, str) and v), None)
    return AccountRecord(
        channel=CHANNEL, source=SOURCE, platform_id=org, observed=observed, name=name,
        username=text_or_none(item.get("vanityName")),
    )


def read_error(item: dict[str, Any], native_id: str | None = None) -> ItemError:
    status, code = item.get("status"), item.get("serviceErrorCode")
    text = str(item.get("message") or "unknown error")
    if isinstance(item.get("code"), str):
        text = f"{item['code']}: {text}"
    return ItemError(
        channel=CHANNEL, source=SOURCE, message=text, native_id=native_id,
        code=None if code is None and status is None else "/".join(str(c) for c in (status, code) if c is not None),
    )


__all__ = [
    "is_error",
    "is_follower_statistics",
    "is_network_size",
    "is_organization",
    "is_share_statistics",
    "read_error",
    "read_follower_statistics",
    "read_network_size",
    "read_organization",
    "read_share_statistics",
]
