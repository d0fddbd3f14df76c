"""Alerts before an SLA breach (R12): which threshold an open item has reached, and that a mail went out.

The owner and the deputy of an account want to hear about an unanswered
question before its due time, not after. An item is `due-soon` once its due
time is no more than the policy's lead (`alerts.lead_working_hours`, counted in
office hours on working days; elapsed hours for an on-call account, R14) away,
and `breached` after it. Each threshold is mailed once per item: the mail sent
is a fact recorded as an event (`ItemAlerts`), so a rerun does not send it again.
The event names the item, the threshold and the ledger users written to; it
holds no address and nothing of the commenter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.clock import WorkingCalendar
from socialledger.core.domain.events import LedgerAggregate, ledger_id
from socialledger.core.domain.policy import Alerts

Threshold = Literal["due-soon", "breached"]
THRESHOLDS: tuple[Threshold, ...] = ("due-soon", "breached")


def alerts_id(item: UUID) -> UUID:
    """The id of an item's alert record: one per inbound item, derived from the item's id."""
    return ledger_id(f"socialledger:alerts:{item}")


class ItemAlerts(LedgerAggregate):
    """The alerts mailed about one inbound item."""

    class FirstAlertSent(LedgerAggregate.Created):
        item: UUID
        threshold: str
        recipients: list[str]  # ledger users (the owner, the deputy), never addresses
        due: datetime

        def apply(self, record: ItemAlerts) -> None:
            record.item = self.item
            record.sent[self.threshold] = self.timestamp

    class AlertSent(LedgerAggregate.Event):
        threshold: str
        recipients: list[str]
        due: datetime

        def apply(self, record: ItemAlerts) -> None:
            record.sent[self.threshold] = self.timestamp

    def __init__(self) -> None:
        self.sent: dict[str, datetime] = {}

    item: UUID  # set by the first event

    @classmethod
    def first(cls, item: UUID, threshold: Threshold, recipients: list[str], due: datetime,
              actor: Actor) -> ItemAlerts:
        return cls._create(cls.FirstAlertSent, id=alerts_id(item), item=item, threshold=threshold,
                           recipients=sorted(recipients), due=due.astimezone(UTC), **actor.stamp())

    def record(self, threshold: Threshold, recipients: list[str], due: datetime, actor: Actor) -> bool:
        """Record that `threshold` was mailed; False (nothing recorded) if it was already."""
        if threshold in self.sent:
            return False
        self.trigger_event(self.AlertSent, threshold=threshold, recipients=sorted(recipients),
                           due=due.astimezone(UTC), **actor.stamp())
        return True


def office_time_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """The office hours on working days between `start` and `end` (zero when `end` is not after `start`)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens, closes = calendar.local(day, calendar.start), calendar.close_of(day)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def threshold_at(state: str, due: datetime, now: datetime, on_call: bool, calendar: WorkingCalendar,
                 rule: Alerts) -> Threshold | None:
    """The threshold an item in `state` (of the SLA, at `now`) has reached, if any.

    Only items without a first response are alerted: `breached` once past due (and
    not longer ago than `lookback_days`); `due-soon` when open and its due time is
    within the lead (working hours; elapsed hours on call).
    """
    lead = timedelta(hours=rule.lead_working_hours)
    if state == "breached":
        return "breached" if now - due <= timedelta(days=rule.lookback_days) else None
    if state != "open":
        return None
    left = (due - now) if on_call else office_time_between(calendar, now, due)
    return "due-soon" if left <= lead else None


def excerpt(text: str | None, rule: Alerts) -> str:
    """At most `excerpt_chars` of the commenter's words (whitespace folded), marked when cut; '' for none."""
    if not text or rule.excerpt_chars == 0:
        return ""
    folded = " ".join(text.split())
    if len(folded) <= rule.excerpt_chars:
        return folded
    return folded[: max(rule.excerpt_chars - 1, 0)].rstrip() + "…"
