"""What every application service shares: the ledger store and the read models derived from it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from socialledger.app.authorisation import require_any
from socialledger.app.ids import Ids
from socialledger.core.domain.access import AccessRecord
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.ledger import LedgerStore
from socialledger.projections import ReadModels


class Service:
    """A topic's commands and queries; `socialledger.app.Ledger` combines them over one store."""

    store: LedgerStore
    _models: ReadModels | None = None

    @property
    def ids(self) -> Ids:
        """Ids a person can type (`app/ids.py`): short forms and namespaced platform ids."""
        return Ids(self.store)

    def _account(self, given: str | UUID) -> Account:
        """The account a caller named (any form `Ids` takes); NotFound (exit 3) when there is none."""
        return self.ids.account(given)

    def _item(self, given: str | UUID) -> ContentItem:
        """The captured item a caller named (any form `Ids` takes); NotFound (exit 3) when there is none."""
        return self.ids.item(given)

    def short_ids(self, actor: Actor, ids: list[str]) -> dict[str, str]:
        """Full id -> the short form a table shows (which ids exist is the ledger's: it needs a role, R2)."""
        require_any(self.store.roster(), actor, "read ledger ids")
        return self.ids.short(ids)

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

    def record_view(self, actor: Actor, what: str, items: list[UUID], asked: dict[str, Any], via: str) -> None:
        """A page that showed items' personal data from several queries (the web view's overview) records so."""
        require_any(self.store.roster(), actor, "view personal data")
        if items:
            self._record_view(actor, what, items, asked, via)

    def _record_view(self, actor: Actor, what: str, items: list[UUID], asked: dict[str, Any], via: str) -> None:
        """A view of personal data, for auditors: who viewed which items, how, and (sealed) what they asked."""
        record = AccessRecord._create(AccessRecord.PersonalDataViewed, id=uuid4(), what=what, via=via,
                                      items=items, asked=asked, **actor.stamp())
        self.store.save(record)
