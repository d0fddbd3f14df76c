"""R9-R12 and R15 as plain functions of plain values (core/domain/cadence.py, core/domain/answering.py)."""

from __future__ import annotations

from datetime import date

from socialledger.core.domain.answering import first_response, state_at
from socialledger.core.domain.cadence import days_over, weeks_short
from socialledger.core.domain.policy import Cadence

RULE = Cadence(min_posts_per_week=2, max_posts_per_day=3)
# March 2026: Monday the 2nd .. Tuesday the 31st; weeks W10 (2-8) .. W14 (30 Mar - 5 Apr)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)


def test_a_whole_week_with_too_few_posts_is_short():
    # Arrange: two posts in W10, one in W11, none in W12 and W13.
    days = [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 10)]
    # Act
    short = weeks_short(days, FIRST, LAST, began=date(2026, 1, 1), ended=None, rule=RULE)
    # Assert: W11-W13 are short; W9 and W14 are not whole weeks inside March; W10 met the minimum.
    assert [w["week"] for w in short] == ["2026-W11", "2026-W12", "2026-W13"]
    assert short[0] == {"week": "2026-W11", "posts": 1, "minimum": 2}


def test_weeks_before_the_account_began_or_after_it_closed_are_not_judged():
    short = weeks_short([], FIRST, LAST, began=date(2026, 3, 9), ended=date(2026, 3, 22), rule=RULE)
    assert [w["week"] for w in short] == ["2026-W11"]  # W12 ends on the 22nd, the day it closed


def test_a_day_over_the_maximum_is_reported_once_with_its_count():
    days = [date(2026, 3, 3)] * 4 + [date(2026, 3, 4)] * 3
    assert days_over(days, RULE) == [{"day": "2026-03-03", "posts": 4, "maximum": 3}]


def test_the_first_response_is_the_earlier_of_reply_and_counted_acknowledgement():
    assert first_response(replied=200.0, acknowledged=100.0, counts_ack=1) == 100.0
    assert first_response(replied=200.0, acknowledged=100.0, counts_ack=0) == 200.0
    assert first_response(replied=None, acknowledged=None, counts_ack=1) is None


def test_states_of_an_inbound_item():
    due = 1000.0
    assert state_at(first=None, moderated=None, due=due, at=999.0) == "open"
    assert state_at(first=None, moderated=None, due=due, at=1001.0) == "breached"
    assert state_at(first=900.0, moderated=None, due=due, at=1001.0) == "answered"
    assert state_at(first=1100.0, moderated=None, due=due, at=1200.0) == "late"
    assert state_at(first=1100.0, moderated=None, due=due, at=1050.0) == "breached"  # the late answer not yet given
    assert state_at(first=None, moderated=500.0, due=due, at=2000.0) == "moderated"
    assert state_at(first=400.0, moderated=500.0, due=due, at=2000.0) == "answered"  # answered before it was hidden
