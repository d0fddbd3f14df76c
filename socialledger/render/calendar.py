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
from datetime import UTC, timedelta
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
    if not rows:
        # An empty plan still names its zone: a VTIMEZONE for the organisation's zone on its own.
        cal.add_component(icalendar.Timezone.from_tzid(zone.key))
    else:
        cal.add_missing_timezones()
    return cal.to_ical()

