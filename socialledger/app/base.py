"""What every application service shares: the ledger store and the read models derived from it."""

from __future__ import annotations

from socialledger.app.authorisation import require_any
from socialledger.core.domain.actor import Actor
from socialledger.core.ledger import LedgerStore
from socialledger.projections import ReadModels


class Service:
    """A topic's commands and queries; `socialledger.app.Ledger` combines them over one store."""

    store: LedgerStore
    _models: ReadModels | None = None

    def read_models(self, actor: Actor, *, catch_up: bool = True) -> ReadModels:
        """The read models (`readmodels.sqlite`), caught up with the ledger unless told not to.

        They hold the register, the SLA of every item and the statistics: reading them needs a role (R2).
        """
        require_any(self.store.roster(), actor, "read the read models")
        return self._caught_up(catch_up=catch_up)

    def _caught_up(self, *, catch_up: bool = True) -> ReadModels:
        """The read models, for a query that has checked its role already."""
        if self._models is None:
            self._models = ReadModels(self.store)
        if catch_up:
            self._models.catch_up()
        return self._models
