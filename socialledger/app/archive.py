"""`archive export|verify`: half-year and final archive packages (R8, R20)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from socialledger.app.authorisation import check_may_export_archive
from socialledger.app.base import Service
from socialledger.archive import exports
from socialledger.archive.verify import verify_package
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput


class Archives(Service):
    def export_archive(self, actor: Actor, account: str | UUID | None, period: str | None, out_dir: Path, *,
                       all_accounts: bool = False, position: int | None = None,
                       final: bool = False) -> list[Path]:
        """One package per account and period (R20), a supplementary one for what arrived later;
        `final`: a closing account's whole life (R8). The packages written ([] when nothing was new)."""
        if bool(account) == all_accounts:
            raise BadInput("give --account ID or --all-accounts")
        check_may_export_archive(self.store.roster(), actor)
        accounts = [str(account)] if account else [str(a.id) for a in self.store.accounts() if a.platform_id]
        written: list[Path] = []
        for ref in accounts:
            written.extend(exports.export(self.store, actor, ref, period, out_dir, position=position, final=final))
        return written


def verify_archive_package(package: Path) -> list[str]:
    """Check a package offline (no ledger, so no role: whoever holds a package may check it); its problems."""
    return verify_package(package)
