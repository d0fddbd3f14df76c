"""`report`: the interim report as a PDF with charts, and as a workbook."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done


@click.command("report")
@common_options
@click.option("--period", required=True, help="2026Q1, 2026H1, 2026-03, 2026-W12, 2026-01-01..2026-04-30, 2026")
@click.option("--account", "account_id", help="Only this account.")
@click.option("--unit", help="The accounts of this unit.")
@click.option("--all", "all_accounts", is_flag=True, help="Every account with a platform id (the default).")
@click.option("--out", "pdf", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write.")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), help="The workbook to write (one sheet per "
              "table).")
@json_option
def report(period: str, account_id: str | None, unit: str | None, all_accounts: bool, pdf: Path | None,
           xlsx: Path | None, as_json: bool) -> None:
    """The interim report: statistics against the previous period and the baseline, engagement, best hours,
    top posts, response times, cadence, planned against published."""
    if all_accounts and (account_id or unit):
        raise click.UsageError("--all takes every account: leave out --account and --unit")
    s = session()
    written = s.ledger().write_report(s.actor, period, account_id, unit, pdf=pdf, xlsx=xlsx)
    parts = []
    if pdf:
        parts.append(f"{pdf} ({written['pages']} pages)")
    if xlsx:
        parts.append(f"{xlsx} ({len(written['sheets'])} sheets)")
    count = written["accounts"]
    done(f"Interim report {written['period']} of {count} account{'' if count == 1 else 's'}: {' and '.join(parts)}.",
         **written)
