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
from socialledger.core.indexcheck import check_index
from socialledger.core.keycheck import report_keys
from socialledger.core.receipts import public_key_pem, read_public_key, signing_key

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

    def verify(self, actor: Actor, receipts: Sequence[Receipt] = (), receipt_files: Sequence[Path] = (),
               public_key_file: Path | None = None) -> Report:
        """Recompute the hash chain and check every seal, the receipts in the receipts directory and the
        given ones (`audit verify`); then the keys against the events (`core/keycheck.py`).

        `receipt_files` are read after the role check (a refusal comes before a missing file). With
        `public_key_file`, each given receipt must be signed by that key. A ledger whose roster cannot be
        read (its stored events damaged) is verified all the same: the report names where it is broken.
        """
        try:
            require_any(self.store.roster(), actor, "verify the ledger")
        except Exception:
            # The roles are read from the events under verification: damaged (or rewritten) ones may not
            # read, or may not show the auditor's role. Then the chain says whether they were: a broken one
            # is reported (positions and what is wrong there, nothing of the content); an intact one means
            # the refusal (or the error) stands.
            report = self.store.verify()
            if report.ok:
                raise
            report.problems.insert(0, "the roles cannot be checked (the events that hold them may be among "
                                      "the damaged): the ledger is verified without a role check")
            return report
        key = read_public_key(public_key_file) if public_key_file is not None else None
        report = self.store.verify([*receipts, *(read_receipt(p) for p in receipt_files)], public_key=key)
        report_keys(self.store, report)
        if report.ok:  # (damaged events cannot say what the index should hold)
            check_index(self.store, report)
        return report

    def public_key(self, actor: Actor) -> bytes:
        """The organisation's public signing key (PEM), made with its signing key at the first seal if need be."""
        require_any(self.store.roster(), actor, "read the organisation's public key")
        key = signing_key(self.store.home)
        assert key is not None
        return public_key_pem(key)

    def seal(self, actor: Actor, purpose: str = "seal") -> Receipt:
        """Verify, then record the head of the chain as a seal; the receipt to keep elsewhere."""
        require_any(self.store.roster(), actor, "seal the ledger")
        return self.store.record_seal(actor, purpose)
