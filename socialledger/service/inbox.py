"""The inbox: webhook deliveries written durably (fsync) before they are answered, read back in arrival order.

It lives in the ledger home (`<home>/inbox/`), as append-only segment files of
frames. A frame is

    b"SLD1" | seq (8 bytes) | meta length (4) | body length (4) | CRC-32 of meta + body (4) | meta | body

`meta` is a small JSON object (channel, the platform id the delivery is for, when
it arrived); `body` is the delivery's bytes exactly as they came (the signature
was checked over them, and a later `ingest` may check it again). Deliveries carry
no tokens: the secrets stay in the secrets file.

Writing: `InboxWriter.append` hands a frame to one writer thread, which writes
every frame waiting, fsyncs once (group commit) and only then completes each
caller's future; a caller answers 200 after that. A crash in the middle of a
write leaves a torn frame at the end of the last segment: the next start cuts it
off (it was never acknowledged). Reading: `InboxReader` reads frames from the
worker's position (`position.json`, replaced atomically) up to the durable end
the writer published, and never past it. A processed segment other than the one
being written is deleted, so raw deliveries (which hold people's words in plain
text) stay only until they are in the ledger, where they are encrypted.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

MAGIC = b"SLD1"
_HEAD = struct.Struct(">4sQIII")
#: A segment is closed (a new one started) once it holds this many bytes.
SEGMENT_BYTES = 8 * 1024 * 1024
#: The largest delivery the service takes (a bigger one is answered 413).
MAX_BODY = 1024 * 1024


def inbox_dir(home: Path) -> Path:
    return Path(home) / "inbox"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _segments(folder: Path) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in folder.glob("seg-*.log"))


def _segment_path(folder: Path, n: int) -> Path:
    return folder / f"seg-{n:08d}.log"


@attrs.frozen
class Delivery:
    """One stored delivery: its place in the inbox and what came."""

    seq: int
    segment: int
    end: int  # the offset just after its frame
    channel: str
    page: str
    received: str
    body: bytes


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
        return Position(segment=(_segments(folder) or [1])[0])
    return Position(int(doc["segment"]), int(doc["offset"]), int(doc["seq"]))


def write_position(folder: Path, position: Position) -> None:
    tmp = folder / "position.json.tmp"
    with open(tmp, "w") as f:
        json.dump(attrs.asdict(position), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / "position.json")
    _fsync_dir(folder)


def scan(path: Path, offset: int = 0, limit: int | None = None) -> Iterator[tuple[int, int, dict[str, Any], bytes]]:
    """(seq, end offset, meta, body) of each whole, intact frame of a segment from `offset` (up to `limit`)."""
    with open(path, "rb") as f:
        f.seek(offset)
        pos = offset
        while limit is None or pos < limit:
            head = f.read(_HEAD.size)
            if len(head) < _HEAD.size:
                return
            magic, seq, meta_len, body_len, crc = _HEAD.unpack(head)
            if magic != MAGIC or meta_len > 65536 or body_len > MAX_BODY:
                return
            rest = f.read(meta_len + body_len)
            if len(rest) < meta_len + body_len or zlib.crc32(rest) != crc:
                return
            pos += _HEAD.size + meta_len + body_len
            yield seq, pos, json.loads(rest[:meta_len]), rest[meta_len:]


def frame(seq: int, meta: dict[str, Any], body: bytes) -> bytes:
    m = json.dumps(meta, separators=(",", ":")).encode()
    return _HEAD.pack(MAGIC, seq, len(m), len(body), zlib.crc32(m + body)) + m + body


class InboxWriter:
    """Appends deliveries durably; one writer per inbox (the `serve` process)."""

    def __init__(self, home: Path, publish: Callable[[int], None] | None = None) -> None:
        """`publish(seq)` is told the last durable sequence number after each fsync (and once at the start)."""
        self.folder = inbox_dir(home)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._publish = publish or (lambda seq: None)
        for sub in ("unlinked", "rejected", "work"):
            (self.folder / sub).mkdir(mode=0o700, exist_ok=True)
        segments = _segments(self.folder)
        position = read_position(self.folder)
        self.segment = segments[-1] if segments else max(position.segment, 1)
        path = _segment_path(self.folder, self.segment)
        self.seq, end = position.seq, 0
        if path.exists():
            for seq, end_, _meta, _body in scan(path):
                self.seq, end = seq, end_
            if path.stat().st_size > end:  # a torn frame from a crash mid-write: it was never acknowledged
                with open(path, "r+b") as f:
                    f.truncate(end)
                    os.fsync(f.fileno())
        self.offset = end
        self._file = open(path, "ab")
        _fsync_dir(self.folder)
        self.durable_seq = self.seq
        self._publish(self.seq)
        self.stored = 0
        self._queue: queue.Queue[tuple[dict[str, Any], bytes, asyncio.Future[int], asyncio.AbstractEventLoop] | None]
        self._queue = queue.Queue()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()

    async def append(self, channel: str, page: str, received: str, body: bytes) -> int:
        """Store one delivery; returns its sequence number once it is on disk (fsync'd)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int] = loop.create_future()
        self._queue.put(({"channel": channel, "page": page, "received": received}, body, done, loop))
        return await done

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while True:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(nxt)
            try:
                self._write(batch)
            except BaseException as e:  # a full disk: every caller of this batch gets the error (500)
                for _meta, _body, fut, loop in batch:
                    loop.call_soon_threadsafe(_fail, fut, e)

    def _write(self, batch: list[tuple[dict[str, Any], bytes, asyncio.Future[int], asyncio.AbstractEventLoop]]) -> None:
        if self.offset >= SEGMENT_BYTES:
            self._file.close()
            self.segment += 1
            self._file = open(_segment_path(self.folder, self.segment), "ab")
            _fsync_dir(self.folder)
            self.offset = 0
        seqs = []
        chunks = []
        for meta, body, _fut, _loop in batch:
            self.seq += 1
            seqs.append(self.seq)
            chunks.append(frame(self.seq, meta, body))
        data = b"".join(chunks)
        self._file.write(data)
        self._file.flush()
        os.fdatasync(self._file.fileno())  # the data and the file's new size
        self.offset += len(data)
        self.stored += len(batch)
        with self._changed:
            self.durable_seq = self.seq
            self._changed.notify_all()
        self._publish(self.seq)
        for seq, (_meta, _body, fut, loop) in zip(seqs, batch, strict=True):
            loop.call_soon_threadsafe(_succeed, fut, seq)

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()
        self._file.close()


def _succeed(fut: asyncio.Future[int], seq: int) -> None:
    if not fut.done():
        fut.set_result(seq)


def _fail(fut: asyncio.Future[int], e: BaseException) -> None:
    if not fut.done():
        fut.set_exception(e)


class InboxReader:
    """Reads stored deliveries from the worker's position, in arrival order, up to a durable sequence number."""

    def __init__(self, home: Path) -> None:
        self.folder = inbox_dir(home)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.position = read_position(self.folder)

    def pending(self, durable_seq: int, limit: int) -> list[Delivery]:
        """Up to `limit` deliveries after the position, none later than `durable_seq`."""
        out: list[Delivery] = []
        segment, offset = self.position.segment, self.position.offset
        for n in [s for s in _segments(self.folder) if s >= segment]:
            start = offset if n == segment else 0
            for seq, end, meta, body in scan(_segment_path(self.folder, n), start):
                if seq > durable_seq or len(out) >= limit:
                    return out
                if seq <= self.position.seq:
                    continue  # already done (a position written before its segment rotated)
                out.append(Delivery(seq, n, end, meta["channel"], meta["page"], meta["received"], body))
        return out

    def done(self, last: Delivery) -> None:
        """Every delivery up to `last` is in the ledger (or set aside): move on, and drop finished segments."""
        self.position = Position(last.segment, last.end, last.seq)
        write_position(self.folder, self.position)
        for n in _segments(self.folder):
            if n < last.segment:
                _segment_path(self.folder, n).unlink(missing_ok=True)

    def depth(self, durable_seq: int) -> int:
        return max(0, durable_seq - self.position.seq)


def last_durable_seq(home: Path) -> int:
    """The last sequence number stored whole on disk (what a reader in another process may read up to)."""
    folder = inbox_dir(home)
    segments = _segments(folder)
    seq = read_position(folder).seq
    if segments:
        for s, _end, _meta, _body in scan(_segment_path(folder, segments[-1])):
            seq = s
    return seq
