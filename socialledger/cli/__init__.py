"""The `socialledger` command: `socialledger <noun> <verb>`, thin over the library API."""

from __future__ import annotations

import click

from socialledger.cli import (
    account,
    alerts,
    archive,
    audit,
    capture,
    demo,
    integrity,
    interim,
    organisation,
    planning,
    reports,
    requests,
    search,
    service,
    store,
    web,
)
from socialledger.cli.app import LedgerGroup, common_options


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(package_name="socialledger")
def main() -> None:
    """socialledger: the ledger of an organisation's social media accounts."""


main.add_command(organisation.init)
main.add_command(organisation.policy)
main.add_command(organisation.role)
main.add_command(account.account)
main.add_command(audit.audit)
main.add_command(capture.ingest)
main.add_command(capture.content)
main.add_command(capture.plugins)
main.add_command(reports.sla_group)
main.add_command(reports.cadence_group)
main.add_command(reports.stats)
main.add_command(reports.projections_group)
main.add_command(planning.plan_group)
main.add_command(alerts.alerts_group)
main.add_command(interim.report)
audit.audit.add_command(integrity.replay)
main.add_command(integrity.gdpr_group)
main.add_command(integrity.retention_group)
main.add_command(integrity.hold_group)
main.add_command(archive.archive_group)
main.add_command(archive.case_group)
main.add_command(demo.demo)
main.add_command(store.store_group)
main.add_command(service.serve)
main.add_command(service.poll)
main.add_command(search.search_group)
main.add_command(requests.request_group)
main.add_command(web.web_group)

__all__ = ["main"]
