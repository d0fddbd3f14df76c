"""The read models' store on PostgreSQL: their tables in the organisation's schema, and tracking rows.

The generic half of the `ReadModelStore` port, as `sqlite/readmodels.py` is for
SQLite: transactions (the organisation's schema first on the search path, so the
views' SQL names tables plainly), the tracking position per model (the
library's `PostgresTrackingRecorder`: its upsert refuses a position that is not
past the recorded one), table versions, drop and rebuild. The views' SQL is in
`socialledger/projections/postgresql/`, handed in, never imported. Several
processes (the service, a web view, the CLI) read and write one store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.postgresql.connect import create_schema, creating, datastore


class PostgreSQLReadModelStore:
    def __init__(self, config: StorageConfig, models: Iterable[Any], views: Mapping[str, Any], *,
                 query_indexes: bool = True, scratch: bool = False) -> None:
        """`scratch`: a store of one connection's temporary tables (`pg_temp`), gone when it closes (a replay's)."""
        self.config = config
        self.location = config.organisation
        if scratch:
            self.schema = "pg_temp"
            self.datastore = datastore(config, schema="pg_temp", pool_size=1, max_overflow=0)
        else:
            self.schema = config.organisation
            self.datastore = datastore(config)
            with self.datastore.get_connection() as conn:
                create_schema(conn, self.schema)
        self.tracking = PostgresTrackingRecorder(self.datastore, tracking_table_name="read_model_tracking")
        if scratch:
            self.tracking.create_table()
        else:
            with creating(config, "read models"):
                self.tracking.create_table()
        self.models = {m.name: m for m in models}
        self.views = dict(views)
        with self.write() as c:
            c.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.read_model_versions'))")
            c.execute("CREATE TABLE IF NOT EXISTS read_model_versions (name text PRIMARY KEY, version integer)")
            for m in self.models.values():
                view = self.views[m.name]
                self._check_version(c, m, view)
                view.create(c)
                if query_indexes:
                    for statement in view.query_indexes:
                        c.execute(statement)

    def _check_version(self, c: psycopg.Cursor[Any], model: Any, view: Any) -> None:
        c.execute("SELECT version FROM read_model_versions WHERE name=%s", (model.name,))
        row = c.fetchone()
        if row is not None and row[0] == model.version:
            return
        if row is not None:
            self._drop_tables(c, model.name, view)
        c.execute("INSERT INTO read_model_versions VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                  "SET version = excluded.version", (model.name, model.version))

    def _drop_tables(self, c: psycopg.Cursor[Any], name: str, view: Any) -> None:
        for table in view.tables:
            c.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(table)))
        c.execute("DELETE FROM read_model_tracking WHERE application_name=%s", (name,))

    def position(self, name: str) -> int:
        return self.tracking.max_tracking_id(name) or 0

    @contextmanager
    def write(self) -> Iterator[psycopg.Cursor[Any]]:
        """A transaction on the organisation's schema; committed on exit, rolled back on error."""
        with self.datastore.transaction(commit=True) as dict_cursor:
            conn = dict_cursor.connection
            with conn.cursor(row_factory=tuple_row) as c:
                c.execute(SQL("SET LOCAL search_path TO {}").format(Identifier(self.schema)))
                yield c

    @contextmanager
    def read(self) -> Iterator[psycopg.Cursor[Any]]:
        with self.datastore.transaction(commit=False) as dict_cursor:
            with dict_cursor.connection.cursor(row_factory=tuple_row) as c:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                c.execute(SQL("SET LOCAL search_path TO {}").format(Identifier(self.schema)))
                yield c

    def track(self, transaction: psycopg.Cursor[Any], name: str, position: int) -> None:
        """Raises the library's IntegrityError for a position not past the recorded one."""
        cursor = transaction.connection.cursor()  # the library reads its result as a mapping
        self.tracking._insert_tracking(cursor, Tracking(name, position))  # type: ignore[arg-type]

    def view(self, name: str, transaction: psycopg.Cursor[Any]) -> Any:
        return self.views[name](transaction)

    def index(self, names: Iterable[str]) -> None:
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
        with self.write() as c:
            for name in names:
                view = self.views[name]
                self._drop_tables(c, name, view)
                view.create(c)

    def compact(self) -> None:
        """After a purge: VACUUM the models' tables, so that no dead row version of a purged row stays readable
        in them (the server's write-ahead log keeps its own copy until it is recycled: docs/search.md)."""
        with self.datastore.get_connection() as conn:
            conn.commit()
            conn.autocommit = True
            try:
                for view in self.views.values():
                    for table in view.tables:
                        conn.execute(SQL("VACUUM {}").format(Identifier(self.schema, table)))
            finally:
                conn.autocommit = False

    def close(self) -> None:
        self.datastore.close()
