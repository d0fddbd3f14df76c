"""`archive export|verify` and `case register|list` (R20, R21)."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.app.archive import check_archive_package
from socialledger.archive.verify import DEFAULT_PROFILE, PROFILES
from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done, emit_json, plain, short_ids, table, when
from socialledger.core.domain.errors import BadInput, VerificationFailed


@click.group("archive")
def archive_group() -> None:
    """Half-year archive packages (E-ARK SIP) and their offline verification."""


@archive_group.command("export")
@common_options
@click.option("--account", "account_id", help="The account (or --all-accounts).")
@click.option("--all-accounts", is_flag=True, help="Every account with a platform id.")
@click.option("--period", help="2026H1 (or any period form).")
@click.option("--final", is_flag=True,
              help="The final package of a closing account: everything no package delivered (R8).")
@click.option("--position", type=int, help="Cut at this ledger position (default: everything recorded).")
@click.option("--allow-empty", is_flag=True, help="Write a package even for a period without items.")
@click.option("--container", type=click.Choice(["folder", "zip", "tar"]), default="folder", show_default=True,
              help="Write the package as a folder, or as one zip or tar file with its SHA-256 beside it.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@json_option
def archive_export(account_id: str | None, all_accounts: bool, period: str | None, final: bool,
                   position: int | None, allow_empty: bool, container: str, out_dir: Path, as_json: bool) -> None:
    """Write one package per account and period; a supplementary one for what arrived later."""
    s = session()
    outcomes = s.ledger().export_archive_outcomes(s.actor, account_id, period, out_dir, all_accounts=all_accounts,
                                                  position=position, final=final, allow_empty=allow_empty,
                                                  container=container)
    if as_json:
        emit_json({"packages": [str(o.path) for o in outcomes if o.path is not None],
                   "skipped": [{"account": str(o.account), "name": o.name, "period": o.period, "reason": o.reason}
                               for o in outcomes if o.path is None]})
        return
    for o in outcomes:
        if o.path is not None:
            click.echo(f"Package written: {o.path} ({o.name}, {o.period}: {_count(o.items, 'new item')}, "
                       f"{_count(o.events, 'event')})")
        else:
            click.echo(f"{o.reason[0].upper()}{o.reason[1:]}." if o.reason else "No package written.")


@archive_group.command("status")
@common_options
@click.option("--account", "account_id", help="One account (default: every account with a platform id).")
@json_option
def archive_status(account_id: str | None, as_json: bool) -> None:
    """Per account and half-year: due, delivered, supplement due; and a final package due at closure (R8, R20)."""
    s = session()
    ledger = s.ledger()
    rows = plain(ledger.archive_status(s.actor, account_id), ledger.policy().zone)
    if as_json:
        emit_json({"accounts": rows})
        return
    if not rows:
        click.echo("No account with a platform id: nothing to archive yet.")
        return
    lines = []
    for a in rows:
        for p in a["periods"]:
            state = p["state"] + (f" ({_count(p['undelivered_items'], 'item')})"
                                  if p["state"] in ("due", "supplement due") else "")
            last = p["packages"][-1] if p["packages"] else None
            lines.append((a["name"], a["channel"], p["period"], state, p["items"],
                          last["package_id"].removeprefix("urn:uuid:") if last else "",
                          last["position"] if last else "", (last["date"] or "")[:10] if last else ""))
        final = a["final"]
        if final["state"] != "not requested":
            last = final["packages"][-1] if final["packages"] else None
            state = final["state"] + (f" ({_count(final['undelivered_items'], 'item')})"
                                      if final["state"] == "final due" else "")
            lines.append((a["name"], a["channel"], "final", state, "",
                          last["package_id"].removeprefix("urn:uuid:") if last else "",
                          last["position"] if last else "", (last["date"] or "")[:10] if last else ""))
    table("Archive status", ["account", "channel", "period", "state", "items", "package", "position", "date"], lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@archive_group.command("verify")
@common_options
@click.argument("package", type=click.Path(path_type=Path))
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True,
              type=click.Choice(sorted(PROFILES)),
              help="The requirements: socialledger (SIP 2.1.0 and the delivery rules), e-ark-sip-2.1.0, "
                   "e-ark-csip-2.1.0.")
@click.option("--strict", is_flag=True, help="Fail on warnings (SHOULD requirements) too.")
@click.option("--receipt", type=click.Path(dir_okay=False, path_type=Path),
              help="The package's receipt (else PACKAGE.receipt.json beside it): the root METS.xml's checksum.")
@click.option("--public-key", "public_key", type=click.Path(dir_okay=False, path_type=Path),
              help="The organisation's public key (PEM): the receipt must be signed by it.")
@json_option
def archive_verify(package: Path, profile_name: str, strict: bool, receipt: Path | None, public_key: Path | None,
                   as_json: bool) -> None:
    """Check a package folder, or its zip or tar container, offline: the CSIP and SIP requirements, the METS,
    PREMIS and Dublin Core schemas, every checksum and size, no missing or extra file, PDF/A."""
    if not package.exists():  # a missing package is bad input (exit 4), not a failed verification
        raise BadInput(f"{package}: no such package (a package folder, or its .zip or .tar container)")
    report = check_archive_package(package, profile_name, receipt=receipt, public_key=public_key)
    ok = report.ok(strict=strict)
    if as_json:
        emit_json(report.as_dict() | {"ok": ok, "strict": strict})
    else:
        for f in report.findings:
            click.echo(f"{f.severity}: {f.line()}", err=not ok)
        if not report.findings:
            click.echo(f"{package}: conforms to {profile_name}; every file is present, listed and intact.")
        elif ok:
            click.echo(f"{package}: conforms to {profile_name}, with {len(report.warnings)} warning(s).")
    if not ok:
        failure = VerificationFailed(f"{package}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
                                     + (" (--strict)" if strict and not report.errors else ""))
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
        short = short_ids(r["item"] for r in rows)
        table("Cases", ["diary number", "system", "item", "native id", "kind", "by", "time"],
              [(r["diary_number"], r["system"], short[r["item"]], r["native_id"], r["kind"], r["actor"],
                when(r["time"])) for r in rows],
              empty="No cases registered.")
