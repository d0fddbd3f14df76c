"""The SQLite recorder: the library's, plus the capture index written in the same transaction.

The capture index is what makes ingest idempotent without loading aggregates:
per captured item, subject and metric it holds the aggregate's version, the
platform time of its current state, a keyed fingerprint of its content, its
state and its fallback key. It is derived from the events and written in the
same transaction as they are, so the two never disagree; it holds no plaintext.
Its ids are the aggregates' ids as 32 hex digits, as `stored_events` holds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from socialledger.core.storage.ports import CaptureDump, IndexRow, IndexTuple, StoredRow, fast_uuid, index_tuple
from socialledger.core.storage.sqlite import chaintable as chain

__all__ = ["IndexRow", "IndexTuple", "LedgerRecorder", "Row", "StoredRow", "fast_uuid", "index_tuple", "insert_page"]

_json_encode = msgspec.json.encode


_UPSERT_INDEX = (
    "INSERT INTO capture_index (id, version, observed, fingerprint, state, fallback, source, native) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET version=excluded.version, "
    "observed=excluded.observed, fingerprint=excluded.fingerprint, state=excluded.state, "
    "fallback=excluded.fallback, source=excluded.source, native=excluded.native"
)


def stored_row(s: StoredEvent) -> StoredRow:
    oid = s.originator_id
    return (oid.hex if hasattr(oid, "hex") else str(oid), s.originator_version, s.topic, s.state)


def insert_page(c: Any, events_table: str, rows: Sequence[StoredRow], index: list[IndexTuple],
                aliases: Sequence[tuple[str, str]]) -> list[int]:
    """Write one page of an ingest inside the caller's transaction: index rows, aliases, events, chain.

    Used by the recorder in this process and by the page writer process (`pagewriter.py`).
    """
    # The index rows go first: that takes the write lock, so the rowids the
    # events get below follow MAX(rowid) without a gap or a race. In key order:
    # the index's B-tree is then written page after page rather than at random
    # (about 40 % faster for a fresh page of items).
    index.sort()
    c.executemany(_UPSERT_INDEX, index)
    if aliases:
        c.executemany("INSERT OR IGNORE INTO capture_alias (alias, id) VALUES (?, ?)", aliases)
    c.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {events_table}")
    first = c.fetchone()[0] + 1
    c.executemany(f"INSERT INTO {events_table} VALUES (?,?,?,?)", rows)
    positions = list(range(first, first + len(rows)))
    chain.extend(c, [(p, *row) for p, row in zip(positions, rows, strict=True)])
    return positions


def insert_ingested(c: Any, account: str, files: Sequence[tuple[bytes, int]]) -> None:
    """Remember files an ingest has written in full, inside the caller's transaction (its last)."""
    c.executemany("INSERT OR IGNORE INTO ingested_files (digest, account, records, ingested) "
                  "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                  [(digest, account, records) for digest, records in files])


class Row:
    """A stored event as the projections read it (what `StoredEvent` has, and its position)."""

    __slots__ = ("id", "originator_id", "originator_version", "topic", "state")

    def __init__(self, id: int, originator_hex: str, version: int, topic: str, state: bytes) -> None:  # noqa: A002
        self.id = id
        self.originator_id = fast_uuid(originator_hex)
        self.originator_version = version
        self.topic = topic
        self.state = state


class LedgerRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS capture_index ("
            "id TEXT PRIMARY KEY, version INTEGER NOT NULL, observed REAL, "
            "fingerprint BLOB, state TEXT, fallback TEXT, source TEXT, native INTEGER NOT NULL DEFAULT 0)",
            "CREATE INDEX IF NOT EXISTS capture_index_fallback ON capture_index (fallback) "
            "WHERE fallback IS NOT NULL",
            "CREATE TABLE IF NOT EXISTS capture_alias (alias TEXT PRIMARY KEY, id TEXT NOT NULL)",
            # Files an ingest read in full (`ingested.py`): keyed digests, no content.
            "CREATE TABLE IF NOT EXISTS ingested_files ("
            "digest BLOB PRIMARY KEY, account TEXT NOT NULL, records INTEGER NOT NULL, ingested TEXT NOT NULL)",
            chain.CREATE_TABLE,
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # The application's own saves; an ingest's pages go through `insert_rows`.
        positions = super()._insert_events(c, stored_events, **kwargs)
        assert positions is not None
        self._chain(c, positions, stored_events)
        # An item or subject the capture index holds (hidden by a ledger user, registered as a case,
        # erased): its row follows the aggregate's version, so that the next ingest appends after it.
        c.executemany("UPDATE capture_index SET version=? WHERE id=? AND version<?",
                      [(v, i, v) for i, v, _, _ in map(stored_row, stored_events)])
        return positions

    @staticmethod
    def _chain(c: SQLiteCursor, positions: Sequence[int], stored_events: Sequence[StoredEvent]) -> None:
        # Inside the events' transaction, after their insert took the write lock: the
        # chain's head cannot move under us.
        chain.extend(c, [(p, *stored_row(s)) for p, s in zip(positions, stored_events, strict=True)])

    def insert_rows(self, rows: Sequence[StoredRow], index: list[IndexTuple],
                    aliases: Sequence[tuple[str, str]]) -> list[int]:
        """Write one planned page of an ingest (rows already mapped) in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            return insert_page(c, self.events_table_name, rows, index, aliases)

    def chain_head(self) -> tuple[int, bytes] | None:
        """The last link of the hash chain (position, link), or None before the first event."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, hash FROM event_chain ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
        return (row[0], row[1]) if row is not None else None

    # Reading the index ----------------------------------------------------------------

    def index_rows(self, ids: Iterable[str]) -> dict[str, IndexRow]:
        return self._select("SELECT id, version, observed, fingerprint, state, fallback, source, native "
                            "FROM capture_index WHERE id IN ({})", list(ids))

    def index_by_fallback(self, fallbacks: Iterable[str]) -> dict[str, IndexRow]:
        rows = self._select("SELECT id, version, observed, fingerprint, state, fallback, source, native "
                            "FROM capture_index WHERE fallback IN ({})", list(fallbacks))
        return {r.fallback: r for r in rows.values() if r.fallback}

    def aliases(self, aliases: Iterable[str]) -> dict[str, str]:
        return {row[0]: row[1] for row in self._read("SELECT alias, id FROM capture_alias WHERE alias IN ({})",
                                                     aliases)}

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        # A range on the primary key: "g" sorts after every hex digit.
        reader = self._reader_connection()
        return [r[0] for r in reader.execute("SELECT id FROM capture_index WHERE id >= ? AND id < ? ORDER BY id "
                                             "LIMIT ?", (prefix, prefix + "g", limit))]

    def ingested_files(self, account: str) -> dict[bytes, int]:
        """The digests of the files ingested in full into `account`, and how many records each held."""
        reader = self._reader_connection()
        return dict(reader.execute("SELECT digest, records FROM ingested_files WHERE account=?", (account,)))

    def record_ingested(self, account: str, files: Sequence[tuple[bytes, int]]) -> None:
        """Remember files an ingest has written in full (after its last page: never before)."""
        if not files:
            return
        with self.datastore.transaction(commit=True) as c:
            insert_ingested(c, account, files)

    def mark_erased(self, ids: list[str], state: str) -> None:
        """Items and subjects whose keys are destroyed: ingest never seals anything new under them."""
        with self.datastore.transaction(commit=True) as c:
            c.executemany("UPDATE capture_index SET state=? WHERE id=?", [(state, i) for i in ids])

    def copy_in(self, rows: Sequence[tuple[int, StoredRow]]) -> None:
        """Events copied from another store, at their positions, with their chain links, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.executemany(f"INSERT INTO {self.events_table_name} (rowid, originator_id, originator_version, topic, "
                          "state) VALUES (?, ?, ?, ?, ?)", [(p, *row) for p, row in rows])
            chain.extend(c, [(p, *row) for p, row in rows])

    def dump_capture(self) -> CaptureDump:
        reader = self._reader_connection()
        return CaptureDump(
            [tuple(r) for r in reader.execute(  # type: ignore[misc]
                "SELECT id, version, observed, fingerprint, state, fallback, source, native FROM capture_index")],
            [tuple(r) for r in reader.execute("SELECT alias, id FROM capture_alias")],  # type: ignore[misc]
            [tuple(r) for r in reader.execute(  # type: ignore[misc]
                "SELECT digest, account, records FROM ingested_files")])

    def copy_capture(self, dump: CaptureDump) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(_UPSERT_INDEX, dump.index)
            c.executemany("INSERT OR IGNORE INTO capture_alias (alias, id) VALUES (?, ?)", dump.aliases)
            c.executemany("INSERT OR IGNORE INTO ingested_files (digest, account, records, ingested) "
                          "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", dump.ingested)

    def read_rows(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> list[Row]:
        """Stored events after `after` up to `stop`, of the given topics, as light rows.

        The projections' hot path: the library's `select_notifications` builds a
        notification object and a UUID per row, which a rebuild of a million events
        feels; these rows carry the id as the stored hex and make its UUID cheaply.
        """
        marks = ",".join("?" * len(topics))
        reader = self._reader_connection()
        return [Row(*r) for r in reader.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
            f"WHERE rowid > ? AND rowid <= ? AND topic IN ({marks}) ORDER BY rowid LIMIT ?",
            (after, stop, *topics, limit))]

    def events_of(self, originator_ids: Sequence[UUID]) -> list[Row]:
        """Every event of these aggregates, by aggregate and version (one read for many)."""
        if not originator_ids:
            return []
        return [Row(*r) for r in self._read(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
            "WHERE originator_id IN ({}) ORDER BY originator_id, originator_version", [i.hex for i in originator_ids])]

    def close_reader(self) -> None:
        reader = self.__dict__.pop("_reader", None)
        if reader is not None:
            reader.close()

    def _select(self, statement: str, keys: Iterable[str]) -> dict[str, IndexRow]:
        return {row[0]: IndexRow(*row) for row in self._read(statement, keys)}

    def _reader_connection(self) -> sqlite3.Connection:
        reader = self.__dict__.get("_reader")
        if reader is None:
            reader = self._reader = sqlite3.connect(self.datastore.pool.db_name, uri=True,
                                                    check_same_thread=False, timeout=60)
        return reader

    def _read(self, statement: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
        # A plain connection of its own: tuples rather than sqlite3.Row. The keys go in as one
        # JSON array (`IN (SELECT value FROM json_each(?))`) rather than a parameter each.
        reader = self._reader_connection()
        return reader.execute(statement.format("SELECT value FROM json_each(?)"),
                              (_json_encode(list(dict.fromkeys(keys))),)).fetchall()
