"""What has been delivered: which ledger events each exported package covers (R8, R20, R22).

A package covers the events of its account at ledger positions after its previous
package's position up to its own, within its scope: for a half-year (or any period)
package, the events on items created in the period and the events that happened in
it; for a final package, everything. An event is *delivered* when some package
covers it. The next package of a scope takes what no earlier package delivered, so
every item's capture is delivered by exactly one package, whatever its platform date:
that is what makes the final package complete, what `archive status` reports, and
what `retention apply` checks before it disposes of anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from socialledger.core.domain.archives import Archive, package_of
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.events import with_subclasses
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import Period, parse
from socialledger.core.domain.retention import Disposals
from socialledger.core.domain.subjects import Subject
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of

FINAL = "final"  # the scope (and period label) of a closing account's final packages

_ITEM_EVENTS = tuple(with_subclasses(ContentItem.Event))
ITEM_TOPICS = topics_of((*_ITEM_EVENTS, Subject.SubjectErased, *with_subclasses(Disposals.RetentionApplied),
                         *with_subclasses(Disposals.RetentionAppliedAgain)))
ARCHIVE_TOPICS = topics_of((Archive.HalfYearArchived, Archive.SupplementArchived))


@dataclass(frozen=True)
class Scope:
    """What a package of one period (or the final package) takes: None bounds mean everything."""

    label: str
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of(cls, label: str, final: bool, zone: ZoneInfo) -> Scope:
        if final or label == FINAL or label.startswith("final-"):
            return cls(label)
        try:
            start, end = parse(label).bounds(zone)
        except BadInput:
            return cls(label)  # a label this version cannot read: treat it as covering everything
        return cls(label, start, end)

    @classmethod
    def of_period(cls, period: Period, zone: ZoneInfo) -> Scope:
        start, end = period.bounds(zone)
        return cls(period.label, start, end)

    @property
    def everything(self) -> bool:
        return self.start is None

    def takes(self, created: datetime | None, moment: datetime | None) -> bool:
        """An event on an item created at `created`, happening at `moment`, belongs to this scope."""
        if self.start is None or self.end is None:
            return True
        return any(t is not None and self.start <= t < self.end for t in (created, moment))


@dataclass(frozen=True)
class Delivery:
    """One exported package as it covers events."""

    account: UUID
    package_id: str
    scope: Scope
    previous_position: int
    position: int
    final: bool
    time: datetime
    path: str
    ledger_position: int  # where the export itself was recorded
    actor: str = ""  # who exported it

    def covers(self, position: int, created: datetime | None, moment: datetime | None) -> bool:
        return self.previous_position < position <= self.position and self.scope.takes(created, moment)

    def summary(self) -> dict[str, Any]:
        return {"package_id": self.package_id, "period": self.scope.label, "position": self.position,
                "previous_position": self.previous_position, "final": self.final, "date": self.time,
                "path": self.path}


def deliveries(ledger: LedgerStore, account: UUID | None = None, *, before: int | None = None) -> list[Delivery]:
    """Every package exported (of `account`), oldest first; `before`: only those cut before that position."""
    zone = ledger.policy().zone
    out = []
    for n in ledger.notifications(topics=ARCHIVE_TOPICS):
        event = ledger.mapper.to_domain_event(n)
        if account is not None and event.account != account:
            continue
        p = package_of(event)
        if before is not None and p["position"] >= before:
            continue
        out.append(Delivery(account=event.account, package_id=p["package_id"],
                            scope=Scope.of(p["period"], p["final"], zone), previous_position=p["previous_position"],
                            position=p["position"], final=p["final"], time=p["time"], path=p["path"],
                            ledger_position=n.id, actor=p["actor"]))
    return out


def delivered(position: int, created: datetime | None, moment: datetime | None, packages: Iterable[Delivery]
              ) -> Delivery | None:
    """The package that delivered an event, if any."""
    for p in packages:
        if p.covers(position, created, moment):
            return p
    return None


@dataclass(frozen=True)
class ItemEvent:
    """One event about an item, as delivery sees it (no sealed field is read)."""

    account: UUID
    item: UUID
    position: int
    kind: str  # capture | edit | moderation | case | erasure | disposal | other
    created: datetime | None  # the item's platform creation (or its first observation when unknown)
    moment: datetime | None  # when the event happened
    time: datetime  # when the ledger recorded it


def item_events(ledger: LedgerStore, accounts: set[UUID] | None = None, *, until: int | None = None
                ) -> Iterator[ItemEvent]:
    """The events about the items of `accounts` (all when None), in ledger order, read without decrypting."""
    owner: dict[UUID, tuple[UUID, datetime | None]] = {}
    for n in ledger.notifications(topics=ITEM_TOPICS):
        if until is not None and n.id > until:
            return
        event = ledger.decode_plain(n)
        if isinstance(event, ContentItem.Captured):
            if accounts is not None and event.account not in accounts:
                continue
            created = event.occurred or event.observed
            owner[n.originator_id] = (event.account, created)
            yield ItemEvent(event.account, n.originator_id, n.id, "capture", created, event.occurred,
                            event.timestamp)
            continue
        if isinstance(event, (Subject.SubjectErased, Disposals.RetentionApplied, Disposals.RetentionAppliedAgain)):
            kind = "erasure" if isinstance(event, Subject.SubjectErased) else "disposal"
            for item in event.items:
                if item in owner:
                    account, created = owner[item]
                    yield ItemEvent(account, item, n.id, kind, created, event.timestamp, event.timestamp)
            continue
        found = owner.get(n.originator_id)
        if found is None:
            continue
        account, created = found
        if isinstance(event, ContentItem.Edited):
            kind, moment = "edit", event.observed
        elif isinstance(event, ContentItem.Moderated):
            kind, moment = "moderation", event.observed
        elif isinstance(event, ContentItem.CaseRegistered):
            kind, moment = "case", event.timestamp
        else:
            continue  # acknowledgements, answers, native-id reconciliations: not archived as events
        yield ItemEvent(account, n.originator_id, n.id, kind, created, moment, event.timestamp)


def half_years(first: date, last: date) -> list[Period]:
    """The half-years from the one holding `first` to the one holding `last`, in order."""
    out = []
    year, half = first.year, 1 if first.month <= 6 else 2
    while (year, half) <= (last.year, 1 if last.month <= 6 else 2):
        out.append(parse(f"{year}H{half}"))
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return out


def delivered_items(ledger: LedgerStore, accounts: set[UUID] | None = None) -> dict[UUID, str | None]:
    """Per item: None when every version of it (its capture and each edit) is in a package, else why not."""
    packages: dict[UUID, list[Delivery]] = {}
    for p in deliveries(ledger):
        packages.setdefault(p.account, []).append(p)
    out: dict[UUID, str | None] = {}
    for e in item_events(ledger, accounts):
        if e.kind not in ("capture", "edit"):
            continue
        if delivered(e.position, e.created, e.moment, packages.get(e.account, ())) is None:
            if out.get(e.item) is None:
                out[e.item] = ("not delivered in any archive package" if e.kind == "capture"
                               else "an edit is not delivered in any archive package yet")
        else:
            out.setdefault(e.item, None)
    return out
