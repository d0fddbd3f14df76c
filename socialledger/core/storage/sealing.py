"""Sealing: the fields an event class declares in `sealed_fields`, encrypted with its aggregate's key.

The key is the one of the event's aggregate: a content item's events are
sealed with the item's key, a data subject's with the subject's. A sealed
field is stored as nonce + AES-GCM ciphertext (bound to the aggregate id and
field name); once its key is destroyed it reads back as None, a tombstone,
never as an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec

from socialledger.core.storage.ports import KeyStore

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class Sealer:
    def __init__(self, keystore: Callable[[], KeyStore]) -> None:
        self._keystore_factory = keystore
        self._keystore: KeyStore | None = None

    @property
    def keys(self) -> KeyStore:
        if self._keystore is None:
            self._keystore = self._keystore_factory()
        return self._keystore

    def seal(self, cls: type, originator_id: UUID, state: dict[str, Any]) -> None:
        cipher = None
        for field in cls.sealed_fields:  # type: ignore[attr-defined]
            value = state.get(field)
            if value is None:
                continue
            if cipher is None:
                cipher = self.keys.cipher_for_new(str(originator_id))
            state[field] = seal_value(cipher, originator_id.bytes, field, value)

    def unseal(self, cls: type, originator_id: UUID | str, state: dict[str, Any]) -> None:
        cipher = None
        looked = False
        oid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        for field in cls.sealed_fields:  # type: ignore[attr-defined]
            sealed = state.get(field)
            if sealed is None:
                continue
            if not looked:
                cipher = self.keys.cipher(str(oid))
                looked = True
            state[field] = (
                None if cipher is None else _decode(cipher.decrypt(sealed[:12], sealed[12:], _aad(oid.bytes, field)))
            )

    def discard(self) -> None:
        """Close the key store and remove it, when this process made it (it was missing): `core/keycheck.py`."""
        keys = self._keystore
        # Only a store this process made and that still holds nothing: never one that was in use.
        if keys is not None and keys.made_now and keys.identity() is None and keys.counts() == (0, 0):
            keys.remove()
            self._keystore = None

    def close(self) -> None:
        if self._keystore is not None:
            self._keystore.close()
            self._keystore = None


def seal_value(cipher: Any, aggregate: bytes, field: str, value: Any, nonce: bytes | None = None) -> bytes:
    """One sealed field as stored: nonce + AES-GCM ciphertext of its JSON, bound to the aggregate
    (its id's 16 bytes) and the field. The nonce is random: `os.urandom`'s, or one `Nonces` gives."""
    if nonce is None:
        nonce = os.urandom(12)
    return nonce + cipher.encrypt(nonce, _encode(value), _aad(aggregate, field))


class Nonces:
    """Random 12-byte nonces for sealing a page's fields, drawn from the OS in one call for the page
    rather than one call a field; more are drawn if the page needs them."""

    def __init__(self, expected: int) -> None:
        self._expected = max(expected, 1)
        self._pool = b""
        self._at = 0

    def __call__(self) -> bytes:
        if self._at + 12 > len(self._pool):
            self._pool, self._at = os.urandom(12 * self._expected), 0
        self._at += 12
        return self._pool[self._at - 12 : self._at]


def _aad(aggregate: bytes, field: str) -> bytes:
    return aggregate + field.encode()
