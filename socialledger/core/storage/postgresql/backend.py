"""The PostgreSQL backend: every storage port (`ports.py`) on one organisation's schema of a server.

The events are the `eventsourcing` library's own table and recorder
(`eventsourcing.postgres`), extended with the chain and the capture index
(`recorder.py`); keys are wrapped by generation keys kept outside the database
(`keys.py`); the read models are tables in the same schema (`readmodels.py`).
Everything of one organisation is in its schema and nothing names another, so
organisations on one server are apart (docs/operations.md gives each a role
that can use its own schema only).

The ledger home still holds what is not the store: its config.toml (which
names the server and the organisation, never a password), the master key and
the key directory (unless the environment names them), captured media and
the ingest's spool.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Self

import psycopg
from eventsourcing.persistence import IntegrityError, PersistenceError
from psycopg.sql import SQL, Identifier

from socialledger.core.collecting import collection_paused
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.masterkey import create_master_key_file, load_master_key
from socialledger.core.storage.ports import IndexTuple, StoredRow
from socialledger.core.storage.postgresql.chainreader import PostgreSQLChainReader
from socialledger.core.storage.postgresql.connect import EVENTS_TABLE, connect, datastore
from socialledger.core.storage.postgresql.keys import KeyStore
from socialledger.core.storage.postgresql.readmodels import PostgreSQLReadModelStore
from socialledger.core.storage.postgresql.recorder import LedgerRecorder, insert_ingested, write_page

RECORDER_TOPIC = "socialledger.core.storage.postgresql.recorder:LedgerRecorder"


class PostgreSQLStorage:
    kind = "postgresql"

    def __init__(self, config: StorageConfig, home: Path) -> None:
        config.check()
        self.config = config
        self.home = home
        self.schema = config.organisation

    def exists(self) -> bool:
        with self._connect() as conn:
            row = conn.execute("SELECT to_regclass(%s)", (f'"{self.schema}".{EVENTS_TABLE}',)).fetchone()
        return row is not None and row[0] is not None

    def _connect(self) -> psycopg.Connection[Any]:
        """A connection, or one clear line on why there is none (the library's pool would retry for 30 s)."""
        try:
            return connect(self.config)
        except psycopg.OperationalError as e:
            hint = (" (give the password through SOCIALLEDGER_STORE, SOCIALLEDGER_STORE_PASSWORD_FILE, PGPASSWORD "
                    "or ~/.pgpass)") if "password" in str(e) else ""
            raise PersistenceError(f"cannot reach the PostgreSQL server: {str(e).strip()}{hint}") from None

    def event_store_env(self) -> dict[str, str]:
        self._connect().close()  # (the server is there and takes these credentials)
        return {**self.config.event_store_env(self.home), "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC}

    def open_event_store(self) -> LedgerRecorder:
        recorder = LedgerRecorder(datastore(self.config), events_table_name=EVENTS_TABLE)
        recorder.create_table()
        return recorder

    def open_keys(self) -> KeyStore:
        return KeyStore(self.config, self.home, load_master_key(self.home))

    def create_master_key(self) -> None:
        create_master_key_file(self.home)

    def check_master_key(self) -> None:
        load_master_key(self.home)

    def bulk_writer(self, events: Any) -> PageWriterThread:
        return PageWriterThread(self.config, events.events_table_name)

    def paused(self) -> AbstractContextManager[None]:
        return collection_paused()

    def chain_reader(self) -> PostgreSQLChainReader:
        return PostgreSQLChainReader(self.config)

    def read_model_store(self, models: Iterable[Any], *, views: Mapping[str, Any], location: Any = None,
                         query_indexes: bool = True) -> PostgreSQLReadModelStore:
        """`location`: None (or the organisation) for the organisation's read models; anything else (a replay's
        scratch file) for a scratch store of temporary tables, gone when it closes."""
        scratch = location is not None and location != self.schema
        return PostgreSQLReadModelStore(self.config, models, views, query_indexes=query_indexes, scratch=scratch)

    def store_files(self) -> list[Path]:
        return []  # the server's files are the server's: the contract suite searches its data directory

    def drop_schema(self, schema: str) -> None:
        with connect(self.config) as conn:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


class PageWriterThread:
    """The ingest's bulk writer: each page written and committed by a thread on a connection of its own.

    The server does the writing; the thread only waits for it (outside the GIL),
    so the ingest plans page N+1 while the server writes page N. Each page is its
    own transaction: a conflict (another writer recorded one of its (id, version)
    first) undoes that page alone, and `result()` is always True (committed with it).
    """

    def __init__(self, config: StorageConfig, events_table: str) -> None:
        self._config = config
        self._table = events_table
        self._conn = connect(config)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="socialledger-pages")
        self._pending: Future[None] | None = None
        self._lock = threading.Lock()

    def _write(self, rows: Sequence[StoredRow], index: list[IndexTuple], aliases: Sequence[tuple[str, str]]) -> None:
        try:
            with self._conn.transaction(), self._conn.cursor() as cur:
                write_page(cur, self._config.organisation, self._table, self._config.lock_timeout_seconds,
                           rows, index, aliases)
        except psycopg.errors.UniqueViolation as e:
            raise IntegrityError(str(e)) from None
        except psycopg.Error as e:
            raise PersistenceError(f"the ingest's writer could not write a page: {e}") from None

    def send(self, rows: Sequence[StoredRow], index: list[IndexTuple], aliases: Sequence[tuple[str, str]]) -> None:
        assert self._pending is None, "one page in flight at a time"
        self._pending = self._pool.submit(self._write, list(rows), list(index), list(aliases))

    def result(self) -> bool:
        assert self._pending is not None, "no page in flight"
        pending, self._pending = self._pending, None
        pending.result()
        return True

    def commit(self, account: str = "", ingested: Sequence[tuple[bytes, int]] = ()) -> None:
        assert self._pending is None, "a page still in flight"
        if ingested:
            with self._conn.transaction(), self._conn.cursor() as cur:
                insert_ingested(cur, self._config.organisation, account, ingested)

    def close(self) -> None:
        if self._pending is not None:
            try:
                self._pending.result()
            except Exception:  # noqa: BLE001 - closing after a failure that the ingest reports itself
                pass
            self._pending = None
        self._pool.shutdown(wait=True)
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
