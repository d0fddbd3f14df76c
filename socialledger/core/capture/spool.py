"""The records of an ingest, kept between its two passes.

The first pass reads, checks and normalises every record; the second writes
them. Rather than running the channel's parser twice, the first pass writes
its pages here and the second reads them back (msgpack, several times faster
than parsing again). What is spooled is captured content in plaintext, so it
is encrypted under a key that exists only in this process's memory, in a
private file in the ledger home that is deleted when the ingest ends; a file
left by a killed ingest can never be read and is removed by a later one.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self
from uuid import uuid4

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from socialledger.core.capture.derive import Derived
from socialledger.core.domain.records import Record

SPOOL_DIR = "spool"
_STALE_SECONDS = 24 * 3600
_FRAME = struct.Struct(">I")
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[list[Record], list[Derived | None]]).decode


class Spool:
    def __init__(self, home: Path, *, key: bytes | None = None, path: Path | None = None, pages: int = 0) -> None:
        """A new spool in the ledger home; or, given `path`, `key` and `pages`, one another process wrote."""
        self.key = key or AESGCM.generate_key(bit_length=256)
        self._aead = AESGCM(self.key)
        self.pages = pages
        if path is None:
            path = self.new_path(home)
            _remove_stale(path.parent)
        self.path = path
        self._file = open(path, "r+b")  # noqa: SIM115 - closed by close()

    @staticmethod
    def new_path(home: Path) -> Path:
        """A fresh private spool file for another process to write (it is given the key over a pipe)."""
        folder = home / SPOOL_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        path = folder / f"{uuid4().hex}.spool"
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
        return path

    def write(self, records: list[Record], derived: list[Derived | None]) -> None:
        """One page: its records and what was derived from each (`derive.py`)."""
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, _encode((records, derived)), None)
        self._file.write(_FRAME.pack(len(sealed)))
        self._file.write(sealed)
        self.pages += 1

    def read(self) -> Iterator[tuple[list[Record], list[Derived | None]]]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.pages):
            (size,) = _FRAME.unpack(self._file.read(_FRAME.size))
            sealed = self._file.read(size)
            yield _decode(self._aead.decrypt(sealed[:12], sealed[12:], None))

    def finish(self) -> None:
        """Close the file for another process to read (it has the key); keep it."""
        if not self._file.closed:
            self._file.flush()
            self._file.close()

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - _STALE_SECONDS
    for f in folder.glob("*.spool"):
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass
