"""The storage contract suite (`socialledger.testing`) run against the SQLite backend."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from socialledger.core.storage.backends import open_storage
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.ports import CaptureIndex, EventStore, KeyStore
from socialledger.testing import ChainContract, EventStoreContract, KeyStoreContract, ReadModelStoreContract


class SQLite:
    positions_may_have_gaps = False

    @pytest.fixture
    def storage(self, home):
        return open_storage(StorageConfig(), home)


class TestSQLiteEventStore(SQLite, EventStoreContract):
    def test_the_recorder_implements_the_ports(self, storage):
        events = storage.open_event_store()
        assert isinstance(events, EventStore) and isinstance(events, CaptureIndex)


class TestSQLiteKeyStore(SQLite, KeyStoreContract):
    def test_the_key_store_implements_the_port(self, keys):
        assert isinstance(keys, KeyStore)


class TestSQLiteReadModelStore(SQLite, ReadModelStoreContract):
    pass


class TestSQLiteChain(SQLite, ChainContract):
    @staticmethod
    def _db(storage: Any) -> sqlite3.Connection:
        return sqlite3.connect(storage.db_path, isolation_level=None)

    def _run(self, storage: Any, sql: str, *params: Any) -> None:
        db = self._db(storage)
        try:
            db.execute(sql, params)
        finally:
            db.close()

    def change_state(self, storage, position, state):
        self._run(storage, "UPDATE stored_events SET state=? WHERE rowid=?", state, position)

    def set_column(self, storage, position, column, value):
        db = self._db(storage)
        try:
            # The library's table is STRICT-free but typed: rebuild it without types, as a tamperer could.
            db.execute("PRAGMA writable_schema=OFF")
            try:
                db.execute(f"UPDATE stored_events SET {column}=? WHERE rowid=?", (value, position))
            except sqlite3.IntegrityError:
                db.execute("BEGIN")
                db.execute("CREATE TABLE t AS SELECT rowid AS r, * FROM stored_events")
                db.execute("DROP TABLE stored_events")
                db.execute("CREATE TABLE stored_events (originator_id, originator_version, topic, state)")
                db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                           "SELECT r, originator_id, originator_version, topic, state FROM t")
                db.execute("DROP TABLE t")
                db.execute(f"UPDATE stored_events SET {column}=? WHERE rowid=?", (value, position))
                db.execute("COMMIT")
        finally:
            db.close()

    def delete_event(self, storage, position):
        self._run(storage, "DELETE FROM stored_events WHERE rowid=?", position)

    def insert_event(self, storage, position, row):
        self._run(storage, "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                           "VALUES (?, ?, ?, ?, ?)", position, *row)

    def swap_events(self, storage, a, b):
        db = self._db(storage)
        try:
            cols = "originator_id, originator_version, topic, state"
            ra = db.execute(f"SELECT {cols} FROM stored_events WHERE rowid=?", (a,)).fetchone()
            rb = db.execute(f"SELECT {cols} FROM stored_events WHERE rowid=?", (b,)).fetchone()
            db.execute("BEGIN")
            db.execute("DELETE FROM stored_events WHERE rowid IN (?, ?)", (a, b))
            db.execute(f"INSERT INTO stored_events (rowid, {cols}) VALUES (?, ?, ?, ?, ?)", (a, *rb))
            db.execute(f"INSERT INTO stored_events (rowid, {cols}) VALUES (?, ?, ?, ?, ?)", (b, *ra))
            db.execute("COMMIT")
        finally:
            db.close()
