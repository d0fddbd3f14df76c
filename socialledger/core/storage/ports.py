"""What the rest of the system needs from storage (DESIGN.md, Storage): the ports.

A backend is one folder under `core/storage/` (`sqlite/` now, `postgresql/`
later) that implements every Protocol here; `backends.open_storage` picks it by
`StorageConfig.kind`. Nothing outside `core/storage/` imports a backend's
modules: capture, audit and the application reach storage through these
Protocols. The storage contract suite in `socialledger.testing` states what
each guarantee below means as tests, and runs against every backend.

Speed machinery that makes sense for one backend only (SQLite's writer
process, its WAL checkpoints, the garbage-collector pause, the thread that
stores keys) stays in that backend's folder, behind `BulkWriter` and
`Storage.paused`. The calls here are per page of an ingest, never per record.

The shared values (`IndexRow`, `StoredRow`, `IndexTuple`) are plain data and
live here, so that capture plans pages without importing a backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from uuid import UUID, SafeUUID

import attrs

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Plain values shared by capture and every backend -------------------------------------------------


@attrs.define
class IndexRow:
    """One row of the capture index: what ingest knows of an item, subject or metric without loading it."""

    id: str
    version: int
    observed: float | None = None
    fingerprint: bytes | None = None
    state: str | None = None
    fallback: str | None = None
    source: str | None = None
    native: int = 0  # 1 once the item is known by its native id

    def copy(self, **changes: object) -> IndexRow:
        row = IndexRow(self.id, self.version, self.observed, self.fingerprint, self.state, self.fallback,
                       self.source, self.native)
        for key, value in changes.items():
            setattr(row, key, value)
        return row


#: A stored event as it is written: (originator id as 32 hex digits, version, topic, state).
StoredRow = tuple[str, int, str, bytes]
#: An index row as it is written (the fields of `IndexRow`, in order).
IndexTuple = tuple[str, int, float | None, bytes | None, str | None, str | None, str | None, int]
#: A stored event as the verifier reads it: (position, originator id, version, topic, state). A tampered
#: store may hold any type in any column: the verifier copes, the reader passes on what it finds.
ChainRow = tuple[Any, Any, Any, Any, Any]


@attrs.define
class CaptureDump:
    """A capture index as a whole (`store copy`): its rows, its aliases, the files ingested in full."""

    index: list[IndexTuple]
    aliases: list[tuple[str, str]]
    ingested: list[tuple[bytes, str, int]]  # (digest, account, records)


def index_tuple(r: IndexRow) -> IndexTuple:
    return (r.id, r.version, r.observed, r.fingerprint, r.state, r.fallback, r.source, r.native)


def fast_uuid(hex_: str) -> UUID:
    """`UUID(hex=...)` for the 32 hex digits SQLite holds, without its checks (they were checked on the way in)."""
    u = _new(UUID)
    _set(u, "int", int(hex_, 16))
    _set(u, "is_safe", _UNKNOWN)
    return u


_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


# Event store ----------------------------------------------------------------------------------------------


class EventRow(Protocol):
    """A stored event as the projections read it."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


@runtime_checkable
class EventStore(Protocol):
    """The event store: the `eventsourcing` application recorder, plus the hash chain and light reads.

    Every insert (`insert_events`, and `CaptureIndex.insert_rows`) writes the
    events' links of the hash chain (`chain.py`) in the same transaction as the
    events: a store never holds an event without its link or a link without its event.
    """

    def insert_events(self, stored_events: Sequence[Any], **kwargs: Any) -> Sequence[int] | None:
        """Append events in one transaction and return their positions, in order and increasing.

        An (originator id, version) already stored refuses the whole call with
        `eventsourcing.persistence.IntegrityError`: nothing of it is written, links included.
        """

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *, inclusive_of_start: bool = True) -> Sequence[Any]:
        """Stored events by position (`Notification`s), in position order, of the given topics (all if none)."""

    def max_notification_id(self) -> int | None:
        """The head: the highest position written (None in an empty store)."""

    def read_rows(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[EventRow]:
        """Events after `after` up to `stop` of `topics`, in order, at most `limit`: the projections' hot path."""

    def events_of(self, originator_ids: Sequence[UUID]) -> Sequence[EventRow]:
        """Every event of these aggregates in one read, by aggregate and in version order (a page of search
        results read at once rather than an aggregate at a time)."""

    def chain_head(self) -> tuple[int, bytes] | None:
        """The last link of the hash chain (position, link), or None before the first event: what a seal records."""

    def copy_in(self, rows: Sequence[tuple[int, StoredRow]]) -> None:
        """Write events copied from another store at their positions (ascending, after the head), with their
        chain links, in one transaction (`store copy`: positions, and so seals and receipts, stay valid)."""


@runtime_checkable
class CaptureIndex(Protocol):
    """The capture index: written with the events in one transaction, never out of step with them."""

    def insert_rows(self, rows: Sequence[StoredRow], index: list[IndexTuple],
                    aliases: Sequence[tuple[str, str]]) -> list[int]:
        """Write one planned page in one transaction: index rows (upserted), aliases, events, chain links.

        IntegrityError (and nothing written) when one of the events' (id, version) is stored already.
        """

    def index_rows(self, ids: Iterable[str]) -> dict[str, IndexRow]:
        """The index rows of these ids (those that have one)."""

    def index_by_fallback(self, fallbacks: Iterable[str]) -> dict[str, IndexRow]:
        """The index rows with these fallback keys, by fallback key."""

    def aliases(self, aliases: Iterable[str]) -> dict[str, str]:
        """Native ids reconciled to another item's id: alias -> id."""

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Ids of the index (32 lowercase hex digits) that begin with `prefix`, in order, at most `limit`:
        how a short id typed by a person (`5d6c1a2b`) finds its item."""

    def ingested_files(self, account: str) -> dict[bytes, int]:
        """Keyed digests of the files ingested in full into `account`, with their record counts."""

    def record_ingested(self, account: str, files: Sequence[tuple[bytes, int]]) -> None:
        """Remember files an ingest has written in full (called after its last page, never before)."""

    def mark_erased(self, ids: list[str], state: str) -> None:
        """Items and subjects whose keys are destroyed: ingest never seals anything new under them."""

    def dump_capture(self) -> CaptureDump:
        """Everything the capture index holds, for `store copy`."""

    def copy_capture(self, dump: CaptureDump) -> None:
        """Write what another store's `dump_capture` gave, in one transaction."""


# Chain verification ---------------------------------------------------------------------------------------


class ChainReader(Protocol):
    """The stored rows and chain links as they are, read-only, for `audit.verify`.

    It trusts nothing: it returns whatever is stored, and must not fail on
    values of unexpected types (the verifier judges them).
    """

    #: True when positions may skip numbers without anything deleted (PostgreSQL sequences after a
    #: rolled-back insert): then only a position the chain has a link for and no event is a deletion.
    positions_may_have_gaps: bool

    def links(self) -> dict[int, bytes]:
        """Every stored link of the chain, by position."""

    def rows(self) -> Iterator[ChainRow]:
        """Every stored event in position order (position, originator id, version, topic, state)."""

    def close(self) -> None: ...


# Keys -------------------------------------------------------------------------------------------------------


class PendingKeys(Protocol):
    """New keys being stored in the background (`KeyStore.ensure_in_background`)."""

    def settle(self) -> bool:
        """Wait until stored. False when some ids had keys stored elsewhere first: those are in use now,
        and what was sealed under the keys made here must be sealed again."""

    def wait(self) -> None: ...


class Hasher(Protocol):
    def digest(self, data: bytes, size: int = 16) -> bytes: ...
    def hex(self, data: bytes, size: int = 16) -> str: ...
    def equal(self, a: bytes, b: bytes) -> bool: ...


@runtime_checkable
class KeyStore(Protocol):
    """Item and subject keys (crypto-shredding), wrapped by the master key, plus keyed hashes derived from it."""

    def ensure(self, key_ids: Iterable[str], *, new: bool = False) -> None:
        """Load the keys of these ids, making (and storing, in one transaction) those that have none.

        A destroyed key stays destroyed. Two writers making the same key at once
        both end up with the one stored first.
        """

    def ensure_in_background(self, key_ids: Iterable[str], *, new: bool = False) -> PendingKeys | None:
        """`ensure`, with the new keys stored while the caller seals under them; settle before writing."""

    def cipher(self, key_id: str) -> AESGCM | None:
        """The cipher of `key_id`; None when it was destroyed or never made (a tombstone, not an error)."""

    def cipher_for_new(self, key_id: str) -> AESGCM:
        """The cipher of `key_id`, making the key if there is none; refuses a destroyed key."""

    def preload(self, key_ids: list[str]) -> None:
        """Load many keys at once (a page of events about to be decoded)."""

    def states(self, key_ids: list[str]) -> dict[str, str]:
        """'present' or 'destroyed' for each id that has a key row."""

    def destroy(self, key_ids: Iterable[str]) -> int:
        """Destroy keys so that they cannot be recovered: no copy of the wrapped key stays readable in the
        store's files (SQLite: `secure_delete`, no WAL; PostgreSQL: every other key re-wrapped under a new
        generation's key and the old generation's key destroyed). Returns how many ids were destroyed."""

    def wrapped(self, key_id: str) -> bytes | None:
        """The stored wrapped form of a key (None when destroyed or never made): for audits and the contract suite."""

    def export_keys(self) -> Iterator[tuple[str, bytes | None]]:
        """Every key id with its key, unwrapped (None when destroyed): for `store copy`, never written anywhere."""

    def import_keys(self, keys: Iterable[tuple[str, bytes | None]]) -> int:
        """Store keys another store exported (wrapped the way this store wraps; None: destroyed); how many."""

    def unwraps(self, key_id: str, wrapped: bytes) -> bool:
        """Whether any key the store can still reach unwraps `wrapped` (a copy of `key_id`'s stored key): after
        an erasure, none must (audits and the contract suite)."""

    def forget(self) -> None:
        """Drop every cached key from memory."""

    #: True when this open made the store (it was missing): `core/keycheck.py` removes it again when the
    #: ledger holds data that needed keys, so that no empty store is left to be mistaken for the real one.
    made_now: bool

    def check_value(self) -> str:
        """The master key's check value (hex, one-way): whether a master key matches, and nothing more."""

    def identity(self) -> tuple[str, str] | None:
        """(this store's random id, the check value it was stamped under); None when never stamped."""

    def stamp(self, store_id: str | None = None) -> tuple[str, str]:
        """Give the store an identity (a new id, this master key's check value) unless it has one; it. With
        `store_id`: that id, replacing any (`store copy`: a copy is the same key store)."""

    def counts(self) -> tuple[int, int]:
        """(key rows, destroyed ones): what the key inventory events record (`core/keycheck.py`)."""

    def opens_a_key(self) -> bool | None:
        """Whether the master key unwraps a stored live key; None when none is stored."""

    def remove(self) -> None:
        """Close and remove the store (only one this open made: see `made_now`)."""

    def derived(self, purpose: str) -> bytes: ...

    def hasher(self, purpose: str) -> Hasher: ...

    def close(self) -> None: ...


# Bulk writing (ingest) ----------------------------------------------------------------------------------------


class BulkWriter(Protocol):
    """Writes an ingest's planned pages, one page in flight at a time, while the next is planned.

    Pages may be committed in groups: `result()` says whether the page's
    transaction was committed with it. A killed writer (or ingest) leaves
    whole pages or nothing of a page; running the ingest again completes it.
    """

    def send(self, rows: Sequence[StoredRow], index: list[IndexTuple], aliases: Sequence[tuple[str, str]]) -> None:
        """Hand over one page (events with their index rows and aliases)."""

    def result(self) -> bool:
        """Wait for the page in flight: True when its transaction was committed with it.

        IntegrityError when another writer recorded one of its (id, version) first: that
        page alone is undone, pages before it in an open transaction stay.
        """

    def commit(self, account: str = "", ingested: Sequence[tuple[bytes, int]] = ()) -> None:
        """Commit what is not committed yet, durably, with the files read in full (in the same transaction)."""

    def close(self) -> None: ...

    def __enter__(self) -> BulkWriter: ...

    def __exit__(self, *exc: object) -> None: ...


# Read models ------------------------------------------------------------------------------------------------


class ReadModelStore(Protocol):
    """The read models' store: their tables (behind per-model views) and a tracking position per model.

    Exactly once: a page of events is applied in one `write()` transaction
    together with `track`; `track` refuses (IntegrityError, and the transaction
    rolls back) a position not past the one recorded, so two catch-ups racing
    never both apply a page.
    """

    #: Where the store is, as `Storage.read_model_store(location=...)` takes it (picklable: a parallel
    #: catch-up opens the same store in another process).
    location: Any

    def position(self, name: str) -> int:
        """The last position applied to the model `name` (0 when none)."""

    def write(self) -> AbstractContextManager[Any]:
        """A write transaction (holding the write lock from its start); committed on exit, rolled back on error."""

    def read(self) -> AbstractContextManager[Any]:
        """A read-only transaction."""

    def track(self, transaction: Any, name: str, position: int) -> None:
        """Record in `transaction` that `name` has applied everything up to `position` (refusing a stale one)."""

    def view(self, name: str, transaction: Any) -> Any:
        """The view of model `name` (its domain-named reads and writes) inside `transaction`."""

    def drop(self, names: Iterable[str]) -> None:
        """Empty the named models (tables recreated without their query indexes) and set them to position 0."""

    def index(self, names: Iterable[str]) -> None:
        """Make the named models' query indexes (after a rebuild loaded them)."""

    def contents(self, name: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the model `name`'s tables, by table (`store copy` compares two stores' models)."""

    def compact(self) -> None:
        """After a purge (an erasure, a disposal): leave no old copy of a purged row in the store's files."""

    def close(self) -> None: ...


# The backend ------------------------------------------------------------------------------------------------------


class Storage(Protocol):
    """One backend, opened for one ledger home: the factory of everything above."""

    kind: str

    def exists(self) -> bool:
        """Whether this store holds a ledger already (a mistyped home is then an error, not a new ledger)."""

    def event_store_env(self) -> dict[str, str]:
        """The `eventsourcing` settings under which the application constructs this backend's `EventStore`."""

    def open_event_store(self) -> Any:
        """An `EventStore` + `CaptureIndex` of its own (tables created): for tools and the contract suite."""

    def open_keys(self) -> KeyStore:
        """The key store (needs the master key)."""

    def create_master_key(self) -> None:
        """Make the master key where it is kept, unless there is one (`init`)."""

    def check_master_key(self) -> None:
        """BadInput now, rather than at the first capture, when there is no usable master key."""

    def bulk_writer(self, events: Any) -> BulkWriter:
        """A bulk writer into the event store `events` (the application's recorder)."""

    def paused(self) -> AbstractContextManager[None]:
        """What an ingest's hot loop runs under (SQLite: the garbage collector paused)."""

    def chain_reader(self) -> ChainReader:
        """A read-only reader of the stored rows and links, trusting nothing (`audit verify`)."""

    def read_model_store(self, models: Iterable[Any], *, views: Mapping[str, Any], location: Any = None,
                         query_indexes: bool = True) -> ReadModelStore:
        """The read models' store, with the tables of `models` made (and rebuilt when their version changed).

        `views`: each model's view class for this backend, by model name (the read
        models' package holds them: core does not import it). `location`: where, when
        not the home's default (a parallel rebuild names the store its parent opened).
        """

    def store_files(self) -> list[Any]:
        """The files this backend keeps data in (paths), where it has any: the contract suite searches them."""
