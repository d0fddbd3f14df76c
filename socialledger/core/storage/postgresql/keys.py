"""Keys for crypto-shredding on PostgreSQL: item and subject keys wrapped by a key-encryption key of a generation.

On PostgreSQL, deleting or overwriting a row does not destroy it: the old
row version stays in the table's file until VACUUM, and the write-ahead log
(`pg_wal`, and any archive or standby fed from it) keeps it longer still. So a
destroyed key cannot simply be deleted. Instead (docs/decisions.md):

- Every item and subject key is stored wrapped (AES-GCM) by the key-encryption
  key (KEK) of the organisation's current *generation* (`keys.generation`).
- A KEK never enters the database: it is a file `<organisation>.<generation>.kek`
  in the key directory (`keys/` in the ledger home, or `SOCIALLEDGER_KEY_DIR`),
  itself wrapped by the master key, beside which it lives.
- Destroying keys (erasure, disposal) is one transaction that marks them
  destroyed, re-wraps every *other* live key under a fresh generation's KEK and
  makes that generation current; after the commit the old generation's file is
  overwritten and removed. Every copy of an erased key that the server may still
  hold (a dead row version, an index entry, a WAL record, a backup) is wrapped
  by a KEK that no longer exists anywhere: it cannot be unwrapped.

Writers that make keys read the current generation under a share lock, so a
rotation waits for them and they for it: no key is ever wrapped by a KEK that
is about to be removed. A process that crashed between the commit and the
removal leaves the old file behind; every key store that opens removes files
of generations older than the current one.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg.sql import SQL, Identifier

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.hashing import Hasher
from socialledger.core.storage.masterkey import check_value
from socialledger.core.storage.ports import PendingKeys
from socialledger.core.storage.postgresql.connect import ANY_TEXT, connect, create_schema, creating, texts
from socialledger.core.storage.storingkeys import StoringKeys

_CHUNK = 10_000
#: A wrapped key: its nonce, the 32-byte key encrypted, the tag.
_WRAPPED = 12 + 32 + 16
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {schema}.keys (id text PRIMARY KEY, generation integer, wrapped bytea, "
    "destroyed timestamptz)",
    "CREATE TABLE IF NOT EXISTS {schema}.key_state (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
    "generation integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.key_store (name text PRIMARY KEY, value text NOT NULL)",
)


class KeyStore:
    """Item and subject keys by aggregate id, wrapped by the current generation's key-encryption key."""

    def __init__(self, config: StorageConfig, home: Path, master: bytes, cache_size: int = 60_000) -> None:
        self.schema = config.organisation
        self._config = config
        self._storing: psycopg.Connection[Any] | None = None  # the background inserts' own connection
        self._storing_now: StoringKeys[set[str]] | None = None  # the thread using it (one at a time)
        self.key_dir = config.key_dir(home)
        self._master = AESGCM(master)
        self._derive_root = master
        self._keks: dict[int, AESGCM] = {}
        self._cache: OrderedDict[str, AESGCM | None] = OrderedDict()
        self._cache_size = cache_size
        self.db: psycopg.Connection[Any] = connect(config)
        made = self.db.execute("SELECT to_regclass(%s), to_regclass(%s)",
                               (f'"{self.schema}".key_state', f'"{self.schema}".key_store')).fetchone()
        #: True when this open made the tables (a key store that was missing): see the SQLite store's.
        self.made_now = made is None or made[0] is None
        if made is None or made[0] is None or made[1] is None:
            with creating(config, "keys"):  # (two processes making the tables at once would collide)
                create_schema(self.db, self.schema)
                with self.db.transaction():
                    for statement in _CREATE:
                        self.db.execute(self._sql(statement))
        self.generation = self._first_generation()
        self._shred_old(self.generation)

    # Which key store, under which master key (`core/keycheck.py`) ------------------------------

    def check_value(self) -> str:
        return check_value(self._derive_root)

    def identity(self) -> tuple[str, str] | None:
        rows = dict(self.db.execute(self._sql("SELECT name, value FROM {schema}.key_store")).fetchall())
        if "id" not in rows or "check" not in rows:
            return None
        return str(rows["id"]), str(rows["check"])

    def stamp(self, store_id: str | None = None) -> tuple[str, str]:
        made = (store_id or str(uuid.uuid4()), self.check_value())
        conflict = "DO UPDATE SET value = excluded.value" if store_id else "DO NOTHING"
        with self.db.transaction():
            for name, value in (("id", made[0]), ("check", made[1])):
                self.db.execute(self._sql("INSERT INTO {schema}.key_store (name, value) VALUES (%s, %s) "
                                          f"ON CONFLICT (name) {conflict}"), (name, value))
        return self.identity() or made

    def counts(self) -> tuple[int, int]:
        keys, destroyed = self.db.execute(self._sql(
            "SELECT count(*), count(*) - count(wrapped) FROM {schema}.keys")).fetchone()
        return int(keys), int(destroyed)

    def opens_a_key(self) -> bool | None:
        row = self.db.execute(self._sql(
            "SELECT id, generation, wrapped FROM {schema}.keys WHERE wrapped IS NOT NULL LIMIT 1")).fetchone()
        if row is None:
            return None
        try:
            self._unwrap_raw(row[0], row[1], bytes(row[2]))
        except (InvalidTag, ValueError, BadInput):
            return False
        return True

    def remove(self) -> None:
        """Drop the tables this open made (a key store found missing; see `made_now`) and close."""
        with self.db.transaction():
            for table in ("keys", "key_state", "key_store"):
                self.db.execute(self._sql(f"DROP TABLE IF EXISTS {{schema}}.{table}"))
        self.close()

    def _sql(self, statement: str) -> SQL:
        return SQL(statement).format(schema=Identifier(self.schema))  # type: ignore[return-value]

    # Generations -------------------------------------------------------------------------------

    def _kek_file(self, generation: int) -> Path:
        return self.key_dir / f"{self.schema}.{generation}.kek"

    def _first_generation(self) -> int:
        """The current generation, making generation 1 (its file, then its row) on a new store."""
        row = self.db.execute(self._sql("SELECT generation FROM {schema}.key_state")).fetchone()
        if row is not None:
            return int(row[0])
        with self.db.transaction():
            self.db.execute(self._sql("LOCK TABLE {schema}.key_state IN EXCLUSIVE MODE"))
            row = self.db.execute(self._sql("SELECT generation FROM {schema}.key_state")).fetchone()
            if row is not None:
                return int(row[0])
            self._write_kek(1, os.urandom(32))
            self.db.execute(self._sql("INSERT INTO {schema}.key_state (generation) VALUES (1)"))
        return 1

    def _write_kek(self, generation: int, kek: bytes) -> None:
        self.key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        nonce = os.urandom(12)
        data = base64.b64encode(nonce + self._master.encrypt(nonce, kek, self._kek_aad(generation))) + b"\n"
        path = self._kek_file(generation)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _sync_dir(self.key_dir)
        self._keks[generation] = AESGCM(kek)

    def _kek_aad(self, generation: int) -> bytes:
        return f"socialledger-kek:{self.schema}:{generation}".encode()

    def _kek(self, generation: int) -> AESGCM:
        kek = self._keks.get(generation)
        if kek is not None:
            return kek
        path = self._kek_file(generation)
        try:
            raw = base64.b64decode(path.read_bytes().strip(), validate=True)
            kek = AESGCM(self._master.decrypt(raw[:12], raw[12:], self._kek_aad(generation)))
        except FileNotFoundError:
            raise _MissingKek(generation, path) from None
        except (binascii.Error, ValueError, InvalidTag):
            raise BadInput(f"{path}: not a key-encryption key of {self.schema} under this master key") from None
        self._keks[generation] = kek
        return kek

    def _shred_old(self, current: int) -> None:
        """Overwrite and remove the files of generations before `current` (nothing is wrapped by them any more)."""
        if not self.key_dir.is_dir():
            return
        pattern = re.compile(rf"^{re.escape(self.schema)}\.(\d+)\.kek$")
        for path in self.key_dir.iterdir():
            found = pattern.match(path.name)
            if found and int(found.group(1)) < current:
                _shred(path)
                self._keks.pop(int(found.group(1)), None)

    # Derived keys --------------------------------------------------------------------------

    def derived(self, purpose: str) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self._derive_root)

    def hasher(self, purpose: str) -> Hasher:
        return Hasher(self.derived(purpose))

    # Item and subject keys -------------------------------------------------------------------

    def cipher(self, key_id: str) -> AESGCM | None:
        try:
            self._cache.move_to_end(key_id)
            return self._cache[key_id]
        except KeyError:
            pass
        found = self._load([key_id])
        return self._cache.get(key_id) if key_id in found else None

    def cipher_for_new(self, key_id: str) -> AESGCM:
        cipher = self.cipher(key_id)
        if cipher is not None:
            return cipher
        self.ensure([key_id])
        cipher = self.cipher(key_id)
        if cipher is None:
            raise RuntimeError(f"the key of {key_id} was destroyed; nothing new is sealed under it")
        return cipher

    def ensure(self, key_ids: Iterable[str], *, new: bool = False) -> bool:
        """Load the keys of these ids, making (in one transaction) those that have none; a destroyed key stays so.

        False when some of the keys made here had been stored by another writer first: theirs are in use.
        """
        wanted = [k for k in dict.fromkeys(key_ids) if k not in self._cache]
        if not wanted:
            return True
        missing = wanted if new else [k for k in wanted if k not in self._load(wanted)]
        if not missing:
            return True
        keys = {k: os.urandom(32) for k in missing}
        inserted = self._insert(self.db, keys)
        for k, key in keys.items():
            if k in inserted:
                self._remember(k, AESGCM(key))
        return self._stored(list(keys), inserted)

    def ensure_in_background(self, key_ids: Iterable[str], *, new: bool = False) -> PendingKeys:
        """`ensure`, with the new keys stored by a thread on a connection of its own while the caller seals.

        The keys are usable at once; `settle()` must return before anything sealed
        under them is written (a key is committed before what it seals). The insert
        and its commit are the server's work: an ingest that waited for them spent
        about a sixth of its time waiting. Done before it returns when there are too
        many to keep in the cache until they are stored.
        """
        key_ids = list(key_ids)
        if len(key_ids) > self._cache_size // 2:
            return Stored(self.ensure(key_ids, new=new))
        wanted = [k for k in dict.fromkeys(key_ids) if k not in self._cache]
        missing = wanted if new else [k for k in wanted if k not in self._load(wanted)]
        if not missing:
            return Stored(True)
        if self._storing_now is not None:
            self._storing_now.wait()  # one insert at a time on the second connection
        randomness = os.urandom(32 * len(missing))  # one call for the page
        keys = {k: randomness[32 * i : 32 * i + 32] for i, k in enumerate(missing)}
        for k, key in keys.items():
            self._remember(k, AESGCM(key))
        self._storing_now = StoringKeys(lambda: self._insert(self._storing_connection(), keys),
                                        lambda inserted: self._stored(list(keys), inserted),
                                        lambda: self._unmake(list(keys)))
        return self._storing_now

    def _insert(self, db: psycopg.Connection[Any], keys: dict[str, bytes]) -> set[str]:
        """Store fresh keys wrapped by the current generation's KEK, unless their ids have keys, in one
        transaction; the ids which were stored here.

        The generation is read under a share lock, so a rotation (`destroy`) waits for this
        transaction and this one for it. The ids go as one JSON array and the wrapped keys end
        to end, split by the server: no per-key work in Python beyond the wrapping.
        """
        ids = list(keys)
        with db.transaction():
            (generation,) = db.execute(self._sql("SELECT generation FROM {schema}.key_state FOR SHARE")).fetchone()
            kek = self._kek(generation)
            nonces = os.urandom(12 * len(ids))  # one call for the page
            wrapped = b"".join(_wrap(kek, k, keys[k], nonces[12 * i : 12 * i + 12]) for i, k in enumerate(ids))
            assert len(wrapped) == _WRAPPED * len(ids)
            return {r[0] for r in db.execute(self._sql(
                "INSERT INTO {schema}.keys (id, generation, wrapped) "
                f"SELECT x.id, %s, substring(%s::bytea FROM (x.n - 1)::integer * {_WRAPPED} + 1 FOR {_WRAPPED}) "
                "FROM json_array_elements_text(%s::json) WITH ORDINALITY AS x(id, n) "
                "ON CONFLICT (id) DO NOTHING RETURNING id"),
                (generation, wrapped, texts(ids)))}

    def _stored(self, made: list[str], inserted: set[str]) -> bool:
        """After storing keys made for `made`: False when another writer had stored some of them first (or they
        were destroyed), and then the stored ones are loaded and used instead."""
        if len(inserted) == len(made):
            return True
        self._load([k for k in made if k not in inserted])
        return False

    def _unmake(self, key_ids: list[str]) -> None:
        """Forget keys made here that were never stored: nothing may be sealed under them."""
        for key_id in key_ids:
            self._cache.pop(key_id, None)

    def _storing_connection(self) -> psycopg.Connection[Any]:
        if self._storing is None:
            self._storing = connect(self._config)
        return self._storing

    def preload(self, key_ids: list[str]) -> None:
        self._load([k for k in dict.fromkeys(key_ids) if k not in self._cache])

    def _load(self, key_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for attempt in range(3):
            try:
                for i in range(0, len(key_ids), _CHUNK):
                    chunk = key_ids[i : i + _CHUNK]
                    for key_id, generation, wrapped in self.db.execute(self._sql(
                            f"SELECT id, generation, wrapped FROM {{schema}}.keys WHERE id = {ANY_TEXT}"),
                            (texts(chunk),), binary=True):
                        found.add(key_id)
                        cipher = None if wrapped is None else self._unwrap(key_id, generation, bytes(wrapped))
                        self._remember(key_id, cipher)
                return found
            except _MissingKek:
                if attempt == 2:
                    raise
                # A rotation committed between reading the rows and reading the file: read them again.
                found.clear()
        return found

    def states(self, key_ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(key_ids), _CHUNK):
            for key_id, gone in self.db.execute(self._sql(
                    "SELECT id, wrapped IS NULL FROM {schema}.keys WHERE id = ANY(%s)"), (key_ids[i : i + _CHUNK],)):
                out[key_id] = "destroyed" if gone else "present"
        return out

    def destroy(self, key_ids: Iterable[str]) -> int:
        """Destroy keys for good: mark them, re-wrap every other key under a new generation, remove the old KEK."""
        ids = list(dict.fromkeys(key_ids))
        fresh = os.urandom(32)
        new_generation = None
        try:
            with self.db.transaction():
                (current,) = self.db.execute(self._sql(
                    "SELECT generation FROM {schema}.key_state FOR UPDATE")).fetchone()
                new_generation = current + 1
                self._write_kek(new_generation, fresh)
                self.db.execute(self._sql(
                    "INSERT INTO {schema}.keys (id, generation, wrapped, destroyed) "
                    "SELECT i, NULL, NULL, now() FROM unnest(%s::text[]) AS x(i) "
                    "ON CONFLICT (id) DO UPDATE SET generation=NULL, wrapped=NULL, destroyed=now()"), (ids,))
                live = self.db.execute(self._sql(
                    "SELECT id, generation, wrapped FROM {schema}.keys WHERE wrapped IS NOT NULL")).fetchall()
                kek = self._keks[new_generation]
                rewrapped = [(key_id, _wrap(kek, key_id, self._unwrap_raw(key_id, generation, bytes(wrapped))))
                             for key_id, generation, wrapped in live]
                for i in range(0, len(rewrapped), _CHUNK):
                    chunk = rewrapped[i : i + _CHUNK]
                    self.db.execute(self._sql(
                        "UPDATE {schema}.keys SET generation = %s, wrapped = x.w "
                        "FROM unnest(%s::text[], %s::bytea[]) AS x(i, w) WHERE keys.id = x.i"),
                        (new_generation, [k for k, _ in chunk], [w for _, w in chunk]))
                self.db.execute(self._sql("UPDATE {schema}.key_state SET generation = %s"), (new_generation,))
        except BaseException:
            if new_generation is not None:
                current_row = self.db.execute(self._sql("SELECT generation FROM {schema}.key_state")).fetchone()
                if current_row is None or current_row[0] != new_generation:
                    _shred(self._kek_file(new_generation))  # never committed: nothing is wrapped by it
                    self._keks.pop(new_generation, None)
            raise
        self.generation = new_generation
        self._shred_old(new_generation)
        for k in ids:
            self._cache[k] = None
        return len(ids)

    def wrapped(self, key_id: str) -> bytes | None:
        row = self.db.execute(self._sql("SELECT wrapped FROM {schema}.keys WHERE id = %s"), (key_id,)).fetchone()
        return bytes(row[0]) if row is not None and row[0] is not None else None

    def export_keys(self) -> Iterator[tuple[str, bytes | None]]:
        """Every key id with its key unwrapped (None when destroyed): for `store copy`."""
        rows = self.db.execute(self._sql("SELECT id, generation, wrapped FROM {schema}.keys ORDER BY id")).fetchall()
        for key_id, generation, wrapped in rows:
            yield key_id, None if wrapped is None else self._unwrap_raw(key_id, generation, bytes(wrapped))

    def import_keys(self, keys: Iterable[tuple[str, bytes | None]]) -> int:
        """Store exported keys under the current generation (None: destroyed), in one transaction."""
        rows = list(keys)
        with self.db.transaction():
            (generation,) = self.db.execute(self._sql("SELECT generation FROM {schema}.key_state FOR SHARE")).fetchone()
            kek = self._kek(generation)
            self.db.execute(self._sql(
                "INSERT INTO {schema}.keys (id, generation, wrapped, destroyed) "
                "SELECT i, CASE WHEN w IS NULL THEN NULL ELSE %s END, w, CASE WHEN w IS NULL THEN now() END "
                "FROM unnest(%s::text[], %s::bytea[]) AS x(i, w)"),
                (generation, [k for k, _ in rows], [None if key is None else _wrap(kek, k, key) for k, key in rows]))
        return len(rows)

    def unwraps(self, key_id: str, wrapped: bytes) -> bool:
        """Whether any key this store can still reach (the master key, the KEK files present) unwraps `wrapped`:
        for audits and the contract suite, after keys were destroyed."""
        candidates = [self._master]
        if self.key_dir.is_dir():
            for path in self.key_dir.iterdir():
                found = re.match(rf"^{re.escape(self.schema)}\.(\d+)\.kek$", path.name)
                if found:
                    candidates.append(self._kek(int(found.group(1))))
        for kek in candidates:
            try:
                kek.decrypt(wrapped[:12], wrapped[12:], key_id.encode())
            except (InvalidTag, ValueError):
                continue
            return True
        return False

    def forget(self) -> None:
        self._cache.clear()

    def close(self) -> None:
        if self._storing_now is not None:
            self._storing_now.wait()  # an ingest that failed before settling: let the thread finish first
            self._storing_now = None
        if self._storing is not None:
            self._storing.close()
            self._storing = None
        self.db.close()

    def _unwrap_raw(self, key_id: str, generation: int, wrapped: bytes) -> bytes:
        return self._kek(generation).decrypt(wrapped[:12], wrapped[12:], key_id.encode())

    def _unwrap(self, key_id: str, generation: int, wrapped: bytes) -> AESGCM:
        return AESGCM(self._unwrap_raw(key_id, generation, wrapped))

    def _remember(self, key_id: str, cipher: AESGCM | None) -> None:
        self._cache[key_id] = cipher
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


class Stored:
    """Keys `ensure_in_background` stored already (the `PendingKeys` port)."""

    def __init__(self, all_new: bool) -> None:
        self._all_new = all_new

    def settle(self) -> bool:
        return self._all_new

    def wait(self) -> None:
        pass


class _MissingKek(BadInput):
    def __init__(self, generation: int, path: Path) -> None:
        super().__init__(f"the key-encryption key of generation {generation} is not at {path}: every process of "
                         f"an organisation needs the same key directory (docs/operations.md)")


def _wrap(kek: AESGCM, key_id: str, key: bytes, nonce: bytes | None = None) -> bytes:
    nonce = nonce or os.urandom(12)
    return nonce + kek.encrypt(nonce, key, key_id.encode())


def _shred(path: Path) -> None:
    """Overwrite a key file with zeros, sync it, remove it."""
    try:
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.write(fd, bytes(size))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    _sync_dir(path.parent)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
