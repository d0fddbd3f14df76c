"""What every application service shares: the ledger store and the read models derived from it."""

from __future__ import annotations

from socialledger.core.ledger import LedgerStore
from socialledger.projections import ReadModels


class Service:
    """A topic's commands and queries; `socialledger.app.Ledger` combines them over one store."""

    store: LedgerStore
    _models: ReadModels | None = None

    def read_models(self, *, catch_up: bool = True) -> ReadModels:
        """The read models (`readmodels.sqlite`), caught up with the ledger unless told not to.

        Infrastructure for the report queries (which check the role first) and for tests.
        """
        if self._models is None:
            self._models = ReadModels(self.store)
        if catch_up:
            self._models.catch_up()
        return self._models
