"""`archive export|verify`: half-year and final archive packages (R8, R20)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict
from uuid import UUID

from socialledger.app.authorisation import check_may_export_archive, check_may_read_archive_status
from socialledger.app.base import Service
from socialledger.archive import exports, status
from socialledger.archive.delivery import deliveries
from socialledger.archive.exports import Outcome
from socialledger.archive.status import AccountStatus
from socialledger.archive.verify import RECEIPT_SUFFIX, Report, verify
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation
from socialledger.core.domain.periods import parse as parse_period
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


    def may_read_archive_status(self, actor: Actor) -> bool:
        """Whether `actor` may read the archive status (what the web view's menu offers them)."""
        try:
            check_may_read_archive_status(self.store.roster(), actor)
        except RuleViolation:
            return False
        return True

    def archive_overview(self, actor: Actor, *, verify_package: str | None = None, via: str = "web",
                         now: datetime | None = None) -> ArchiveOverview:
        """The archivist's page (R8, R20): per account and half-year the state, items and items not delivered;
        the packages made (id, period, when, by whom, whether its receipt lies beside it); what is overdue
        (half-years ended and not delivered, supplements due, final packages due after a closure request);
        and, for `verify_package` (a package id), the offline check of that package and its receipt. The view
        is recorded (who looked at the archive status, from where)."""
        check_may_read_archive_status(self.store.roster(), actor)
        now = now or datetime.now(UTC)
        zone = self.store.policy().zone
        chosen = [a for a in self.store.accounts() if a.platform_id]
        rows = status.status(self.store, chosen, now)
        names = {str(a.id): a.name for a in chosen}
        packages: list[PackageMade] = []
        for d in deliveries(self.store):
            if str(d.account) not in names:
                continue
            where = Path(d.path)
            packages.append({"package_id": d.package_id, "account": str(d.account), "name": names[str(d.account)],
                             "period": d.scope.label, "final": d.final, "time": d.time, "by": d.actor,
                             "position": d.position, "path": d.path, "present": where.exists(),
                             "receipt": where.with_name(where.name + RECEIPT_SUFFIX).is_file()})
        overdue: list[Overdue] = []
        for a in rows:
            for p in a["periods"]:
                if p["state"] in ("due", "supplement due"):
                    ended = parse_period(p["period"]).bounds(zone)[1]
                    overdue.append({"account": a["account"], "name": a["name"], "what": p["state"],
                                    "period": p["period"], "since": ended, "days": (now - ended).days,
                                    "undelivered_items": p["undelivered_items"]})
            if a["final"]["state"] == "final due":
                account = self.store.account(a["account"])
                since = account.closure_request["time"] if account.closure_request else now
                overdue.append({"account": a["account"], "name": a["name"], "what": "final due", "period": "final",
                                "since": since, "days": (now - since).days,
                                "undelivered_items": a["final"]["undelivered_items"]})
        overdue.sort(key=lambda o: o["since"])
        checked: PackageCheck | None = None
        if verify_package is not None:
            made = [p for p in packages if p["package_id"] == verify_package]
            if not made:
                raise NotFound(f"no package {verify_package} was exported from this ledger")
            if not made[0]["present"]:
                checked = {"package_id": verify_package, "path": made[0]["path"], "ok": False,
                           "errors": [f"the package is not at {made[0]['path']} on this machine"], "warnings": []}
            else:
                report = verify(Path(made[0]["path"]))
                checked = {"package_id": verify_package, "path": made[0]["path"], "ok": report.ok(),
                           "errors": [f.line() for f in report.errors],
                           "warnings": [f.line() for f in report.warnings]}
        self._record_view(actor, "archive status", [], {"verify": verify_package} if verify_package else {}, via)
        return {"accounts": rows, "packages": packages, "overdue": overdue, "checked": checked}


class PackageMade(TypedDict):
    package_id: str
    account: str
    name: str
    period: str  # the half-year, or final
    final: bool
    time: datetime  # when it was exported
    by: str  # who exported it
    position: int  # the ledger position it covers up to
    path: str  # where it was written
    present: bool  # the package is still there (on this machine)
    receipt: bool  # its package receipt lies beside it


class Overdue(TypedDict):
    account: str
    name: str
    what: str  # due | supplement due | final due
    period: str
    since: datetime  # the half-year's end, or the closure request
    days: int
    undelivered_items: int


class PackageCheck(TypedDict):
    package_id: str
    path: str
    ok: bool
    errors: list[str]
    warnings: list[str]


class ArchiveOverview(TypedDict):
    accounts: list[AccountStatus]
    packages: list[PackageMade]
    overdue: list[Overdue]
    checked: PackageCheck | None


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
