"""The hash chain over the stored events (DESIGN.md, Integrity and audit).

Each event's link is SHA-256 over the previous link and the event's stored
bytes: originator id, version, topic and state, each length-prefixed so that
no two different events can be framed alike. The first event's previous link
is 32 zero bytes. The links live in `event_chain` beside `stored_events` and
are written in the same transaction as the events they cover. The chain covers
ciphertext, so destroying a key (erasure, disposal) leaves it verifiable.
"""

from __future__ import annotations

import hashlib
import struct

GENESIS = bytes(32)
ALGORITHM = "sha256-chain-v1"
_LEN = struct.Struct(">I")
_VERSION = struct.Struct(">q")


def link(previous: bytes, originator_id: str, version: int, topic: str, state: bytes) -> bytes:
    h = hashlib.sha256(previous)
    for part in (originator_id.encode("ascii"), _VERSION.pack(version), topic.encode("utf-8"), state):
        h.update(_LEN.pack(len(part)))
        h.update(part)
    return h.digest()


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
