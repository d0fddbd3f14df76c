"""Periods, written the same everywhere: 2026H1, 2026Q2, 2026-03, 2026-W12, 2026-03-01..2026-03-31.

Both ends of a range are inclusive; every period is a run of whole days in the
organisation's time zone, turned into UTC bounds [start, end) for queries.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from socialledger.core.domain.errors import BadInput

_FORMS = "2026H1, 2026Q2, 2026-03, 2026-W12, 2026-03-01..2026-03-31 or 2026"


@attrs.frozen
class Period:
    label: str
    first: date  # first day, inclusive
    last: date  # last day, inclusive

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """UTC [start, end): local midnight of the first day to local midnight after the last."""
        start = datetime.combine(self.first, time(0), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return start, end

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def parts(self) -> list[Period]:
        """The period in the next smaller unit, for a table with a column each (`stats --by period`):
        a year, half-year or quarter in months, a month in ISO weeks, a week in days; a range of up to
        two weeks in days, up to two months in weeks, longer in months. A part cut by the period's
        ends is labelled as the range (or the day) it covers: `2026-03-30..2026-03-31`."""
        span = (self.last - self.first).days + 1
        if re.fullmatch(r"\d{4}(H[12]|Q[1-4])?", self.label):
            unit = "month"
        elif re.fullmatch(r"\d{4}-\d{2}", self.label):
            unit = "week"
        elif span <= 14:
            return [Period(d.isoformat(), d, d) for d in self.days()]
        else:
            unit = "week" if span <= 62 else "month"
        out, start = [], self.first
        while start <= self.last:
            if unit == "week":
                whole_first = start - timedelta(days=start.weekday())
                whole_last = whole_first + timedelta(days=6)
                year, week, _ = whole_first.isocalendar()
                label = f"{year}-W{week:02d}"
            else:
                whole_first, whole_last = start.replace(day=1), _month_end(start.year, start.month)
                label = f"{start.year}-{start.month:02d}"
            last = min(whole_last, self.last)
            if (start, last) != (whole_first, whole_last):
                label = start.isoformat() if start == last else f"{start.isoformat()}..{last.isoformat()}"
            out.append(Period(label, start, last))
            start = last + timedelta(days=1)
        return out

    def half_year(self) -> str | None:
        """The half-year label when the period is exactly one."""
        if self.first.month in (1, 7) and self.first.day == 1:
            h = 1 if self.first.month == 1 else 2
            if parse(f"{self.first.year}H{h}") == self:
                return f"{self.first.year}H{h}"
        return None


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse(text: str) -> Period:
    period = _parse(text)
    if period.first.year < 2 or period.last.year > 9998:  # its bounds in a time zone would leave the calendar
        raise BadInput(f"period {text!r}: only the years 2 to 9998 are periods")
    return period


def _parse(text: str) -> Period:
    t = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})", t):
            y = int(m[1])
            return Period(t, date(y, 1, 1), date(y, 12, 31))
        if m := re.fullmatch(r"(\d{4})H([12])", t, re.I):
            y, h = int(m[1]), int(m[2])
            return Period(t.upper(), date(y, 1 if h == 1 else 7, 1), date(y, 6, 30) if h == 1 else date(y, 12, 31))
        if m := re.fullmatch(r"(\d{4})Q([1-4])", t, re.I):
            y, q = int(m[1]), int(m[2])
            return Period(t.upper(), date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", t, re.I):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(t.upper(), first, first + timedelta(days=6))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", t):
            y, mo = int(m[1]), int(m[2])
            return Period(t, date(y, mo, 1), _month_end(y, mo))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", t):
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if last < first:
                raise BadInput(f"period {text!r}: the range ends before it starts")
            return Period(t, first, last)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})", t):
            d = date.fromisoformat(m[1])
            return Period(t, d, d)
    except ValueError as e:
        raise BadInput(f"period {text!r}: {e}") from None
    raise BadInput(f"period {text!r} is not one of the forms {_FORMS}")


def half_year_of(day: date) -> str:
    return f"{day.year}H{1 if day.month <= 6 else 2}"


def previous(period: Period) -> Period:
    """The period of the same kind just before `period` (2026Q1 -> 2025Q4; a range: as many days before it)."""
    label = period.label
    first = period.first
    if re.fullmatch(r"\d{4}", label):
        return parse(str(first.year - 1))
    if m := re.fullmatch(r"(\d{4})H([12])", label):
        y, h = int(m[1]), int(m[2])
        return parse(f"{y - 1}H2" if h == 1 else f"{y}H1")
    if m := re.fullmatch(r"(\d{4})Q([1-4])", label):
        y, q = int(m[1]), int(m[2])
        return parse(f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}")
    if re.fullmatch(r"\d{4}-W\d{2}", label):
        year, week, _ = (first - timedelta(days=7)).isocalendar()
        return parse(f"{year}-W{week:02d}")
    if re.fullmatch(r"\d{4}-\d{2}", label):
        before = first - timedelta(days=1)
        return parse(f"{before.year}-{before.month:02d}")
    days = (period.last - first).days + 1
    start, end = first - timedelta(days=days), first - timedelta(days=1)
    label = start.isoformat() if days == 1 else f"{start.isoformat()}..{end.isoformat()}"
    return Period(label, start, end)
