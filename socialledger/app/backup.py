"""`store backup`: the event store and the key store of a SQLite ledger, copied together, consistently.

Crypto-shredding makes the key store as precious as the events, and the two
must match: a key store older than the events lacks keys (a failed
verification, never an erasure: `core/keycheck.py`), and one newer than the
events may hold keys destroyed after them. So the two are copied at one
moment: the key inventory is recorded and the ledger sealed, then the event
store's write lock is held while both files are copied with SQLite's online
backup (writers wait; readers go on). A `backup.json` beside them records the
head, the key counts and the master key's check value (not the key: keep the
master key and the signing key elsewhere, in the organisation's safe).
PostgreSQL's backups are `pg_dump` and the key directory (docs/operations.md).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from socialledger.app.authorisation import require_information_unit
from socialledger.app.base import Service
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.keycheck import record_inventory
from socialledger.core.storage.home import EVENT_STORE_FILE, create_private_file

KEYS_FILE = "keys.sqlite"
MANIFEST = "backup.json"


class BackupResult(TypedDict):
    out: str
    head: int
    keys: int
    destroyed: int
    master_key_check: str
    time: str


class Backups(Service):
    def backup(self, actor: Actor, out: Path) -> BackupResult:
        """Copy the event store and the key store into `out` (a new or empty directory), consistently."""
        require_information_unit(self.store.roster(), actor, "back up the ledger")
        if self.store.storage.kind != "sqlite":
            raise BadInput("store backup copies a SQLite ledger; a PostgreSQL store is backed up with pg_dump "
                           "and its key directory (docs/operations.md)")
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise BadInput(f"{out}: the backup goes into a new or empty directory")
        out.mkdir(parents=True, exist_ok=True)
        record_inventory(self.store, actor)
        self.store.seal_after(actor, "backup")
        home = self.store.home
        source = sqlite3.connect(home / EVENT_STORE_FILE, timeout=60, isolation_level=None)
        try:
            source.execute("BEGIN IMMEDIATE")  # writers wait until both copies are made
            try:
                for name, db in ((EVENT_STORE_FILE, source), (KEYS_FILE, None)):
                    target_path = out / name
                    create_private_file(target_path)
                    target = sqlite3.connect(target_path)
                    try:
                        if db is None:
                            keys = sqlite3.connect(home / KEYS_FILE, timeout=60)
                            try:
                                keys.backup(target)
                            finally:
                                keys.close()
                        else:
                            # read through a connection of its own: the lock's holds the write lock only
                            reader = sqlite3.connect(home / EVENT_STORE_FILE, timeout=60)
                            try:
                                reader.backup(target)
                            finally:
                                reader.close()
                    finally:
                        target.close()
                head = int(source.execute("SELECT coalesce(max(position), 0) FROM event_chain").fetchone()[0])
            finally:
                source.execute("ROLLBACK")
        finally:
            source.close()
        copy = sqlite3.connect(out / KEYS_FILE)
        try:
            keys_count, destroyed = copy.execute("SELECT count(*), count(*) - count(wrapped) FROM keys").fetchone()
        finally:
            copy.close()
        result: BackupResult = {"out": str(out), "head": head, "keys": int(keys_count), "destroyed": int(destroyed),
                                "master_key_check": self.store.keys.check_value(),
                                "time": datetime.now(UTC).isoformat(timespec="seconds")}
        (out / MANIFEST).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return result
