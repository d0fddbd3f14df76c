"""`audit ...`: the ledger's history for auditors."""

from __future__ import annotations

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import emit_json, local, plain, short_time, table


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
    table(
        "Audit log",
        ["pos", "time", "actor", "os user@host", "aggregate", "type"],
        [(e.position, short_time(e.time, zone), e.actor, f"{e.os_user}@{e.host}",
          f"{e.aggregate_type} {str(e.aggregate)[:8]}", e.type) for e in entries],
    )
