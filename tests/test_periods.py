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
