"""Read models derived from the ledger: the register, the SLA, cadence and statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialledger.core.home import create_private_file
from socialledger.projections.base import READ_MODELS_FILE, ReadModel, ReadModelStore, Runner
from socialledger.projections.cadence import Cadence
from socialledger.projections.register import Register
from socialledger.projections.sla import SLA
from socialledger.projections.statistics import Statistics

NAMES = ("register", "sla", "cadence", "statistics")


def all_models() -> list[ReadModel]:
    return [Register(), SLA(), Cadence(), Statistics()]


class ReadModels:
    """The read models of a ledger, caught up on demand."""

    def __init__(self, ledger: Any, path: Path | None = None) -> None:
        self.ledger = ledger
        self.path = path or ledger.home / READ_MODELS_FILE
        create_private_file(self.path)
        self.store = ReadModelStore(self.path, all_models())
        self.runner = Runner(ledger, self.store)

    def catch_up(self, names: Any = None, **options: Any) -> int:
        return self.runner.catch_up(names, **options)

    def rebuild(self, names: Any = None, **options: Any) -> int:
        names = list(names or NAMES)
        self.store.drop(names)
        return self.runner.catch_up(names, **options)

    def status(self) -> list[dict[str, Any]]:
        head = self.ledger.head()
        return [{"name": n, "position": self.store.position(n), "head": head,
                 "behind": head - self.store.position(n)} for n in NAMES]

    def close(self) -> None:
        self.store.close()
