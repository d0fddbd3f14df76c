"""Seal receipts: signed with the organisation's Ed25519 key and kept outside the ledger's storage.

A seal records the head of the hash chain in the ledger; its receipt is the
same statement written to a file elsewhere, because seals inside the database
could be truncated with the end of the log (DESIGN.md, Integrity and audit).
Receipts are written automatically after every ingest, archive export and
erasure or disposal decision (and by `audit seal`), into the receipts
directory: `SOCIALLEDGER_RECEIPTS`, else `[receipts] directory` in the home's
config.toml, else `receipts/` in the home. Point it at storage the ledger's
machine cannot rewrite at will (another disk, a write-once share, the archive).

Each receipt is signed with the organisation's signing key (Ed25519, the
`cryptography` package): `SOCIALLEDGER_SIGNING_KEY_FILE`, else `signing.key`
in the home, made at the first seal (PKCS#8 PEM, readable by its owner only).
Anyone holding the public key (`socialledger audit public-key`) checks a
receipt without any secret of the ledger: `audit verify --seal FILE
--public-key FILE`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from socialledger.core.audit import Receipt, read_receipt
from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.home import CONFIG_FILE, create_private_file

RECEIPTS_ENV = "SOCIALLEDGER_RECEIPTS"
SIGNING_KEY_ENV = "SOCIALLEDGER_SIGNING_KEY_FILE"
SIGNING_KEY_FILE = "signing.key"
RECEIPTS_DIR = "receipts"
PUBLIC_KEY_FILE = "public-key.pem"


def receipts_dir(home: Path) -> Path:
    value = os.environ.get(RECEIPTS_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    config = home / CONFIG_FILE
    if config.exists():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"{config}: not valid TOML: {e}") from None
        section = data.get("receipts", {})
        directory = section.get("directory") if isinstance(section, dict) else None
        if directory is not None:
            if not isinstance(directory, str) or not directory.strip():
                raise BadInput(f"{config}: receipts.directory: must be a directory's path")
            return Path(directory).expanduser()
    return home / RECEIPTS_DIR


def signing_key_file(home: Path) -> Path:
    return Path(os.environ.get(SIGNING_KEY_ENV) or home / SIGNING_KEY_FILE).expanduser()


def signing_key(home: Path, *, create: bool = True) -> Ed25519PrivateKey | None:
    """The organisation's signing key; made (when `create`) if there is none yet."""
    path = signing_key_file(home)
    if not path.exists():
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        create_private_file(path)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        return key
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise BadInput(f"{path}: not an unencrypted PEM signing key ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(f"{path}: not an Ed25519 signing key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _raw(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def read_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise BadInput(f"{path}: no such public key file") from None
    except (ValueError, TypeError) as e:
        raise BadInput(f"{path}: not a PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput(f"{path}: not an Ed25519 public key")
    return key


def sign(receipt: Receipt, key: Ed25519PrivateKey) -> Receipt:
    unsigned = msgspec.structs.replace(receipt, public_key=_raw(key.public_key()), signature="")
    return msgspec.structs.replace(unsigned, signature=key.sign(unsigned.signed_bytes()).hex())


def signature_problem(receipt: Receipt, key: Ed25519PublicKey) -> str | None:
    """None when `key` signed the receipt; else what is wrong."""
    if not receipt.signature:
        return "it is not signed"
    if receipt.public_key and receipt.public_key != _raw(key):
        return "it is signed by another key"
    try:
        key.verify(bytes.fromhex(receipt.signature), receipt.signed_bytes())
    except (InvalidSignature, ValueError):
        return "its signature does not match its contents"
    return None


def write_receipt(home: Path, receipt: Receipt) -> Path:
    """Sign the receipt and write it into the receipts directory (with the public key beside it); its path."""
    key = signing_key(home)
    assert key is not None
    signed = sign(receipt, key)
    directory = receipts_dir(home)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        public = directory / PUBLIC_KEY_FILE
        if not public.exists():
            public.write_bytes(public_key_pem(key))
        stem = f"receipt-{signed.position:012d}-{signed.time[:19].replace(':', '')}"
        path = directory / f"{stem}.json"
        n = 1
        while path.exists():
            n += 1
            path = directory / f"{stem}-{n}.json"
        tmp = path.with_suffix(".partial")
        with open(tmp, "wb") as f:
            f.write(signed.encode())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        raise BadInput(f"cannot write the seal receipt into {directory}: {e.strerror}") from None
    return path


def stored_receipts(home: Path) -> list[tuple[Path, Receipt | str]]:
    """The receipts in the receipts directory, each read, or why it cannot be (verify reports that)."""
    directory = receipts_dir(home)
    if not directory.is_dir():
        return []
    out: list[tuple[Path, Receipt | str]] = []
    for path in sorted(directory.glob("receipt-*.json")):
        try:
            out.append((path, read_receipt(path)))
        except BadInput as e:
            out.append((path, e.message))
    return out
