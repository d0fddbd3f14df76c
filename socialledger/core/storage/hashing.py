"""Keyed hashes (BLAKE2b) for deduplication and pseudonyms: never plaintext hashes (DESIGN.md, Personal data).

Plain computation, the same on every backend; its keys are derived from the
master key by the key store (`KeyStore.hasher`).
"""

from __future__ import annotations

import hashlib
import hmac


class Hasher:
    """A keyed hash (BLAKE2b): deduplication fingerprints and pseudonyms, never plaintext hashes."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, data: bytes, size: int = 16) -> bytes:
        return hashlib.blake2b(data, key=self._key, digest_size=size).digest()

    def hex(self, data: bytes, size: int = 16) -> str:
        return hashlib.blake2b(data, key=self._key, digest_size=size).hexdigest()

    def equal(self, a: bytes, b: bytes) -> bool:
        return hmac.compare_digest(a, b)
