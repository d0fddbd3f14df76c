"""`audit verify`'s check of the capture index against the events (issue 17).

The capture index (`capture_index`, `capture_alias`, `ingested_files`; see
docs/decisions.md, "The capture index is derived, and verified against a
rebuild") is derived: what an ingest decides by, kept beside the events so that
it need not load aggregates. It is not chained (its rows change in place), so
`audit verify` rebuilds from the events what they determine of it and compares:

- `capture_index`: one row for every item, data subject and metric the events
  hold, and no other; its `version` (the aggregate's last event; in a ledger
  written before the index followed the application's own events, a row may lag
  behind those, never behind an ingest's), `state`
  (visible, hidden or removed as the platform last said; `erased` or `disposed`
  once a decision destroyed its keys; `subject`, `metric`), `observed` and
  `source` (of the observation its content is from) and `native` (whether its
  platform id is known). Its `fingerprint` and `fallback` are keyed hashes of
  what the channel read before any reference replaced a name in it
  (`embedded.py`), so no event holds what they were made from: a change to them
  is not found (what it can do: a later ingest records an "edit" to the same
  text, or a second copy of an export's item; never a loss).
- `capture_alias`: every platform id an item was reconciled to names that item
  (read from the events, under the item's key for another person's item), and
  every alias names an item the events hold.
- `ingested_files`: each row names an account the ledger holds, with a count of
  records; its digest is keyed (a key derived from the master key), so a row
  cannot be made for a file without that key.

Each difference is one problem, named by the aggregate and the position of its
last event; nothing here is repaired (`socialledger store copy` into a new store
rebuilds nothing either: the index travels with the events).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs

from socialledger.core.domain.account import Account
from socialledger.core.domain.capture_rules import STATE_AFTER
from socialledger.core.domain.content import CAPTURED, EDITED, MODERATED, ContentItem
from socialledger.core.domain.events import ledger_hex
from socialledger.core.domain.observations import MetricsObservation
from socialledger.core.domain.records import RENAMED_SOURCES
from socialledger.core.domain.retention import Disposals
from socialledger.core.domain.subjects import Subject
from socialledger.core.storage.masterkey import master_key_available
from socialledger.core.storage.topics import topics_of

#: The ledger store (`core.ledger.LedgerStore`, which calls into this module: named here, not imported).
LedgerStore = Any

_CAPTURED = topics_of(CAPTURED.values())
_EDITED = topics_of(EDITED.values())
_MODERATED = {t: action for action, cls in MODERATED.items() for t in topics_of((cls,))}
_RECONCILED = topics_of((ContentItem.NativeIdReconciled,))
_IDENTIFIED = topics_of((Subject.SubjectIdentified,))
_IDENTITY_CHANGED = topics_of((Subject.SubjectIdentityChanged,))
_ERASED = topics_of((Subject.SubjectErased,))
_OBSERVED = topics_of((MetricsObservation.MetricsObserved,))
_DISPOSED = topics_of((Disposals.RetentionApplied, Disposals.RetentionAppliedAgain, Disposals.DisposalDecided,
                       Disposals.DisposalDecidedAgain))
_SHREDDED = ("erased", "disposed")
#: Events an ingest writes (and so the index saw before it followed the application's too).
_INGESTED = frozenset((*_CAPTURED, *_EDITED, *topics_of((ContentItem.MediaAttached,)), *_MODERATED, *_RECONCILED,
                       *_IDENTIFIED, *_IDENTITY_CHANGED, *_OBSERVED, *topics_of((MetricsObservation.MetricsRevised,))))


@attrs.define
class _Expected:
    id: str
    version: int
    position: int
    observed: float | None
    state: str
    source: str | None
    native: int
    channel: str | None = None
    decided: str | None = None  # "erased" or "disposed": a decision named its keys
    # The version of its last event an ingest wrote: a ledger written before the index followed the
    # application's own events (a hide by a ledger user, a case) has rows at this version
    captured: int = 0


def _ts(value: Any) -> float | None:
    return value.timestamp() if value is not None else None


def rebuild(store: LedgerStore, unseal: bool = True) -> tuple[dict[str, _Expected], dict[str, str]]:
    """What the events say the capture index holds: its rows by id, and the reconciled platform ids' aliases
    (with `unseal`, also those of other people's items, whose platform ids are sealed)."""
    rows: dict[str, _Expected] = {}
    aliases: dict[str, str] = {}
    for n in store.notifications():
        oid = n.originator_id.hex
        topic = n.topic
        row = rows.get(oid)
        if row is None and topic not in _CAPTURED and topic not in _IDENTIFIED and topic not in _OBSERVED \
                and topic not in _ERASED and topic not in _DISPOSED:
            continue  # not an aggregate the capture index holds
        if row is not None:
            row.version = max(row.version, n.originator_version)
            row.position = n.id
            if topic in _INGESTED and (topic not in _MODERATED or store.decode_plain(n).source != "ledger"):
                row.captured = max(row.captured, n.originator_version)
        if topic in _CAPTURED:
            e = store.decode_plain(n)
            rows[oid] = _Expected(oid, n.originator_version, n.id, _ts(e.observed), "hidden" if e.hidden else
                                  "visible", e.source, 1 if e.native_id else 0, e.channel)
        elif topic in _IDENTIFIED:
            e = store.decode_plain(n)
            rows[oid] = _Expected(oid, n.originator_version, n.id, _ts(e.observed), "subject", e.source, 1)
        elif topic in _OBSERVED:
            e = store.decode_plain(n)
            rows[oid] = _Expected(oid, n.originator_version, n.id, _ts(e.end), "metric", e.source, 0)
        if topic in _CAPTURED or topic in _IDENTIFIED or topic in _OBSERVED:
            rows[oid].captured = n.originator_version
        elif row is None:
            pass
        elif topic in _EDITED:
            e = store.decode_plain(n)
            row.observed, row.source = _ts(e.observed), e.source
        elif topic in _IDENTITY_CHANGED:
            row.observed = _ts(store.decode_plain(n).observed)
        elif topic in _MODERATED:
            if store.decode_plain(n).source != "ledger":  # a ledger user's moderation is the ledger's, not an observation
                row.state = STATE_AFTER[_MODERATED[topic]]
        elif topic in _RECONCILED:
            row.native = 1
            # Another person's platform id is sealed: read under the item's key (a ledger verified without
            # its secrets cannot, and leaves that alias unchecked).
            e = store.mapper.to_domain_event(n) if unseal else store.decode_plain(n)
            sealed = e.content.get("native_id") if unseal and isinstance(e.content, dict) else None
            native = sealed or (None if e.native_id.startswith("keyed:") else e.native_id)
            if native and row.channel:
                aliases[ledger_hex(f"{row.channel}:{native}")] = oid
        if topic in _ERASED or topic in _DISPOSED:
            e = store.decode_plain(n)
            kind = "erased" if topic in _ERASED else "disposed"
            named = [*e.items, *getattr(e, "aliases", ())] + ([n.originator_id] if topic in _ERASED else [])
            for i in named:
                found = rows.get(i.hex if isinstance(i, UUID) else UUID(str(i)).hex)
                if found is not None:
                    found.decided = kind
    return rows, aliases


def check_index(store: LedgerStore, report: Any) -> None:
    """Compare the capture index with a rebuild from the events; each difference into `report` (`audit.Report`)."""
    expected, reconciled = rebuild(store, unseal=master_key_available(store.home))
    dump = store.recorder.dump_capture()
    held: dict[str, tuple[Any, ...]] = {}
    beyond = report.head + 1
    for row in dump.index:
        if not isinstance(row[0], str) or row[0] in held:
            report.broken(beyond, f"the capture index holds a row that is no item, subject or metric ({row[0]!r})")
            continue
        held[row[0]] = row
    for id_, want in expected.items():
        row = held.get(id_)
        where = f"the capture index's row of {_dashed(id_)} (its last event at position {want.position})"
        if row is None:
            report.broken(want.position, f"{where} is missing")
            continue
        _, version, observed, _, state, _, source, native = row
        problems = []
        if version != want.version and not (isinstance(version, int) and want.captured <= version < want.version):
            # (a row behind by the application's own events only: an index written before it followed them)
            problems.append(f"version {version!r} where the events say {want.version}")
        states = {want.state, want.decided} if want.decided else {want.state}
        if state not in states and not (want.decided and state in _SHREDDED):
            problems.append(f"state {state!r} where the events say {' or '.join(sorted(s for s in states if s))!r}")
        if not _same_time(observed, want.observed):
            problems.append(f"observed {observed!r} where the events say {want.observed!r}")
        if RENAMED_SOURCES.get(source, source) != want.source:  # an old ledger's index keeps "graph-api"
            problems.append(f"source {source!r} where the events say {want.source!r}")
        if native != want.native:
            problems.append(f"native {native!r} where the events say {want.native}")
        if problems:
            report.broken(want.position, f"{where} differs from the events: {'; '.join(problems)}")
    for id_ in held.keys() - expected.keys():
        report.broken(beyond, f"the capture index holds a row ({_dashed(id_)}) of no item, subject or metric "
                              "the events hold")
    aliases = dict(dump.aliases)
    items = {i for i, e in expected.items() if e.channel is not None}
    for alias, item in reconciled.items():
        if aliases.get(alias) != item:
            report.broken(expected[item].position,
                          f"the capture index's alias of a platform id reconciled to {_dashed(item)} "
                          f"(position {expected[item].position}) is {'missing' if alias not in aliases else 'changed'}")
    for alias, item in aliases.items():
        if item not in items:
            report.broken(beyond, f"the capture index's alias {alias!r} names {item!r}, no item the events hold")
    accounts = {str(a) for a in _account_ids(store)}
    for digest, account, records in dump.ingested:
        if not isinstance(digest, bytes | bytearray | memoryview) or len(bytes(digest)) != 32 \
                or account not in accounts or not isinstance(records, int) or isinstance(records, bool) \
                or records < 0:
            report.broken(beyond, f"a row of the files ingested in full is damaged (account {account!r}, "
                                  f"{records!r} records)")


def _account_ids(store: LedgerStore) -> set[UUID]:
    return {n.originator_id for n in store.notifications(topics=topics_of((Account.ApplicationSubmitted,)))}


def _same_time(a: Any, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return isinstance(a, int | float) and not isinstance(a, bool) and abs(a - b) < 1e-5


def _dashed(hex_: str) -> str:
    return str(UUID(hex_)) if len(hex_) == 32 else hex_
