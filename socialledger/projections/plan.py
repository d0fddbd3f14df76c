"""The publication calendar's read model: every planned post, and the account's own posts that may fulfil them.

The plan's rows are the planned posts as their events left them (time, format,
responsible, sponsored, title, note, cancelled, marked done) with their
revision (how many changes, the iCalendar SEQUENCE) and the time of their last
change. Beside them, the time of each post the account itself published, which
`core/domain/planning.match` pairs with the plan at query time: the rows hold
facts only, so a rebuilt model equals the incrementally kept one. No text of
the public is kept here: titles and notes are the organisation's own words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.planning import PlannedPost
from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.base import ReadModel

#: the columns of a planned post's row, in order
COLUMNS = ("id", "account", "at", "format", "responsible", "sponsored", "title", "note", "cancelled",
           "fulfilled_by", "revision", "created", "changed")


class PlanView(Protocol):
    """What the plan model reads and writes (its SQLite implementation: `projections/sqlite/plan.py`)."""

    def planned(self, row: tuple[Any, ...]) -> None:
        """A new planned post (a row of `COLUMNS`)."""

    def changed(self, id: str, changes: dict[str, Any], at: float) -> None:
        """Columns of a planned post changed at `at` (its revision counts one more)."""

    def posts_published(self, rows: list[tuple[str, str, float]]) -> None:
        """The account's own posts (item, account, created)."""

    def plans(self, start: float, end: float, accounts: list[str] | None) -> list[dict[str, Any]]:
        """The planned posts with a planned time in [start, end) (of these accounts), by time."""

    def plan(self, id: str) -> dict[str, Any] | None:
        """One planned post's row."""

    def published(self, account: str, start: float, end: float) -> list[tuple[str, float]]:
        """The account's own posts made in [start, end): (item, created)."""

    def created_of(self, items: list[str]) -> dict[str, float]:
        """When each of these posts was made (those the model holds)."""


class Plan(ReadModel):
    name = "plan"

    def __init__(self) -> None:
        super().__init__()
        self._posts: list[tuple[str, str, float]] = []

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            PlannedPost.PostPlanned: self.planned,
            PlannedPost.PlannedPostMoved: self.moved,
            PlannedPost.PlannedPostCancelled: self.cancelled,
            PlannedPost.PlannedPostFulfilled: self.fulfilled,
            ContentItem.PostCaptured: self.post,
        }

    def begin(self, view: PlanView) -> None:
        self._posts = []

    def end(self, view: PlanView) -> None:
        view.posts_published(self._posts)
        self._posts = []

    def planned(self, view: PlanView, e: Any, position: int) -> None:
        when = e.timestamp.timestamp()
        view.planned((e.originator_id.hex, e.account.hex, e.at.timestamp(), e.format, e.responsible,
                      int(e.sponsored), e.title, e.note, None, None, 0, when, when))

    def moved(self, view: PlanView, e: Any, position: int) -> None:
        view.changed(e.originator_id.hex, {"at": e.at.timestamp()}, e.timestamp.timestamp())

    def cancelled(self, view: PlanView, e: Any, position: int) -> None:
        view.changed(e.originator_id.hex, {"cancelled": e.reason}, e.timestamp.timestamp())

    def fulfilled(self, view: PlanView, e: Any, position: int) -> None:
        view.changed(e.originator_id.hex, {"fulfilled_by": e.item.hex}, e.timestamp.timestamp())

    def post(self, view: PlanView, e: Any, position: int) -> None:
        if e.by_account:
            self._posts.append((e.originator_id.hex, e.account.hex, (e.occurred or e.observed).timestamp()))


# Queries ------------------------------------------------------------------------------------------


def plans(store: ReadModelStore, start: float, end: float, accounts: list[str] | None = None) -> list[dict[str, Any]]:
    with store.read() as tx:
        view: PlanView = store.view("plan", tx)
        return view.plans(start, end, accounts)


def plan(store: ReadModelStore, id: str) -> dict[str, Any] | None:
    with store.read() as tx:
        view: PlanView = store.view("plan", tx)
        return view.plan(id)


def published(store: ReadModelStore, account: str, start: float, end: float) -> list[tuple[str, float]]:
    with store.read() as tx:
        view: PlanView = store.view("plan", tx)
        return view.published(account, start, end)


def activity(store: ReadModelStore) -> dict[str, tuple[float | None, float | None]]:
    """Per account (hex): when it became active and when it closed (the cadence model keeps both)."""
    with store.read() as tx:
        return {acc: (active, closed) for acc, _, _, active, closed in store.view("cadence", tx).accounts()}


def created_of(store: ReadModelStore, items: list[str]) -> dict[str, float]:
    """When each of these captured posts (hex ids) of an account was made."""
    with store.read() as tx:
        view: PlanView = store.view("plan", tx)
        return view.created_of(items)
