"""The publication plan as an iCalendar file (RFC 5545), written with the `icalendar` package.

One VEVENT per planned post. Its UID is the planned post's ledger id, so a
calendar that imported or subscribed to the file before moves the post when it
was moved (SEQUENCE counts the changes) rather than showing it twice; a
cancelled post stays in the file as STATUS:CANCELLED, so that the calendar
drops it. Times carry the organisation's zone (TZID) with its VTIMEZONE.
DTSTAMP and LAST-MODIFIED are the post's last change, so the same plan always
writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

#: how long a planned post occupies the calendar
DURATION = timedelta(minutes=30)
PRODID = "-//socialledger//publication plan//EN"
UID_DOMAIN = "socialledger"



def uid(plan_id: str) -> str:
    return f"{plan_id}@{UID_DOMAIN}"


def summary(row: dict[str, Any]) -> str:
    title = row["title"] or row["format"]
    sponsored = " (sponsored)" if row["sponsored"] else ""
    return f"{row['name']}: {title} [{row['format']}]{sponsored}"


def description(row: dict[str, Any]) -> str:
    lines = [f"Account: {row['name']} ({row['channel']}, {row['unit']})",
             f"Format: {row['format']}", f"Responsible: {row['responsible']}",
             f"Sponsored: {'yes' if row['sponsored'] else 'no'}", f"State: {row['state']}"]
    if row["note"]:
        lines.append(f"Note: {row['note']}")
    if row["cancelled"]:
        lines.append(f"Cancelled: {row['cancelled']}")
    lines.append(f"Planned post {row['id']} in socialledger")
    return "\n".join(lines)


def calendar(rows: Sequence[dict[str, Any]], *, zone: ZoneInfo, name: str, organisation: str) -> bytes:
    """The iCalendar bytes of these plan rows (`PlanRow`s, times as datetimes)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", zone.key)
    if organisation:
        cal.add("x-wr-caldesc", f"{organisation}: planned posts on social media")
    for row in sorted(rows, key=lambda r: (r["at"], r["id"])):
        start = row["at"].astimezone(zone)
        changed = row["changed"].astimezone(UTC)
        event = icalendar.Event()
        event.add("uid", uid(row["id"]))
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("sequence", row["revision"])
        event.add("dtstart", start)
        event.add("dtend", start + DURATION)
        event.add("summary", summary(row))
        event.add("description", description(row))
        event.add("location", f"{row['channel']}: {row['name']}")
        event.add("categories", [row["format"], row["channel"], *(["sponsored"] if row["sponsored"] else [])])
        event.add("status", "CANCELLED" if row["state"] == "cancelled" else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    cal.subcomponents.insert(0, vtimezone(zone))
    return cal.to_ical()


# The VTIMEZONE ----------------------------------------------------------------------------------------------------

#: the years whose daylight-saving changes must follow one yearly rule for the VTIMEZONE to state it as an RRULE
RULE_YEARS = range(2010, 2038)
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta, str]]:
    """The zone's offset changes in `year`: (UTC instant, offset before, offset after, name after)."""
    out = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        nxt = moment + timedelta(days=1)
        after = nxt.astimezone(zone).utcoffset()
        if after != before:
            lo, hi = moment, nxt  # the change is in (lo, hi]: find its minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            instant = hi.replace(second=0, microsecond=0)
            out.append((instant, before, after, instant.astimezone(zone).tzname() or ""))  # type: ignore[arg-type]
            before = after
        moment = nxt
    return out


def _yearly_rule(local: datetime) -> tuple[int, str, str]:
    """(month, BYDAY, wall time) of a change: the nth weekday of its month, or the last (-1)."""
    nth = (local.day - 1) // 7 + 1
    last = (local + timedelta(days=7)).month != local.month
    return local.month, f"{-1 if last else nth}{_DAYS[local.weekday()]}", local.strftime("%H%M%S")


def vtimezone(zone: ZoneInfo) -> Any:
    import icalendar

    return icalendar.Timezone.from_ical(_vtimezone(zone.key))


@lru_cache(maxsize=8)
def _vtimezone(key: str) -> bytes:
    """The VTIMEZONE of `zone`: as yearly RRULEs where its changes follow one rule (Europe/Stockholm: the last
    Sunday of March and of October), which every calendar reads; else the `icalendar` package's own, with a
    date for every change. A zone without changes has one STANDARD component."""
    import icalendar

    zone = ZoneInfo(key)
    changes = [_transitions(zone, y) for y in RULE_YEARS]
    if all(len(c) == 0 for c in changes):
        offset = datetime(RULE_YEARS[0], 1, 1, tzinfo=zone).utcoffset()
        tz = icalendar.Timezone()
        tz.add("tzid", zone.key)
        std = icalendar.TimezoneStandard()
        std.add("dtstart", datetime(1970, 1, 1))
        std.add("tzoffsetfrom", offset)
        std.add("tzoffsetto", offset)
        std.add("tzname", datetime(RULE_YEARS[0], 1, 1, tzinfo=zone).tzname())
        tz.add_component(std)
        return tz.to_ical()
    patterns = {tuple((_yearly_rule(i + b), b, a, n) for i, b, a, n in c) for c in changes}
    if len(patterns) != 1 or len(changes[0]) != 2:
        return icalendar.Timezone.from_tzid(zone.key).to_ical()
    tz = icalendar.Timezone()
    tz.add("tzid", zone.key)
    for instant, before, after, name in changes[0]:
        month, byday, _ = _yearly_rule(instant + before)
        part = icalendar.TimezoneDaylight() if after > before else icalendar.TimezoneStandard()
        part.add("dtstart", (instant + before).replace(tzinfo=None))
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday})
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", name)
        tz.add_component(part)
    return tz.to_ical()

