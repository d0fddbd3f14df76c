"""`archive export|verify`: half-year and final archive packages (R8, R20)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from socialledger.app.authorisation import check_may_export_archive, check_may_read_archive_status
from socialledger.app.base import Service
from socialledger.archive import exports, status
from socialledger.archive.exports import Outcome
from socialledger.archive.status import AccountStatus
from socialledger.archive.verify import Report, verify
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.policy import PLACEHOLDER_CODE, Policy


class Archives(Service):
    def export_archive(self, actor: Actor, account: str | UUID | None, period: str | None, out_dir: Path, *,
                       all_accounts: bool = False, position: int | None = None, final: bool = False,
                       allow_empty: bool = False, container: str | None = None) -> list[Path]:
        """One package per account and period (R20), a supplementary one for what arrived later;
        `final`: everything of a closing account that no package delivered (R8). The packages written
        ([] when nothing was new, or the period has no items and `allow_empty` is not given)."""
        outcomes = self.export_archive_outcomes(actor, account, period, out_dir, all_accounts=all_accounts,
                                                position=position, final=final, allow_empty=allow_empty,
                                                container=container)
        return [o.path for o in outcomes if o.path is not None]

    def export_archive_outcomes(self, actor: Actor, account: str | UUID | None, period: str | None, out_dir: Path,
                                *, all_accounts: bool = False, position: int | None = None, final: bool = False,
                                allow_empty: bool = False, container: str | None = None) -> list[Outcome]:
        """As `export_archive`, with what happened for each account: the package, or why none was written."""
        if bool(account) == all_accounts:
            raise BadInput("give --account ID or --all-accounts")
        check_may_export_archive(self.store.roster(), actor)
        check_identified(self.store.policy())
        accounts = ([str(self._account(account).id)] if account
                    else [str(a.id) for a in self.store.accounts() if a.platform_id])
        return [exports.export(self.store, actor, ref, period, out_dir, position=position, final=final,
                               allow_empty=allow_empty, container=container) for ref in accounts]

    def archive_status(self, actor: Actor, account: str | UUID | None = None) -> list[AccountStatus]:
        """Per account and half-year: due, delivered, supplement due, and whether a final package is due (R8, R20)."""
        check_may_read_archive_status(self.store.roster(), actor)
        chosen = [self._account(account)] if account else [a for a in self.store.accounts() if a.platform_id]
        return status.status(self.store, chosen)


def check_identified(policy: Policy) -> None:
    """R20: a package names the real organisation, never the shipped placeholder code."""
    if not policy.organisation.identified:
        shown = policy.organisation.code or "empty"
        raise RuleViolation(
            "R20", f"the organisation's identification code is {'the shipped placeholder ' if shown == PLACEHOLDER_CODE else ''}"
                   f"{shown}, and a package must name the real organisation: the information unit sets it with "
                   f"'socialledger policy set FILE' where FILE has [organisation] code = \"SE2120001234\" "
                   f"(the organisation number), or at init with --organisation-code")


def verify_archive_package(package: Path) -> list[str]:
    """Check a package offline (no ledger, so no role: whoever holds a package may check it); its errors, one
    line each, under socialledger's delivery profile."""
    return [f.line() for f in verify(package).errors]


def check_archive_package(package: Path, profile: str | None = None, *, receipt: Path | None = None,
                          public_key: Path | None = None) -> Report:
    """Check a package folder or container offline (no ledger, so no role: whoever holds a package may check
    it) against `profile` (default: socialledger's delivery profile) and its package receipt (`receipt`, else
    the one beside it; signed by `public_key` when given); every finding, warnings too."""
    if profile:
        return verify(package, profile, receipt=receipt, public_key=public_key)
    return verify(package, receipt=receipt, public_key=public_key)
