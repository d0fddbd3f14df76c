"""Keys for crypto-shredding: one per content item and one per data subject.

Stored events cannot be rewritten, so what must be forgettable is encrypted
before it is stored (DESIGN.md, Personal data). Each key lives here, in
`keys.sqlite` beside the event store, wrapped (AES-GCM) by the master key.
Destroying a key (erasure, disposal) overwrites its row: `secure_delete` zeroes
the freed bytes and the rollback journal (not WAL) leaves no old page behind.

The master key comes from `SOCIALLEDGER_MASTER_KEY` (32 bytes, base64 or
hex), else the file named by `SOCIALLEDGER_MASTER_KEY_FILE`, else
`master.key` in the ledger home (written by `init` when neither is set).
Keyed hashes for deduplication and pseudonyms are derived from it (HKDF), so
no plaintext hash outlives an erasure.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from socialledger.core.storage.hashing import Hasher
from socialledger.core.storage.home import create_private_file
from socialledger.core.storage.masterkey import check_value, create_master_key_file, load_master_key
from socialledger.core.storage.storingkeys import StoringKeys

__all__ = ["Hasher", "KeyStore", "create_master_key_file", "load_master_key"]

KEYS_FILE = "keys.sqlite"
_CHUNK = 500


class KeyStore:
    """Item and subject keys by aggregate id, wrapped by the master key."""

    def __init__(self, home: Path, master: bytes, cache_size: int = 60_000) -> None:
        self.path = home / KEYS_FILE
        #: True when this open made the file (a key store that was missing): `core/keycheck.py` then removes it
        #: again if the ledger holds data that needed keys.
        self.made_now = not self.path.exists()
        create_private_file(self.path)
        self._wrap = AESGCM(master)
        self._derive_root = master
        self._cache: OrderedDict[str, AESGCM | None] = OrderedDict()
        self._cache_size = cache_size
        self._storing: sqlite3.Connection | None = None  # the connection StoringKeys threads write through
        self._storing_now: StoringKeys[int] | None = None
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA secure_delete=ON")
        self.db.execute("PRAGMA journal_mode=DELETE")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, wrapped BLOB, destroyed TEXT)"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS key_store (name TEXT PRIMARY KEY, value TEXT NOT NULL)")

    # Which key store, under which master key (`core/keycheck.py`) ------------------------------

    def check_value(self) -> str:
        """The master key's check value: derived from it one way, so it says whether a key matches, nothing more."""
        return check_value(self._derive_root)

    def identity(self) -> tuple[str, str] | None:
        """(this store's id, the check value of the master key it was stamped under); None when never stamped."""
        rows = dict(self.db.execute("SELECT name, value FROM key_store").fetchall())
        if "id" not in rows or "check" not in rows:
            return None
        return str(rows["id"]), str(rows["check"])

    def stamp(self, store_id: str | None = None) -> tuple[str, str]:
        """Give a store that has no identity one (a new id, this master key's check value); with `store_id`,
        that id whatever it had (`store copy`: the copy is the same key store)."""
        made = (store_id or str(uuid.uuid4()), self.check_value())
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(f"INSERT OR {'REPLACE' if store_id else 'IGNORE'} INTO key_store (name, value) "
                                "VALUES (?, ?)", [("id", made[0]), ("check", made[1])])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.identity() or made

    def counts(self) -> tuple[int, int]:
        """(key rows, destroyed ones)."""
        keys, destroyed = self.db.execute("SELECT count(*), count(*) - count(wrapped) FROM keys").fetchone()
        return int(keys), int(destroyed)

    def opens_a_key(self) -> bool | None:
        """Whether the master key unwraps a stored key (None when no live key is stored): for stores
        made before they carried a check value."""
        row = self.db.execute("SELECT id, wrapped FROM keys WHERE wrapped IS NOT NULL LIMIT 1").fetchone()
        return None if row is None else self.unwraps(row[0], row[1])

    # Derived keys -------------------------------------------------------------

    def derived(self, purpose: str) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self._derive_root)

    def hasher(self, purpose: str) -> Hasher:
        return Hasher(self.derived(purpose))

    # Item and subject keys --------------------------------------------------------

    def cipher(self, key_id: str) -> AESGCM | None:
        """The cipher of `key_id`, or None when the key was destroyed or never made."""
        try:
            self._cache.move_to_end(key_id)
            return self._cache[key_id]
        except KeyError:
            pass
        row = self.db.execute("SELECT wrapped FROM keys WHERE id=?", (key_id,)).fetchone()
        if row is None:
            return None  # never made: not cached, so that `ensure` makes it
        cipher = self._unwrap(key_id, row[0]) if row[0] is not None else None
        self._remember(key_id, cipher)
        return cipher

    def cipher_for_new(self, key_id: str) -> AESGCM:
        """The cipher of `key_id`, making the key if there is none; refuses a destroyed key."""
        cipher = self.cipher(key_id)
        if cipher is not None:
            return cipher
        self.ensure([key_id])
        cipher = self.cipher(key_id)
        if cipher is None:
            raise RuntimeError(f"the key of {key_id} was destroyed; nothing new is sealed under it")
        return cipher

    def ensure(self, key_ids: Iterable[str], *, new: bool = False) -> None:
        """Load the keys of these ids, making the ones that do not exist (in one transaction).

        A destroyed key stays destroyed. Two processes making the same key at
        once both end up with the one that was stored first. `new` says the ids
        are of aggregates with no event yet: their keys are made without looking
        for them first (one an interrupted ingest left is found and used all the same).
        """
        missing, rows = self._make(key_ids, new)
        if not rows:
            return
        try:
            inserted = _insert(self.db, rows)
        except BaseException:
            self._unmake(missing)
            raise
        self._stored(missing, len(rows), inserted)

    def ensure_in_background(self, key_ids: Iterable[str], *, new: bool = False) -> StoringKeys[int] | None:
        """`ensure`, with the new keys stored by a thread while the caller seals under them.

        The keys are usable at once; `settle()` must return before anything sealed
        under them is written (a key reaches the disk before what it seals). The
        store's insert and commit (a tenth of an ingest's planning, and growing with
        the store, as its rows are random-access) run as one SQLite statement, outside
        the GIL. None when every key was there (or when there are too many to keep
        in the cache until they are stored: then they are stored before this returns).
        """
        key_ids = list(key_ids)
        if len(key_ids) > self._cache_size // 2:
            self.ensure(key_ids, new=new)
            return None
        missing, rows = self._make(key_ids, new)
        if not rows:
            return None
        self._storing_now = StoringKeys(lambda: _insert(self._storing_connection(), rows),
                                        lambda inserted: self._stored(missing, len(rows), inserted),
                                        lambda: self._unmake(missing))
        return self._storing_now

    def _make(self, key_ids: Iterable[str], new: bool) -> tuple[list[str], list[tuple[str, bytes]]]:
        """The ids that have no key (loading the others), and a fresh wrapped key for each, in use from now on."""
        wanted = [k for k in dict.fromkeys(key_ids) if k not in self._cache]
        if not wanted:
            return [], []
        if new:
            missing = wanted
        else:
            found = self._load(wanted)
            missing = [k for k in wanted if k not in found]
        rows = []
        randomness = os.urandom(44 * len(missing))  # one call for the page: nonce + key each
        for i, key_id in enumerate(missing):
            nonce, key = randomness[44 * i : 44 * i + 12], randomness[44 * i + 12 : 44 * i + 44]
            rows.append((key_id, nonce + self._wrap.encrypt(nonce, key, key_id.encode())))
            self._remember(key_id, AESGCM(key))
        return missing, rows

    def _stored(self, key_ids: list[str], made: int, inserted: int) -> bool:
        """After storing keys made for `key_ids`: False when another process had made some of them
        first, and then the stored ones are loaded and used instead."""
        if inserted == made:
            return True
        self._load(key_ids)
        return False

    def _unmake(self, key_ids: list[str]) -> None:
        """Forget keys made here that were never stored: nothing may be sealed under them."""
        for key_id in key_ids:
            self._cache.pop(key_id, None)

    def _storing_connection(self) -> sqlite3.Connection:
        if self._storing is None:
            self._storing = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self._storing.execute("PRAGMA secure_delete=ON")
        return self._storing

    def preload(self, key_ids: list[str]) -> None:
        """Read the keys of many ids at once (a page of events about to be decoded)."""
        self._load([k for k in dict.fromkeys(key_ids) if k not in self._cache])

    def _load(self, key_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(key_ids), _CHUNK):
            chunk = key_ids[i : i + _CHUNK]
            q = f"SELECT id, wrapped FROM keys WHERE id IN ({','.join('?' * len(chunk))})"
            for key_id, wrapped in self.db.execute(q, chunk):
                found.add(key_id)
                self._remember(key_id, self._unwrap(key_id, wrapped) if wrapped is not None else None)
        return found

    def states(self, key_ids: list[str]) -> dict[str, str]:
        """'present' or 'destroyed' for each id that has a row."""
        out: dict[str, str] = {}
        for i in range(0, len(key_ids), _CHUNK):
            chunk = key_ids[i : i + _CHUNK]
            q = f"SELECT id, wrapped IS NULL FROM keys WHERE id IN ({','.join('?' * len(chunk))})"
            for key_id, gone in self.db.execute(q, chunk):
                out[key_id] = "destroyed" if gone else "present"
        return out

    def destroy(self, key_ids: Iterable[str]) -> int:
        """Destroy keys for good: what they sealed can never be read again."""
        ids = list(dict.fromkeys(key_ids))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT INTO keys (id, wrapped, destroyed) VALUES (?, NULL, datetime('now')) "
                "ON CONFLICT(id) DO UPDATE SET wrapped=NULL, destroyed=datetime('now')",
                [(k,) for k in ids],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        for k in ids:
            self._cache[k] = None
        return len(ids)

    def wrapped(self, key_id: str) -> bytes | None:
        """The stored wrapped form of a key (None when destroyed or never made): for audits and tests."""
        row = self.db.execute("SELECT wrapped FROM keys WHERE id=?", (key_id,)).fetchone()
        return row[0] if row is not None else None

    def export_keys(self) -> Iterator[tuple[str, bytes | None]]:
        """Every key id with its key unwrapped (None when destroyed): for `store copy`."""
        for key_id, wrapped in self.db.execute("SELECT id, wrapped FROM keys ORDER BY id").fetchall():
            yield key_id, None if wrapped is None else self._wrap.decrypt(wrapped[:12], wrapped[12:], key_id.encode())

    def import_keys(self, keys: Iterable[tuple[str, bytes | None]]) -> int:
        """Store exported keys, wrapped by this store's master key (None: destroyed), in one transaction."""
        rows = []
        for key_id, key in keys:
            if key is None:
                rows.append((key_id, None))
            else:
                nonce = os.urandom(12)
                rows.append((key_id, nonce + self._wrap.encrypt(nonce, key, key_id.encode())))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT INTO keys (id, wrapped, destroyed) VALUES (?, ?, CASE WHEN ?2 IS NULL "
                                "THEN datetime('now') END)", rows)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(rows)

    def unwraps(self, key_id: str, wrapped: bytes) -> bool:
        """Whether the master key unwraps `wrapped` (a copy of `key_id`'s stored key)."""
        try:
            self._wrap.decrypt(wrapped[:12], wrapped[12:], key_id.encode())
        except (InvalidTag, ValueError):
            return False
        return True

    def forget(self) -> None:
        """Drop cached keys (long runs call this between pages to bound memory)."""
        self._cache.clear()

    def remove(self) -> None:
        """Close and delete the store's file (one this open made, found to be no use: see `made_now`)."""
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._storing_now is not None:
            self._storing_now.wait()  # an ingest that failed before settling: let the thread finish first
        self.db.close()
        if self._storing is not None:
            self._storing.close()

    def _unwrap(self, key_id: str, wrapped: bytes) -> AESGCM:
        return AESGCM(self._wrap.decrypt(wrapped[:12], wrapped[12:], key_id.encode()))

    def _remember(self, key_id: str, cipher: AESGCM | None) -> None:
        self._cache[key_id] = cipher
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


#: Wrapped keys as stored: nonce, the key encrypted, the tag.
_WRAPPED = 12 + 32 + 16
_INSERT = ("INSERT OR IGNORE INTO keys (id, wrapped) "
           f"SELECT value, substr(?2, key * {_WRAPPED} + 1, {_WRAPPED}) FROM json_each(?1)")


def _insert(db: sqlite3.Connection, rows: list[tuple[str, bytes]]) -> int:
    """Store wrapped keys unless their ids have keys already, in one transaction; how many were stored.

    One statement for all rows (the ids as a JSON array, the wrapped keys end to end),
    so that SQLite does the whole insert in one call, which releases the GIL.
    """
    assert all(len(wrapped) == _WRAPPED for _, wrapped in rows)
    ids = msgspec.json.encode([key_id for key_id, _ in rows])
    wrapped = b"".join(w for _, w in rows)
    db.execute("BEGIN IMMEDIATE")
    try:
        inserted = db.execute(_INSERT, (ids, wrapped)).rowcount
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return int(inserted)
