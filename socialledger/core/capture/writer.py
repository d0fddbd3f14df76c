"""Turning normalised records into events, idempotently, one page per transaction.

For each page of records the writer reads the capture index for every id the
page touches, decides per record what is new (a capture, an edit, a hide, a
removal, a metric value), and writes the events and the index rows in one
transaction. Nothing is decided from arrival order: an observation older than
what the ledger holds records no edit back to old text. When another ingest
wrote the same items first, the (aggregate, version) key refuses the whole
page; it is then decided again on the fresh index and records only what is
still new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import msgspec
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from socialledger.core.capture import media as media_store
from socialledger.core.capture.derive import (
    PARTIAL,
    Derived,
    Deriver,
    identity_of,
    index_id,
    moderated_item,
    subject_key,
)
from socialledger.core.capture.media import MediaIndex
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.capture_rules import (
    EDIT,
    STALE,
    STATE_AFTER,
    content_change,
    identity_changed,
    is_shredded,
    metric_revised,
    moderation_applies,
    observation_wins,
    reconciles,
    visibility_change,
    written_by_account,
)
from socialledger.core.domain.content import CAPTURED, EDITED, MODERATED, ContentItem
from socialledger.core.domain.errors import VerificationFailed
from socialledger.core.domain.observations import MetricsObservation
from socialledger.core.domain.records import (
    AccountRecord,
    ContentRecord,
    ItemError,
    MetricsRecord,
    ModerationRecord,
    Record,
    Skipped,
)
from socialledger.core.domain.subjects import Subject
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.eventrows import PendingEvent, dashed, state_type
from socialledger.core.storage.ports import (
    BulkWriter,
    IndexRow,
    IndexTuple,
    PendingKeys,
    StoredRow,
    fast_uuid,
    index_tuple,
)
from socialledger.core.storage.sealing import Nonces

_RETRIES = 10

_TOPIC_ITEM = get_topic(ContentItem)
# The stored shapes of the events an ingest records (`eventrows.py`).
_CAPTURED = {kind: state_type(cls) for kind, cls in CAPTURED.items()}
_EDITED = {kind: state_type(cls) for kind, cls in EDITED.items()}
_MODERATED = {action: state_type(cls) for action, cls in MODERATED.items()}
_RECONCILED = state_type(ContentItem.NativeIdReconciled)
_MEDIA_ATTACHED = state_type(ContentItem.MediaAttached)
MEDIA_ATTACHED_NOTE = "media files of the account export, attached to the item the ledger held without them"
_IDENTIFIED = state_type(Subject.SubjectIdentified)
_IDENTITY_CHANGED = state_type(Subject.SubjectIdentityChanged)
_OBSERVED = state_type(MetricsObservation.MetricsObserved)
_REVISED = state_type(MetricsObservation.MetricsRevised)
_TOPIC_SUBJECT = get_topic(Subject)
_TOPIC_METRIC = get_topic(MetricsObservation)

#: A page of records and what the first pass derived from each (`derive.py`).
Batch = tuple[list[Record], list[Derived | None]]


#: Outcomes of an input's item in the accounting (`Summary.items`).
RECORDED, UNCHANGED, SKIPPED = "recorded", "unchanged", "skipped"
#: The kind under which the items of files passed over as ingested before are counted (`ingested.py`):
#: the file's records are known by number only.
READ_BEFORE = "in files ingested before"
#: What the captured event's `native_id` starts with for an item not by the account (`sealed_native`).
SEALED_NATIVE = "keyed:"
#: Reasons the core skips an item for.
STALE_REASON = "older than what the ledger holds"
ERASED_REASON = "erased (its keys are destroyed)"
UNKEYED_REASON = "neither an id nor a time to key it by"
NOT_HELD_REASON = "a moderation of an item the ledger does not hold (the input cannot say it is the account's)"
ERROR_REASON = "not readable (listed under errors)"


def _tally() -> dict[str, Any]:
    return {"items": 0, RECORDED: 0, UNCHANGED: 0, SKIPPED: {}}


@attrs.define
class Summary:
    records: int = 0
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    stale: int = 0
    hidden: int = 0
    unhidden: int = 0
    removed: int = 0
    reconciled: int = 0
    metrics: int = 0
    subjects: int = 0
    skipped: int = 0  # items skipped, for any reason (`items` says which and why)
    files_skipped: int = 0  # files this account had already ingested unchanged: not read (`ingested.py`)
    files_passed: int = 0  # files of the input that hold no items (an export's media, HTML, other files)
    media_attached: int = 0  # media files of an export attached to items the ledger held without them
    by_erased: int = 0  # new items by a subject already erased: new records, captured (docs/gdpr.md)
    events: int = 0
    errors: list[str] = attrs.Factory(list)
    # Items skipped for a value that cannot be true (a year 9999 date, a negative count), one line each.
    refused: list[str] = attrs.Factory(list)
    # The accounting: per kind of item ("post", "comment", "event", "metric", "hide", ...), how many the
    # input holds, and how many of them were recorded, unchanged, or skipped (by reason).
    items: dict[str, dict[str, Any]] = attrs.Factory(dict)

    def count(self, kind: str, outcome: str, reason: str | None = None, n: int = 1) -> None:
        """`n` items of `kind` that were recorded, unchanged, or skipped for `reason`."""
        tally = self.items.get(kind)
        if tally is None:
            tally = self.items[kind] = _tally()
        tally["items"] += n
        if outcome == SKIPPED:
            why = reason or "no reason given"
            tally[SKIPPED][why] = tally[SKIPPED].get(why, 0) + n
            self.skipped += n
        else:
            tally[outcome] += n

    def add(self, other: Summary) -> None:
        for f in attrs.fields(Summary):
            if f.name in ("errors", "refused"):
                getattr(self, f.name).extend(getattr(other, f.name))
            elif f.name == "items":
                for kind, tally in other.items.items():
                    mine = self.items.setdefault(kind, _tally())
                    for key in ("items", RECORDED, UNCHANGED):
                        mine[key] += tally[key]
                    for why, n in tally[SKIPPED].items():
                        mine[SKIPPED][why] = mine[SKIPPED].get(why, 0) + n
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def unaccounted(self) -> int:
        """Records read that no kind accounts for (0: every item is recorded, unchanged or skipped)."""
        counted = 0
        for tally in self.items.values():
            parts = tally[RECORDED] + tally[UNCHANGED] + sum(tally[SKIPPED].values())
            if parts != tally["items"]:
                return abs(parts - tally["items"]) or 1
            counted += tally["items"]
        return self.records - counted

    def as_dict(self) -> dict[str, Any]:
        out = attrs.asdict(self)
        out["items"] = {k: {**v, SKIPPED: dict(sorted(v[SKIPPED].items()))} for k, v in sorted(self.items.items())}
        return out


def kind_of(r: Record) -> str:
    """The kind an item is counted under: what the platform calls it, else its place in a thread."""
    if isinstance(r, ContentRecord):
        return r.format or r.kind
    if isinstance(r, ModerationRecord):
        return r.action
    if isinstance(r, MetricsRecord):
        return "metric"
    if isinstance(r, AccountRecord):
        return "account"
    if isinstance(r, Skipped):
        return r.kind
    if isinstance(r, ItemError):
        return r.kind or "item"
    return type(r).__name__


def _content_of(r: ContentRecord, parent_ref: str | None = None) -> dict[str, Any]:
    """What a version seals: made only for what is recorded (most of a re-ingest is not).

    What the platform calls the item (`format`), its title, an event's times and the
    platform's reference of a parent the ledger does not hold are added where they are given.
    """
    content = {
        "text": r.text,
        "media": [msgspec.to_builtins(m) for m in r.media],
        "permalink": r.permalink,
        "raw": r.raw,
        "time_note": r.time_note,
    }
    if r.format is not None:
        content["format"] = r.format
    if r.title is not None:
        content["title"] = r.title
    if r.starts is not None:
        content["starts"] = r.starts.isoformat()
    if r.ends is not None:
        content["ends"] = r.ends.isoformat()
    if parent_ref is not None:
        content["parent_ref"] = parent_ref
    return content


def _ts(value: datetime) -> float:
    return value.timestamp()


class _Page:
    """What one page decides: the events in order, the index rows, the aliases, the counts."""

    def __init__(self, rows: dict[str, IndexRow], by_fallback: dict[str, IndexRow], aliases: dict[str, str]) -> None:
        self.rows = rows
        self.by_fallback = by_fallback
        self.known_aliases = aliases
        self.events: list[PendingEvent] = []
        self.index: dict[str, IndexRow] = {}
        self.aliases: list[tuple[str, str]] = []
        self.media: list[tuple[PendingEvent, dict[str, Any], Any]] = []  # (event, its media entry, the input file)
        self.summary = Summary()
        self.tally: dict[tuple[str, str], int] = {}  # (kind, outcome or reason skipped) -> items, for `summary`

    def put(self, row: IndexRow) -> None:
        self.rows[row.id] = row
        self.index[row.id] = row
        if row.fallback:
            self.by_fallback[row.fallback] = row


@attrs.define
class _Prepared:
    """A page sealed and encoded, ready to write once its new keys are stored (`settle`)."""

    events: list[StoredRow]
    index: list[IndexTuple]
    aliases: list[tuple[str, str]]
    storing: PendingKeys | None = None

    def settle(self) -> bool:
        """Wait for the page's new keys to be stored; False when one was stored elsewhere first (seal again)."""
        return self.storing is None or self.storing.settle()

    def rows(self) -> tuple[list[StoredRow], list[IndexTuple], list[tuple[str, str]]]:
        return self.events, self.index, self.aliases


class CaptureWriter:
    def __init__(self, ledger: LedgerStore, account: Account, channel: str, actor: Actor, *,
                 media: MediaIndex | None = None) -> None:
        self.ledger = ledger
        self.recorder = ledger.recorder
        self.keys = ledger.keys
        self.channel = channel
        self.account_id: UUID = account.id
        self.platform_id: str = account.platform_id
        self.derive = Deriver.for_account(self.keys, channel, account)
        self.fingerprints = self.derive.fingerprints
        self.stamp = {"actor": f"channel:{channel}", "os_user": actor.os_user, "host": actor.host, "by": actor.name}
        self.summary = Summary()
        self.media = media  # the input's media files (an export's pictures), found by the records' paths
        self._refs: dict[str, str] = {}

    # Ids -------------------------------------------------------------------------------
    # A record's ids and fingerprints come derived (`derive.py`), usually from the first
    # pass; the text by which events refer to them is made once per page.

    def ref(self, id_: str) -> str:
        """How an event's field refers to the aggregate with index id `id_` (its UUID's text: `eventrows.py`)."""
        found = self._refs.get(id_)
        if found is None:
            found = self._refs[id_] = dashed(id_)
        return found

    def sealed_native(self, native_id: str) -> str:
        """How a captured event names the platform id of an item not by the account: a keyed hash.

        The id itself is sealed in the item's content (`native_id`), readable while the
        item's key exists; finding an item by its platform id (`facebook:123_456`, a
        re-ingest) goes through the capture index's ids, which never needed it.
        """
        return SEALED_NATIVE + self.fingerprints.hex(f"{self.channel}:{native_id}".encode())

    # Writing ----------------------------------------------------------------------------

    def write_page(self, records: list[Record], derived: list[Derived | None] | None = None) -> Summary:
        """Record what is new in `records` in one transaction; return what this page did."""
        if derived is None:
            derived = self.derive.page(records)
        page = self._plan(records, derived)
        if page.events:
            page = self._retrying(records, derived, page, lambda prepared: self.recorder.insert_rows(*prepared.rows()))
        return self._done(records, page)

    def write_pages(self, pages: Iterable[Batch], writer: BulkWriter,
                    done: Callable[[int], None] | None = None,
                    ingested: Sequence[tuple[bytes, int]] = ()) -> None:
        """Record pages (records and what was derived from them) through a writer process.

        Page N+1 is planned while page N is written, and the writer commits a few
        pages at a time (`pagewriter.py`). A plan sees what the pages sent before it
        record, and is not committed yet, through their own index rows and aliases.
        When a page meets a conflict, it is planned and written again on the fresh
        index, and so is the page after it. The files read in full (`ingested`) are
        remembered in the last commit.
        """
        unsettled: list[_Page] = []  # written in the writer's open transaction, not committed yet
        flight: tuple[list[Record], list[Derived | None], _Page] | None = None
        for records, derived in pages:
            page = self._plan(records, derived, [*unsettled, flight[2]] if flight else unsettled)
            prepared = self._prepare(page, keys_later=True) if page.events else None
            if flight is not None and not self._landed(writer, *flight, done, unsettled):
                if prepared is not None:
                    prepared.settle()  # its new keys stored (or the stored ones loaded) before planning again
                page = self._plan(records, derived, unsettled)
                prepared = self._prepare(page) if page.events else None
            if prepared is not None and not prepared.settle():
                # Another ingest (or an interrupted one) stored a key this page made too:
                # the stored key is loaded now, and the page is sealed again under it.
                page = self._plan(records, derived, unsettled)
                prepared = self._prepare(page) if page.events else None
            if prepared is None:
                self._done(records, page, done)
                flight = None
                continue
            writer.send(*prepared.rows())
            flight = (records, derived, page)
        if flight is not None:
            self._landed(writer, *flight, done, unsettled)
        writer.commit(str(self.account_id), ingested)  # the last pages, and every page made durable

    def _landed(self, writer: BulkWriter, records: list[Record], derived: list[Derived | None],
                page: _Page, done: Callable[[int], None] | None, unsettled: list[_Page]) -> bool:
        """Wait for the page in flight; False when it met a conflict (then it was decided and written again)."""
        conflict = False
        committed: bool | None = None  # None: nothing of the page was written
        try:
            committed = writer.result()
        except IntegrityError:
            conflict = True

            def write(prepared: _Prepared) -> None:
                nonlocal committed
                writer.send(*prepared.rows())
                committed = writer.result()

            page = self._retrying(records, derived, None, write, unsettled)
        if committed:
            unsettled.clear()
        elif committed is False:
            unsettled.append(page)
        self._done(records, page, done)
        return not conflict

    def _retrying(self, records: list[Record], derived: list[Derived | None], page: _Page | None,
                  write: Callable[[_Prepared], object], before: Sequence[_Page] = ()) -> _Page:
        """Write `page` (or a fresh plan of `records`), deciding again after each conflict."""
        for attempt in range(_RETRIES):
            if page is None:
                page = self._plan(records, derived, before)
                if not page.events:
                    return page
            try:
                write(self._prepare(page))
                return page
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
                page = None
        raise AssertionError("unreachable")

    def _done(self, records: list[Record], page: _Page, done: Callable[[int], None] | None = None) -> Summary:
        if done:
            done(len(records))
        page.summary.records = len(records)
        page.summary.events = len(page.events)
        for (kind, outcome), n in page.tally.items():
            if outcome == RECORDED or outcome == UNCHANGED:
                page.summary.count(kind, outcome, n=n)
            else:
                page.summary.count(kind, SKIPPED, outcome, n=n)
        page.tally.clear()
        self.summary.add(page.summary)
        self.keys.forget()
        self._refs.clear()
        return page.summary

    def _prepare(self, page: _Page, *, keys_later: bool = False) -> _Prepared:
        """The page as rows to write: keys made, media kept, events sealed and encoded.

        With `keys_later`, the new keys are stored while the page is sealed and
        encoded: `settle()` the result before writing its rows.
        """
        # A key's id is its aggregate's UUID text, as the events refer to it (`ref`).
        sealed = [(e, self.ref(e.id)) for e in page.events if e.sealed_fields]
        new = (key_id for e, key_id in sealed if e.originator_version == 1)
        storing = None
        if keys_later and not page.media:  # media files are kept under the keys before settling
            storing = self.keys.ensure_in_background(new, new=True)
        else:
            self.keys.ensure(new, new=True)
        existing = list(dict.fromkeys(key_id for e, key_id in sealed if e.originator_version > 1))
        if existing:
            # An item or subject with events has its key already: one that is not there was lost (a key
            # store missing, replaced or older than the events), never made again under what was recorded.
            self.keys.preload(existing)  # (keys this run made, in an earlier page, are in the cache already)
            lost = [k for k in existing if self.keys.cipher(k) is None]
            if lost:
                raise VerificationFailed(
                    f"the key store lacks the keys of {len(lost)} items or subjects the ledger holds data "
                    "under (a key store missing, replaced or older than the events): nothing recorded; "
                    "restore the key store backup (docs/operations.md) and run 'socialledger audit verify'")
        for event, entry, source in page.media:
            # Kept before the events that name them are committed: never an event without its file.
            info = media_store.store(self.ledger.home, event.originator_id,
                                     self.keys.cipher(self.ref(event.id)), self.fingerprints.hex, source)
            if info is not None:
                entry.update(info)
        nonces = Nonces(len(sealed) * 2)
        for event, key_id in sealed:
            event.seal(self.keys.cipher_for_new(key_id), nonces)
        return _Prepared([e.row() for e in page.events], [index_tuple(r) for r in page.index.values()],
                         list(page.aliases), storing)

    def _plan(self, records: list[Record], derived: list[Derived | None], before: Sequence[_Page] = ()) -> _Page:
        """Decide what `records` record, on the index as it is (and as `before`, pages not committed yet, leave it)."""
        natives: set[str] = set()
        ids: set[str] = set()
        for r, d in zip(records, derived, strict=True):
            if d is None:
                continue
            if isinstance(r, MetricsRecord):
                ids.add(d.item)  # type: ignore[arg-type]
                if d.parent:
                    natives.add(d.parent)
                continue
            if d.item:
                natives.add(d.item)
            if d.parent:
                natives.add(d.parent)
            if d.subject:
                ids.add(d.subject)
            if isinstance(r, ContentRecord) and r.mentioned:
                ids.update(self.derive.subject(subject_key(self.channel, m)) for m in r.mentioned)
            if isinstance(r, ModerationRecord):
                natives.add(self._marker(r))
        aliases = self.recorder.aliases(natives)
        for earlier in before:
            aliases.update(earlier.aliases)
        rows = self.recorder.index_rows(ids | natives | set(aliases.values()))
        for earlier in before:
            rows.update(earlier.index)
        # Fallback keys only for what the native ids did not find: items without a native
        # id, and new items that an earlier export may have captured without one.
        fallbacks: set[str] = set()
        for r, d in zip(records, derived, strict=True):
            if isinstance(r, (ContentRecord, ModerationRecord)) and d is not None and d.fallback:
                if d.item and aliases.get(d.item, d.item) in rows:
                    continue
                fallbacks.add(d.fallback)
        by_fallback = self.recorder.index_by_fallback(fallbacks)
        for earlier in before:
            by_fallback.update({r.fallback: r for r in earlier.index.values() if r.fallback in fallbacks})
        page = _Page(rows, by_fallback, aliases)
        now = datetime.now(UTC)
        tally = page.tally
        for r, d in zip(records, derived, strict=True):
            # Every record is one item of the input, counted once under its kind with what became of it
            # (`RECORDED`, `UNCHANGED`, or the reason it was skipped).
            if isinstance(r, ContentRecord):
                key = (r.format or r.kind, self._content(r, d, page, now))  # type: ignore[arg-type]
            elif isinstance(r, MetricsRecord):
                key = ("metric", self._metric(r, d, page, now))  # type: ignore[arg-type]
            elif isinstance(r, ModerationRecord):
                key = (r.action, self._moderation(r, d, page, now))  # type: ignore[arg-type]
            elif isinstance(r, Skipped):
                page.summary.count(r.kind, SKIPPED, r.reason)  # the channel's own reason, whatever its words
                if r.detail:
                    page.summary.refused.append(r.detail)
                continue
            elif isinstance(r, ItemError):
                page.summary.errors.append(f"{r.native_id or 'an item'}: {r.message}")
                key = (kind_of(r), ERROR_REASON)
            elif isinstance(r, AccountRecord):
                page.summary.unchanged += 1
                key = ("account", UNCHANGED)
            else:  # a record type this core does not know: never silently
                key = (kind_of(r), f"not a record socialledger knows ({type(r).__name__})")
            tally[key] = tally.get(key, 0) + 1
        return page

    @staticmethod
    def _resolve(id_: str, page: _Page) -> str:
        """The item a native id's index id names (itself, or the item it was reconciled to)."""
        return page.known_aliases.get(id_, id_)

    # Records -----------------------------------------------------------------------------

    def _subject(self, r: ContentRecord, d: Derived, page: _Page, now: datetime) -> tuple[str | None, bool]:
        author = r.author
        if author is None or d.subject is None:
            return None, written_by_account(r.by_account, r.kind, None, self.platform_id, False)
        by_account = written_by_account(r.by_account, r.kind, author.native_id, self.platform_id, True)
        sid, fp = d.subject, d.identity
        row = page.rows.get(sid)
        if row is None:
            page.events.append(PendingEvent(sid, 1, _IDENTIFIED(
                timestamp=now, originator_topic=_TOPIC_SUBJECT,
                channel=self.channel, observed=r.observed, source=r.source,
                identity=identity_of(subject_key(self.channel, author), author), **self.stamp)))
            page.put(IndexRow(sid, 1, _ts(r.observed), fp, "subject", None, r.source, 1))
            page.summary.subjects += 1
        elif identity_changed(row.state, row.fingerprint != fp, _ts(r.observed), row.observed):
            # A name or username the platform now gives differently (or more fully).
            page.events.append(PendingEvent(sid, row.version + 1, _IDENTITY_CHANGED(
                timestamp=now, observed=r.observed, source=r.source,
                identity=identity_of(subject_key(self.channel, author), author), **self.stamp)))
            page.put(row.copy(version=row.version + 1, observed=_ts(r.observed), fingerprint=fp))
        return self.ref(sid), by_account

    def _mentioned(self, r: ContentRecord, page: _Page, now: datetime) -> None:
        """The people an item's text mentions (`embedded.py`), recorded as subjects when the ledger does not
        know them yet: their names under their own keys, which the text's references are read through."""
        for person in r.mentioned:
            key = subject_key(self.channel, person)
            sid = self.derive.subject(key)
            if sid in page.rows:
                continue  # known (or erased): a mention changes nothing of a subject
            page.events.append(PendingEvent(sid, 1, _IDENTIFIED(
                timestamp=now, originator_topic=_TOPIC_SUBJECT,
                channel=self.channel, observed=r.observed, source=r.source,
                identity=identity_of(key, person), **self.stamp)))
            page.put(IndexRow(sid, 1, _ts(r.observed), self.derive.identity(key, person), "subject", None,
                              r.source, 1))
            page.summary.subjects += 1

    def _content(self, r: ContentRecord, d: Derived, page: _Page, now: datetime) -> str:
        """Decide what one observation of an item records; what became of it (`RECORDED`, `UNCHANGED` or a reason)."""
        row: IndexRow | None = None
        item_id: str
        reconcile = False
        fb: str | None = None
        if d.item:
            item_id = self._resolve(d.item, page)
            row = page.rows.get(item_id)
            if row is None:
                fb = d.fallback
                match = page.by_fallback.get(fb) if fb else None
                if match is not None and reconciles(bool(match.native)):
                    item_id, row, reconcile = match.id, match, True
        else:
            fb = d.fallback
            if not fb:
                return UNKEYED_REASON  # neither a native id nor a creation time: nothing to key it by
            item_id = self.derive.fallback_id(fb)
            match = page.by_fallback.get(fb)
            if match is not None:
                item_id, row = match.id, match
            else:
                row = page.rows.get(item_id)
        if row is not None and is_shredded(row.state):
            return ERASED_REASON
        author, by_account = self._subject(r, d, page, now)
        if r.mentioned:
            self._mentioned(r, page, now)
        fp = d.fingerprint
        obs = _ts(r.observed)
        if row is None:
            parent = None
            parent_ref = r.parent_ref
            if d.parent:
                # The parent's ledger id is known before the parent is captured (a reply may come before
                # its comment); when the ledger does not hold the parent yet, the platform's reference is
                # kept with the item too, and readers show no parent until it is captured.
                held = self._resolve(d.parent, page)
                parent = self.ref(held)
                if held not in page.rows:
                    parent_ref = parent_ref or r.parent_native_id
            content = _content_of(r, parent_ref)
            native = r.native_id
            if native and not by_account:
                # Another person's item: its platform id (a Bluesky reply's at:// URI names its author's DID)
                # is sealed with its content, and the event names it by a keyed hash (`sealed_native`).
                content["native_id"] = native
                native = self.sealed_native(native)
            page.events.append(PendingEvent(item_id, 1, _CAPTURED[r.kind](
                timestamp=now, originator_topic=_TOPIC_ITEM,
                channel=self.channel, account=self.account_id, kind=r.kind, native_id=native, parent=parent,
                author=author, by_account=by_account, occurred=r.created, observed=r.observed, source=r.source,
                hidden=bool(r.hidden), content=content, **self.stamp)))
            self._media_jobs(page, page.events[-1], content)
            page.put(IndexRow(item_id, 1, obs, fp, "hidden" if r.hidden else "visible", fb, r.source,
                              1 if r.native_id else 0))
            page.summary.new += 1
            held = page.rows.get(d.subject) if d.subject else None
            if held is not None and is_shredded(held.state):
                page.summary.by_erased += 1  # a new record, under its own key; its author stays erased
            if r.hidden:
                page.summary.hidden += 1
            return RECORDED
        recorded = False  # and until then `row` is the page's own row, not yet copied
        if reconcile:
            row = row.copy()
            native, sealed = r.native_id, None
            if native and not by_account:  # another person's item: its platform id only under its key
                native, sealed = self.sealed_native(native), {"native_id": native}
            page.events.append(PendingEvent(item_id, row.version + 1, _RECONCILED(
                timestamp=now, native_id=native, observed=r.observed, source=r.source, **self.stamp,
                content=sealed)))
            row.version += 1
            row.native = 1
            page.aliases.append((d.item, item_id))
            page.known_aliases[d.item] = item_id
            page.summary.reconciled += 1
            recorded = True
        if r.partial:  # only ids: nothing to compare
            if recorded:
                page.put(row)
                return RECORDED
            page.summary.unchanged += 1
            return UNCHANGED
        # Newer wins; at the same platform time an export never overrides what an API or webhook said.
        only_ids = row.fingerprint == PARTIAL
        wins = observation_wins(obs, r.source, row.observed, row.source, only_ids)
        change = content_change(fp != row.fingerprint, wins, row.state, only_ids)
        stale = False
        if change == EDIT:
            if not recorded:
                row = row.copy()
            edited = _EDITED.get(r.kind, _EDITED["post"])
            page.events.append(PendingEvent(item_id, row.version + 1, edited(
                timestamp=now, observed=r.observed, source=r.source, content=(content := _content_of(r)), **self.stamp)))
            self._media_jobs(page, page.events[-1], content)
            row.version += 1
            row.fingerprint, row.observed, row.source = fp, obs, r.source
            page.summary.edited += 1
            recorded = True
        else:
            if change == STALE:
                page.summary.stale += 1
                stale = True
            attached = self._attach_media(item_id, row, recorded, r, page, now)
            if attached is not None:
                row = attached
                recorded = True
        action = visibility_change(r.hidden, wins, row.state)
        if action is not None:
            if not recorded:
                row = row.copy()
            self._moderate(item_id, row, action, r.observed, r.source, r.raw, page, now)
            recorded = True
        if recorded:
            page.put(row)
            return RECORDED
        if stale:
            return STALE_REASON
        page.summary.unchanged += 1
        return UNCHANGED

    def _attach_media(self, item_id: str, row: IndexRow, copied: bool, r: ContentRecord, page: _Page,
                      now: datetime) -> IndexRow | None:
        """The export's media files of an item the ledger holds without them (captured from the API first).

        Recorded as one more version of the item from this observation (`MediaAttached`), its
        files kept encrypted under the item's key; the row after it, or None when there is nothing to attach.
        """
        if not self.media or not r.media:
            return None
        found = [(i, f) for i, m in enumerate(r.media) if (f := self.media.find_media(m.uri, m.url)) is not None]
        if not found:
            return None
        held = media_store.held(self.ledger.home, fast_uuid(item_id))
        pending = {f.path for e, _, f in page.media if e.id == item_id}
        found = [(i, f) for i, f in found if f.path not in pending]
        if not found or len(held) >= len(r.media):
            return None  # every file the item names is held (the files found are not read to know it)
        missing = [(i, f) for i, f in found
                   if media_store.stored_name(self.fingerprints.hex, f) not in held]
        if not missing:
            return None
        row = row if copied else row.copy()
        content = _content_of(r)
        content["time_note"] = MEDIA_ATTACHED_NOTE
        page.events.append(PendingEvent(item_id, row.version + 1, _MEDIA_ATTACHED(
            timestamp=now, observed=r.observed, source=r.source, content=content, **self.stamp)))
        for i, f in missing:
            page.media.append((page.events[-1], content["media"][i], f))
        row.version += 1
        page.summary.media_attached += len(missing)
        return row

    def _media_jobs(self, page: _Page, event: PendingEvent, content: dict[str, Any]) -> None:
        if not self.media:
            return
        for entry in content["media"]:
            source = self.media.find_media(entry.get("uri"), entry.get("url"))
            if source is not None:
                page.media.append((event, entry, source))

    def _moderate(self, item_id: str, row: IndexRow, action: str, observed: datetime, source: str,
                  raw: dict[str, Any], page: _Page, now: datetime) -> None:
        page.events.append(PendingEvent(item_id, row.version + 1, _MODERATED[action](
            timestamp=now, observed=observed, source=source, reason=None, rule=None, raw=raw, **self.stamp)))
        row.version += 1
        row.state = STATE_AFTER[action]
        counter = {"hide": "hidden", "unhide": "unhidden", "remove": "removed"}[action]
        setattr(page.summary, counter, getattr(page.summary, counter) + 1)

    def _marker(self, r: ModerationRecord) -> str:
        """The capture index's memory that this moderation (item, action, platform time) was recorded:
        an alias of the item, so that the same delivery ingested again records nothing (a hide and an
        unhide in one input would otherwise be recorded again, in turn)."""
        return index_id(f"{self.channel}:moderation:{r.native_id}:{r.action}:{r.observed.timestamp()!r}")

    def _moderation(self, r: ModerationRecord, d: Derived, page: _Page, now: datetime) -> str:
        marker = self._marker(r)
        if marker in page.known_aliases:
            page.summary.unchanged += 1
            return UNCHANGED
        outcome = self._moderation_of(r, d, page, now)
        if outcome == RECORDED or outcome == UNCHANGED:
            item_id = self._resolve(d.item, page)  # type: ignore[arg-type]
            page.aliases.append((marker, item_id))
            page.known_aliases[marker] = item_id
        return outcome

    def _moderation_of(self, r: ModerationRecord, d: Derived, page: _Page, now: datetime) -> str:
        item_id = self._resolve(d.item, page)  # type: ignore[arg-type]
        row = page.rows.get(item_id)
        captured = False
        if row is None and r.if_held:
            return NOT_HELD_REASON  # the input cannot say the item is the account's: only what the ledger holds
        if row is None:
            # R18, archive first: an item the ledger never captured is captured from what the
            # delivery says of it (at least its place in the thread), then its moderation.
            outcome = self._content(moderated_item(r), d, page, now)
            item_id = self._resolve(d.item, page)  # type: ignore[arg-type]
            row = page.rows.get(item_id)
            if row is None:
                return outcome
            captured = outcome == RECORDED
        if is_shredded(row.state):
            return ERASED_REASON
        if not moderation_applies(r.action, row.state):
            if captured:
                return RECORDED
            page.summary.unchanged += 1
            return UNCHANGED
        row = row.copy()
        self._moderate(item_id, row, r.action, r.observed, r.source, r.raw, page, now)
        page.put(row)
        return RECORDED

    def _metric(self, r: MetricsRecord, d: Derived, page: _Page, now: datetime) -> str:
        mid, fp = d.item, d.fingerprint
        row = page.rows.get(mid)
        if row is None:
            item = self.ref(self._resolve(d.parent, page)) if d.parent else None
            page.events.append(PendingEvent(mid, 1, _OBSERVED(
                timestamp=now, originator_topic=_TOPIC_METRIC,
                channel=self.channel, account=self.account_id, item=item, metric=r.metric,
                platform_metric=r.platform_metric, period=r.period, start=r.start, end=r.end, value=r.value,
                breakdown=r.breakdown, source=r.source, **self.stamp)))
            page.put(IndexRow(mid, 1, _ts(r.end) if r.end else None, fp, "metric", None, r.source, 0))
            page.summary.metrics += 1
            return RECORDED
        if metric_revised(row.fingerprint != fp):
            page.events.append(PendingEvent(mid, row.version + 1, _REVISED(
                timestamp=now, value=r.value, breakdown=r.breakdown, source=r.source, **self.stamp)))
            page.put(row.copy(version=row.version + 1, fingerprint=fp))
            page.summary.metrics += 1
            return RECORDED
        page.summary.unchanged += 1
        return UNCHANGED
