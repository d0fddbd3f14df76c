"""The read models' store on SQLite: `readmodels.sqlite`, its transactions and tracking rows.

This is the generic half of the `ReadModelStore` port: transactions, the
tracking position per model (the library's `SQLiteTrackingRecorder`, which
refuses a position that is not past the recorded one), table versions, drop
and rebuild. The SQL of each read model's own tables is in its view class
(`socialledger/projections/sqlite/`), which this store is handed and never
imports: core does not import projections.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder

from socialledger.core.storage.home import create_private_file


def _into_wal(path: Path, attempts: int = 200) -> None:
    """Put a new store file in WAL mode, waiting for another process doing the same.

    The change needs the file to itself and does not wait for a lock (two
    processes opening a new store at once: "database is locked"); once the
    file is in WAL mode, the library's own `journal_mode=WAL` on connecting is a no-op.
    """
    for _ in range(attempts):
        db = sqlite3.connect(path, timeout=60)
        try:
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError:
            pass
        finally:
            db.close()
        time.sleep(0.01)


class SQLiteView(Protocol):
    """What the store needs of a read model's SQLite view class (`projections/sqlite/`)."""

    tables: tuple[str, ...]
    query_indexes: tuple[str, ...]

    @staticmethod
    def create(c: SQLiteCursor) -> None: ...

    def __call__(self, c: SQLiteCursor) -> Any: ...


class Versioned(Protocol):
    name: str
    version: int


#: the page cache of a connection that writes read models (KiB): a page of events dirties tens of MB of their
#: random-keyed B-trees, which SQLite's 2 MB default spills mid-transaction
CACHE_KIB = 65536


class SQLiteReadModelStore:
    """`readmodels.sqlite`: the read models' tables (through their views) and their tracking rows."""

    def __init__(self, path: Path, models: Iterable[Versioned], views: Mapping[str, Any], *,
                 query_indexes: bool = True) -> None:
        self.path = self.location = path
        create_private_file(path)
        _into_wal(path)
        self.datastore = SQLiteDatastore(db_name=str(path), lock_timeout=60)
        self.tracking = SQLiteTrackingRecorder(self.datastore)
        try:
            self.tracking.create_table()
        except IntegrityError:
            # Another process made the table first (both saw none, and both recorded its
            # migration row): the table is there now; look again.
            self.tracking = SQLiteTrackingRecorder(self.datastore)
            self.tracking.create_table()
        self.models = {m.name: m for m in models}
        self.views = dict(views)
        # With the write lock from the start: another process may be writing (a parallel rebuild).
        with self.write() as c:
            c.execute("CREATE TABLE IF NOT EXISTS read_model_versions (name TEXT PRIMARY KEY, version INTEGER)")
            for m in self.models.values():
                view = self.views[m.name]
                self._check_version(c, m, view)
                view.create(c)
                if query_indexes:
                    for statement in view.query_indexes:
                        c.execute(statement)

    @staticmethod
    def _check_version(c: SQLiteCursor, model: Versioned, view: SQLiteView) -> None:
        """A model whose tables another version of the code made starts again from position 0."""
        c.execute("SELECT version FROM read_model_versions WHERE name=?", (model.name,))
        row = c.fetchone()
        if row is not None and row[0] == model.version:
            return
        if row is not None or model.version != 1:  # (a store made before versions were kept holds version 1)
            for table in view.tables:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (model.name,))
        c.execute("INSERT OR REPLACE INTO read_model_versions VALUES (?, ?)", (model.name, model.version))

    def position(self, name: str) -> int:
        return self.tracking.max_tracking_id(name) or 0

    @contextmanager
    def write(self) -> Iterator[SQLiteCursor]:
        """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

        Two processes catching up different read models write to this one file; a
        deferred transaction that read first could not take the lock after the other
        committed ("database is locked"), while this one waits its turn.
        """
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # A commit is not synced to the disk on its own (the write-ahead log is, at each checkpoint): what a
            # power cut loses is the last transactions whole, their tracking rows with them, and the next
            # catch-up applies those events again. Read models are derived; a search (whose catch-up records
            # a tracking row each time) would otherwise wait for an fsync.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextmanager
    def read(self) -> Iterator[SQLiteCursor]:
        with self.datastore.transaction(commit=False) as c:
            yield c

    def track(self, transaction: SQLiteCursor, name: str, position: int) -> None:
        """Raises the library's IntegrityError for a position not past the recorded one."""
        try:
            self.tracking._insert_tracking(transaction, Tracking(name, position))
        except sqlite3.IntegrityError as e:
            raise IntegrityError(str(e)) from e

    def view(self, name: str, transaction: SQLiteCursor) -> Any:
        return self.views[name](transaction)

    def index(self, names: Iterable[str]) -> None:
        """Make the named models' query indexes (after a rebuild loaded their tables)."""
        with self.write() as c:
            for name in names:
                for statement in self.views[name].query_indexes:
                    c.execute(statement)

    def contents(self, name: str) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self.read() as c:
            view = self.views[name]
            # A view may name how its rows compare across backends (a full-text index's own table differs).
            queries = getattr(view, "contents_queries", {})
            for table in view.tables:
                query = queries.get(table, f"SELECT * FROM {table}")
                if query is None:
                    continue
                c.execute(query)
                out[table] = [tuple(r) for r in c.fetchall()]
        return out

    def drop(self, names: Iterable[str]) -> None:
        """Drop and recreate the named models' tables, without their query indexes; position 0."""
        with self.write() as c:
            for name in names:
                view = self.views[name]
                for table in view.tables:
                    c.execute(f"DROP TABLE IF EXISTS {table}")
                c.execute("DELETE FROM tracking WHERE application_name=?", (name,))
                view.create(c)

    def compact(self) -> None:
        """Leave no old copy of a page in the files (after a purge): the write-ahead log checkpointed and emptied."""
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
            if busy:  # another process reads: its snapshot holds the log; the next purge or checkpoint empties it
                return

    def close(self) -> None:
        self.datastore.close()
