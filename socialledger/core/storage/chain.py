"""The hash chain over the stored events (DESIGN.md, Integrity and audit).

Each event's link is SHA-256 over the previous link and the event's stored
bytes: originator id, version, topic and state, each length-prefixed so that
no two different events can be framed alike. The first event's previous link
is 32 zero bytes. Each backend stores the links beside the events, written in
the same transaction as the events they cover (SQLite: `event_chain`, in
`sqlite/chaintable.py`), and reads them back for the verifier (`ChainReader`). The chain covers
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
