"""The hash chain's table on SQLite: `event_chain` (position, link) beside `stored_events`.

The links are computed by `core/storage/chain.py`; this writes them, inside
the events' transaction, after their insert took the write lock (the chain's
head cannot move under it).
"""

from __future__ import annotations

from socialledger.core.storage.chain import GENESIS, link

CREATE_TABLE = "CREATE TABLE IF NOT EXISTS event_chain (position INTEGER PRIMARY KEY, hash BLOB NOT NULL)"


def extend(c: object, rows: list[tuple[int, str, int, str, bytes]]) -> None:
    """Append the links of newly inserted rows (position, originator hex, version, topic, state)."""
    c.execute("SELECT hash FROM event_chain ORDER BY position DESC LIMIT 1")  # type: ignore[attr-defined]
    found = c.fetchone()  # type: ignore[attr-defined]
    previous = found[0] if found else GENESIS
    links = []
    for position, oid, version, topic, state in rows:
        previous = link(previous, oid, version, topic, state)
        links.append((position, previous))
    c.executemany("INSERT INTO event_chain (position, hash) VALUES (?, ?)", links)  # type: ignore[attr-defined]
