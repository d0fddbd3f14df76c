"""The inbox: webhook deliveries written durably (fsync) before they are answered, read back in arrival order.

It lives in the ledger home (`<home>/inbox/`), as append-only segment files of
frames. A frame is

    b"SLD1" | seq (8 bytes) | meta length (4) | body length (4) | CRC-32 of meta + body (4) | meta | body

`meta` is a small JSON object (channel, the platform id the delivery is for, when
it arrived); `body` is the delivery's bytes exactly as they came (the signature
was checked over them, and a later `ingest` may check it again). Deliveries carry
no tokens: the secrets stay in the secrets file.

Writing: `InboxWriter.append` hands a frame to one writer thread, which appends every
frame waiting as one group and hands the group to a sync (fdatasync); only when a sync
that began after the group was written has ended is each caller's future completed,
and a caller answers 200 after that. Two syncs may be in flight at once (`SYNCS`): a
delivery waits for the next sync to begin, not for the one in flight to end as well,
which is what the tail of the acknowledgement latency was made of; a sync covers every
group written before it began, so the durable end only moves forward, in order. A crash
in the middle of a write leaves a torn frame at the end of the last segment: the next
start cuts it off (it was never acknowledged). Reading: `InboxReader` reads frames from the
worker's position (`position.json`, replaced atomically) up to the durable end
the writer published, and never past it.

Erasable: raw deliveries hold people's names and words in plain text, so they stay
only until they are in the ledger, where they are encrypted under their items'
keys. Once the worker's position has moved past a delivery, its body is overwritten
with zeros in place (`core/capture/inbox.py`, `purge`; the frame stays whole), at
the next start too for what a crash left; a finished segment is deleted. Until
then, and while deliveries are set aside, an erasure (`gdpr erase`) is refused
(R23): see docs/service.md. The frame format is in `core/capture/inbox.py`.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from socialledger.core.capture.inbox import (
    MAX_BODY,
    Position,
    frame,
    inbox_dir,
    last_durable_seq,
    purge,
    read_position,
    scan,
    segment_path,
    segments,
    write_position,
)
from socialledger.core.capture.inbox import fsync_dir as _fsync_dir

__all__ = ["MAX_BODY", "Delivery", "InboxReader", "InboxWriter", "inbox_dir", "last_durable_seq", "read_position",
           "scan"]

#: A segment is closed (a new one started) once it holds this many bytes.
SEGMENT_BYTES = 8 * 1024 * 1024
#: fdatasyncs in flight at once: a group waits for the next sync to begin, not for the one in flight to end.
SYNCS = 2

_segments = segments
_segment_path = segment_path


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
        self._lock = threading.Lock()
        self._unsynced: list[tuple[int, list[tuple[asyncio.Future[int], asyncio.AbstractEventLoop, int]]]] = []
        self._slots = threading.Semaphore(SYNCS)
        self._syncs = ThreadPoolExecutor(max_workers=SYNCS, thread_name_prefix="inbox-sync")
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
                self._drain()
                return
            if self.offset >= SEGMENT_BYTES:
                self._drain()  # no sync in flight on the segment being closed
                self._rotate()
            # At most SYNCS syncs in flight: while they run, what arrives gathers into the next group.
            self._slots.acquire()
            batch = [first]
            stop = False
            while True:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            try:
                last, fd = self._write(batch)
            except BaseException as e:  # a full disk: every caller of this batch gets the error (500)
                self._slots.release()
                for _meta, _body, fut, loop in batch:
                    loop.call_soon_threadsafe(_fail, fut, e)
            else:
                self._syncs.submit(self._sync, last, fd)
            if stop:
                self._drain()
                return

    def _rotate(self) -> None:
        self._file.close()
        self.segment += 1
        self._file = open(_segment_path(self.folder, self.segment), "ab")  # noqa: SIM115 - kept open
        _fsync_dir(self.folder)
        self.offset = 0

    def _drain(self) -> None:
        """Wait until no sync is in flight."""
        for _ in range(SYNCS):
            self._slots.acquire()
        for _ in range(SYNCS):
            self._slots.release()

    def _write(self, batch: list[tuple[dict[str, Any], bytes, asyncio.Future[int], asyncio.AbstractEventLoop]]
               ) -> tuple[int, int]:
        """Append a group's frames (not yet synced); the last sequence number and the file to sync."""
        chunks = []
        group = []
        for meta, body, fut, loop in batch:
            self.seq += 1
            chunks.append(frame(self.seq, meta, body))
            group.append((fut, loop, self.seq))
        data = b"".join(chunks)
        self._file.write(data)
        self._file.flush()
        self.offset += len(data)
        with self._lock:
            self._unsynced.append((self.seq, group))
        return self.seq, self._file.fileno()

    def _sync(self, last: int, fd: int) -> None:
        """fdatasync (the data and the file's new size), then answer every group written before it began.

        Two syncs may run at once: one that began after a group was written covers that group too, so
        when either ends, every group up to its last sequence number is on disk, in order.
        """
        try:
            os.fdatasync(fd)
            error: BaseException | None = None
        except BaseException as e:  # noqa: BLE001 - the callers of this group get it (500)
            error = e
        try:
            with self._lock:
                if error is None and last > self.durable_seq:
                    done = [g for g in self._unsynced if g[0] <= last]
                    self._unsynced = [g for g in self._unsynced if g[0] > last]
                    self.stored += sum(len(g) for _, g in done)
                    with self._changed:
                        self.durable_seq = last
                        self._changed.notify_all()
                    self._publish(last)
                    _answer(done, None)
                elif error is not None:
                    failed = [g for g in self._unsynced if g[0] == last]
                    self._unsynced = [g for g in self._unsynced if g[0] != last]
                    _answer(failed, error)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Write and sync what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()
        self._syncs.shutdown(wait=True)
        self._file.close()


def _answer(groups: list[tuple[int, list[tuple[asyncio.Future[int], asyncio.AbstractEventLoop, int]]]],
            error: BaseException | None) -> None:
    """Complete each caller's future, with one wake-up of each event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], int]]] = {}
    for _last, group in groups:
        for fut, loop, seq in group:
            by_loop.setdefault(loop, []).append((fut, seq))
    for loop, futures in by_loop.items():
        if error is None:
            loop.call_soon_threadsafe(_succeed_all, futures)
        else:
            for fut, _seq in futures:
                loop.call_soon_threadsafe(_fail, fut, error)


def _succeed(fut: asyncio.Future[int], seq: int) -> None:
    if not fut.done():
        fut.set_result(seq)


def _succeed_all(done: list[tuple[asyncio.Future[int], int]]) -> None:
    for fut, seq in done:
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
        self._purged = (self.position.segment, 0)  # bodies overwritten up to here (from 0: what a crash left)
        self.purge()

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
                purge(_segment_path(self.folder, n), self._purged[1] if self._purged[0] == n else 0)
                _segment_path(self.folder, n).unlink(missing_ok=True)
        self.purge()

    def purge(self) -> int:
        """Overwrite with zeros the bodies of the deliveries before the position (they are in the ledger)."""
        segment, offset = self._purged
        if segment != self.position.segment:
            offset = 0
        path = _segment_path(self.folder, self.position.segment)
        done = purge(path, offset, self.position.offset) if path.exists() and self.position.offset > offset else 0
        self._purged = (self.position.segment, self.position.offset)
        return done

    def depth(self, durable_seq: int) -> int:
        return max(0, durable_seq - self.position.seq)
