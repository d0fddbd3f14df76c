"""Reading an organisation's stored rows and chain links as they are, for `audit.verify`.

One read-only REPEATABLE READ transaction: the links and the rows are one
snapshot, so a write committed while the verifier reads is neither half seen
nor taken for an insertion. Rows come back as the server holds them (a uuid
as its 32 hex digits, as the chain covers it; anything else as psycopg gives
it); the verifier judges them. Positions may skip numbers (a rolled-back
insert leaves its sequence values unused): `positions_may_have_gaps`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
from psycopg.sql import SQL, Identifier

from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.ports import ChainRow
from socialledger.core.storage.postgresql.connect import EVENTS_TABLE, connect


class PostgreSQLChainReader:
    positions_may_have_gaps = True

    def __init__(self, config: StorageConfig, events_table: str = EVENTS_TABLE) -> None:
        self._schema = config.organisation
        self._table = events_table
        self._db: psycopg.Connection[Any] = connect(config, autocommit=False)
        self._db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def links(self) -> dict[int, bytes]:
        query = SQL("SELECT position, hash FROM {}.event_chain ORDER BY position").format(Identifier(self._schema))
        return {p: bytes(h) for p, h in self._db.execute(query)}

    def rows(self) -> Iterator[ChainRow]:
        query = SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
                    "ORDER BY notification_id").format(Identifier(self._schema), Identifier(self._table))
        with self._db.cursor(name="verify_rows") as cur:
            cur.itersize = 5000
            cur.execute(query)
            for position, oid, version, topic, state in cur:
                yield (position, oid.hex if isinstance(oid, UUID) else oid, version, topic,
                       bytes(state) if isinstance(state, memoryview) else state)

    def close(self) -> None:
        try:
            self._db.rollback()
        finally:
            self._db.close()
