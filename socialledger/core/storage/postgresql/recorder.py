"""The PostgreSQL recorder: the library's, plus the hash chain and the capture index in the same transaction.

The events table is the library's own (`<schema>.socialledger_events`, positions
from a `bigserial`), and so are its reads (`select_notifications`,
`max_notification_id`). Writes (the application's saves and an ingest's pages)
go through one function, `write_page`, which does what the library's insert
does (an EXCLUSIVE lock on the events table, so that writers of one organisation
serialise and positions follow commit order; a NOTIFY) and, in the same
transaction, the capture index, the aliases and the chain links. A write that
fails (an (id, version) stored already) rolls back whole; its positions are
then skipped for good: sequences leave gaps, which the chain reader says
(`positions_may_have_gaps`) and the verifier allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from socialledger.core.storage.chain import GENESIS, link
from socialledger.core.storage.ports import CaptureDump, IndexRow, IndexTuple, StoredRow, fast_uuid
from socialledger.core.storage.postgresql.connect import ANY_TEXT, create_schema, texts

#: The tables this backend adds beside the library's, in the organisation's schema.
CREATE_TABLES = (
    "CREATE TABLE IF NOT EXISTS {schema}.capture_index (id text PRIMARY KEY, version bigint NOT NULL, "
    "observed double precision, fingerprint bytea, state text, fallback text, source text, "
    "native integer NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS capture_index_fallback ON {schema}.capture_index (fallback) "
    "WHERE fallback IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS {schema}.capture_alias (alias text PRIMARY KEY, id text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.ingested_files (digest bytea PRIMARY KEY, account text NOT NULL, "
    "records integer NOT NULL, ingested timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS {schema}.event_chain (position bigint PRIMARY KEY, hash bytea NOT NULL)",
)

_UPSERT_INDEX = (
    "INSERT INTO {schema}.capture_index (id, version, observed, fingerprint, state, fallback, source, native) "
    "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::float8[], %s::bytea[], %s::text[], %s::text[], "
    "%s::text[], %s::integer[]) "
    "ON CONFLICT (id) DO UPDATE SET version=excluded.version, observed=excluded.observed, "
    "fingerprint=excluded.fingerprint, state=excluded.state, fallback=excluded.fallback, "
    "source=excluded.source, native=excluded.native"
)
_UPSERT_INDEX_PAGE = (
    "INSERT INTO {schema}.capture_index (id, version, observed, fingerprint, state, fallback, source, native) "
    "SELECT id, version, observed, fingerprint, state, fallback, source, native FROM pg_temp.capture_index_page "
    "ON CONFLICT (id) DO UPDATE SET version=excluded.version, observed=excluded.observed, "
    "fingerprint=excluded.fingerprint, state=excluded.state, fallback=excluded.fallback, "
    "source=excluded.source, native=excluded.native"
)
_INDEX_TYPES = ["text", "int8", "float8", "bytea", "text", "text", "text", "int4"]
_EVENT_TYPES = ["uuid", "int8", "text", "bytea"]
_INSERT_ALIASES = ("INSERT INTO {schema}.capture_alias (alias, id) SELECT * FROM unnest(%s::text[], %s::text[]) "
                   "ON CONFLICT DO NOTHING")
_INDEX_COLUMNS = "id, version, observed, fingerprint, state, fallback, source, native"


def _sql(template: str, schema: str, table: str = "") -> SQL:
    return SQL(template).format(schema=Identifier(schema), table=Identifier(table))  # type: ignore[return-value]


def write_page(cur: psycopg.Cursor[Any], schema: str, table: str, lock_timeout: int, rows: Sequence[StoredRow],
               index: Sequence[IndexTuple] = (), aliases: Sequence[tuple[str, str]] = ()) -> list[int]:
    """Write events (with their index rows and aliases) and their chain links inside the caller's transaction.

    Returns the events' positions in the order of `rows`. Raises psycopg's
    UniqueViolation when one of the events is stored already (the caller rolls back).
    Rows go in by binary `COPY` (about four times as fast as an `INSERT` of arrays):
    the events straight into their table, so are the index rows of what the page
    makes, and the other index rows through a temporary table into their upsert.
    Under the EXCLUSIVE lock no other writer adds events, so the positions the page
    got are those past the head read first.
    """
    cur = cur.connection.cursor(row_factory=tuple_row)
    cur.execute(SQL("SET LOCAL lock_timeout = '{}s'").format(SQL(str(int(lock_timeout)))))
    cur.execute(SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(Identifier(schema), Identifier(table)))
    if index:
        unique = {t[0]: t for t in index}  # one row per id (the last), as an upsert needs
        # The items, subjects and metrics whose first event this page holds have no row yet: theirs go straight
        # in. (Had another writer made one, it made that first event too, and the page fails as a conflict.)
        first = {r[0] for r in rows if r[1] == 1}
        made = [t for key, t in unique.items() if key in first]
        changed = [t for key, t in unique.items() if key not in first]
        if made:
            _copy_index(cur, _sql(f"COPY {{schema}}.capture_index ({_INDEX_COLUMNS}) FROM STDIN (FORMAT BINARY)",
                                  schema), made)
        if changed:
            cur.execute(_sql("CREATE TEMP TABLE IF NOT EXISTS capture_index_page (LIKE {schema}.capture_index) "
                             "ON COMMIT DELETE ROWS", schema))
            _copy_index(cur, SQL("COPY pg_temp.capture_index_page FROM STDIN (FORMAT BINARY)"), changed)
            cur.execute(_sql(_UPSERT_INDEX_PAGE, schema))
            cur.execute("TRUNCATE pg_temp.capture_index_page")
    if aliases:
        cur.execute(_sql(_INSERT_ALIASES, schema), ([a for a, _ in aliases], [i for _, i in aliases]), binary=True)
    if not rows:
        return []
    cur.execute(_sql("SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{table}", schema, table))
    (head,) = cur.fetchone()  # type: ignore[misc]
    with cur.copy(_sql("COPY {schema}.{table} (originator_id, originator_version, topic, state) FROM STDIN "
                       "(FORMAT BINARY)", schema, table)) as copy:
        copy.set_types(_EVENT_TYPES)
        for oid, version, topic, state in rows:
            copy.write_row((fast_uuid(oid), version, topic, state))
    positions = _positions(cur, schema, table, head, rows)
    extend_chain(cur, schema, sorted(zip(positions, rows, strict=True)))
    cur.execute(SQL("NOTIFY {}").format(Identifier(table)))
    return positions


def _copy_index(cur: psycopg.Cursor[Any], statement: SQL, rows: Sequence[IndexTuple]) -> None:
    with cur.copy(statement) as copy:
        copy.set_types(_INDEX_TYPES)
        for row in rows:
            copy.write_row(row)


def _positions(cur: psycopg.Cursor[Any], schema: str, table: str, head: int, rows: Sequence[StoredRow]) -> list[int]:
    """The positions the rows just copied got, in the order of `rows`.

    COPY takes the sequence's values row by row in the input's order, and under the
    EXCLUSIVE lock nothing else takes any: the page's positions are one unbroken run
    after `head` (a gap before it, from a rolled-back writer, does not matter). That is
    checked on the server (one row back, not the page's); should it not hold, the
    positions are read row by row.
    """
    cur.execute(_sql("SELECT min(notification_id), max(notification_id), count(*) FROM {schema}.{table} "
                     "WHERE notification_id > %s", schema, table), (head,))
    low, high, count = cur.fetchone()  # type: ignore[misc]
    if count == len(rows) and low is not None and high - low + 1 == count:
        return list(range(low, high + 1))
    cur.execute(_sql("SELECT notification_id, originator_id, originator_version FROM {schema}.{table} "
                     "WHERE notification_id > %s", schema, table), (head,))
    by_key = {(oid.hex, version): position for position, oid, version in cur.fetchall()}
    return [by_key[(r[0], r[1])] for r in rows]


def extend_chain(cur: psycopg.Cursor[Any], schema: str, written: list[tuple[int, StoredRow]]) -> None:
    """Append the links of rows just written (in position order), after the insert took the table's lock."""
    cur = cur.connection.cursor(row_factory=tuple_row)
    cur.execute(_sql("SELECT hash FROM {schema}.event_chain ORDER BY position DESC LIMIT 1", schema))
    found = cur.fetchone()
    previous = bytes(found[0]) if found else GENESIS
    with cur.copy(_sql("COPY {schema}.event_chain (position, hash) FROM STDIN (FORMAT BINARY)", schema)) as copy:
        copy.set_types(["int8", "bytea"])
        for position, (oid, version, topic, state) in written:
            previous = link(previous, oid, version, topic, state)
            copy.write_row((position, previous))


def stored_row(s: StoredEvent) -> StoredRow:
    oid = s.originator_id
    return (oid.hex if hasattr(oid, "hex") else str(oid).replace("-", ""), s.originator_version, s.topic, s.state)


class Row:
    """A stored event as the projections read it (what `StoredEvent` has, and its position)."""

    __slots__ = ("id", "originator_id", "originator_version", "topic", "state")

    def __init__(self, id: int, originator_id: Any, version: int, topic: str, state: bytes) -> None:  # noqa: A002
        self.id = id
        self.originator_id = originator_id
        self.originator_version = version
        self.topic = topic
        self.state = state


class LedgerRecorder(PostgresApplicationRecorder):
    """The library's application recorder on the organisation's schema, with the chain and the capture index."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.schema = datastore.schema
        self._reader: psycopg.Connection[Any] | None = None

    def create_table(self) -> None:
        """The schema and its tables, unless they are there; one process at a time (an advisory lock), since
        the library's statements (a type, a function) fail when two sessions make them at once."""
        with self.datastore.get_connection() as conn:
            if self._made(conn):
                self.datastore.register_type_adapters()
                return
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"socialledger-create:{self.schema}",))
            try:
                if not self._made(conn):
                    create_schema(conn, self.schema)
                    super().create_table()
                    with conn.transaction(), conn.cursor() as cur:
                        for statement in CREATE_TABLES:
                            cur.execute(_sql(statement, self.schema))
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"socialledger-create:{self.schema}",))
        self.datastore.register_type_adapters()

    def _made(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether the last table `create_table` makes is there (then so is everything before it)."""
        row = conn.execute("SELECT to_regclass(%s) AS t", (f'"{self.schema}".event_chain',)).fetchone()
        return row is not None and row["t"] is not None

    # Writing --------------------------------------------------------------------------------

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The application's saves: events and their links in one transaction (IntegrityError: nothing written)."""
        if not stored_events:
            return []
        with self.datastore.transaction(commit=True) as cur:
            rows = [stored_row(s) for s in stored_events]
            positions = write_page(cur, self.schema, self.events_table_name, self.datastore.lock_timeout or 30,
                                   rows)
            # An item or subject the capture index holds (hidden by a ledger user, registered as a case,
            # erased): its row follows the aggregate's version, so that the next ingest appends after it.
            cur.execute(_sql("UPDATE {schema}.capture_index AS c SET version = x.v FROM unnest(%s::text[], "
                             "%s::bigint[]) AS x(i, v) WHERE c.id = x.i AND c.version < x.v", self.schema),
                        ([r[0] for r in rows], [r[1] for r in rows]))
            return positions

    def insert_rows(self, rows: Sequence[StoredRow], index: list[IndexTuple],
                    aliases: Sequence[tuple[str, str]]) -> list[int]:
        """Write one planned page of an ingest (rows already mapped) in one transaction."""
        with self.datastore.transaction(commit=True) as cur:
            return write_page(cur, self.schema, self.events_table_name, self.datastore.lock_timeout or 30,
                              rows, index, aliases)

    def record_ingested(self, account: str, files: Sequence[tuple[bytes, int]]) -> None:
        if not files:
            return
        with self.datastore.transaction(commit=True) as cur:
            insert_ingested(cur, self.schema, account, files)

    def mark_erased(self, ids: list[str], state: str) -> None:
        if not ids:
            return
        with self.datastore.transaction(commit=True) as cur:
            cur.execute(_sql("UPDATE {schema}.capture_index SET state=%s WHERE id = ANY(%s)", self.schema),
                        (state, ids))

    def copy_in(self, rows: Sequence[tuple[int, StoredRow]]) -> None:
        """Events copied from another store, at their positions, with their chain links, in one transaction."""
        if not rows:
            return
        with self.datastore.transaction(commit=True) as dict_cursor:
            cur = dict_cursor.connection.cursor(row_factory=tuple_row)
            cur.execute(SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(Identifier(self.schema),
                                                                         Identifier(self.events_table_name)))
            cur.execute(_sql("INSERT INTO {schema}.{table} (notification_id, originator_id, originator_version, "
                             "topic, state) SELECT p, u::uuid, v, t, s FROM unnest(%s::bigint[], %s::text[], "
                             "%s::bigint[], %s::text[], %s::bytea[]) AS x(p, u, v, t, s)", self.schema,
                             self.events_table_name),
                        ([p for p, _ in rows], [r[0] for _, r in rows], [r[1] for _, r in rows],
                         [r[2] for _, r in rows], [r[3] for _, r in rows]))
            extend_chain(cur, self.schema, list(rows))
            cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                        (f'"{self.schema}".{self.events_table_name}', rows[-1][0]))

    def dump_capture(self) -> CaptureDump:
        return CaptureDump(
            [(r[0], r[1], r[2], _bytes(r[3]), *r[4:]) for r in self._fetch(
                f"SELECT {_INDEX_COLUMNS} FROM {{schema}}.capture_index ORDER BY id")],
            [tuple(r) for r in self._fetch("SELECT alias, id FROM {schema}.capture_alias ORDER BY alias")],
            [(bytes(d), a, n) for d, a, n in self._fetch(
                "SELECT digest, account, records FROM {schema}.ingested_files ORDER BY digest")])  # type: ignore[misc]

    def copy_capture(self, dump: CaptureDump) -> None:
        with self.datastore.transaction(commit=True) as dict_cursor:
            cur = dict_cursor.connection.cursor(row_factory=tuple_row)
            if dump.index:
                cur.execute(_sql(_UPSERT_INDEX, self.schema), [list(col) for col in zip(*dump.index, strict=True)])
            if dump.aliases:
                cur.execute(_sql(_INSERT_ALIASES, self.schema),
                            ([a for a, _ in dump.aliases], [i for _, i in dump.aliases]))
            for digest, account, records in dump.ingested:
                insert_ingested(cur, self.schema, account, [(digest, records)])

    # Reading --------------------------------------------------------------------------------

    def chain_head(self) -> tuple[int, bytes] | None:
        row = self._fetch("SELECT position, hash FROM {schema}.event_chain ORDER BY position DESC LIMIT 1")
        return (row[0][0], bytes(row[0][1])) if row else None

    def index_rows(self, ids: Iterable[str]) -> dict[str, IndexRow]:
        rows = self._fetch(f"SELECT {_INDEX_COLUMNS} FROM {{schema}}.capture_index WHERE id = {ANY_TEXT}",
                           texts(dict.fromkeys(ids)))
        return {r[0]: IndexRow(r[0], r[1], r[2], _bytes(r[3]), *r[4:]) for r in rows}

    def index_by_fallback(self, fallbacks: Iterable[str]) -> dict[str, IndexRow]:
        rows = self._fetch(f"SELECT {_INDEX_COLUMNS} FROM {{schema}}.capture_index WHERE fallback = {ANY_TEXT}",
                           texts(dict.fromkeys(fallbacks)))
        return {r[5]: IndexRow(r[0], r[1], r[2], _bytes(r[3]), *r[4:]) for r in rows if r[5]}

    def aliases(self, aliases: Iterable[str]) -> dict[str, str]:
        return dict(self._fetch(f"SELECT alias, id FROM {{schema}}.capture_alias WHERE alias = {ANY_TEXT}",
                                texts(dict.fromkeys(aliases))))

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        # A range on the primary key, compared byte-wise ("g" sorts after every hex digit) whatever the
        # database's collation.
        rows = self._fetch('SELECT id FROM {schema}.capture_index WHERE id COLLATE "C" >= %s '
                           'AND id COLLATE "C" < %s ORDER BY id COLLATE "C" LIMIT %s', prefix, prefix + "g", limit)
        return [r[0] for r in rows]

    def ingested_files(self, account: str) -> dict[bytes, int]:
        rows = self._fetch("SELECT digest, records FROM {schema}.ingested_files WHERE account = %s", account)
        return {bytes(d): n for d, n in rows}

    def read_rows(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> list[Row]:
        """Stored events after `after` up to `stop`, of the given topics, as light rows (the projections' path)."""
        rows = self._fetch(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE notification_id > %s AND notification_id <= %s AND topic = ANY(%s) "
            "ORDER BY notification_id LIMIT %s", after, stop, list(topics), limit)
        return [Row(p, fast_uuid(o.hex), v, t, s) for p, o, v, t, s in rows]

    def events_of(self, originator_ids: Sequence[UUID]) -> list[Row]:
        """Every event of these aggregates, by aggregate and version (one read for many)."""
        if not originator_ids:
            return []
        rows = self._fetch(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version", list(originator_ids))
        return [Row(p, fast_uuid(o.hex), v, t, s) for p, o, v, t, s in rows]

    def _fetch(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        query = SQL(statement).format(schema=Identifier(self.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(query, params or None, binary=True)
            return cur.fetchall()

    def close_reader(self) -> None:
        pass


def insert_ingested(cur: psycopg.Cursor[Any], schema: str, account: str, files: Sequence[tuple[bytes, int]]) -> None:
    """Remember files an ingest has written in full, inside the caller's transaction (its last)."""
    cur.execute(_sql("INSERT INTO {schema}.ingested_files (digest, account, records) "
                     "SELECT d, %s, r FROM unnest(%s::bytea[], %s::integer[]) AS x(d, r) "
                     "ON CONFLICT DO NOTHING", schema),
                (account, [d for d, _ in files], [r for _, r in files]))


def _bytes(value: Any) -> bytes | None:
    return bytes(value) if value is not None else None


def as_integrity_error(e: psycopg.errors.UniqueViolation) -> IntegrityError:
    return IntegrityError(str(e))
