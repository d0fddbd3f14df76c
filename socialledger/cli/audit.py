"""`audit ...`: the ledger's history for auditors."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.integrity import replay
from socialledger.cli.output import count, emit_json, local, plain, short_ids, short_time, table
from socialledger.core.domain.errors import VerificationFailed


@click.group()
def audit() -> None:
    """Read the history of the ledger."""


@audit.command("log")
@common_options
@click.option("--account", "account_id", help="Only the events of this account.")
@json_option
def log(account_id: str | None, as_json: bool) -> None:
    """Every event in ledger order: position, time, actor, aggregate, type."""
    s = session()
    ledger = s.ledger()
    zone = ledger.policy().zone
    entries = ledger.audit_log(s.actor, account_id)
    if as_json:
        emit_json([
            {
                "position": e.position,
                "time": local(e.time, zone),
                "actor": e.actor,
                "os_user": e.os_user,
                "host": e.host,
                "aggregate": str(e.aggregate),
                "aggregate_type": e.aggregate_type,
                "type": e.type,
                "version": e.version,
                "details": plain(e.details, zone),
            }
            for e in entries
        ])
        return
    entries = list(entries)
    short = short_ids(e.aggregate for e in entries)
    table(
        "Audit log",
        ["pos", "time", "actor", "os user@host", "aggregate", "type"],
        [(e.position, short_time(e.time, zone), e.actor, f"{e.os_user}@{e.host}",
          f"{e.aggregate_type} {short[str(e.aggregate)]}", e.type) for e in entries],
        empty="No events" + (" of this account." if account_id else "."),
    )


@audit.command("verify")
@common_options
@click.option("--seal", "seals", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A seal receipt to check the ledger against (repeatable).")
@click.option("--public-key", "public_key", type=click.Path(dir_okay=False, path_type=Path),
              help="The organisation's public key (PEM, from 'audit public-key'): each --seal receipt must be "
                   "signed by it. Needs no secret of the ledger.")
@json_option
def verify(seals: tuple[Path, ...], public_key: Path | None, as_json: bool) -> None:
    """Recompute the hash chain; check every recorded seal, the receipts in the receipts directory and the
    given ones, and the keys against the events. Exit 5 when broken."""
    s = session()
    report = s.ledger(check_keys=False).verify(s.actor, receipt_files=seals, public_key_file=public_key)
    if as_json:
        emit_json(report.as_dict())
    elif report.ok:
        keys = (f"; {count(report.keys, 'key')} as the events say"
                if report.keys is not None else "; keys not checked (no master key here)")
        click.echo(f"The ledger verifies: {count(report.events, 'event')} chained up to position {report.head}, "
                   f"{count(report.seals, 'recorded seal')} and {count(report.receipts, 'receipt')} match"
                   f"{keys}.")
    if not report.ok:
        if not as_json:
            for problem in report.problems:
                click.echo(f"broken: {problem}", err=True)
        failure = VerificationFailed(f"the ledger is broken from position {report.first_broken_position}")
        failure.reported = as_json  # type: ignore[attr-defined]
        raise failure


@audit.command("seal")
@common_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the receipt here (keep it outside the ledger home).")
@json_option
def seal(out: Path | None, as_json: bool) -> None:
    """Record the head of the chain (position, hash, time) and write it as a receipt."""
    s = session()
    receipt = s.ledger().seal(s.actor)
    data = receipt.encode()
    if out is not None:
        out.write_bytes(data)
    if as_json or out is None:
        click.echo(data.decode(), nl=False)
    else:
        click.echo(f"Sealed position {receipt.position} ({receipt.hash[:16]}…); receipt written to {out}.")


@audit.command("public-key")
@common_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the key here (PEM).")
def public_key_command(out: Path | None) -> None:
    """The organisation's public signing key (PEM): give it to whoever checks receipts and packages."""
    s = session()
    pem = s.ledger().public_key(s.actor)
    if out is None:
        click.echo(pem.decode("ascii"), nl=False)
    else:
        out.write_bytes(pem)
        click.echo(f"Public key written to {out}.")


audit.add_command(replay)  # `audit replay`: the command is written with the other integrity commands
