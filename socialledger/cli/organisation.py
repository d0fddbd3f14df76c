"""`init`, `role` and `policy`: setting up the organisation in the ledger."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.app.stores import configure_store
from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done, emit_json, table
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.roles import Role, parse_role

ROLE_NAMES = [r.value for r in Role]


@click.command()
@common_options
@json_option
@click.option("--admin", required=True, help="The first information-unit member.")
@click.option("--organisation", help="The organisation's name, as archive packages name it.")
@click.option("--organisation-code", help="Its identification code for archive packages (e.g. SE2120001234).")
@click.option("--store", metavar="STORE",
              help="Where the ledger is kept: sqlite (the default: files in the home) or a PostgreSQL server, "
                   "postgresql://USER@HOST:PORT/DB (else SOCIALLEDGER_STORE). A password in the URL is used, "
                   "never written: later commands take it from SOCIALLEDGER_STORE, a password file or PGPASSWORD.")
@click.option("--org", "org", metavar="NAME",
              help="On a PostgreSQL store: the organisation's schema, which holds its ledger (else "
                   "SOCIALLEDGER_ORG); lower-case letters, digits and _.")
def init(admin: str, organisation: str | None, organisation_code: str | None, store: str | None, org: str | None,
         as_json: bool) -> None:
    """Create the ledger (in the home, or in an organisation's schema on a PostgreSQL server) and its first
    information-unit member."""
    s = session()
    config = configure_store(s.home, store, org)
    ledger = s.ledger(create=True, config=config)
    ledger.init(admin, s.actor, organisation=organisation, organisation_code=organisation_code)
    named = ledger.policy().organisation
    where = f"in {ledger.home}" if config.kind == "sqlite" else f"for {config.describe()} (home {ledger.home})"
    message = f"Ledger created {where}; {admin.strip()} is in the information unit."
    if not named.identified:
        message += (" The organisation has no identification code yet: archive export needs one "
                    "(policy set with [organisation] code = \"SE2120001234\", say).")
    done(message, home=str(ledger.home), admin=admin.strip(), organisation=named.name,
         organisation_code=named.code if named.identified else None, store=config.kind,
         store_organisation=config.organisation or None)


@click.group()
def role() -> None:
    """Grant, revoke and list roles (R1, R2)."""


@role.command("grant")
@common_options
@json_option
@click.argument("user")
@click.argument("role_name", metavar="ROLE", type=click.Choice(ROLE_NAMES))
@click.option("--unit", help="The unit, for the manager and communicator roles.")
def role_grant(user: str, role_name: str, unit: str | None, as_json: bool) -> None:
    """Grant ROLE to USER."""
    s = session()
    granted = s.ledger().grant_role(s.actor, user, parse_role(role_name), unit)
    where = f" of {unit}" if unit else ""
    message = f"{user} is now {role_name}{where}." if granted else f"{user} already is {role_name}{where}; nothing recorded."
    done(message, user=user, role=role_name, unit=unit, granted=granted)


@role.command("revoke")
@common_options
@json_option
@click.argument("user")
@click.argument("role_name", metavar="ROLE", type=click.Choice(ROLE_NAMES))
@click.option("--unit", help="The unit, for the manager and communicator roles.")
def role_revoke(user: str, role_name: str, unit: str | None, as_json: bool) -> None:
    """Revoke ROLE from USER."""
    s = session()
    s.ledger().revoke_role(s.actor, user, parse_role(role_name), unit)
    where = f" of {unit}" if unit else ""
    done(f"{user} is no longer {role_name}{where}.", user=user, role=role_name, unit=unit, revoked=True)


@role.command("list")
@common_options
@json_option
def role_list(as_json: bool) -> None:
    """Everyone who holds a role."""
    s = session()
    rows = s.ledger().roles(s.actor)
    if as_json:
        emit_json(rows)
    else:
        table("Roles", ["user", "role", "unit"], [(r["user"], r["role"], r["unit"]) for r in rows])


@click.group()
def policy() -> None:
    """Show the policy in force or record a new one."""


@policy.command("show")
@common_options
@json_option
def policy_show(as_json: bool) -> None:
    """Print the policy in force (TOML, or JSON with --json)."""
    s = session()
    current = s.ledger().show_policy(s.actor)
    if as_json:
        emit_json(current.to_dict())
    else:
        click.echo(current.to_toml(), nl=False)


@policy.command("set")
@common_options
@json_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def policy_set(file: Path, as_json: bool) -> None:
    """Record the policy in FILE (TOML; keys it leaves out keep their defaults)."""
    s = session()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{file}: no such file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{file}: not UTF-8 text") from None
    changed = s.ledger().set_policy(s.actor, text, str(file))
    message = f"Policy from {file} is now in force." if changed else f"Policy from {file} is the one in force already; nothing recorded."
    done(message, file=str(file), changed=changed)
