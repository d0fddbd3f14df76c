"""`demo`: the story of one account, on a temporary ledger home."""

from __future__ import annotations

import click

from socialledger.cli.output import table
from socialledger.core.ledger import Ledger
from socialledger.demo import Story, temporary_home


def _register(ledger: Ledger) -> None:
    table(
        None,
        ["name", "channel", "unit", "state", "owner", "deputy", "flags (R7)"],
        [(a.name, a.channel, a.unit, a.state.value, a.owner, a.deputy or "", ", ".join(a.flags()) or "none")
         for a in ledger.accounts()],
    )


@click.command()
def demo() -> None:
    """Tell the ledger's story on a temporary home, with sample data."""
    ledger = Ledger(temporary_home())
    try:
        result = Story(ledger, click.echo, _register).run()
    finally:
        ledger.close()
    click.echo(
        f"\nThe demo ledger stays in {result['home']}; look around with\n"
        f"  socialledger --home {result['home']} audit log"
    )
