"""Choosing what a package holds: an account's items of a period, up to a ledger position.

A package covers the items created in the period, with every version, hide,
removal and case registration recorded up to its position, plus the period's
events on older items (shown with the older item for context). A supplementary
package covers what was recorded after the previous package's position for the
same period. Posts whose comments are in a package come with them, so that
the printout reads thread by thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.archive.model import (
    AccountInfo,
    Author,
    Case,
    Item,
    Moderation,
    PackageContent,
    PremisEvent,
    Version,
)
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.events import with_subclasses
from socialledger.core.domain.observations import MetricsObservation
from socialledger.core.domain.periods import Period
from socialledger.core.domain.retention import Disposals
from socialledger.core.domain.subjects import Subject
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of

_ITEM_EVENTS = tuple(with_subclasses(ContentItem.Event))
TOPICS = topics_of((
    *_ITEM_EVENTS, MetricsObservation.MetricsObserved, MetricsObservation.MetricsRevised,
    Subject.SubjectErased, Disposals.RetentionApplied, Disposals.RetentionAppliedAgain))
_MODERATION = {ContentItem.ItemHidden: "hidden", ContentItem.ItemUnhidden: "unhidden",
               ContentItem.ItemRemoved: "removed"}


class _Builder:
    def __init__(self, event: Any, position: int) -> None:
        self.id = event.originator_id
        self.kind = event.kind
        self.native_id = f"{event.channel}:{event.native_id}" if event.native_id else None
        self.parent = event.parent
        self.author = event.author
        self.by_account = event.by_account
        self.created = event.occurred
        self.state = "hidden" if event.hidden else "visible"
        self.versions: list[Version] = []
        self.moderation: list[Moderation] = []
        self.cases: list[Case] = []
        self.metrics: dict[str, float] = {}
        self.premis: list[PremisEvent] = []
        self.in_window: list[int] = []  # positions of its events that belong to the package
        self.erased = False
        self.disposed = False
        self.add_version("captured", event, position)

    def add_version(self, change: str, event: Any, position: int) -> None:
        content = event.content or {}
        self.versions.append(Version(
            change=change, observed=event.observed, recorded=event.timestamp, source=event.source,
            position=position, text=content.get("text") if event.content else None,
            media=content.get("media"), permalink=content.get("permalink"), raw=content.get("raw"),
            time_note=content.get("time_note")))
        if event.content is None:
            self.erased = True


def build(ledger: LedgerStore, account_id: UUID, period: Period, position: int, *, previous_position: int = 0,
          supplements: str | None = None, final: bool = False, package_id: str, created: datetime,
          seal: dict[str, Any] | None = None) -> PackageContent:
    policy = ledger.policy()
    start, end = period.bounds(policy.zone)
    account = ledger.account(account_id)
    items: dict[UUID, _Builder] = {}
    shredded: dict[UUID, tuple[str, Any, int]] = {}

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    def mark(b: _Builder, pos: int, moment: datetime | None) -> None:
        if pos > previous_position and (in_period(b.created) or in_period(moment)):
            b.in_window.append(pos)

    for n in ledger.notifications(topics=TOPICS):
        if n.id > position:
            break
        event = ledger.mapper.to_domain_event(n)
        cls = type(event)
        if isinstance(event, ContentItem.Captured):
            if event.account != account.id:
                continue
            b = items[event.originator_id] = _Builder(event, n.id)
            hidden = ", hidden on the platform when captured" if event.hidden else ""
            b.premis.append(_premis(n.id, "capture", event, b, f"{event.kind} captured from {event.source}, "
                                                               f"created {event.occurred}{hidden}"))
            mark(b, n.id, event.occurred)
            continue
        if isinstance(event, (Subject.SubjectErased, Disposals.RetentionApplied, Disposals.RetentionAppliedAgain)):
            kind = "erasure" if isinstance(event, Subject.SubjectErased) else "disposal"
            for item_id in event.items:
                shredded[item_id] = (kind, event, n.id)
            continue
        if isinstance(event, (MetricsObservation.MetricsObserved, MetricsObservation.MetricsRevised)):
            item_id = getattr(event, "item", None)
            if item_id is not None and item_id in items and getattr(event, "period", "lifetime") == "lifetime":
                items[item_id].metrics[event.metric] = event.value
            continue
        b = items.get(event.originator_id)
        if b is None:
            continue
        if isinstance(event, ContentItem.Edited):
            b.add_version("edited", event, n.id)
            b.premis.append(_premis(n.id, "edit", event, b, f"edited on the platform at {event.observed}"))
            mark(b, n.id, event.observed)
        elif cls in _MODERATION:
            action = _MODERATION[cls]
            b.state = {"hidden": "hidden", "unhidden": "visible", "removed": "removed"}[action]
            b.moderation.append(Moderation(action=action, observed=event.observed, recorded=event.timestamp,
                                           source=event.source, actor=event.actor, position=n.id,
                                           reason=event.reason, rule=event.rule))
            premis_type = {"hidden": "hide", "unhidden": "unhide", "removed": "removal"}[action]
            why = f" under the page rule {event.rule!r}: {event.reason}" if event.rule else ""
            b.premis.append(_premis(n.id, premis_type, event, b, f"{action} ({event.source}){why}"))
            mark(b, n.id, event.observed)
        elif isinstance(event, ContentItem.CaseRegistered):
            b.cases.append(Case(diary_number=event.diary_number, system=event.system, actor=event.actor,
                                recorded=event.timestamp, position=n.id))
            b.premis.append(_premis(n.id, "case registration", event, b,
                                    f"registered as case {event.diary_number}"
                                    + (f" in {event.system}" if event.system else "")))
            mark(b, n.id, event.timestamp)
        elif isinstance(event, ContentItem.NativeIdReconciled):
            b.native_id = f"{account.channel}:{event.native_id}"

    for item_id, (kind, event, pos) in shredded.items():
        b = items.get(item_id)
        if b is not None:
            b.erased = True
            b.disposed = kind == "disposal"
            detail = (f"erased under decision {event.decision}" if kind == "erasure"
                      else f"disposed of under the retention rules as of {event.as_of}")
            b.premis.append(_premis(pos, kind, event, b, detail))
            mark(b, pos, event.timestamp)  # an erasure after the last package makes a supplement

    chosen = {i for i, b in items.items() if b.in_window}
    # The post (or comment) a chosen item answers comes along for context.
    for item_id in list(chosen):
        parent = items[item_id].parent
        while parent is not None and parent in items and parent not in chosen:
            chosen.add(parent)
            parent = items[parent].parent
    authors = _authors(ledger, {items[i].author for i in chosen if items[i].author is not None})
    ordered = _reading_order([items[i] for i in chosen])
    window_events: list[PremisEvent] = []
    out_items = []
    for b in ordered:
        window = set(b.in_window)
        window_events.extend(e for e in b.premis if int(e.identifier.rsplit("-", 1)[1]) in window)
        out_items.append(Item(
            id=str(b.id), native_id=b.native_id, kind=b.kind, parent=str(b.parent) if b.parent else None,
            thread=str(_thread(b, items)), author=_author(b, authors), created=b.created, state=b.state,
            erased=b.erased, disposed=b.disposed, in_period=in_period(b.created), versions=b.versions,
            moderation=b.moderation, cases=b.cases, metrics=dict(sorted(b.metrics.items())),
        ))
    window_events.sort(key=lambda e: (e.time, e.identifier))
    return PackageContent(
        package_id=package_id,
        account=AccountInfo(id=str(account.id), channel=account.channel, name=account.name, unit=account.unit,
                            platform_id=account.platform_id, owner=account.owner, deputy=account.deputy,
                            state=account.state.value),
        period=period.label, period_start=start, period_end=end, position=position,
        previous_position=previous_position, supplements=supplements, final=final, created=created,
        organisation=policy.organisation.name or "the organisation", items=out_items, events=window_events,
        seal=seal,
    )


def _premis(position: int, kind: str, event: Any, b: _Builder, detail: str) -> PremisEvent:
    return PremisEvent(identifier=f"ledger-position-{position}", type=kind, time=event.timestamp.astimezone(UTC),
                       actor=event.actor, item=str(b.id), detail=detail)


def _authors(ledger: LedgerStore, ids: set[UUID]) -> dict[UUID, dict[str, Any] | None]:
    out: dict[UUID, dict[str, Any] | None] = {}
    for sid in ids:
        try:
            subject = ledger.repository.get(sid)
            out[sid] = subject.identity
        except AggregateNotFoundError:
            out[sid] = None
    return out


def _author(b: _Builder, authors: dict[UUID, dict[str, Any] | None]) -> Author | None:
    if b.author is None:
        return None
    identity = authors.get(b.author)
    if identity is None:
        return Author(subject=None, pseudonym=str(b.author), name=None, erased=True, by_account=b.by_account)
    return Author(subject=identity.get("subject"), pseudonym=str(b.author), name=identity.get("name"),
                  username=identity.get("username"), by_account=b.by_account)


def _thread(b: _Builder, items: dict[UUID, _Builder]) -> UUID:
    current = b
    while current.parent is not None and current.parent in items:
        current = items[current.parent]
    return current.parent if current.parent is not None else current.id


def _reading_order(chosen: list[_Builder]) -> list[_Builder]:
    """Threads in the order they began; in each, the post, then each comment followed by its replies."""
    by_parent: dict[UUID | None, list[_Builder]] = {}
    ids = {b.id for b in chosen}
    for b in chosen:
        key = b.parent if b.parent in ids else None
        by_parent.setdefault(key, []).append(b)

    def when(b: _Builder) -> tuple[datetime, str]:
        return (b.created or b.versions[0].observed, str(b.id))

    out: list[_Builder] = []

    def walk(node: _Builder) -> None:
        out.append(node)
        for child in sorted(by_parent.get(node.id, []), key=when):
            walk(child)

    for root in sorted(by_parent.get(None, []), key=when):
        walk(root)
    return out
