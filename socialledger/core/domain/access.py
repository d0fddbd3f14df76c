"""Who viewed personal data: one event per page or command that showed it, for auditors.

A view names the user, what was shown (a search, a thread, a request) and the
items shown; what the user typed (a query can be a person's name) is sealed with
the view's own key, like every other person's words in the ledger.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from socialledger.core.domain.events import LedgerAggregate


class AccessRecord(LedgerAggregate):
    class PersonalDataViewed(LedgerAggregate.Created):
        sealed_fields = ("asked",)
        what: str  # "search" | "thread" | "item" | "request" | "release"
        via: str  # "cli" | "web"
        items: list[UUID]
        asked: Any  # sealed: the query or filters as given

        def apply(self, record: AccessRecord) -> None:
            record.what = self.what
            record.items = list(self.items)

    what: str
    items: list[UUID]
