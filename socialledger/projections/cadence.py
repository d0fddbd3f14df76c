"""Cadence (R9-R11): posts per ISO week and per day against the policy of the account's class."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from socialledger.core.domain.account import Account
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.periods import Period
from socialledger.core.domain.policy import Policy
from socialledger.projections.base import ReadModel


class Cadence(ReadModel):
    name = "cadence"
    tables = ("cadence_posts", "cadence_accounts")
    query_indexes = ("CREATE INDEX IF NOT EXISTS cadence_posts_account ON cadence_posts (account, created)",)

    def create(self, c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS cadence_posts (item TEXT PRIMARY KEY, account TEXT, created REAL)")
        c.execute("CREATE TABLE IF NOT EXISTS cadence_accounts (account TEXT PRIMARY KEY, name TEXT, "
                  "class TEXT, active REAL, closed REAL)")

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            Account.ApplicationSubmitted: self.applied,
            Account.PropertiesChanged: self.changed,
            Account.PlatformLinked: self.linked,
            Account.AccountClosed: self.closed,
            ContentItem.PostCaptured: self.post,
        }

    def applied(self, c: Any, e: Any, position: int) -> None:
        c.execute("INSERT OR REPLACE INTO cadence_accounts VALUES (?, ?, ?, NULL, NULL)",
                  (e.originator_id.hex, e.name, e.account_class))

    def changed(self, c: Any, e: Any, position: int) -> None:
        if "account_class" in e.changes:
            c.execute("UPDATE cadence_accounts SET class=? WHERE account=?",
                      (e.changes["account_class"], e.originator_id.hex))

    def linked(self, c: Any, e: Any, position: int) -> None:
        c.execute("UPDATE cadence_accounts SET active=? WHERE account=?", (e.timestamp.timestamp(),
                                                                         e.originator_id.hex))

    def closed(self, c: Any, e: Any, position: int) -> None:
        c.execute("UPDATE cadence_accounts SET closed=? WHERE account=?", (e.timestamp.timestamp(),
                                                                         e.originator_id.hex))

    def post(self, c: Any, e: Any, position: int) -> None:
        if e.by_account:
            c.execute("INSERT OR REPLACE INTO cadence_posts VALUES (?, ?, ?)",
                      (e.originator_id.hex, e.account.hex, (e.occurred or e.observed).timestamp()))


def report(store: Any, period: Period, policy: Policy, account: str | None = None) -> list[dict[str, Any]]:
    """Per account: the ISO weeks it fell short of its class's minimum, the days it went over the maximum."""
    zone = policy.zone
    start, end = period.bounds(zone)
    with store.datastore.transaction(commit=False) as c:
        c.execute("SELECT account, name, class, active, closed FROM cadence_accounts ORDER BY name")
        accounts = [tuple(r) for r in c.fetchall()]
        out = []
        for acc, name, cls, active, closed in accounts:
            if account and acc != account:
                continue
            c.execute("SELECT MIN(created) FROM cadence_posts WHERE account=?", (acc,))
            first_post = c.fetchone()[0]
            began = min(t for t in (active, first_post) if t is not None) if (active or first_post) else None
            if began is None:
                continue  # never active and never posted: nothing to measure
            c.execute("SELECT created FROM cadence_posts WHERE account=? AND created >= ? AND created < ?",
                      (acc, start.timestamp(), end.timestamp()))
            local_days = [datetime.fromtimestamp(r[0], UTC).astimezone(zone).date() for r in c.fetchall()]
            rule = policy.cadence.get(cls) or policy.cadence[policy.accounts.default_class]
            per_day = Counter(local_days)
            per_week = Counter(d.isocalendar()[:2] for d in local_days)
            began_day = datetime.fromtimestamp(began, UTC).astimezone(zone).date()
            ended_day = datetime.fromtimestamp(closed, UTC).astimezone(zone).date() if closed else None
            short = []
            monday = period.first - timedelta(days=period.first.weekday())
            while monday <= period.last:
                sunday = monday + timedelta(days=6)
                # Only whole weeks the account was active through, inside the period.
                if monday >= began_day and monday >= period.first and sunday <= period.last and (
                        ended_day is None or sunday < ended_day):
                    year, week, _ = monday.isocalendar()
                    n = per_week.get((year, week), 0)
                    if n < rule.min_posts_per_week:
                        short.append({"week": f"{year}-W{week:02d}", "posts": n,
                                      "minimum": rule.min_posts_per_week})
                monday += timedelta(days=7)
            over = [{"day": d.isoformat(), "posts": n, "maximum": rule.max_posts_per_day}
                    for d, n in sorted(per_day.items()) if n > rule.max_posts_per_day]
            out.append({"account": acc, "name": name, "class": cls, "posts": len(local_days),
                        "weeks_short": short, "days_over": over})
    return out
