"""Archive packages (R20) as the ledger records them, and R8's final export before an account closes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from socialledger.core.domain.account import Account
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.events import LedgerAggregate, ledger_id


class Archive(LedgerAggregate):
    """The packages of one account and period: the first, and any supplementary ones."""

    class HalfYearArchived(LedgerAggregate.Created):
        account: UUID
        period: str
        package_id: str
        position: int
        previous_position: int
        final: bool
        path: str
        subjects: list[UUID]

        def apply(self, archive: Archive) -> None:
            archive.packages = [package_of(self)]

    class SupplementArchived(LedgerAggregate.Event):
        account: UUID
        period: str
        package_id: str
        position: int
        previous_position: int
        final: bool
        path: str
        subjects: list[UUID]

        def apply(self, archive: Archive) -> None:
            archive.packages.append(package_of(self))

    def __init__(self) -> None:
        self.packages: list[dict[str, Any]] = []


def package_of(e: Any) -> dict[str, Any]:
    """One package as an archive event records it."""
    return {"package_id": e.package_id, "period": e.period, "position": e.position,
            "previous_position": e.previous_position, "final": e.final, "path": e.path, "actor": e.actor,
            "time": e.timestamp, "subjects": e.subjects}


def archive_id(account: UUID, period: str) -> UUID:
    return ledger_id(f"socialledger:archive:{account}:{period}")


def check_closable(account: Account, needed: int, packages: list[dict[str, Any]]) -> None:
    """R8: an account closes only after a final export covering everything up to position `needed`.

    `needed` is the position of the closure request, or (the information unit's own decision)
    the last position recorded about the account; `packages` are the account's exported packages.
    """
    if not any(p["final"] and p["position"] >= needed for p in packages):
        raise RuleViolation(
            "R8", f"{account.name} is closed only after a final archive export covering everything up to "
                  f"position {needed}; run: socialledger archive export --account {account.id} --final --out DIR")
