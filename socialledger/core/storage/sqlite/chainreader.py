"""Reading the stored rows and chain links of `ledger.sqlite` as they are, for `audit.verify`.

Read-only, on a connection of its own (`mode=ro`): the verifier must not trust
the running system, and must not change what it checks. Rows come back with
whatever types SQLite holds in their columns; the verifier judges them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from socialledger.core.storage.ports import ChainRow


class SQLiteChainReader:
    positions_may_have_gaps = False

    def __init__(self, db_path: Path, events_table: str = "stored_events") -> None:
        self._db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        self._events_table = events_table

    def links(self) -> dict[int, bytes]:
        return dict(self._db.execute("SELECT position, hash FROM event_chain ORDER BY position").fetchall())

    def rows(self) -> Iterator[ChainRow]:
        yield from self._db.execute("SELECT rowid, originator_id, originator_version, topic, state "
                                    f"FROM {self._events_table} ORDER BY rowid")

    def close(self) -> None:
        self._db.close()
