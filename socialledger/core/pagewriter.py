"""Writing an ingest's pages from a process of its own, while the next page is planned.

An ingest spends its time in two kinds of work: Python deciding, sealing and
encoding what a page records, and SQLite writing it (the capture index, the
events, the hash chain, the commit). A thread cannot overlap them: the SQLite
module holds the GIL for every row it binds, and the two threads then wait on
each other. A second process can, and a machine with two cores does both at
once: the ingest plans page N+1 while this process writes page N.

The writer is dumb on purpose. It receives finished rows (ciphertext already:
no key and no plaintext crosses the pipe), writes each page in one
`BEGIN IMMEDIATE` transaction with the same SQL the in-process recorder uses
(`recorder.insert_page`), and answers with the page's positions, or with
"conflict" when another writer recorded one of the page's (aggregate, version)
keys first: the ingest then plans the page again on the fresh index, as it
does in-process. It exits when its input closes, so a killed ingest leaves no
writer behind; a page whose commit was under way is either whole or absent.

Messages are length-prefixed msgpack on the child's stdin and stdout.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Self

import msgspec
from eventsourcing.persistence import IntegrityError, PersistenceError

from socialledger.core.recorder import IndexTuple, StoredRow, insert_page

_FRAME = struct.Struct(">Q")
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
    """The ingest's side: start the writer, hand it pages, collect their positions."""

    def __init__(self, db_path: Path, events_table: str, lock_timeout: float) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "socialledger.core.pagewriter", str(db_path), events_table, str(lock_timeout)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self._pending = 0

    def send(self, rows: Sequence[StoredRow], index: list[IndexTuple], aliases: Sequence[tuple[str, str]]) -> None:
        assert self._pending == 0, "one page in flight at a time"
        assert self._proc.stdin is not None
        try:
            _send(self._proc.stdin, ["page", list(rows), index, list(aliases)])
        except BrokenPipeError:
            raise WriterFailed(self._ended()) from None
        self._pending = 1

    def result(self) -> list[int]:
        """The positions of the page in flight; IntegrityError when another writer came first."""
        assert self._pending == 1, "no page in flight"
        assert self._proc.stdout is not None
        self._pending = 0
        reply = _receive(self._proc.stdout)
        if reply is None:
            raise WriterFailed(self._ended())
        if reply[0] == "ok":
            first, count = reply[1], reply[2]
            return list(range(first, first + count))
        if reply[0] == "conflict":
            raise IntegrityError(reply[1])
        raise WriterFailed(f"the ingest's writer process could not write a page: {reply[1]}")

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


def serve(db_path: str, events_table: str, lock_timeout: float, stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The writer's side: write each page it receives in one transaction, answer, repeat."""
    db = sqlite3.connect(db_path, isolation_level=None, timeout=lock_timeout)
    try:
        while True:
            message = _receive(stdin)
            if message is None:
                return  # the ingest closed its end (or was killed): nothing more to write
            _, rows, index, aliases = message  # lists of lists: sqlite3 binds them as they are
            c = db.cursor()
            try:
                c.execute("BEGIN IMMEDIATE")
                positions = insert_page(c, events_table, rows, index, aliases)
                c.execute("COMMIT")
            except sqlite3.IntegrityError as e:
                c.execute("ROLLBACK")
                _send(stdout, ["conflict", str(e)])
                continue
            except sqlite3.Error as e:
                if db.in_transaction:
                    c.execute("ROLLBACK")
                _send(stdout, ["error", f"{type(e).__name__}: {e}"])
                continue
            _send(stdout, ["ok", positions[0] if positions else 0, len(positions)])
    finally:
        db.close()


def main() -> None:
    db_path, events_table, lock_timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stdin = os.fdopen(sys.stdin.fileno(), "rb", closefd=False)
    stdout = os.fdopen(sys.stdout.fileno(), "wb", closefd=False)
    serve(db_path, events_table, lock_timeout, stdin, stdout)


if __name__ == "__main__":
    main()
