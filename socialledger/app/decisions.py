"""Carrying out an erasure or disposal decision, so that an interrupted one is finished by a rerun.

A decision is recorded first, then carried out: its keys destroyed, the
items' media files removed, the capture index told (ingest never seals
anything new under a destroyed key), the key inventory recorded and the
ledger sealed. Every step after the decision is idempotent, and each command
looks for what a decision of its kind left undone before it decides anything
new: rerunning the interrupted command finishes it and records no second
decision. `audit verify` reports a decision whose keys still exist
(`core/keycheck.py`). Tests kill the process between every two steps
(`core/crashpoints.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.core.capture.media import MEDIA_DIR
from socialledger.core.capture.media import forget as forget_media
from socialledger.core.crashpoints import crash_point
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.retention import DISPOSALS_ID, Disposals
from socialledger.core.ledger import LedgerStore

#: The steps after a decision is recorded, in order: a test kills the process at each (`crashpoints.py`).
STEPS = ("decided", "keys-destroyed", "media-removed", "index-marked")
#: and in the seal that follows: `seal:inventory-recorded` (`LedgerStore.seal_after`)


def carry_out(store: LedgerStore, actor: Actor, kind: str, keys: Sequence[UUID], items: Sequence[UUID],
              state: str) -> None:
    """Destroy `keys`, remove the media of `items`, mark them `state` in the capture index, record the key
    inventory and seal; `kind` ('erasure', 'disposal') names the crash points."""
    crash_point(f"{kind}:decided")
    store.keys.destroy([str(k) for k in keys])
    crash_point(f"{kind}:keys-destroyed")
    forget_media(store.home, list(items))
    crash_point(f"{kind}:media-removed")
    store.recorder.mark_erased([k.hex for k in keys], state)
    crash_point(f"{kind}:index-marked")
    store.shred_caches()
    store.seal_after(actor, f"{kind} carried out")


def unfinished(store: LedgerStore, keys: Sequence[UUID], items: Sequence[UUID]) -> bool:
    """Whether a decision over `keys` and `items` was left half done (a key alive, an index row unmarked,
    a media file left, or no seal since)."""
    states = store.keys.states([str(k) for k in keys])
    if any(states.get(str(k)) == "present" for k in keys):
        return True
    rows = store.recorder.index_rows([k.hex for k in keys])
    if any(row.state not in ("erased", "disposed") for row in rows.values()):
        return True
    if any((store.home / MEDIA_DIR / i.hex).exists() for i in items):
        return True
    return store.needs_seal()


def finish_disposals(store: LedgerStore, actor: Actor) -> list[UUID]:
    """Carry out what recorded disposal decisions left undone; the items that were (none: [])."""
    try:
        record = store.repository.get(DISPOSALS_ID)
    except AggregateNotFoundError:
        return []
    if not isinstance(record, Disposals):
        return []
    decided = list(dict.fromkeys(record.decided_items))
    if not decided or not unfinished(store, decided, decided):
        return []
    carry_out(store, actor, "disposal", decided, decided, "disposed")
    return decided
