"""`audit log|verify|seal`: the ledger's history and its integrity, for auditors (R2)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from socialledger.app.authorisation import require_any
from socialledger.app.base import Service
from socialledger.core.audit import Receipt, Report, read_receipt
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.events import event_type

_BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "os_user", "host"}


@attrs.frozen
class LogEntry:
    """One stored event as the audit log shows it."""

    position: int
    time: datetime
    actor: str
    os_user: str
    host: str
    aggregate: UUID
    aggregate_type: str
    type: str
    version: int
    details: dict[str, Any]


class Audit(Service):
    def audit_log(self, actor: Actor, account: str | UUID | None = None) -> Iterator[LogEntry]:
        """Every event in ledger order (of one account): position, time, actor, aggregate, type, details."""
        require_any(self.store.roster(), actor, "read the audit log")  # now, not at the first entry
        only = self._account(account).id if account else None
        return self._entries(only)

    def _entries(self, only: UUID | None) -> Iterator[LogEntry]:
        for n in self.store.notifications():
            if only is not None and n.originator_id != only:
                continue
            event = self.store.mapper.to_domain_event(n)
            agg_type, etype = event_type(n.topic)
            state = vars(event)
            yield LogEntry(
                position=n.id,
                time=event.timestamp,
                actor=state.get("actor", ""),
                os_user=state.get("os_user", ""),
                host=state.get("host", ""),
                aggregate=n.originator_id,
                aggregate_type=agg_type,
                type=etype,
                version=n.originator_version,
                details={k: v for k, v in state.items() if k not in _BASE_FIELDS},
            )

    def verify(self, actor: Actor, receipts: Sequence[Receipt] = (), receipt_files: Sequence[Path] = ()) -> Report:
        """Recompute the hash chain and check every seal and the given receipts (`audit verify`).

        `receipt_files` are read after the role check (a refusal comes before a missing file).
        """
        require_any(self.store.roster(), actor, "verify the ledger")
        return self.store.verify([*receipts, *(read_receipt(p) for p in receipt_files)])

    def seal(self, actor: Actor, purpose: str = "seal") -> Receipt:
        """Verify, then record the head of the chain as a seal; the receipt to keep elsewhere."""
        require_any(self.store.roster(), actor, "seal the ledger")
        return self.store.record_seal(actor, purpose)
