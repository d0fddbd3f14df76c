"""Copying a ledger from one store into another (`socialledger store copy`): SQLite to PostgreSQL, say.

What is copied is what the store holds: the events at their positions (so
that seals and receipts, which name positions, hold on the copy), their chain
links (recomputed on the way in, and then compared with the source's, link by
link), the capture index with its aliases and the files ingested in full, and
the keys (unwrapped in memory and wrapped again the target's way; a destroyed
key stays destroyed). The source must verify before anything is copied, and
the target must hold no events. Read models are not copied: the target's are
built from its events, and the application compares them with the source's.
"""

from __future__ import annotations

from typing import Any

import attrs

from socialledger.core.audit import verify
from socialledger.core.domain.errors import BadInput, VerificationFailed
from socialledger.core.storage.ports import Storage

BATCH = 5000


@attrs.define
class Copied:
    events: int
    head: int
    index_rows: int
    keys: int


def copy_store(source: Storage, target: Storage) -> Copied:
    report = verify(source.chain_reader())
    if not report.ok:
        raise VerificationFailed(f"the ledger to copy does not verify, nothing copied: {report.problems[0]}")
    events = target.open_event_store()
    if events.max_notification_id():
        raise BadInput("the target store holds a ledger already: a copy goes into an empty one")
    reader = source.chain_reader()
    written = 0
    try:
        links = reader.links()
        batch: list[tuple[int, Any]] = []
        for position, oid, version, topic, state in reader.rows():
            batch.append((position, (oid, version, topic, state)))
            if len(batch) == BATCH:
                events.copy_in(batch)
                written += len(batch)
                batch = []
        events.copy_in(batch)
        written += len(batch)
    finally:
        reader.close()
    copied = target.chain_reader()
    try:
        if copied.links() != links:
            raise VerificationFailed("the copy's chain differs from the source's: the target was written meanwhile")
    finally:
        copied.close()
    dump = source.open_event_store().dump_capture()
    events.copy_capture(dump)
    source_keys, target_keys = source.open_keys(), target.open_keys()
    try:
        keys = target_keys.import_keys(source_keys.export_keys())
        identity = source_keys.identity()
        if identity is not None:  # the copy is the same key store: the key inventory's events name its id
            target_keys.stamp(identity[0])
    finally:
        source_keys.close()
        target_keys.close()
    return Copied(events=written, head=report.head, index_rows=len(dump.index), keys=keys)
