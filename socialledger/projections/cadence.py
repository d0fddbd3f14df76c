"""Cadence (R9-R11): posts per ISO week and per day, judged by `core/domain/cadence.py` against the class's policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from socialledger.core.domain.account import Account
from socialledger.core.domain.cadence import days_over, weeks_short
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.periods import Period
from socialledger.core.domain.policy import Policy
from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.base import ReadModel


class CadenceView(Protocol):
    """What the cadence model reads and writes (its SQLite implementation: `projections/sqlite/cadence.py`)."""

    def account_applied(self, account: str, name: str, account_class: str) -> None: ...

    def class_changed(self, account: str, account_class: str) -> None: ...

    def account_active(self, account: str, since: float) -> None: ...

    def account_closed(self, account: str, at: float) -> None: ...

    def post_made(self, item: str, account: str, created: float) -> None: ...

    def flush(self) -> None:
        """Write what `post_made` buffered (at a page's end)."""

    def accounts(self) -> list[tuple[str, str, str, float | None, float | None]]:
        """Every account (account, name, class, active since, closed at), by name."""

    def first_post(self, account: str) -> float | None: ...

    def posts_between(self, account: str, start: float, end: float) -> list[float]:
        """When the account's posts in [start, end) were made."""


class Cadence(ReadModel):
    name = "cadence"

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            Account.ApplicationSubmitted: self.applied,
            Account.PropertiesChanged: self.changed,
            Account.PlatformLinked: self.linked,
            Account.AccountClosed: self.closed,
            ContentItem.PostCaptured: self.post,
        }

    def end(self, view: CadenceView) -> None:
        view.flush()

    def applied(self, view: CadenceView, e: Any, position: int) -> None:
        view.account_applied(e.originator_id.hex, e.name, e.account_class)

    def changed(self, view: CadenceView, e: Any, position: int) -> None:
        if "account_class" in e.changes:
            view.class_changed(e.originator_id.hex, e.changes["account_class"])

    def linked(self, view: CadenceView, e: Any, position: int) -> None:
        view.account_active(e.originator_id.hex, e.timestamp.timestamp())

    def closed(self, view: CadenceView, e: Any, position: int) -> None:
        view.account_closed(e.originator_id.hex, e.timestamp.timestamp())

    def post(self, view: CadenceView, e: Any, position: int) -> None:
        if e.by_account:
            view.post_made(e.originator_id.hex, e.account.hex, (e.occurred or e.observed).timestamp())


def report(store: ReadModelStore, period: Period, policy: Policy, account: str | None = None) -> list[dict[str, Any]]:
    """Per account: the ISO weeks it fell short of its class's minimum, the days it went over the maximum."""
    zone = policy.zone
    start, end = period.bounds(zone)
    with store.read() as tx:
        view: CadenceView = store.view("cadence", tx)
        out = []
        for acc, name, cls, active, closed in view.accounts():
            if account and acc != account:
                continue
            first_post = view.first_post(acc)
            began = min(t for t in (active, first_post) if t is not None) if (active or first_post) else None
            if began is None:
                continue  # never active and never posted: nothing to measure
            local_days = [datetime.fromtimestamp(t, UTC).astimezone(zone).date()
                          for t in view.posts_between(acc, start.timestamp(), end.timestamp())]
            rule = policy.cadence.get(cls) or policy.cadence[policy.accounts.default_class]
            began_day = datetime.fromtimestamp(began, UTC).astimezone(zone).date()
            ended_day = datetime.fromtimestamp(closed, UTC).astimezone(zone).date() if closed else None
            short = weeks_short(local_days, period.first, period.last, began_day, ended_day, rule)
            over = days_over(local_days, rule)
            out.append({"account": acc, "name": name, "class": cls, "posts": len(local_days),
                        "weeks_short": short, "days_over": over})
    return out
