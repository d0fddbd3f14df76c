"""Cadence (R9-R11): whether an account posted often enough, and not too often, by the policy of its class.

Plain functions of plain values: the posts' local dates, the period and the
class's rule. The cadence read model (`projections/cadence.py`) feeds them what
the ledger recorded; `cadence report` shows what they find to the information
unit (R11), which decides what to do about an account below its cadence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TypedDict

from socialledger.core.domain.policy import Cadence


class WeekShort(TypedDict):
    week: str
    posts: int
    minimum: int


class DayOver(TypedDict):
    day: str
    posts: int
    maximum: int


def weeks_short(days: Iterable[date], first: date, last: date, began: date, ended: date | None,
                rule: Cadence) -> list[WeekShort]:
    """R9, R11: the whole ISO weeks of `first..last` the account was active through with too few posts.

    `days` are the local dates of the account's posts; `began` is the day it became
    active (or first posted) and `ended` the day it closed, if it did. A week the
    account was not active through from Monday to Sunday is not judged.
    """
    per_week = Counter(d.isocalendar()[:2] for d in days)
    short: list[WeekShort] = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        sunday = monday + timedelta(days=6)
        if monday >= began and monday >= first and sunday <= last and (ended is None or sunday < ended):
            year, week, _ = monday.isocalendar()
            n = per_week.get((year, week), 0)
            if n < rule.min_posts_per_week:
                short.append({"week": f"{year}-W{week:02d}", "posts": n, "minimum": rule.min_posts_per_week})
        monday += timedelta(days=7)
    return short


def days_over(days: Iterable[date], rule: Cadence) -> list[DayOver]:
    """R10: the days with more posts than the class allows (no spamming)."""
    per_day = Counter(days)
    return [{"day": d.isoformat(), "posts": n, "maximum": rule.max_posts_per_day}
            for d, n in sorted(per_day.items()) if n > rule.max_posts_per_day]
