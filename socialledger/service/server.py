"""`socialledger serve`: the HTTP server (uvicorn) and the worker process beside it."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from socialledger.app import Ledger, open_ledger
from socialledger.core.domain.actor import Actor
from socialledger.core.plugins import plugin_manager
from socialledger.service.http import webhook_app
from socialledger.service.inbox import InboxWriter
from socialledger.service.secrets import Secrets
from socialledger.service.worker import run_worker

log = logging.getLogger("socialledger.service")


def quiet_clients() -> None:
    """httpx logs every request's URL at INFO, and Graph's `paging.next` URLs carry the access token."""
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


class LedgerProbe:
    """Whether the ledger is reachable, for `/health`: one handle kept open (reopened after a failure), and its
    answer kept for `EVERY` seconds, so that a monitor asking often costs the store one small read a second."""

    EVERY = 1.0

    def __init__(self, home: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.home = home
        self.clock = clock
        self.ledger: Ledger | None = None
        self.opened = 0
        self._answer: tuple[float, bool] | None = None

    def __call__(self) -> bool:
        now = self.clock()
        if self._answer is not None and now - self._answer[0] < self.EVERY:
            return self._answer[1]
        ok = self._probe()
        self._answer = (now, ok)
        return ok

    def _probe(self) -> bool:
        try:
            if self.ledger is None:
                self.ledger = open_ledger(self.home)
                self.opened += 1
            self.ledger.head()
            return True
        except Exception:  # noqa: BLE001 - any failure to reach the store is "unreachable"
            self.close()
            return False

    def close(self) -> None:
        if self.ledger is not None:
            try:
                self.ledger.close()
            except Exception:  # noqa: BLE001 - closing a store that failed
                pass
            self.ledger = None


def serve(home: Path, actor: Actor, *, host: str = "127.0.0.1", port: int = 8700, poll_every: float | None = None,
          secrets: Secrets | None = None, log_level: int = logging.INFO) -> None:
    """Run until SIGTERM or SIGINT: answer webhooks, store them, and let the worker ingest (and poll)."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(message)s")
    quiet_clients()
    secrets = secrets or Secrets.load()
    channels = plugin_manager().channels
    ctx = multiprocessing.get_context("spawn")
    durable = ctx.Value("q", 0, lock=False)
    stop = ctx.Value("b", 0, lock=False)  # plain shared values: no semaphores to leak at a SIGKILL

    def publish(seq: int) -> None:
        durable.value = seq

    writer = InboxWriter(home, publish)
    worker = ctx.Process(target=run_worker, name="socialledger-worker", daemon=False,
                         args=(str(home), (actor.name, actor.os_user, actor.host), durable, stop, os.getpid(),
                               poll_every,
                               log_level))

    ledger_check = LedgerProbe(home)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        worker.start()
        # What is loaded by now lives as long as the service: out of the collector's way, so that its full
        # collections stay short and do not hold up an answer.
        gc.collect()
        gc.freeze()
        log.info("worker started (pid %s); inbox at %d", worker.pid, writer.durable_seq)
        yield
        # uvicorn has answered every request in hand: store what is queued, then let the worker finish its batch.
        writer.close()
        stop.value = 1
        worker.join(timeout=120)
        ledger_check.close()
        log.info("stopped; inbox stored up to %d", writer.durable_seq)

    app = webhook_app(home, channels, secrets, writer, ledger_check, lifespan=lifespan)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=30, lifespan="on")
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again: let that be a clean exit (0).
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


