"""New item and subject keys stored by a thread while the ingest seals under them (`ensure_in_background`).

Both key stores make a page's new keys at once, put them in use, and hand the insert
to a thread on a connection of their own; the page waits (`settle`) before its rows are
written, so that a key reaches the store before what it seals. What differs per backend
is given: how the keys are inserted (in the thread), what the caller learns from that
(another writer may have stored some of the ids first: then theirs are loaded and the
page is sealed again), and how keys that were never stored are forgotten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class StoringKeys(Generic[T]):
    """New keys a thread is storing (the `PendingKeys` port)."""

    def __init__(self, insert: Callable[[], T], stored: Callable[[T], bool], unmake: Callable[[], None]) -> None:
        """`insert` runs in the thread; `stored` (what it returned) answers, in the caller's thread, whether every
        key made here is the one in use; `unmake` forgets the keys when the insert failed."""
        self._insert = insert
        self._stored = stored
        self._unmake = unmake
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="socialledger-keys", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._insert()
        except BaseException as e:  # noqa: BLE001 - handed to settle(), in the caller's thread
            self._error = e

    def wait(self) -> None:
        self._thread.join()

    def settle(self) -> bool:
        """Wait until the keys are stored. False when some had been stored before (by another writer, or an
        ingest that was interrupted): the stored ones are in use now, and what was sealed under the ones
        made here must be sealed again."""
        self.wait()
        if self._error is not None:
            self._unmake()  # never stored: nothing may be sealed under them
            raise self._error
        assert self._result is not None
        return self._stored(self._result)
