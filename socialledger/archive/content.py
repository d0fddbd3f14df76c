"""Choosing what a package holds: an account's items of a period, up to a ledger position.

A package covers the items created in the period, with every version, hide,
removal and case registration recorded up to its position, plus the period's
events on older items (shown with the older item for context), less what an
earlier package delivered (`delivery.py`): a supplementary package holds what
was recorded after the previous one, and a final package everything of the
account that no package delivered, whatever its platform date. Posts whose
comments are in a package come with them, so that the printout reads thread by
thread; an export's copy of an item the API gave is shown once, with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from eventsourcing.application import AggregateNotFoundError

from socialledger.archive.delivery import Delivery, Scope, delivered
from socialledger.archive.model import (
    AccountInfo,
    Author,
    Case,
    Duplicate,
    Item,
    Moderation,
    PackageContent,
    PremisEvent,
    Version,
)
from socialledger.core.capture.embedded import show_mentions
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
    Subject.SubjectErased, *with_subclasses(Disposals.RetentionApplied),
    *with_subclasses(Disposals.RetentionAppliedAgain)))
_MODERATION = {ContentItem.ItemHidden: "hidden", ContentItem.ItemUnhidden: "unhidden",
               ContentItem.ItemRemoved: "removed"}


class _Builder:
    def __init__(self, event: Any, position: int) -> None:
        self.id = event.originator_id
        self.kind = event.kind
        sealed = event.content.get("native_id") if isinstance(event.content, dict) else None
        native = sealed or event.native_id  # another person's item: its platform id sealed with its content
        self.native_id = f"{event.channel}:{native}" if native else None
        self.parent = event.parent
        self.author = event.author
        self.by_account = bool(event.by_account)
        self.created = event.occurred
        # Where the item belongs in time: its platform creation, else the first observation of it.
        self.placed = event.occurred or event.observed
        self.state = "hidden" if event.hidden else "visible"
        self.versions: list[Version] = []
        self.moderation: list[Moderation] = []
        self.cases: list[Case] = []
        self.metrics: dict[str, float] = {}
        self.premis: list[PremisEvent] = []
        self.in_window: list[int] = []  # positions of its events that belong to the package
        self.capture_position = position
        self.erased = False
        self.disposed = False
        self.add_version("captured", event, position)

    @property
    def delivered_here(self) -> bool:
        return self.capture_position in self.in_window

    def add_version(self, change: str, event: Any, position: int) -> None:
        content = event.content or {}
        media = content.get("media")
        self.versions.append(Version(
            change=change, observed=event.observed, recorded=event.timestamp, source=event.source,
            position=position, text=content.get("text") if event.content else None,
            media=[dict(m) for m in media] if media else media, permalink=content.get("permalink"),
            raw=content.get("raw"), time_note=content.get("time_note")))
        if event.content is None:
            self.erased = True


def build(ledger: LedgerStore, account_id: UUID, scope: Scope, position: int, *, earlier: Sequence[Delivery] = (),
          previous_position: int = 0, supplements: str | None = None, final: bool = False, package_id: str,
          created: datetime, seal: dict[str, Any] | None = None) -> PackageContent:
    """The content of a package of `scope` cut at `position`: what no package in `earlier` delivered."""
    policy = ledger.policy()
    account = ledger.account(account_id)
    items: dict[UUID, _Builder] = {}
    shredded: dict[UUID, tuple[str, Any, int]] = {}

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and scope.start is not None and scope.end is not None \
            and scope.start <= moment < scope.end

    def mark(b: _Builder, pos: int, moment: datetime | None) -> None:
        if scope.takes(b.placed, moment) and delivered(pos, b.placed, moment, earlier) is None:
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
            sealed = event.content.get("native_id") if isinstance(event.content, dict) else None
            b.native_id = f"{account.channel}:{sealed or event.native_id}"

    for item_id, (kind, event, pos) in shredded.items():
        b = items.get(item_id)
        if b is not None:
            b.erased = True
            b.disposed = kind == "disposal"
            detail = (f"erased under decision {event.decision}" if kind == "erasure"
                      else f"disposed of under the retention rules as of {event.as_of}"
                      + (f", decision {event.decision}" if getattr(event, "decision", None) else ""))
            b.premis.append(_premis(pos, kind, event, b, detail))
            mark(b, pos, event.timestamp)  # an erasure after the last package makes a supplement

    twins = _duplicates(items)
    chosen = {i for i, b in items.items() if b.in_window}
    # An export's copy of an item is shown with the item it copies, once, where the thread has it.
    for copy, original in twins.items():
        if copy in chosen:
            chosen.discard(copy)
            chosen.add(original)
    # The post (or comment) a chosen item answers comes along for context.
    for item_id in list(chosen):
        parent = items[item_id].parent
        while parent is not None and parent in items and parent not in chosen:
            chosen.add(parent)
            parent = items[parent].parent
    copies: dict[UUID, list[_Builder]] = {}
    for copy, original in twins.items():
        copies.setdefault(original, []).append(items[copy])
    authors = _authors(ledger, {items[i].author for i in chosen if items[i].author is not None}
                       | {c.author for i in chosen for c in copies.get(i, []) if c.author is not None})
    people = _People(ledger, authors)  # the people texts mention (`embedded.py`), read as the authors are
    ordered = _reading_order([items[i] for i in chosen])
    window_events: list[PremisEvent] = []
    out_items = []
    for b in ordered:
        for member in (b, *copies.get(b.id, [])):
            window = set(member.in_window)
            window_events.extend(e for e in member.premis if int(e.identifier.rsplit("-", 1)[1]) in window)
        _media_of(b, copies.get(b.id, []))
        out_items.append(Item(
            id=str(b.id), native_id=b.native_id, kind=b.kind, parent=str(b.parent) if b.parent else None,
            thread=str(_thread(b, items)), author=_author(b, authors, account), created=b.created, state=b.state,
            erased=b.erased, disposed=b.disposed, in_period=scope.everything or in_period(b.placed),
            versions=[_mentions_shown(v, people) for v in b.versions], moderation=b.moderation, cases=b.cases,
            metrics=dict(sorted(b.metrics.items())),
            by_account=b.by_account, delivered_here=b.delivered_here,
            duplicates=[Duplicate(id=str(c.id), source=c.versions[0].source, recorded=c.versions[0].recorded,
                                  position=c.capture_position, delivered_here=c.delivered_here)
                        for c in copies.get(b.id, [])],
        ))
    window_events.sort(key=lambda e: (e.time, e.identifier))
    start, end = _bounds(scope, [items[i] for i in chosen], account.created_on, created, policy.zone)
    return PackageContent(
        package_id=package_id,
        account=AccountInfo(id=str(account.id), channel=account.channel, name=account.name, unit=account.unit,
                            platform_id=account.platform_id, owner=account.owner, deputy=account.deputy,
                            state=account.state.value),
        period=scope.label, period_start=start, period_end=end, position=position,
        previous_position=previous_position, supplements=supplements, final=final, created=created,
        organisation=policy.organisation.name or "the organisation", items=out_items, events=window_events,
        seal=seal, time_zone=policy.organisation.time_zone, language=policy.organisation.language,
    )


def _bounds(scope: Scope, chosen: list[_Builder], opened: datetime, created: datetime, zone: ZoneInfo
            ) -> tuple[datetime, datetime]:
    """[start, end) of the package: the period's, or for a final package the days its items and the account span."""
    if scope.start is not None and scope.end is not None:
        return scope.start, scope.end
    moments = [b.placed for b in chosen if b.placed is not None] + [opened, created]
    first = min(m.astimezone(zone).date() for m in moments)
    last = max(m.astimezone(zone).date() for m in moments)
    return Period(scope.label, first, last).bounds(zone)


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _duplicates(items: dict[UUID, _Builder]) -> dict[UUID, UUID]:
    """Export copies of items the API gave: {copy: original}.

    An account export describes the account's own comments and replies without the platform's
    id or their parent; the API gave the same comment with both. A copy is an item captured from
    an export without a native id, by the same author (or both the account's), of the same
    family of kinds, whose first text is the original's word for word and whose creation is
    within two minutes of the original's. Both stay in the ledger; the package shows the
    original once, in its thread, and lists the copy with it.
    """
    family = {"post": "post", "visitor_post": "visitor_post", "comment": "comment", "reply": "comment"}
    originals: dict[tuple[str, str, str], list[_Builder]] = {}
    for b in items.values():
        text = _words(b.versions[0].text)
        if b.native_id is not None and text and b.created is not None:
            key = (family.get(b.kind, b.kind), str(b.author) if not b.by_account else "account", text)
            originals.setdefault(key, []).append(b)
    out: dict[UUID, UUID] = {}
    for b in items.values():
        first = b.versions[0]
        text = _words(first.text)
        if b.native_id is not None or first.source != "export" or not text or b.created is None:
            continue
        key = (family.get(b.kind, b.kind), str(b.author) if not b.by_account else "account", text)
        near = [o for o in originals.get(key, []) if o.id != b.id and o.created is not None
                and abs((o.created - b.created).total_seconds()) <= _SAME_MOMENT]
        if len(near) == 1 and (b.parent is None or b.parent == near[0].parent):
            out[b.id] = near[0].id
    return out


_SAME_MOMENT = 120  # seconds: an export's timestamp and the API's created_time of the same comment


def _media_of(b: _Builder, copies: list[_Builder]) -> None:
    """Media an export's copy carries (its files) join the original's current version when it has none."""
    if not copies or not b.versions:
        return
    current = b.versions[-1]
    mine = current.media or []
    if any(m.get("stored") for m in mine):
        return
    # "item": the ledger item the file was captured with (its key decrypts it).
    extra = [{**m, "item": str(c.id)} for c in copies for m in (c.versions[-1].media or []) if m.get("stored")]
    if extra:
        b.versions[-1] = msgspec.structs.replace(current, media=[*mine, *extra])


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


class _People:
    """Identities of the people items' texts mention, read once each (the authors' are read already)."""

    def __init__(self, ledger: LedgerStore, known: dict[UUID, dict[str, Any] | None]) -> None:
        self.ledger = ledger
        self.known = dict(known)

    def __call__(self, sid: UUID) -> dict[str, Any] | None:
        if sid not in self.known:
            self.known.update(_authors(self.ledger, {sid}))
        return self.known[sid]


def _mentions_shown(v: Version, people: _People) -> Version:
    """A version whose text names the people it mentions while they are not erased ("[erased]" after)."""
    if not v.text or "[subject:" not in v.text:
        return v
    return msgspec.structs.replace(v, text=show_mentions(v.text, people))


def _author(b: _Builder, authors: dict[UUID, dict[str, Any] | None], account: Any) -> Author | None:
    if b.author is None:
        if b.by_account:  # the account's own words: the account is the author
            return Author(subject=f"{account.channel}:{account.platform_id}" if account.platform_id else None,
                          pseudonym=None, name=account.name, by_account=True)
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
