"""The seals of the ledger: heads of the hash chain it has recorded, each also written out as a receipt."""

from __future__ import annotations

from socialledger.core.domain.events import LedgerAggregate, ledger_id

SEALS_ID = ledger_id("socialledger:seals")


class Seals(LedgerAggregate):
    """The heads of the chain the ledger has sealed, each also written out as a receipt."""

    class SealRecorded(LedgerAggregate.Created):
        position: int
        hash: str
        purpose: str

        def apply(self, seals: Seals) -> None:
            seals.count = 1
            seals.last_position = self.position

    class SealAdded(LedgerAggregate.Event):
        position: int
        hash: str
        purpose: str

        def apply(self, seals: Seals) -> None:
            seals.count += 1
            seals.last_position = self.position

    def __init__(self) -> None:
        self.count = 0
        self.last_position = 0
