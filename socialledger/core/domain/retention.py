"""Retention (R22): the record class of an item, how long a rule keeps it, legal holds, and the log of disposals.

Disposal follows delivery: an item is disposed of only when a package delivered it
(the caller says which items were delivered, `socialledger/archive/delivery.py`),
never while it is in a case whose rule keeps cases, nor under a legal hold on it or
on its account. Every disposal names its decision.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any
from uuid import UUID

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.events import LedgerAggregate, ledger_id
from socialledger.core.domain.policy import Policy, Retention

DISPOSALS_ID = ledger_id("socialledger:disposals")
HOLDS_ID = ledger_id("socialledger:holds")


class Disposals(LedgerAggregate):
    """Every run of the retention rules that disposed of something (R22)."""

    class RetentionApplied(LedgerAggregate.Created):
        as_of: date
        rules: dict[str, Any]
        items: list[UUID]

        def apply(self, d: Disposals) -> None:
            d.runs = 1
            d.decided_items = list(self.items)

    class RetentionAppliedAgain(LedgerAggregate.Event):
        as_of: date
        rules: dict[str, Any]
        items: list[UUID]

        def apply(self, d: Disposals) -> None:
            d.runs += 1
            d.decided_items = [*getattr(d, "decided_items", []), *self.items]

    class DisposalDecided(RetentionApplied):
        """A run of the retention rules that disposed of items under a named decision (R22)."""

        decision: str
        held: dict[str, int]  # why items past their rule were kept: reason -> count
        undelivered: bool  # the decision disposes of items no archive package delivered, too

    class DisposalDecidedAgain(RetentionAppliedAgain):
        decision: str
        held: dict[str, int]
        undelivered: bool

    def __init__(self) -> None:
        self.runs = 0
        self.decided_items: list[UUID] = []  # every item a run decided to dispose of


class Holds(LedgerAggregate):
    """Legal holds (R22, R23): an account or an item that nothing may dispose of until the hold is released."""

    class HoldPlaced(LedgerAggregate.Created):
        target: str  # "account" | "item"
        on: UUID
        reason: str

        def apply(self, holds: Holds) -> None:
            holds.hold(self)

    class HoldAdded(LedgerAggregate.Event):
        target: str
        on: UUID
        reason: str

        def apply(self, holds: Holds) -> None:
            holds.hold(self)

    class HoldReleased(LedgerAggregate.Event):
        target: str
        on: UUID
        reason: str

        def apply(self, holds: Holds) -> None:
            holds.active.pop((self.target, self.on), None)

    def __init__(self) -> None:
        self.active: dict[tuple[str, UUID], dict[str, Any]] = {}

    def hold(self, event: Holds.HoldPlaced | Holds.HoldAdded) -> None:
        """The state both ways of placing a hold leave: who placed it on what, when and why."""
        self.active[(event.target, event.on)] = {"reason": event.reason, "actor": event.actor,
                                                 "time": event.timestamp}

    @classmethod
    def first(cls, target: str, on: UUID, reason: str, actor: Actor) -> Holds:
        """The first hold the ledger records."""
        return cls._create(cls.HoldPlaced, id=HOLDS_ID, target=target, on=on, reason=_reason(reason, "placing"),
                           **actor.stamp())

    def place(self, target: str, on: UUID, reason: str, actor: Actor) -> bool:
        """Hold the account or item; False when a hold is on it already (nothing recorded)."""
        reason = _reason(reason, "placing")
        if (target, on) in self.active:
            return False
        self.trigger_event(self.HoldAdded, target=target, on=on, reason=reason, **actor.stamp())
        return True

    def release(self, target: str, on: UUID, reason: str, actor: Actor) -> None:
        reason = _reason(reason, "releasing")
        if (target, on) not in self.active:
            raise BadInput(f"there is no legal hold on {target} {on} to release")
        self.trigger_event(self.HoldReleased, target=target, on=on, reason=reason, **actor.stamp())

    def on_item(self, item: ContentItem) -> dict[str, Any] | None:
        """The hold that keeps `item` (its own, else its account's), if any."""
        return self.active.get(("item", item.id)) or self.active.get(("account", item.account))


def _reason(reason: str, doing: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise BadInput(f"R22: {doing} a legal hold names its reason (--reason)")
    return reason


def record_class(kind: str, policy: Policy, by_account: bool = False) -> str:
    """The retention record class of an item.

    Its kind when a rule names it; the account's own comments and replies are the account's
    words, classed as `own_<kind>` when a rule names that, else as posts (what the account
    published), never as visitors' comments; other items are posts or comments.
    """
    if by_account and kind != "post":
        own = f"own_{kind}"
        if own in policy.retention:
            return own
        return "post"
    if kind in policy.retention:
        return kind
    return "post" if kind == "post" else "comment"


def kept_until(created: datetime, rule: Retention, zone: tzinfo) -> date | None:
    """The last day a rule requires an item to be kept: the end of its half-year plus the years; None: for ever."""
    if rule.forever or rule.keep_years is None:
        return None
    local = created.astimezone(zone).date()
    end = date(local.year, 6, 30) if local.month <= 6 else date(local.year, 12, 31)
    try:
        return end.replace(year=end.year + rule.keep_years)
    except ValueError:  # 29 February never ends a half-year, but stay safe
        return end.replace(year=end.year + rule.keep_years, day=28)


def retention_holds(item: ContentItem, policy: Policy, on: date) -> tuple[str, date | None] | None:
    """(record class, kept until) when a retention rule requires keeping the item on `on`."""
    cls = record_class(item.kind, policy, item.by_account)
    rule = policy.retention.get(cls)
    if rule is None:
        return None
    until = kept_until(item.occurred or item.versions[0]["observed"], rule, policy.zone)
    if until is None or on <= until:
        return cls, until
    return None


def due_for_disposal(item: ContentItem, policy: Policy, as_of: date) -> str | None:
    """R22: the record class under which `item` is disposed of on `as_of`; None while a rule keeps it.

    An item in a case stays when its rule keeps what is in a case (R21); an erased item has nothing left.
    """
    if item.erased:
        return None
    cls = record_class(item.kind, policy, item.by_account)
    rule = policy.retention.get(cls)
    if rule is None or (item.cases and rule.keep_if_case):
        return None
    until = kept_until(item.occurred or item.versions[0]["observed"], rule, policy.zone)
    if until is not None and as_of > until:
        return cls
    return None


def check_erasable(items: list[ContentItem], policy: Policy, on: date, override: bool) -> None:
    """R23: a data subject's items are erased only where no archival duty overrides it.

    An item a retention rule still keeps on `on`, or one registered in a case, is kept,
    unless the erasure's decision says it overrides them (`override`).
    """
    if override:
        return
    held = [(i, h) for i in items if (h := retention_holds(i, policy, on)) is not None]
    in_case = [i for i in items if i.cases]
    if not (held or in_case):
        return
    parts = []
    if held:
        cls, until = held[0][1]
        parts.append(f"{len(held)} of the {len(items)} {'item is' if len(items) == 1 else 'items are'} kept under "
                     f"the retention rule {cls!r}"
                     + (f" until {until}" if until else " for ever"))
    if in_case:
        parts.append(f"{len(in_case)} {'item is' if len(in_case) == 1 else 'items are'} registered in a case")
    raise RuleViolation("R23", "; ".join(parts) + ": nothing erased (record the decision as overriding "
                                                   "with --override if it does)")
