"""Connections to an organisation's schema: the library's datastore, or a plain psycopg connection.

Every table of an organisation is in its own schema (`StorageConfig.organisation`);
nothing here or in the other modules of this folder names another schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from socialledger.core.storage.config import StorageConfig

#: The events table, as the library names it for the application `socialledger`.
EVENTS_TABLE = "socialledger_events"

#: `column = ANY(...)` of many texts given as one JSON array (`texts`): the server unpacks it, where psycopg
#: would build a text[] parameter in Python item by item (a third of a second per 100,000 ids).
ANY_TEXT = "ANY(ARRAY(SELECT json_array_elements_text(%s::json)))"


def texts(values: Iterable[str]) -> str:
    """The parameter of `ANY_TEXT`: the values as one JSON array."""
    return msgspec.json.encode(list(values)).decode()


def connect(config: StorageConfig, *, autocommit: bool = True, **kwargs: Any) -> psycopg.Connection[Any]:
    """A plain connection (tuple rows) with the organisation's schema first on its search path."""
    c = config.connection()
    conn = psycopg.connect(host=c.host, port=c.port, user=c.user, dbname=c.dbname, password=c.password,
                           autocommit=autocommit, connect_timeout=30, **kwargs)
    conn.execute(SQL("SET search_path TO {}").format(Identifier(config.organisation)))
    if not autocommit:
        conn.commit()
    return conn


def datastore(config: StorageConfig, *, schema: str | None = None, pool_size: int = 1,
              max_overflow: int = 4) -> PostgresDatastore:
    """The library's datastore (a connection pool) on the organisation's schema (or `schema`)."""
    c = config.connection()
    return PostgresDatastore(dbname=c.dbname, host=c.host, port=c.port, user=c.user, password=c.password,
                             schema=schema or config.organisation, lock_timeout=config.lock_timeout_seconds,
                             pool_size=pool_size, max_overflow=max_overflow, connect_timeout=30)


def create_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    """The organisation's schema, unless it is there (the operator may have made it, owned by the org's role)."""
    found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    if found is None:
        try:
            conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
        except psycopg.errors.UniqueViolation:
            pass  # another process made it at the same moment


@contextmanager
def creating(config: StorageConfig, what: str) -> Iterator[None]:
    """One process at a time making an organisation's tables (`CREATE ... IF NOT EXISTS` of a type or a
    function fails when two sessions do it at once): a session advisory lock on a connection of its own."""
    key = f"socialledger-create:{config.organisation}:{what}"
    with connect(config) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))
