"""The master key: where it comes from, and making one for `init` (every backend's key store needs it).

It comes from `SOCIALLEDGER_MASTER_KEY` (32 bytes, base64 or hex), else the
file named by `SOCIALLEDGER_MASTER_KEY_FILE`, else `master.key` in the ledger
home (written by `init` when neither is set). It never goes into a store.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.home import create_private_file

MASTER_ENV = "SOCIALLEDGER_MASTER_KEY"
MASTER_FILE_ENV = "SOCIALLEDGER_MASTER_KEY_FILE"
MASTER_FILE = "master.key"


def _parse_key(text: str, where: str) -> bytes:
    text = text.strip()
    for decode in (bytes.fromhex, lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise BadInput(f"{where}: a master key is 32 bytes, written as 64 hex digits or base64")


def check_value(master: bytes) -> str:
    """The check value of a master key (hex): HKDF of the key for this one purpose, so that a key store and
    the event store can say which master key they were written under without holding anything of it."""
    derived = HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=b"socialledger master key check")
    return derived.derive(master).hex()


def master_key_available(home: Path) -> bool:
    """Whether a master key is given at all (the environment or its file): commands that need no secret
    (`audit verify`) run without one."""
    return bool(os.environ.get(MASTER_ENV)) or master_key_file(home).exists()


def master_key_file(home: Path) -> Path:
    return Path(os.environ.get(MASTER_FILE_ENV) or home / MASTER_FILE)


def load_master_key(home: Path) -> bytes:
    value = os.environ.get(MASTER_ENV)
    if value:
        return _parse_key(value, MASTER_ENV)
    path = master_key_file(home)
    if not path.exists():
        raise BadInput(
            f"no master key: set {MASTER_ENV}, or {MASTER_FILE_ENV} to a key file, "
            f"or put the key file at {path}"
        )
    return _parse_key(path.read_text(encoding="ascii", errors="replace"), str(path))


def create_master_key_file(home: Path) -> Path | None:
    """Write a new master key file for `init`, unless the environment names a key."""
    if os.environ.get(MASTER_ENV):
        return None
    path = master_key_file(home)
    if path.exists():
        return path
    create_private_file(path)
    path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=") + "\n", encoding="ascii")
    return path
