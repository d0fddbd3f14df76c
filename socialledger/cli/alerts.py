"""`alerts run`: mail the owners and deputies about items nearing their due time and at breach."""

from __future__ import annotations

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import emit_json, plain, short_time, table


@click.group("alerts")
def alerts_group() -> None:
    """Alerts before an SLA breach (R12), by e-mail to the account's owner and deputy."""


@alerts_group.command("run")
@common_options
@click.option("--dry-run", is_flag=True, help="Say what would be mailed; send and record nothing.")
@json_option
def alerts_run(dry_run: bool, as_json: bool) -> None:
    """Mail each item that is due soon or breached, once per item and threshold (run it from cron)."""
    s = session()
    ledger = s.ledger()
    run = ledger.run_alerts(s.actor, dry_run=dry_run)
    zone = ledger.policy().zone
    if as_json:
        emit_json(plain(run, zone))
        return
    verb = "would be mailed" if dry_run else "mailed"
    if run["sent"]:
        table(f"Alerts {verb}", ["account", "threshold", "due", "to", "item"],
              [(a["name"], a["threshold"], short_time(a["due"], zone),
                ", ".join(a["recipients"]) + "".join(f" (no address: {u})" for u in a["without_address"]),
                a["item"]) for a in run["sent"]])
    for u in run["unsent"]:
        click.echo(f"not sent: {u['item']} ({u['threshold']}): {u['reason']}")
    click.echo(f"{run['checked']} open or breached items checked; {len(run['sent'])} alerts {verb}, "
               f"{run['already_sent']} sent before, {len(run['unsent'])} not sent.")
