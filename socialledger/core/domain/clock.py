"""Working days and due times: R12-R14 as functions of the policy.

R12: an item is due `sla.hours` after it arrived; but if it arrived on a
non-working day, or that moment falls on one, it is due at the close of office
hours on the first working day after the day it arrived. R13: non-working days
are weekends and the holidays of the policy's country and categories. R14: an
on-call account uses the elapsed hours, nothing moved. The policy may instead
choose a business-hours clock: the hours are counted in office hours only.

All arithmetic on elapsed time is done in UTC (24 hours across a daylight-saving
change are 24 real hours); days and office hours are the organisation's local
ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
import msgspec

from socialledger.core.domain.policy import Policy, from_dict


class WorkingCalendar:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.zone = policy.zone
        self.start: time = policy.office_start
        self.end: time = policy.office_end
        self._holidays: dict[int, holidays.HolidayBase] = {}

    def holidays_of(self, year: int) -> holidays.HolidayBase:
        cal = self._holidays.get(year)
        if cal is None:
            cal = self._holidays[year] = self.policy.holiday_calendar(years=year)
        return cal

    def is_working_day(self, day: date) -> bool:
        """R13: not a weekend day, nor a holiday of the policy's country and holiday categories."""
        return day.weekday() < 5 and day not in self.holidays_of(day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def local(self, day: date, at: time) -> datetime:
        """`at` on `day` in the organisation's time zone, as UTC."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def close_of(self, day: date) -> datetime:
        return self.local(day, self.end)

    # Due times ----------------------------------------------------------------------

    def due(self, received: datetime, *, on_call: bool = False) -> datetime:
        """R12: when an item received at `received` must have its first response (R14: on call, elapsed hours).

        A time at the edge of the calendar (year 1 or 9999, stored by versions that did not check platform
        times: docs/ingest.md) has no due time after it: it is due when it was received.
        """
        try:
            return self._due(received, on_call)
        except OverflowError:
            return received.astimezone(UTC)

    def _due(self, received: datetime, on_call: bool) -> datetime:
        hours = timedelta(hours=self.policy.sla.hours)
        received = received.astimezone(UTC)
        if on_call:
            return received + hours  # R14: elapsed hours, nothing moved
        if self.policy.sla.clock == "business-hours":
            return self.add_office_hours(received, hours)
        target = received + hours
        arrived = received.astimezone(self.zone).date()
        if self.is_working_day(arrived) and self.is_working_day(target.astimezone(self.zone).date()):
            return target
        return self.close_of(self.next_working_day(arrived))

    def add_office_hours(self, start: datetime, amount: timedelta) -> datetime:
        """`start` plus `amount` counted only in office hours on working days."""
        local = start.astimezone(self.zone)
        day = local.date()
        moment = start.astimezone(UTC)
        remaining = amount
        while True:
            if self.is_working_day(day):
                opens, closes = self.local(day, self.start), self.close_of(day)
                begin = max(moment, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
            moment = self.local(day, self.start)


@lru_cache(maxsize=64)
def calendar_for(policy_json: str) -> WorkingCalendar:
    """A cached calendar per policy (projections see a handful of policies in all)."""
    return WorkingCalendar(from_dict(msgspec.json.decode(policy_json)))
