"""The `socialledger` command: `socialledger <noun> <verb>`, thin over the library API.

Commands are loaded when they are used: `COMMANDS` names each top-level command's module, the object in it,
and its one-line help (what `socialledger --help` lists without importing any of them). A command's module,
and what it needs (the application, rich, the web server...), is imported only when that command runs or
shows its own help, so that a command's start-up costs what it uses (docs/benchmarks.md, "CLI start-up").
tests/test_cli_startup.py checks the table against the commands themselves.
"""

from __future__ import annotations

import click

from socialledger.cli.app import LazyLedgerGroup, common_options

#: name -> (module under socialledger.cli, the command in it, its short help as `socialledger --help` lists it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("organisation", "init", ("Create the ledger (in the home, or in an organisation's schema on a "
                                      "PostgreSQL server) and its first information-unit member.")),
    "policy": ("organisation", "policy", "Show the policy in force or record a new one."),
    "role": ("organisation", "role", "Grant, revoke and list roles (R1, R2)."),
    "account": ("account", "account", "Apply for, approve, link, change and close accounts."),
    "audit": ("audit", "audit", "Read the history of the ledger."),
    "ingest": ("capture", "ingest", "Capture CHANNEL data from PATH (a file, a directory or a ZIP) into an account."),
    "content": ("capture", "content", "List and show captured posts, comments and replies."),
    "plugins": ("capture", "plugins", "The plugins and the channels they provide."),
    "sla": ("reports", "sla_group", "The 24-hour answer SLA (R12-R17)."),
    "cadence": ("reports", "cadence_group", "Posting cadence (R9-R11)."),
    "stats": ("reports", "stats", ("Statistics per account and period: posts, comments, reactions, reach, "
                                   "followers, response times...")),
    "projections": ("reports", "projections_group", "The read models: their positions, and rebuilding them."),
    "plan": ("planning", "plan_group", ("The publication calendar: planned posts, checks before publishing, an "
                                        "iCalendar feed.")),
    "alerts": ("alerts", "alerts_group", ("Alerts before an SLA breach (R12), by e-mail to the account's owner and "
                                          "deputy.")),
    "report": ("interim", "report", ("The interim report: statistics against the previous period and the baseline, "
                                     "engagement, best hours, top posts, response times, cadence, planned against "
                                     "published.")),
    "gdpr": ("integrity", "gdpr_group", "A data subject's access and erasure (R23)."),
    "retention": ("integrity", "retention_group", "Disposal under the retention rules of the policy (R22)."),
    "hold": ("integrity", "hold_group", ("Legal holds: an account or item that no disposal may touch until the hold "
                                         "is released (R22, R23).")),
    "archive": ("archive", "archive_group", ("Half-year archive packages (E-ARK SIP) and their offline "
                                             "verification.")),
    "case": ("archive", "case_group", "Items registered as cases in the case management system (R21)."),
    "demo": ("demo", "demo", ("Tell the ledger's story on a temporary home, with sample data (or, with --data-dir, "
                              "write the samples).")),
    "store": ("store", "store_group", "Where the ledger is kept (docs/operations.md)."),
    "serve": ("service", "serve", ("Run the capture service: webhooks per channel, the inbox, the worker, /health "
                                   "and /metrics.")),
    "poll": ("service", "poll", ("Fetch an account's recent content from its platform's API, ingest it and "
                                 "reconcile (see docs/service.md).")),
    "search": ("search", "search_group", ("Full-text search over every captured item and version, Swedish and "
                                          "Danish words in any inflected form.")),
    "request": ("requests", "request_group", ("Records requests (utlämnande av allmän handling; aktindsigt): find, "
                                              "decide per item, release.")),
    "web": ("web", "web_group", ("Serve the read-only web view (search, threads, records requests, dashboards) "
                                 "until interrupted.")),
}


@click.group(cls=LazyLedgerGroup, lazy=COMMANDS, package=__name__,
             context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="socialledger")
def main() -> None:
    """socialledger: the ledger of an organisation's social media accounts."""


__all__ = ["COMMANDS", "main"]
