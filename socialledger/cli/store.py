"""`store copy`: move the ledger to another store (SQLite to PostgreSQL), verified."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done


@click.group("store")
def store_group() -> None:
    """Where the ledger is kept (docs/operations.md)."""


@store_group.command("copy")
@common_options
@json_option
@click.option("--to", "to", required=True, metavar="URL", help="The PostgreSQL store: postgresql://USER@HOST:PORT/DB.")
@click.option("--org", "org", required=True, metavar="NAME", help="The organisation (its schema) to copy into.")
@click.option("--switch", is_flag=True, help="Once the copy verifies, make this home use it.")
def store_copy(to: str, org: str, switch: bool, as_json: bool) -> None:
    """Copy this ledger into an organisation's empty schema on a PostgreSQL server; verify the copy and compare
    every read model with this one's."""
    s = session()
    result = s.ledger().copy_store(s.actor, to, org, switch=switch)
    then = " This home now uses it." if switch else " This home still uses its store (--switch to move)."
    done(f"Copied {result['events']} events (head {result['head']}), {result['index_rows']} index rows and "
         f"{result['keys']} keys to {result['store']}: the copy verifies and its "
         f"{len(result['read_models'])} read models match.{then}", **result)


@store_group.command("backup")
@common_options
@json_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty directory for the copies.")
def store_backup(out: Path, as_json: bool) -> None:
    """Copy the event store and the key store together, at one moment (SQLite), with a manifest; keep the
    master key and the signing key apart from it (docs/operations.md)."""
    s = session()
    result = s.ledger().backup(s.actor, out)
    done(f"Backed up the ledger up to position {result['head']} and its {result['keys']} keys "
         f"({result['destroyed']} destroyed) into {result['out']}; master key check value "
         f"{result['master_key_check']}.", **result)
