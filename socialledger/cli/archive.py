"""`archive export|verify` and `case register|list` (R20, R21)."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.app.archive import verify_archive_package
from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done, emit_json, plain, table
from socialledger.core.domain.errors import VerificationFailed


@click.group("archive")
def archive_group() -> None:
    """Half-year archive packages (E-ARK SIP) and their offline verification."""


@archive_group.command("export")
@common_options
@click.option("--account", "account_id", help="The account (or --all-accounts).")
@click.option("--all-accounts", is_flag=True, help="Every account with a platform id.")
@click.option("--period", help="2026H1 (or any period form).")
@click.option("--final", is_flag=True, help="The final package of a closing account: its whole life (R8).")
@click.option("--position", type=int, help="Cut at this ledger position (default: everything recorded).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@json_option
def archive_export(account_id: str | None, all_accounts: bool, period: str | None, final: bool,
                   position: int | None, out_dir: Path, as_json: bool) -> None:
    """Write one package per account and period; a supplementary one for what arrived later."""
    s = session()
    written = s.ledger().export_archive(s.actor, account_id, period, out_dir, all_accounts=all_accounts,
                                        position=position, final=final)
    if as_json:
        emit_json({"packages": [str(p) for p in written]})
    elif written:
        for p in written:
            click.echo(f"Package written: {p}")
    else:
        click.echo("Nothing new since the last package of this period; no package written.")


@archive_group.command("verify")
@common_options
@click.argument("package", type=click.Path(exists=True, file_okay=False, path_type=Path))
@json_option
def archive_verify(package: Path, as_json: bool) -> None:
    """Check a package offline: structure, every checksum and size, no missing or extra file, PDF/A."""
    problems = verify_archive_package(package)
    if as_json:
        emit_json({"package": str(package), "ok": not problems, "problems": problems})
    elif not problems:
        click.echo(f"{package}: every file is present, listed and intact.")
    else:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
    if problems:
        failure = VerificationFailed(f"{package}: {len(problems)} problem(s)")
        failure.reported = as_json  # type: ignore[attr-defined]
        raise failure


@click.group("case")
def case_group() -> None:
    """Items registered as cases in the case management system (R21)."""


@case_group.command("register")
@common_options
@click.argument("item_id", metavar="ITEM")
@click.option("--diary-number", required=True, help="The case's diary number (diarienummer).")
@click.option("--system", help="The case management system.")
@json_option
def case_register(item_id: str, diary_number: str, system: str | None, as_json: bool) -> None:
    """Link ITEM to its case."""
    s = session()
    s.ledger().register_case(s.actor, item_id, diary_number, system)
    done(f"Item {item_id} registered in case {diary_number}.", item=item_id, diary_number=diary_number,
         system=system)


@case_group.command("list")
@common_options
@click.option("--diary-number", help="The items of this case.")
@click.option("--item", "item_id", help="The cases of this item.")
@json_option
def case_list(diary_number: str | None, item_id: str | None, as_json: bool) -> None:
    """Case registrations, from the case to the items and from an item to its cases."""
    s = session()
    ledger = s.ledger()
    rows = [plain(r, ledger.policy().zone) for r in ledger.cases(s.actor, diary_number, item_id)]
    if as_json:
        emit_json(rows)
    else:
        table("Cases", ["diary number", "system", "item", "native id", "kind", "by", "time"],
              [(r["diary_number"], r["system"] or "", r["item"][:8], r["native_id"] or "", r["kind"], r["actor"],
                r["time"]) for r in rows])
