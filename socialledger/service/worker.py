"""The worker: ingests the inbox in arrival order through the same path as `ingest`, and runs the polling rounds.

It runs in a process of its own beside the HTTP server (`serve` starts it), so
that ingesting does not hold up the answers to deliveries. Each round it takes
the deliveries stored after its position (up to the durable end the server
published), splits them into runs of consecutive deliveries for one channel and
one page, writes each run as one JSON array of the raw bodies (bytes unchanged)
and ingests it into the account linked to that page (`Ledger.ingest`, as the
actor the service runs as). Only then does it move its position on. A crash
between the two ingests the run again on the next start, which records nothing
twice (the capture index knows every item and version).

Media: the pictures and videos a run's deliveries name by URL (a comment's `photo`,
a post's `photos`, a video's `link`: what the channel's reader gives as
`Media.url`) are downloaded first, beside the run, within the limits of
`service/media.py`, and the ingest keeps each one encrypted under its item's key.
A delivery comes once, so a URL that fails is tried again at once (a passing
failure) or given up (a lasting one: 404, too large, not a picture), then counted
(`media_failed`, `media_given_up` in `/metrics` and `/health`) and logged by the
URL's hash and the item's id; the item is recorded all the same.

A run the ingest refuses (bad input, a rule) is ingested delivery by delivery;
a delivery still refused is set aside in `inbox/rejected/` with its reason, one
for a page no account is linked to in `inbox/unlinked/`: stored, reported (the
log line, `/health`, `/metrics`), nothing recorded. An operator can ingest
either later with `socialledger ingest`.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialledger.app import Ledger, open_ledger
from socialledger.core.capture.inbox import shred
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import SocialLedgerError
from socialledger.core.domain.workflow import State
from socialledger.core.plugins import plugin_manager
from socialledger.service.inbox import Delivery, InboxReader, inbox_dir
from socialledger.service.media import MediaDownloads, media_of
from socialledger.service.polling import Poller

log = logging.getLogger("socialledger.service")

#: Deliveries taken in one round.
BATCH = 2000
#: Fewer deliveries than this wait up to LINGER seconds for more before they are ingested.
GATHER = 500
LINGER = 0.5
#: How much lower the worker's scheduling priority is than the server's.
WORKER_NICENESS = 10


def state_path(home: Path) -> Path:
    return Path(home) / "service" / "state.json"


class WorkerState:
    """Counters and poll results, written to `<home>/service/state.json` for `/health` and `/metrics`."""

    def __init__(self, home: Path) -> None:
        self.path = state_path(home)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            self.doc: dict[str, Any] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            self.doc = {}
        self.doc.setdefault("counters", {})
        self.doc.setdefault("polls", {})
        self.doc["worker_started"] = now()

    def add(self, name: str, n: int = 1) -> None:
        self.doc["counters"][name] = self.doc["counters"].get(name, 0) + n

    def poll(self, account: str, **fields: Any) -> None:
        self.doc["polls"].setdefault(account, {}).update(fields)

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.doc))
        os.replace(tmp, self.path)


def read_state(home: Path) -> dict[str, Any]:
    try:
        return json.loads(state_path(home).read_text())
    except (FileNotFoundError, ValueError):
        return {"counters": {}, "polls": {}}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class InboxWorker:
    """Ingests what the inbox holds; `round()` does one batch."""

    def __init__(self, ledger: Ledger, actor: Actor, state: WorkerState, *,
                 downloads: Callable[[], MediaDownloads] | None = None) -> None:
        """`downloads` makes the media downloader of a run whose deliveries name media (None: not downloaded)."""
        self.ledger = ledger
        self.actor = actor
        self.state = state
        self.downloads = downloads
        self.reader = InboxReader(ledger.home)
        self.folder = inbox_dir(ledger.home)
        for sub in ("unlinked", "rejected", "work"):
            (self.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    def round(self, durable_seq: int, limit: int = BATCH) -> int:
        """Ingest up to `limit` stored deliveries; the number taken (0: nothing waiting)."""
        batch = self.reader.pending(durable_seq, limit)
        if not batch:
            return 0
        accounts = self._linked()
        runs: list[list[Delivery]] = []
        for d in batch:
            if runs and (runs[-1][0].channel, runs[-1][0].page) == (d.channel, d.page):
                runs[-1].append(d)
            else:
                runs.append([d])
        for run in runs:
            account = accounts.get((run[0].channel, run[0].page))
            if account is None:
                for d in run:
                    self._set_aside("unlinked", d, f"no active account is linked to {d.channel}:{d.page}")
                continue
            self._ingest(run, account)
        self.reader.done(batch[-1])
        self.state.doc["inbox_position"] = batch[-1].seq
        self.state.save()
        return len(batch)

    def depth(self, durable_seq: int) -> int:
        return self.reader.depth(durable_seq)

    def _linked(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for a in self.ledger.store.accounts():
            if a.platform_id and a.state in (State.ACTIVE, State.CLOSING):
                out[(a.channel, a.platform_id)] = str(a.id)
        return out

    def _ingest(self, run: list[Delivery], account: str) -> None:
        channel = run[0].channel
        folder = self.folder / "work" / f"{channel}-{run[0].seq:012d}-{run[-1].seq:012d}"
        _shred_folder(folder)  # what a crash left
        folder.mkdir(mode=0o700, parents=True)
        (folder / "deliveries.json").write_bytes(b"[" + b",\n".join(d.body for d in run) + b"]")
        try:
            got, downloads = self._media(channel, folder)
            try:
                summary = self.ledger.ingest(self.actor, channel, folder, account, media_urls=got or None)
                if downloads is not None:
                    downloads.done(got)  # kept, and what was given up
                    self.state.add("media_kept", len(got))
            finally:
                if downloads is not None:
                    downloads.close()
        except SocialLedgerError as e:
            if len(run) > 1:
                for d in run:  # find the delivery that is refused; the others go in
                    self._ingest([d], account)
            else:
                self._set_aside("rejected", run[0], e.line())
            return
        finally:
            _shred_folder(folder)  # the deliveries and media in plain text: overwritten, not only unlinked
        result = summary.as_dict()
        self.state.add("deliveries_ingested", len(run))
        self.state.add("records", result["records"])
        self.state.add("events", result["events"])
        log.info("ingested deliveries %d-%d into account %s: %d records, %d events recorded",
                 run[0].seq, run[-1].seq, account, result["records"], result["events"])

    def _media(self, channel: str, folder: Path) -> tuple[dict[str, str], MediaDownloads | None]:
        """Download the media the run's deliveries name into `folder`: url -> the file's name there."""
        if self.downloads is None:
            return {}, None
        try:
            ch = plugin_manager().channels.get(channel)
            items = media_of(ch, folder, ("webhook",))
        except SocialLedgerError:
            return {}, None  # the ingest refuses the run, and says why
        if not items:
            return {}, None
        downloads = self.downloads()  # reads what was downloaded before (a poll may have added to it)
        downloads.identity = ch.media_identity
        got = downloads.fetch_all(items, folder, now=True, items=items)
        downloads.report(self.state)
        return got, downloads

    def _set_aside(self, where: str, d: Delivery, reason: str) -> None:
        folder = self.folder / where
        (folder / f"{d.seq:012d}-{d.channel}-{d.page}.json").write_bytes(d.body)
        (folder / f"{d.seq:012d}-{d.channel}-{d.page}.reason").write_text(reason + "\n")
        self.state.add(f"deliveries_{where}")
        log.warning("delivery %d for %s:%s set aside (%s): %s", d.seq, d.channel, d.page, where, reason)


def _shred_folder(folder: Path) -> None:
    if not folder.exists():
        return
    for path in folder.rglob("*"):
        if path.is_file():
            shred(path)
    shutil.rmtree(folder, ignore_errors=True)


def _die_with_parent() -> None:
    """Linux: the worker ends when the service process ends, however it ended (SIGKILL included)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_worker(home: str, actor: tuple[str, str, str], durable: Any, stop: Any, parent: int,
               poll_every: float | None, log_level: int = logging.INFO) -> None:
    """The worker process's main: ingest the inbox (and poll, every `poll_every` seconds) until `stop` is set."""
    _die_with_parent()
    if os.getppid() != parent:  # the service died before the line above took effect
        return
    # The answers to deliveries come first: on a busy machine the server's process is scheduled before this one
    # (ingesting has seconds to spare; an acknowledgement has milliseconds).
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s worker: %(message)s")
    for name in ("httpx", "httpcore"):  # they log each URL, and Graph's paging URLs carry the access token
        logging.getLogger(name).setLevel(logging.WARNING)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server tells us when to stop (after its last answer)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    ledger = open_ledger(home)
    state = WorkerState(ledger.home)
    worker = InboxWorker(ledger, Actor(*actor), state, downloads=lambda: MediaDownloads(ledger.home))
    poller = None
    if poll_every is not None:
        poller = Poller(ledger, Actor(*actor), state)
    next_poll = time.monotonic()
    waiting_since: float | None = None
    try:
        while not (stop.value or stopping.is_set() or os.getppid() != parent):
            # Gather: a few deliveries wait up to LINGER seconds for more, so that the ingests are fewer and
            # larger (each ingest commits, and its syncs share the disk with the inbox's).
            depth = worker.depth(durable.value)
            if 0 < depth < GATHER:
                waiting_since = waiting_since or time.monotonic()
                if time.monotonic() - waiting_since < LINGER:
                    time.sleep(0.01)
                    continue
            waiting_since = None
            # One batch at a time: a stop waits for the batch in hand; what is left is finished at the next start.
            done = _guarded(lambda: worker.round(durable.value), state) if depth else 0
            if poller is not None and time.monotonic() >= next_poll and not done:
                _guarded(poller.round, state)
                next_poll = time.monotonic() + (poll_every or 0)
            if not done:
                time.sleep(0.02)
    finally:
        ledger.close()


def _guarded(step: Callable[[], int | None], state: WorkerState) -> int:
    """Run a step; an unexpected failure (the store unreachable) is logged and retried, never the end."""
    try:
        return step() or 0
    except SocialLedgerError as e:
        state.add("errors")
        log.error("%s", e.line())
    except Exception as e:  # noqa: BLE001 - a worker that dies loses nothing, but stops capturing
        state.add("errors")
        log.error("worker step failed: %s: %s", type(e).__name__, e)
    time.sleep(1.0)
    return 0
