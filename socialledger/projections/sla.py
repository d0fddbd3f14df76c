"""The answer SLA (R12-R17): every inbound item, when it is due, and when it was answered.

Inbound items are comments, replies and visitor posts by anyone but the account
(R15). Each gets its due time from the policy in force when it arrived (R16)
and the account's on-call marking then (R14). Its first response is the
earliest of: a reply by the account in the same thread after it arrived (a
direct reply, or one under the same top-level comment), or a recorded
acknowledgement when the policy counts those. Hiding or removing it before a
response closes it as moderated. Events may come in any order (an answer
captured before the question): the thread's responses are kept, so the result
is the same either way.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from socialledger.core.domain.account import Account
from socialledger.core.domain.answering import first_response, state_at
from socialledger.core.domain.clock import calendar_for
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.policy_record import PolicyRecord
from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.base import ReadModel

INBOUND = ("comment", "reply", "visitor_post")
_json = msgspec.json.Encoder()


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class SLAView(Protocol):
    """What the SLA model reads and writes (its SQLite implementation: `projections/sqlite/sla.py`).

    An item row is a list in the order of `ITEM_COLUMNS`.
    """

    def answered_threads(self) -> set[str]:
        """Threads with an answer by the account recorded."""

    def stored_threads(self) -> set[str]:
        """Threads with inbound items stored."""

    def threads_of(self, items: list[str]) -> None:
        """Read the (kind, thread) rows of `items` in one query: `thread_of` answers them from memory after."""

    def policies(self) -> list[tuple[float, int, str]]:
        """Every policy (since, position, policy JSON), in the order they came into force."""

    def on_call_history(self) -> list[tuple[str, float, bool]]:
        """Every on-call marking (account, since, on call), oldest first."""

    def policy_adopted(self, since: float, position: int, policy: str) -> None: ...

    def on_call_marked(self, account: str, since: float, on_call: bool) -> None: ...

    def thread_of(self, item: str) -> tuple[str, str] | None:
        """The kind and thread of a stored item, if it is stored."""

    def earliest_answer(self, thread: str, since: float) -> float | None:
        """The earliest answer stored in `thread` at or after `since`."""

    def answered(self, thread: str, at: float) -> None:
        """An answer in `thread` at `at`: the stored items received by then and not answered earlier are replied."""

    def acknowledged(self, item: str, at: float) -> None:
        """The stored item's acknowledgement, unless it has one."""

    def final_answer(self, item: str, at: float) -> None: ...

    def moderated(self, item: str, at: float) -> None:
        """The stored item's moderation time, unless it has an earlier one."""

    def items_received(self, threads: dict[str, tuple[str, str]], responses: list[tuple[str, float, str]],
                       items: list[list[Any]]) -> None:
        """A page's new threads (item -> kind, thread), answers (thread, at, item) and item rows (upserted)."""

    def items(self, at: float, account: str | None, received_from: float | None,
              received_to: float | None) -> list[tuple[Any, ...]]:
        """Items received by `at` (of an account; received in a range), by time received: the `STATUS_COLUMNS`."""


#: The columns of an item row, in order.
ITEM_COLUMNS = ("item", "account", "native_id", "kind", "thread", "received", "due", "on_call", "clock",
                "counts_ack", "replied", "acknowledged", "final_answer", "moderated", "position")
#: The columns `SLAView.items` returns, in order.
STATUS_COLUMNS = ("item", "account", "native_id", "kind", "received", "due", "clock", "counts_ack", "replied",
                  "acknowledged", "final_answer", "moderated")


class SLA(ReadModel):
    name = "sla"

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            PolicyRecord.PolicyAdopted: self.policy,
            PolicyRecord.PolicySet: self.policy,
            Account.ApplicationSubmitted: self.on_call,
            Account.PropertiesChanged: self.on_call,
            ContentItem.Captured: self.captured,
            ContentItem.ItemAcknowledged: self.acknowledged,
            ContentItem.FinalAnswerMarked: self.final_answer,
            ContentItem.ItemHidden: self.moderated,
            ContentItem.ItemRemoved: self.moderated,
        }

    # Context ----------------------------------------------------------------------------

    def __init__(self) -> None:
        super().__init__()
        self._policies: list[tuple[float, int, str]] = []
        self._on_call: dict[str, list[tuple[float, bool]]] = {}
        self._threads: dict[str, tuple[str, str]] = {}
        # A page's writes, kept in memory and written at its end (rows are changed
        # by later events of the same page as often as not).
        self._items: dict[str, list[Any]] = {}
        self._items_by_thread: dict[str, list[str]] = {}
        self._responses: dict[str, list[float]] = {}
        self._answered_threads: set[str] = set()
        self._stored_threads: set[str] = set()

    def start(self, view: SLAView) -> None:
        # Threads that have an answer recorded: only new items in these need a look for one.
        self._answered_threads = view.answered_threads()
        # Threads with inbound items already written: only these need an UPDATE when an answer comes.
        self._stored_threads = view.stored_threads()

    def end(self, view: SLAView) -> None:
        view.items_received(self._threads, [row for rows in self._responses.values() for row in rows],
                            list(self._items.values()))
        self._stored_threads.update(self._items_by_thread)
        self._threads, self._responses, self._items, self._items_by_thread = {}, {}, {}, {}

    def begin(self, view: SLAView) -> None:
        # The policies and on-call markings are a handful of rows: read once per page.
        self._policies = view.policies()
        self._on_call = {}
        for account, since, on_call in view.on_call_history():
            self._on_call.setdefault(account, []).append((since, on_call))

    def prepare(self, view: SLAView, events: list[tuple[int, Any]]) -> None:
        # The threads of the parents the page's comments and replies name, read in one go (`_thread`).
        parents = {p.hex for _, e in events if (p := getattr(e, "parent", None)) is not None}
        if parents:
            view.threads_of(sorted(parents))

    def policy(self, view: SLAView, event: Any, position: int) -> None:
        row = (event.timestamp.timestamp(), position, _json.encode(event.policy).decode())
        view.policy_adopted(*row)
        self._policies = sorted([*self._policies, row])

    def on_call(self, view: SLAView, event: Any, position: int) -> None:
        changes = {"on_call": event.on_call} if isinstance(event, Account.ApplicationSubmitted) else event.changes
        if "on_call" in changes:
            row = (event.originator_id.hex, event.timestamp.timestamp(), bool(changes["on_call"]))
            view.on_call_marked(*row)
            self._on_call.setdefault(row[0], []).append((row[1], row[2]))

    def policy_at(self, when: float) -> str:
        # R16: the policy in force when the item arrived; before the first one, the first one.
        chosen = self._policies[0][2]
        for since, _, policy in self._policies:
            if since <= when:
                chosen = policy
        return chosen

    def on_call_at(self, account: str, when: float) -> bool:
        history = self._on_call.get(account)
        if not history:
            return False
        chosen = history[0][1]
        for since, on_call in history:
            if since <= when:
                chosen = on_call
        return chosen

    # Items and responses ----------------------------------------------------------------------

    def _thread(self, view: SLAView, event: Any) -> str:
        item = event.originator_id.hex
        if event.parent is None or event.kind in ("post", "visitor_post"):
            return item
        parent = event.parent.hex
        row = self._threads.get(parent)
        if row is None:
            row = view.thread_of(parent)
        if event.kind == "reply":
            return row[1] if row else parent  # a reply is in its comment's thread
        # A comment is its own thread, unless it is on a visitor post: then it is in the post's.
        return row[1] if row and row[0] == "visitor_post" else item

    def captured(self, view: SLAView, event: Any, position: int) -> None:
        item = event.originator_id.hex
        thread = self._thread(view, event)
        self._threads[item] = (event.kind, thread)
        when = (event.occurred or event.observed).timestamp()
        if event.by_account:
            if event.kind in ("comment", "reply"):
                self._responses.setdefault(thread, []).append((thread, when, item))
                self._answered_threads.add(thread)
                for pending in self._items_by_thread.get(thread, ()):
                    row = self._items[pending]
                    if row[5] <= when and (row[10] is None or row[10] > when):
                        row[10] = when
                if thread in self._stored_threads:
                    view.answered(thread, when)
            return
        if event.kind not in INBOUND:
            return
        account = event.account.hex
        policy = self.policy_at(when)
        calendar = calendar_for(policy)
        on_call = self.on_call_at(account, when)
        due = calendar.due(datetime.fromtimestamp(when, UTC), on_call=on_call).timestamp()
        replied = None
        if thread in self._answered_threads:  # an answer captured before its question
            answers = [a for a in (view.earliest_answer(thread, when), *(r[1] for r in self._responses.get(thread, ())))
                       if a is not None and a >= when]
            replied = min(answers) if answers else None
        self._items[item] = [
            item, account, f"{event.channel}:{event.native_id}" if event.native_id else None, event.kind, thread,
            when, due, int(on_call), "on-call" if on_call else calendar.policy.sla.clock,
            int(calendar.policy.sla.acknowledgement_counts), replied, None, None, None, position,
        ]
        self._items_by_thread.setdefault(thread, []).append(item)

    def _update(self, item: str, column: int, value: float, keep_earliest: bool,
                stored: Callable[[str, float], None]) -> None:
        pending = self._items.get(item)
        if pending is not None:
            if pending[column] is None or (keep_earliest and pending[column] > value):
                pending[column] = value
            return
        stored(item, value)

    def acknowledged(self, view: SLAView, event: Any, position: int) -> None:
        self._update(event.originator_id.hex, 11, event.timestamp.timestamp(), False, view.acknowledged)

    def final_answer(self, view: SLAView, event: Any, position: int) -> None:
        item, value = event.originator_id.hex, event.timestamp.timestamp()
        if item in self._items:
            self._items[item][12] = value
        else:
            view.final_answer(item, value)

    def moderated(self, view: SLAView, event: Any, position: int) -> None:
        self._update(event.originator_id.hex, 13, event.observed.timestamp(), True, view.moderated)


# Queries ------------------------------------------------------------------------------------------


def status(store: ReadModelStore, account: str | None = None, at: datetime | None = None,
           received_from: float | None = None, received_to: float | None = None) -> list[dict[str, Any]]:
    """Every inbound item (received by `at`) with its state at `at`."""
    at_ts = (at or datetime.now(UTC)).timestamp()
    with store.read() as tx:
        rows = store.view("sla", tx).items(at_ts, account or None, received_from, received_to)
    out = []
    for r in rows:
        row = dict(zip(STATUS_COLUMNS, tuple(r), strict=True))
        first = first_response(row["replied"], row["acknowledged"], row["counts_ack"])
        # What happened after `at` is not known at `at`.
        row["first_response"] = first if first is not None and first <= at_ts else None
        if row["moderated"] is not None and row["moderated"] > at_ts:
            row["moderated"] = None
        row["state"] = state_at(row["first_response"], row["moderated"], row["due"], at_ts)
        out.append(row)
    return out


def report(store: ReadModelStore, start: float, end: float, account: str | None = None,
           at: datetime | None = None) -> dict[str, dict[str, Any]]:
    """R17 per account: count, average, median, quickest and slowest first response, share within the SLA."""
    per: dict[str, list[dict[str, Any]]] = {}
    for row in status(store, account, at, start, end):
        per.setdefault(row["account"], []).append(row)
    out = {}
    for acc, rows in per.items():
        times = [r["first_response"] - r["received"] for r in rows if r["first_response"] is not None]
        judged = [r for r in rows if r["state"] in ("answered", "late", "breached")]
        within = sum(1 for r in judged if r["state"] == "answered")
        out[acc] = {
            "count": len(rows),
            "answered": sum(1 for r in rows if r["state"] == "answered"),
            "late": sum(1 for r in rows if r["state"] == "late"),
            "breached": sum(1 for r in rows if r["state"] == "breached"),
            "open": sum(1 for r in rows if r["state"] == "open"),
            "moderated": sum(1 for r in rows if r["state"] == "moderated"),
            "average_seconds": statistics.fmean(times) if times else None,
            "median_seconds": statistics.median(times) if times else None,
            "quickest_seconds": min(times) if times else None,
            "slowest_seconds": max(times) if times else None,
            "within_sla_share": within / len(judged) if judged else None,
        }
    return out
