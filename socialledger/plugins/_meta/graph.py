"""Meta's Graph API shapes, shared by the Facebook and Instagram channels: paging and Insights."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from socialledger.channels import Period, url_without

_API_VERSION = re.compile(r"^v\d+(\.\d+)?$")


def paging_edge(paging: Any, object_id: re.Pattern[str]) -> tuple[str, str] | None:
    """(object, edge) named by a Graph API page's paging URLs (`/v19.0/<object>/<edge>?...`), or None.

    The next or previous link is the one place a response says whose data it is;
    an object that does not match `object_id` is not taken for one.
    """
    if not isinstance(paging, dict):
        return None
    for key in ("next", "previous"):
        url = paging.get(key)
        if not isinstance(url, str):
            continue
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if parts and _API_VERSION.match(parts[0]):
            parts = parts[1:]
        if len(parts) >= 2 and object_id.match(parts[0]):
            return parts[0], parts[1]
    return None


#: Insights `period` -> the record's period.
INSIGHTS_PERIODS: dict[str, Period] = {
    "day": "day",
    "week": "week",
    "days_28": "days_28",
    "month": "month",
    "lifetime": "lifetime",
    "total_over_range": "range",
}
#: How long an Insights period is, where it has one fixed length (its start is then end - length).
_INSIGHTS_PERIOD_LENGTH = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "days_28": timedelta(days=28),
}


def is_insight(item: dict[str, Any]) -> bool:
    """An Insights value (`{name, period, values | total_value}`), by its shape."""
    return isinstance(item.get("name"), str) and ("values" in item or "total_value" in item)


def insights_start(end: datetime | None, period: str | None, record_period: Period) -> datetime | None:
    """Where an Insights value's period starts: known only for a fixed-length period that is not an instant."""
    if end is None or period not in _INSIGHTS_PERIOD_LENGTH or record_period == "instant":
        return None
    return end - _INSIGHTS_PERIOD_LENGTH[period]


#: The query parameters Meta's CDN signs a URL with, or varies per request: an expiry (`oe`), the signature
#: (`oh`), cache and routing hints (`_nc_*`, `ccb`).
_SIGNATURE_PARAMS = frozenset({"oh", "oe", "ccb"})
_META_CDN_HOSTS = ("fbcdn.net", "cdninstagram.com")


def cdn_identity(url: str) -> str:
    """A media URL without what Meta's CDN re-signs (`Channel.media_identity`): the path and the other parameters;
    on Meta's CDN hosts not the edge host either (`scontent-arn2-1.xx.fbcdn.net` and `scontent.xx.fbcdn.net`
    serve the same file)."""
    host = urlsplit(url).hostname or ""
    return url_without(url, lambda k: k in _SIGNATURE_PARAMS or k.startswith("_nc_"),
                       where="meta-cdn" if host.endswith(_META_CDN_HOSTS) else None)
