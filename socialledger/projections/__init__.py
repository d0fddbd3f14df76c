"""Read models derived from the ledger: the register, the SLA, cadence, statistics, the publication plan and search."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

from socialledger.core.ledger import LedgerStore
from socialledger.projections import postgresql as postgresql_views
from socialledger.projections import sqlite as sqlite_views
from socialledger.projections.base import (
    ReadModel,
    Runner,
)
from socialledger.projections.cadence import Cadence
from socialledger.projections.plan import Plan
from socialledger.projections.register import Register
from socialledger.projections.search import Search
from socialledger.projections.sla import SLA
from socialledger.projections.statistics import Metrics, Statistics

NAMES = ("register", "sla", "cadence", "statistics", "metrics", "plan", "search")
#: Read models that share a process when a long catch-up is split over the cores. Measured one by one on
#: 1,005,153 events: sla 23 s, statistics 26 s (it alone decrypts every captured item's text), metrics 14 s,
#: cadence 1.5 s, register 0.5 s. Three processes on two cores rebuild in 36 s, where two (the metrics with
#: the SLA) took 47 s and (the metrics with the statistics) 57 s: one process waits on SQLite's write lock or
#: the disk while the other two compute.
GROUPS = (("sla", "register", "cadence", "plan"), ("metrics",), ("statistics",), ("search",))
#: On PostgreSQL the server takes writes from every process at once (no single write lock), and the server's
#: own processes share the two cores: two processes do best, the two models that decrypt captured text
#: (statistics and search) in one, so each item is decrypted once. Measured on 105,295 events
#: (bench/postgresql.py): four processes 11.9 s, these two: see docs/benchmarks.md.
PG_GROUPS = (("sla", "register", "cadence", "plan", "metrics"), ("statistics", "search"))
#: Below this many events to apply, one process does it all (starting another costs more).
PARALLEL_FROM = 50_000


#: Per storage backend: the read models' view classes, by model name (where their SQL lives).
VIEWS = {"sqlite": sqlite_views.views, "postgresql": postgresql_views.views}


def all_models() -> list[ReadModel]:
    return [Register(), SLA(), Cadence(), Statistics(), Metrics(), Plan(), Search()]


class ReadModels:
    """The read models of a ledger, caught up on demand."""

    def __init__(self, ledger: LedgerStore, path: Path | None = None, *, query_indexes: bool = True) -> None:
        self.ledger = ledger
        models = all_models()
        self.store = ledger.storage.read_model_store(models, views=VIEWS[ledger.storage.kind](models),
                                                     location=path, query_indexes=query_indexes)
        self.path = self.store.location  # (where the store is: another process opens the same one)
        self.runner = Runner(ledger, self.store, models)

    def catch_up(self, names: Any = None, **options: Any) -> int:
        return self.runner.catch_up(names, **options)

    def rebuild(self, names: Any = None, **options: Any) -> int:
        names = list(names or NAMES)
        self.store.drop(names)
        try:
            return self.catch_up_parallel(names, **options)
        finally:
            self.store.index(names)  # (an interrupted rebuild gets them when the store next opens)

    def catch_up_parallel(self, names: list[str], until: int | None = None, **options: Any) -> int:
        """Catch up, the independent read models in processes of their own when there is much to do.

        Each read model keeps its own position, so the processes never apply the same
        event to the same model; a process killed midway is resumed by any catch-up.
        """
        head = self.ledger.head() if until is None else until
        behind = max((head - self.store.position(n) for n in names), default=0)
        split = PG_GROUPS if self.ledger.storage.kind == "postgresql" else GROUPS
        groups = [[n for n in g if n in names] for g in split]
        groups = [g for g in groups if g]
        if behind < PARALLEL_FROM or len(groups) < 2 or (os.cpu_count() or 1) < 2:
            return self.runner.catch_up(names, until=head, **options)
        context = multiprocessing.get_context("spawn")
        with context.Pool(len(groups)) as pool:
            counts = pool.starmap(_catch_up_in_process,
                                  [(str(self.ledger.home), self.path, g, head) for g in groups])
        return max(counts)

    def status(self) -> list[dict[str, Any]]:
        head = self.ledger.head()
        return [{"name": n, "position": self.store.position(n), "head": head,
                 "behind": head - self.store.position(n)} for n in NAMES]

    def forget(self) -> None:
        """After an erasure or a disposal (its decision recorded, its keys destroyed): every model applies the
        decision (the search index purges its items) and the store leaves no old copy of what was purged."""
        self.runner.catch_up()
        self.store.compact()

    def close(self) -> None:
        self.store.close()


def _catch_up_in_process(home: str, path: Any, names: list[str], until: int) -> int:
    ledger = LedgerStore(Path(home))
    try:
        models = ReadModels(ledger, path, query_indexes=False)  # the rebuild makes them at the end
        try:
            return models.runner.catch_up(names, until=until)
        finally:
            models.close()
    finally:
        ledger.close()
