"""`demo`: the story of one account, on a temporary ledger home."""

from __future__ import annotations

from typing import Any

import click

from socialledger.cli.output import clip, short_time, table
from socialledger.core.actor import Actor
from socialledger.core.ledger import Ledger
from socialledger.demo import Story, temporary_home


def _show(what: str, ledger: Ledger, account: Any) -> None:
    if what == "register":
        table(
            None,
            ["name", "channel", "unit", "state", "owner", "deputy", "flags (R7)"],
            [(a.name, a.channel, a.unit, a.state.value, a.owner, a.deputy or "", ", ".join(a.flags()) or "none")
             for a in ledger.accounts()],
        )
    elif what == "content":
        zone = ledger.policy().zone
        rows = ledger.content(Actor.current("ingrid"), account)
        table(
            None,
            ["kind", "author", "created", "state", "versions", "text"],
            [(r["kind"], r["author_name"] or ("(the page)" if r["by_account"] else "(not given)"), short_time(r["created"], zone), r["state"],
              r["versions"], clip(r["text"], 50)) for r in rows],
        )


@click.command()
def demo() -> None:
    """Tell the ledger's story on a temporary home, with sample data."""
    ledger = Ledger(temporary_home())
    try:
        result = Story(ledger, click.echo, _show).run()
    finally:
        ledger.close()
    click.echo(
        f"\nThe demo ledger stays in {result['home']}; look around with\n"
        f"  socialledger --home {result['home']} audit log"
    )
