"""The key inventory: what the event store knows about the key store, chained with the events.

Crypto-shredding makes the key store as precious as the events: a key that is
gone reads exactly like an erasure. So the event store records, after every
ingest and every erasure or disposal decision, how many keys the key store
held and how many of them were destroyed, which key store that was (its own
random id) and a check value of the master key it is wrapped under. A key
store that is missing, empty, replaced or older than the events is then a
failed verification (it holds fewer keys, or fewer destroyed, or another id),
never a silent erasure; a master key that does not match is refused.

Which keys must exist is in the events themselves: every item and subject
with a sealed field has a key, and every erasure and disposal decision names
the keys it destroys (`core/keycheck.py` reads both).
"""

from __future__ import annotations

from socialledger.core.domain.events import LedgerAggregate, ledger_id

KEY_INVENTORY_ID = ledger_id("socialledger:key-inventory")


class KeyInventory(LedgerAggregate):
    class KeysCounted(LedgerAggregate.Created):
        store: str  # the key store's own id (random, made with it)
        check: str  # the master key's check value (hex; reveals nothing of the key)
        keys: int  # key rows in the store, destroyed ones included
        destroyed: int  # of those, destroyed

        def apply(self, inventory: KeyInventory) -> None:
            inventory.counted(self)

    class KeysCountedAgain(LedgerAggregate.Event):
        store: str
        check: str
        keys: int
        destroyed: int

        def apply(self, inventory: KeyInventory) -> None:
            inventory.counted(self)

    def __init__(self) -> None:
        self.store = ""
        self.check = ""
        self.keys = 0
        self.destroyed = 0

    def counted(self, event: KeysCounted | KeysCountedAgain) -> None:
        self.store, self.check, self.keys, self.destroyed = event.store, event.check, event.keys, event.destroyed
