"""`demo`: the story of one account, on a temporary ledger home."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click

from socialledger.app import Ledger
from socialledger.app.stores import configure_store
from socialledger.cli.output import clip, short_time, table, when
from socialledger.cli.reports import fmt
from socialledger.core.domain.actor import Actor
from socialledger.core.storage.config import STORE_ENV
from socialledger.demo import SAMPLE_PAGES, Story, temporary_home, write_samples


def _show(what: str, ledger: Ledger, account: Any) -> None:
    ingrid = Actor.current("ingrid")  # the information unit reads the demo's tables
    if what == "register":
        table(
            None,
            ["name", "channel", "unit", "state", "owner", "deputy", "flags (R7)"],
            [(a["name"], a["channel"], a["unit"], a["state"], a["owner"], a["deputy"] or "",
              ", ".join(a["flags"]) or "none") for a in ledger.list_accounts(ingrid)],
        )
    elif what == "sla":
        status = ledger.sla_status(ingrid, account)
        zone = status.zone
        table(None, ["kind", "author", "text", "received", "due", "first response", "state"],
              [(r["kind"], _author(r), "(erased)" if r["erased"] else clip(r["excerpt"], 30), when(r["received"], zone),
                when(r["due"], zone), when(r["first_response"], zone), r["state"]) for r in status.rows])
    elif what == "stats":
        rows = []
        for f in ledger.stats(ingrid, account):
            rows.append((f["name"], *(fmt(f[k]) for k in ("posts", "comments", "questions", "reactions", "shares",
                                                          "reach", "followers")),
                         _hours(f["response"]["median_seconds"])))
        table(None, ["account", "posts", "comments", "questions", "reactions", "shares", "reach", "followers",
                     "median response"], rows)
    elif what == "content":
        zone = ledger.policy().zone
        rows = ledger.content(ingrid, account)
        table(
            None,
            ["kind", "author", "created", "state", "versions", "text"],
            [(r["kind"], _author(r), short_time(r["created"], zone), r["state"], r["versions"], clip(r["text"], 50))
             for r in rows],
        )


def _author(row: dict[str, Any]) -> str:
    if row.get("author_name"):
        return row["author_name"]
    if row.get("author"):
        return "erased"
    return "(the account)" if row.get("by_account") else "(not given)"


def _hours(seconds: float | None) -> str:
    return f"{seconds / 3600:.1f} h" if seconds is not None else ""


@click.command()
@click.option("--store", metavar="URL",
              help="Tell it on a PostgreSQL server, postgresql://USER@HOST:PORT/DB, in a new organisation "
                   "demo_<random> (else SOCIALLEDGER_STORE, else SQLite in the temporary home).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Only write the bundled sample data here, a folder per channel, to ingest yourself.")
def demo(store: str | None, data_dir: Path | None) -> None:
    """Tell the ledger's story on a temporary home, with sample data (or, with --data-dir, write the samples)."""
    if data_dir is not None:
        for channel, folder in write_samples(data_dir).items():
            click.echo(f"{channel}: {folder} (the page {SAMPLE_PAGES[channel]}): "
                       f"socialledger ingest {channel} {folder} --account ID")
        return
    home = temporary_home()
    store = store or os.environ.get(STORE_ENV) or None
    config = None
    if store and store != "sqlite":
        config = configure_store(home, store, f"demo_{secrets.token_hex(4)}")
        click.echo(f"The demo's store: {config.describe()}.")
    ledger = Ledger(home, config=config)
    try:
        result = Story(ledger, click.echo, _show).run()
    finally:
        ledger.close()
    click.echo(
        f"\nThe demo ledger stays in {result['home']}; look around with\n"
        f"  socialledger --home {result['home']} --as astrid audit log"
    )
