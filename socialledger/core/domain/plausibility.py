"""Values checked at the edge: platform times and counts a record may carry (docs/ingest.md, "Impossible values").

A platform time before the platform existed or more than a day after now, and a
count that is negative, not finite or beyond 2^53 (where a JSON number stops being
exact), is not data but damage: the item that carries one is skipped, named in the
ingest's summary with what is wrong, and nothing of it is recorded, so that no
later command meets a value it cannot show (a year 9999 date, a count of 10^30).
Plain functions of the record and the window, as the other capture rules.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs
import msgspec

from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import (
    AccountRecord,
    ContentRecord,
    MetricsRecord,
    ModerationRecord,
    Record,
)

#: The largest count a record may carry: beyond it a JSON number is no longer an exact integer.
MAX_COUNT: Final = 2**53
#: Overrides of the window, for every channel: the first year a platform time may fall in, and how
#: many days after now the last may (an operator's clock that runs slow, a platform's that runs fast).
EARLIEST_ENV: Final = "SOCIALLEDGER_EARLIEST_YEAR"
LATEST_ENV: Final = "SOCIALLEDGER_LATEST_DAYS"
#: How far ahead an event may be announced to begin or end (`starts`, `ends`).
SCHEDULED_YEARS: Final = 10
#: The reason skipped items are counted under in the ingest's accounting.
IMPLAUSIBLE_REASON: Final = "an impossible time or count (named below; see ingest.md)"


@attrs.frozen
class Window:
    """The platform times an input's records may carry."""

    earliest: datetime
    latest: datetime
    scheduled: datetime  # the latest an event may be announced for

    @classmethod
    def for_channel(cls, founded: int, now: datetime | None = None) -> Window:
        now = now or datetime.now(UTC)
        year = _env_int(EARLIEST_ENV, founded)
        days = _env_int(LATEST_ENV, 1)
        if not 1 <= year <= now.year:
            raise BadInput(f"{EARLIEST_ENV} must be a year between 1 and {now.year}, not {year}")
        if not 0 <= days <= 3660:
            raise BadInput(f"{LATEST_ENV} must be a number of days between 0 and 3660, not {days}")
        return cls(earliest=datetime(year, 1, 1, tzinfo=UTC), latest=now + timedelta(days=days),
                   scheduled=now + timedelta(days=366 * SCHEDULED_YEARS))


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"{name} must be a whole number, not {value!r}") from None


def implausible(record: Record, window: Window) -> str | None:
    """What is impossible about `record` (the first thing found, in words), or None when nothing is."""
    for what, value, latest in _times(record, window):
        if value is None:
            continue
        if value.tzinfo is None:
            return f"{what} {value.isoformat()} has no time zone"
        if value < window.earliest or value > latest:
            return (f"{what} {value.isoformat()} is outside {window.earliest.date().isoformat()}"
                    f"..{latest.date().isoformat()}")
    if isinstance(record, MetricsRecord):
        problem = _count("value", record.value)
        if problem:
            return problem
        for part, value in (record.breakdown or {}).items():
            problem = _count(f"breakdown {part!r}", value)
            if problem:
                return problem
    if isinstance(record, ModerationRecord) and record.item is not None:
        problem = implausible(record.item, window)
        if problem:
            return problem
    raw = getattr(record, "raw", None)
    if raw and _may_hold_a_large_number(raw):
        return _raw_number(raw)
    return None


#: A JSON number of 16 digits or more, or with an exponent: what may be beyond 2^53 (a string never matches,
#: its digits follow a quote; text that happens to match is only walked, and then found fine).
_LARGE = re.compile(rb"[:,\[]-?(?:\d{16,}|[\d.]+[eE])")
_encode = msgspec.json.Encoder().encode


def _may_hold_a_large_number(raw: Any) -> bool:
    """A cheap look at the fragment's JSON before walking it (most hold only small numbers)."""
    try:
        return _LARGE.search(_encode(raw)) is not None
    except (TypeError, OverflowError, msgspec.EncodeError, ValueError):
        return True  # what JSON cannot even encode (a count past 2^64, infinity) is walked, and named


def _times(record: Record, window: Window) -> Iterator[tuple[str, datetime | None, datetime]]:
    if isinstance(record, ContentRecord):
        yield "created", record.created, window.latest
        yield "observed", record.observed, window.latest
        yield "starts", record.starts, window.scheduled
        yield "ends", record.ends, window.scheduled
    elif isinstance(record, ModerationRecord):
        yield "observed", record.observed, window.latest
    elif isinstance(record, MetricsRecord):
        yield "start", record.start, window.latest
        yield "end", record.end, window.latest
    elif isinstance(record, AccountRecord):
        yield "observed", record.observed, window.latest


def _count(what: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{what} {value!r} is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{what} {value!r} is not a finite number"
    if value < 0:
        return f"{what} {_shown(value)} is negative"
    if value > MAX_COUNT:
        return f"{what} {_shown(value)} is beyond 2^53"
    return None


def _shown(value: float) -> str:
    return f"{int(value)}" if isinstance(value, int) or (value.is_integer() and abs(value) < 1e21) else f"{value:g}"


def _raw_number(obj: Any, path: str = "raw") -> str | None:
    """A number of the platform's fragment no store can keep exactly (beyond ±2^53, or not finite)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict | list | int | float) and not isinstance(v, bool):
                found = _raw_number(v, f"{path}.{k}")
                if found:
                    return found
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, dict | list | int | float) and not isinstance(v, bool):
                found = _raw_number(v, f"{path}[{i}]")
                if found:
                    return found
    elif isinstance(obj, int) and not isinstance(obj, bool):
        if abs(obj) > MAX_COUNT:
            return f"{path} {obj} is beyond 2^53"
    elif isinstance(obj, float) and (not math.isfinite(obj) or abs(obj) > MAX_COUNT):
        return f"{path} {obj:g} is beyond 2^53"
    return None
