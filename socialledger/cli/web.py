"""`web`: the read-only web view on loopback, and `web user add|remove|list`: who may sign in to it."""

from __future__ import annotations

import sys

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done, emit_json


@click.group("web", invoke_without_command=True)
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Where to listen (loopback: put a TLS proxy "
              "in front of it for other machines, docs/web.md).")
@click.option("--port", default=8800, show_default=True, type=click.IntRange(1, 65535))
@click.option("--session-minutes", default=30.0, show_default=True, type=click.FloatRange(min=0.01),
              help="A session idle this long ends.")
@click.pass_context
def web_group(ctx: click.Context, host: str, port: int, session_minutes: float) -> None:
    """Serve the read-only web view (search, threads, records requests, dashboards) until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from socialledger.web.app import create_app

    s = session()
    ledger = s.ledger()
    app = create_app(ledger, idle=session_minutes * 60)
    click.echo(f"socialledger web view on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    # No access log: a search's URL holds what was searched for, which can be a person's name.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@web_group.group("user")
def web_user() -> None:
    """Sign-ins to the web view (a local password file in the ledger home; scrypt hashes)."""


@web_user.command("add")
@common_options
@click.argument("name")
@json_option
def web_user_add(name: str, as_json: bool) -> None:
    """Give ledger user NAME a sign-in (or a new password): the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")  # (checked after the role: a stranger learns nothing)
    s = session()
    new = s.ledger().add_web_user(s.actor, name, password)
    done(f"{name} can sign in to the web view." if new else f"{name}'s password is changed.", user=name, new=new)


@web_user.command("remove")
@common_options
@click.argument("name")
@json_option
def web_user_remove(name: str, as_json: bool) -> None:
    """Take NAME's sign-in away."""
    s = session()
    s.ledger().remove_web_user(s.actor, name)
    done(f"{name} can no longer sign in to the web view.", user=name)


@web_user.command("list")
@common_options
@json_option
def web_user_list(as_json: bool) -> None:
    """Who can sign in to the web view."""
    s = session()
    names = s.ledger().web_users(s.actor)
    if as_json:
        emit_json(names)
    else:
        click.echo("\n".join(names) if names else "Nobody can sign in to the web view yet.")
