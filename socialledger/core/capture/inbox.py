"""The capture service's inbox on disk: its frame format, the worker's position, and what it still holds.

The service (`socialledger/service/inbox.py`) writes and reads it; this module is
the part the ledger itself needs too: an erasure (R23) is refused while the inbox
holds deliveries not yet in the ledger (`pending`), because their bodies are the
platform's bytes in plain text, out of reach of crypto-shredding. Once a delivery
is in the ledger (encrypted under its item's key), the worker overwrites its body
in the inbox with zeros (`purge`), so that no copy of a person's words stays there.

A segment file is a sequence of frames

    b"SLD1" | seq (8 bytes) | meta length (4) | body length (4) | CRC-32 of meta + body (4) | meta | body

`meta` is a small JSON object (channel, the platform id the delivery is for, when it
arrived); `body` is the delivery's bytes as they came, or zeros once purged (the CRC
rewritten, so the frame stays whole).
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

MAGIC = b"SLD1"
HEAD = struct.Struct(">4sQIII")
#: The largest delivery the service takes (a bigger one is answered 413).
MAX_BODY = 1024 * 1024
#: Where deliveries the worker could not ingest are kept, each a file, until an operator ingests or deletes them.
SET_ASIDE = ("unlinked", "rejected")


def inbox_dir(home: Path) -> Path:
    return Path(home) / "inbox"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def segments(folder: Path) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in folder.glob("seg-*.log"))


def segment_path(folder: Path, n: int) -> Path:
    return folder / f"seg-{n:08d}.log"


@attrs.frozen
class Position:
    """What the worker has finished: every frame up to `offset` of `segment` (seq `seq` the last)."""

    segment: int = 1
    offset: int = 0
    seq: int = 0


def read_position(folder: Path) -> Position:
    try:
        doc = json.loads((folder / "position.json").read_text())
    except FileNotFoundError:
        return Position(segment=(segments(folder) or [1])[0])
    return Position(int(doc["segment"]), int(doc["offset"]), int(doc["seq"]))


def write_position(folder: Path, position: Position) -> None:
    tmp = folder / "position.json.tmp"
    with open(tmp, "w") as f:
        json.dump(attrs.asdict(position), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / "position.json")
    fsync_dir(folder)


def frames(path: Path, offset: int = 0, limit: int | None = None
           ) -> Iterator[tuple[int, int, int, dict[str, Any], bytes]]:
    """(start offset, seq, end offset, meta, body) of each whole, intact frame of a segment from `offset`."""
    with open(path, "rb") as f:
        f.seek(offset)
        pos = offset
        while limit is None or pos < limit:
            head = f.read(HEAD.size)
            if len(head) < HEAD.size:
                return
            magic, seq, meta_len, body_len, crc = HEAD.unpack(head)
            if magic != MAGIC or meta_len > 65536 or body_len > MAX_BODY:
                return
            rest = f.read(meta_len + body_len)
            if len(rest) < meta_len + body_len or zlib.crc32(rest) != crc:
                return
            start, pos = pos, pos + HEAD.size + meta_len + body_len
            yield start, seq, pos, json.loads(rest[:meta_len]), rest[meta_len:]


def scan(path: Path, offset: int = 0, limit: int | None = None) -> Iterator[tuple[int, int, dict[str, Any], bytes]]:
    """(seq, end offset, meta, body) of each whole, intact frame of a segment from `offset` (up to `limit`)."""
    for _start, seq, end, meta, body in frames(path, offset, limit):
        yield seq, end, meta, body


def frame(seq: int, meta: dict[str, Any], body: bytes) -> bytes:
    m = json.dumps(meta, separators=(",", ":")).encode()
    return HEAD.pack(MAGIC, seq, len(m), len(body), zlib.crc32(m + body)) + m + body


def purge(path: Path, offset: int = 0, limit: int | None = None) -> int:
    """Overwrite with zeros the bodies of the frames of a segment from `offset` up to `limit` (their CRCs
    rewritten: the frames stay whole), and sync; the number overwritten (a body purged before is left)."""
    done = 0
    with open(path, "r+b") as f:
        for start, seq, _end, _meta, body in list(frames(path, offset, limit)):
            if not body.strip(b"\0"):
                continue
            zeros = bytes(len(body))
            f.seek(start)  # the head and meta are written back as they are, the CRC over meta + zeros
            head = f.read(HEAD.size)
            _magic, _seq, meta_len, body_len, _crc = HEAD.unpack(head)
            raw_meta = f.read(meta_len)
            f.seek(start)
            f.write(HEAD.pack(MAGIC, seq, meta_len, body_len, zlib.crc32(raw_meta + zeros)) + raw_meta + zeros)
            done += 1
        if done:
            f.flush()
            os.fdatasync(f.fileno())
    return done


def shred(path: Path) -> None:
    """Overwrite a file with zeros, sync, and remove it (a transient copy of deliveries or their media)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.write(bytes(size))
            f.flush()
            os.fdatasync(f.fileno())
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def last_durable_seq(home: Path) -> int:
    """The last sequence number stored whole on disk (what a reader in another process may read up to)."""
    folder = inbox_dir(home)
    found = segments(folder)
    seq = read_position(folder).seq
    if found:
        for s, _end, _meta, _body in scan(segment_path(folder, found[-1])):
            seq = s
    return seq


@attrs.frozen
class Pending:
    """Deliveries the inbox holds that are not in the ledger: stored and not yet ingested, or set aside."""

    queued: int
    set_aside: int

    def __bool__(self) -> bool:
        return bool(self.queued or self.set_aside)


def pending(home: Path) -> Pending:
    folder = inbox_dir(home)
    if not folder.is_dir():
        return Pending(0, 0)
    queued = max(0, last_durable_seq(home) - read_position(folder).seq)
    aside = sum(1 for where in SET_ASIDE if (folder / where).is_dir() for _ in (folder / where).glob("*.json"))
    return Pending(queued, aside)
