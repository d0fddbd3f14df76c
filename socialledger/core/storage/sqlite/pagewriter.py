"""Writing an ingest's pages from a process of its own, while the next page is planned.

An ingest spends its time in two kinds of work: Python deciding, sealing and
encoding what a page records, and SQLite writing it (the capture index, the
events, the hash chain, the commit). A thread cannot overlap them: the SQLite
module holds the GIL for every row it binds, and the two threads then wait on
each other. A second process can, and a machine with two cores does both at
once: the ingest plans page N+1 while this process writes page N.

The writer is dumb on purpose. It receives finished rows (ciphertext already:
no key and no plaintext crosses the pipe) and writes each page with the same
SQL the in-process recorder uses (`recorder.insert_page`). It answers whether
the page's transaction was committed with it, or "conflict" when another
writer recorded one of the page's (aggregate, version) keys first: the ingest
then plans the page again on the fresh index, as it does in-process. Pages are committed in groups
(`COMMIT_PAGES` in one `BEGIN IMMEDIATE` transaction, each page under a
savepoint of its own, so that a conflict undoes that page alone): a commit
costs about as much as writing a page, and the ingest plans on what it has
sent but not yet seen committed (`capture.py`). The writer exits when its input
closes, so a killed ingest leaves no writer behind; what it had not committed
is rolled back, and running the ingest again writes it.

Messages are length-prefixed msgpack on the child's stdin and stdout.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Self

import msgspec
from eventsourcing.persistence import IntegrityError, PersistenceError

from socialledger.core.collecting import collection_paused
from socialledger.core.storage.sqlite.recorder import IndexTuple, StoredRow, insert_ingested, insert_page

_FRAME = struct.Struct(">Q")
#: Pages written in one transaction: 20,000 records by default, about 0.3 s of writing.
COMMIT_PAGES = 4
#: Pages written between the checkpoints after which the write-ahead log starts over (`_Checkpoints`).
RESTART_PAGES = 12
#: The writer's page cache: room for the pages a group of pages dirties (about 8 % faster writing).
CACHE_MB = 64
#: How long such a checkpoint waits for readers to finish; past it, the log starts over later.
RESTART_WAIT_MS = 200
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder().decode


class WriterFailed(PersistenceError):
    """The writer process could not write a page (other than a conflict): its message says why.

    A store failure like any other (a full disk, a lock held too long): the CLI
    says so in one line, and the pages written before it stand (running the
    ingest again completes it).
    """


def _send(stream: IO[bytes], message: Any) -> None:
    data = _encode(message)
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return _decode(data)


class PageWriterProcess:
    """The ingest's side: start the writer, hand it pages, learn whether they were written and committed."""

    def __init__(self, db_path: Path, events_table: str, lock_timeout: float, commit_pages: int = COMMIT_PAGES) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "socialledger.core.storage.sqlite.pagewriter", str(db_path), events_table, str(lock_timeout),
             str(commit_pages)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self._pending = 0
        if hasattr(fcntl, "F_SETPIPE_SZ"):
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
                except OSError:
                    pass

    def send(self, rows: Sequence[StoredRow], index: list[IndexTuple], aliases: Sequence[tuple[str, str]]) -> None:
        assert self._pending == 0, "one page in flight at a time"
        assert self._proc.stdin is not None
        try:
            _send(self._proc.stdin, ["page", list(rows), index, list(aliases)])
        except BrokenPipeError:
            raise WriterFailed(self._ended()) from None
        self._pending = 1

    def result(self) -> bool:
        """Wait for the page in flight: True when its transaction was committed with it.

        IntegrityError when another writer came first (then the page is undone, and
        the pages before it in the open transaction stay).
        """
        assert self._pending == 1, "no page in flight"
        self._pending = 0
        reply = self._reply()
        if reply[0] == "conflict":
            raise IntegrityError(reply[1])
        return bool(reply[1])

    def commit(self, account: str = "", ingested: Sequence[tuple[bytes, int]] = ()) -> None:
        """Commit what the writer has not committed yet (the ingest's last pages), and with it the files
        the ingest read in full (`ingested.py`): they are remembered in the transaction of its last page."""
        assert self._pending == 0, "a page still in flight"
        assert self._proc.stdin is not None
        try:
            _send(self._proc.stdin, ["commit", account, list(ingested)])
        except BrokenPipeError:
            raise WriterFailed(self._ended()) from None
        self._reply()

    def _reply(self) -> Any:
        assert self._proc.stdout is not None
        reply = _receive(self._proc.stdout)
        if reply is None:
            raise WriterFailed(self._ended())
        if reply[0] == "error":
            raise WriterFailed(f"the ingest's writer process could not write a page: {reply[1]}")
        return reply

    def _ended(self) -> str:
        code = self._proc.wait()
        return f"the ingest's writer process ended unexpectedly (exit code {code})"

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(db_path: str, events_table: str, lock_timeout: float, stdin: IO[bytes], stdout: IO[bytes],
          commit_pages: int = COMMIT_PAGES) -> None:
    """The writer's side: write each page it receives, commit every `commit_pages` pages, answer, repeat."""
    db = sqlite3.connect(db_path, isolation_level=None, timeout=lock_timeout)
    c = db.cursor()
    # A commit here neither waits for the disk nor copies the log into the database
    # (together half of a commit's cost): a thread copies the log after each commit
    # while the next pages are written (`_Checkpoints`), and the ingest's last commit
    # is synced, which makes every page before it durable too. A crash of the machine
    # mid-ingest may lose its last groups of pages, never a part of one: running the
    # ingest again writes them.
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute("PRAGMA wal_autocheckpoint=0")
    # A group of pages dirties some 30 MB of B-tree pages (the index and the events' keys are
    # random): with SQLite's default 2 MB cache they were spilled and read back mid-transaction.
    c.execute(f"PRAGMA cache_size=-{CACHE_MB * 1024}")
    checkpoints = _Checkpoints(db_path, lock_timeout)
    written = 0  # pages in the open transaction
    unrestarted = 0  # pages committed since the log last started over
    try:
        while True:
            message = _receive(stdin)
            if message is None:
                return  # the ingest closed its end (or was killed): what is not committed is rolled back
            try:
                if message[0] == "commit":
                    _, account, ingested = message
                    if ingested:
                        if not db.in_transaction:
                            c.execute("BEGIN IMMEDIATE")
                        insert_ingested(c, account, ingested)
                    with checkpoints.lock:
                        _last_commit(c, db.in_transaction, db_path)
                    written = unrestarted = 0
                    _send(stdout, ["ok", True])
                    continue
                _, rows, index, aliases = message  # lists of lists: sqlite3 binds them as they are
                if not db.in_transaction:
                    c.execute("BEGIN IMMEDIATE")
                c.execute("SAVEPOINT page")
                try:
                    insert_page(c, events_table, rows, index, aliases)
                except sqlite3.IntegrityError as e:
                    c.execute("ROLLBACK TO page")
                    c.execute("RELEASE page")
                    if written == 0:
                        c.execute("ROLLBACK")  # nothing of ours in it: let other writers in
                    _send(stdout, ["conflict", str(e)])
                    continue
                c.execute("RELEASE page")
                written += 1
                if written >= commit_pages:
                    c.execute("COMMIT")
                    unrestarted += written
                    written = 0
                    if unrestarted >= RESTART_PAGES and checkpoints.restart(c, lock_timeout):
                        unrestarted = 0
                    else:
                        checkpoints.soon()
                _send(stdout, ["ok", written == 0])
            except sqlite3.Error as e:
                if db.in_transaction:
                    c.execute("ROLLBACK")
                written = 0
                _send(stdout, ["error", f"{type(e).__name__}: {e}"])
    finally:
        checkpoints.close()
        db.close()


class _Checkpoints:
    """Copying the write-ahead log into the database beside the writer, and letting the log start over.

    After each commit a thread of the writer process copies the log into the
    database (a checkpoint) on a connection of its own: SQLite does it outside
    the GIL while the writer binds the next page's rows, and the ingest's last
    checkpoint, which it waits for, has only the last group of pages left to
    copy. Such a checkpoint never waits for readers, and the ingest's planner
    reads the index all the while; so a log copied in full still grows, as new
    pages are appended behind readers that may need the old ones. Every
    RESTART_PAGES pages the writer waits briefly for the readers to finish
    (`restart`), after which the log starts over from its beginning: its file
    stays at about that many pages rather than growing with the whole ingest.
    """

    def __init__(self, db_path: str, lock_timeout: float) -> None:
        self._db = sqlite3.connect(db_path, isolation_level=None, timeout=lock_timeout, check_same_thread=False)
        self.lock = threading.Lock()  # one checkpoint at a time: the thread's, `restart`'s or the last commit's
        self._wanted = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="socialledger-checkpoints", daemon=True)
        self._thread.start()

    def soon(self) -> None:
        self._wanted.set()

    def restart(self, c: sqlite3.Cursor, lock_timeout: float) -> bool:
        """A checkpoint on the writer's connection that lets the log start over; False when readers held it up."""
        with self.lock:
            c.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
            try:
                busy, _, _ = c.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            finally:
                c.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        return not busy

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            with self.lock:
                try:
                    self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # a checkpoint saves work for later ones; the last commit's is the one that counts

    def close(self) -> None:
        self._closing = True
        self._wanted.set()
        self._thread.join()
        self._db.close()


def _last_commit(c: sqlite3.Cursor, in_transaction: bool, db_path: str) -> None:
    """The ingest's last commit, and the log checkpointed and synced: once it returns, every page is durable."""
    if in_transaction:
        c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(PASSIVE)")
    # A checkpoint that found nothing it could copy (a reader elsewhere holding an older
    # snapshot) syncs nothing, and the level may not change inside the open transaction:
    # sync the log file itself.
    try:
        fd = os.open(db_path + "-wal", os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main() -> None:
    db_path, events_table, lock_timeout, commit_pages = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    stdin = os.fdopen(sys.stdin.fileno(), "rb", closefd=False)
    stdout = os.fdopen(sys.stdout.fileno(), "wb", closefd=False)
    with collection_paused():
        serve(db_path, events_table, lock_timeout, stdin, stdout, commit_pages)


if __name__ == "__main__":
    main()
