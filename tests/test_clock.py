"""Due times (R12-R14): the five examples of R12, on-call, business hours, daylight saving."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialledger.core.domain.clock import WorkingCalendar
from socialledger.core.domain.policy import default_policy, parse

STHLM = ZoneInfo("Europe/Stockholm")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM)


def due(received: str, **kw) -> str:
    cal = WorkingCalendar(kw.pop("policy", default_policy()))
    return cal.due(local(received), **kw).astimezone(STHLM).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize("received, expected", [
    ("2026-11-17 10:00", "Wed 2026-11-18 10:00"),  # Tuesday 10:00 is due Wednesday 10:00
    ("2026-11-20 16:45", "Mon 2026-11-23 17:00"),  # Friday 16:45 is due Monday 17:00
    ("2026-11-22 20:00", "Mon 2026-11-23 17:00"),  # Sunday 20:00 is due Monday 17:00
    ("2026-06-18 16:45", "Mon 2026-06-22 17:00"),  # Midsummer Eve is non-working
    ("2026-04-02 10:00", "Tue 2026-04-07 17:00"),  # Easter
])
def test_the_five_examples_of_r12(received, expected):
    assert due(received) == expected


def test_on_call_accounts_use_elapsed_hours():
    assert due("2026-11-20 16:45", on_call=True) == "Sat 2026-11-21 16:45"
    assert due("2026-06-18 16:45", on_call=True) == "Fri 2026-06-19 16:45"


def test_daylight_saving_spring_forward_on_call():
    # 24 elapsed hours across the night the clocks go forward: 13:00 local the next day.
    assert due("2026-03-28 12:00", on_call=True) == "Sun 2026-03-29 13:00"


def test_daylight_saving_fall_back_on_call():
    assert due("2026-10-24 12:00", on_call=True) == "Sun 2026-10-25 11:00"


def test_daylight_saving_weekend_moves_to_monday_close_in_summer_time():
    assert due("2026-03-28 12:00") == "Mon 2026-03-30 17:00"
    cal = WorkingCalendar(default_policy())
    assert cal.due(local("2026-03-28 12:00")).utcoffset() == timedelta(0)  # stored in UTC
    assert cal.due(local("2026-03-28 12:00")).astimezone(STHLM).utcoffset() == timedelta(hours=2)


def test_the_day_before_a_change_keeps_24_real_hours():
    # Friday 2026-10-23 10:00 CEST + 24 h = Saturday: moved to Monday 17:00 CET.
    assert due("2026-10-23 10:00") == "Mon 2026-10-26 17:00"


def test_business_hours_clock_counts_office_hours_only():
    policy = parse('[sla]\nclock = "business-hours"\n')
    # Tuesday 10:00: 7 h on Tuesday, 9 h on Wednesday, 8 h on Thursday.
    assert due("2026-11-17 10:00", policy=policy) == "Thu 2026-11-19 16:00"
    # Arriving on a Saturday: the clock starts Monday 08:00.
    assert due("2026-11-21 11:00", policy=policy) == "Wed 2026-11-25 14:00"


def test_other_countries_and_hours_from_the_policy():
    danish = parse('[organisation]\ncountry = "DK"\ntime_zone = "Europe/Copenhagen"\n[sla]\nhours = 8\n')
    # Midsummer Eve is a working day in Denmark: Thursday 16:45 + 8 h is Friday 00:45.
    assert due("2026-06-18 16:45", policy=danish) == "Fri 2026-06-19 00:45"
