from datetime import date
from zoneinfo import ZoneInfo

import pytest

from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import parse


@pytest.mark.parametrize("text, first, last", [
    ("2026H1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026H2", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-W12", date(2026, 3, 16), date(2026, 3, 22)),
    ("2026-03-01..2026-03-31", date(2026, 3, 1), date(2026, 3, 31)),
])
def test_period_forms(text, first, last):
    p = parse(text)
    assert (p.first, p.last) == (first, last)


def test_bounds_are_local_midnights_across_daylight_saving():
    start, end = parse("2026-03").bounds(ZoneInfo("Europe/Stockholm"))
    assert start.isoformat() == "2026-02-28T23:00:00+00:00"  # CET
    assert end.isoformat() == "2026-03-31T22:00:00+00:00"  # CEST


@pytest.mark.parametrize("text", ["2026H3", "2026-13", "2026-03-31..2026-03-01", "mars"])
def test_bad_periods(text):
    with pytest.raises(BadInput, match="period"):
        parse(text)


@pytest.mark.parametrize("text, labels", [
    ("2026", [f"2026-{m:02d}" for m in range(1, 13)]),
    ("2026H2", ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]),
    ("2026Q2", ["2026-04", "2026-05", "2026-06"]),
    ("2026-03", ["2026-03-01", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-03-30..2026-03-31"]),
    ("2026-W12", [f"2026-03-{d}" for d in range(16, 23)]),
    ("2026-03-02..2026-03-04", ["2026-03-02", "2026-03-03", "2026-03-04"]),
    ("2026-03-04..2026-03-20", ["2026-03-04..2026-03-08", "2026-W11", "2026-03-16..2026-03-20"]),
    ("2026-01-15..2026-04-10", ["2026-01-15..2026-01-31", "2026-02", "2026-03", "2026-04-01..2026-04-10"]),
    ("2026-02-15..2026-03-10", ["2026-02-15", "2026-W08", "2026-W09", "2026-W10", "2026-03-09..2026-03-10"]),
])
def test_parts_cover_the_period_without_gaps_or_overlaps(text, labels):
    whole = parse(text)
    parts = whole.parts()
    assert [p.label for p in parts] == labels
    assert [d for p in parts for d in p.days()] == whole.days()
    for p in parts:  # every label is a period form that means exactly that part
        assert (parse(p.label).first, parse(p.label).last) == (p.first, p.last)
