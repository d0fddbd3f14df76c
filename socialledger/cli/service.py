"""`serve` and `poll`: capture by itself (webhooks and polling), see docs/service.md."""

from __future__ import annotations

import logging
import time

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import emit_json
from socialledger.service.secrets import Secrets

# The server (uvicorn, starlette) and the poller (httpx) are imported by the command that runs them.


@click.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8700, show_default=True, type=click.IntRange(1, 65535), help="The port.")
@click.option("--poll-every", type=click.FloatRange(min=1.0), default=None, metavar="SECONDS",
              help="Poll every linked account's API this often (else webhooks only).")
@click.option("--verbose", is_flag=True, help="Log every delivery (by its sequence number).")
def serve(host: str, port: int, poll_every: float | None, verbose: bool) -> None:
    """Run the capture service: webhooks per channel, the inbox, the worker, /health and /metrics."""
    from socialledger.service.server import serve as run

    s = session()
    ledger = s.ledger()
    secrets = Secrets.load()  # a bad secrets file is one line before anything starts
    for account, line in ledger.capture_refusals(s.actor).items():
        click.echo(f"warning: account {account}: {line}; its deliveries will be set aside", err=True)
    home = ledger.home
    s.close()
    run(home, s.actor, host=host, port=port, poll_every=poll_every, secrets=secrets,
        log_level=logging.DEBUG if verbose else logging.INFO)


@click.command()
@common_options
@click.option("--account", "account_id", required=True, help="The account to poll (any id form, or channel:page).")
@click.option("--once", is_flag=True, help="One round, then exit (else a round every --every seconds).")
@click.option("--every", type=click.FloatRange(min=1.0), default=300.0, show_default=True, metavar="SECONDS",
              help="Seconds between rounds without --once.")
@json_option
def poll(account_id: str, once: bool, every: float, as_json: bool) -> None:
    """Fetch an account's recent content from its platform's API, ingest it and reconcile (see docs/service.md)."""
    from socialledger.service.polling import Poller, PollFailed

    # The errors are this command's lines (below); the service's log lines are for `serve`.
    logging.getLogger("socialledger.service").addHandler(logging.NullHandler())
    s = session()
    ledger = s.ledger()
    ledger.check_may_capture(s.actor, account_id)  # R2: a role in the account's unit, before anything is fetched
    secrets = Secrets.load()
    lines: list[str] = []
    poller = Poller(ledger, s.actor, secrets=secrets, echo=lines.append)
    while True:
        lines.clear()
        failed = poller.round(only=account_id)
        if once:
            break
        for line in lines:
            click.echo(f"error: {line}", err=True)
        time.sleep(every)
    if failed:
        raise PollFailed("; ".join(lines))
    target = ledger.ids.account(account_id)
    if as_json:
        emit_json({"account": str(target.id), "polled": True})
    else:
        click.echo(f"Polled account {target.id}.")
