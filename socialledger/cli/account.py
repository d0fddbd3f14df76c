"""`account ...`: the account lifecycle (R3-R8) and the register."""

from __future__ import annotations

from typing import Any

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import cell, done, emit_json, plain, short_ids, table, when
from socialledger.core.domain import workflow
from socialledger.core.domain.account import Account, ApplicationForm

LEVELS = click.Choice(["manager", "information-unit"])

#: option name -> (field, help), shared by apply and revise
_FORM_OPTIONS = [
    ("--name", "name", "Account name as shown on the platform."),
    ("--unit", "unit", "Owning unit."),
    ("--owner", "owner", "Account owner (huvudansvarig)."),
    ("--deputy", "deputy", "Deputy (ersättare)."),
    ("--purpose", "purpose", "Purpose of the account."),
    ("--goals", "goals", "Goals."),
    ("--audience", "audience", "Target audience."),
    ("--gdpr", "gdpr_handling", "How GDPR questions are handled."),
    ("--answering-hours", "answering_hours", "When comments are answered (shown on the page)."),
    ("--page-rules", "page_rules", "The page rules (shown on the page)."),
    ("--class", "account_class", "Account class from the policy's [cadence] (default: the policy's)."),
]


def _form_options(required: bool):  # noqa: ANN202 - a decorator
    def decorate(f: Any) -> Any:
        for opt, field, help_ in reversed(_FORM_OPTIONS):
            needed = required and field in ("name", "unit", "owner", "deputy")
            f = click.option(opt, field, required=needed, default=None, help=help_)(f)
        return f

    return decorate


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


@click.group()
def account() -> None:
    """Apply for, approve, link, change and close accounts."""


@account.command("apply")
@common_options
@click.option("--channel", required=True, help="facebook, instagram, linkedin, ...")
@_form_options(required=True)
@click.option("--on-call", is_flag=True, help="The unit answers evenings and weekends (R14).")
@json_option
def apply_(channel: str, on_call: bool, as_json: bool, **fields: Any) -> None:
    """Apply for a new account (R3); prints its id."""
    s = session()
    form = ApplicationForm(channel=channel, on_call=on_call, **_given(**fields))
    account_id = s.ledger().apply_account(s.actor, form)
    if as_json:
        emit_json({"id": str(account_id)})
    else:
        click.echo(str(account_id))


@account.command("revise")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@_form_options(required=False)
def revise(account_id: str, as_json: bool, **fields: Any) -> None:
    """Change a rejected application and submit it again (R4)."""
    s = session()
    s.ledger().revise(s.actor, account_id, _given(**fields))
    done(f"Application {account_id} revised and submitted again.", id=account_id, state="applied")


@account.command("approve")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--level", required=True, type=LEVELS, help="manager first, then information-unit (R4).")
def approve(account_id: str, as_json: bool, level: str) -> None:
    """Approve an application at the manager or information-unit level."""
    s = session()
    s.ledger().approve(s.actor, account_id, level)
    done(f"Application {account_id} approved at the {level} level.", id=account_id, approved=level)


@account.command("reject")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--level", required=True, type=LEVELS)
@click.option("--reason", required=True)
def reject(account_id: str, as_json: bool, level: str, reason: str) -> None:
    """Reject an application with a reason."""
    s = session()
    s.ledger().reject(s.actor, account_id, level, reason)
    done(f"Application {account_id} rejected at the {level} level.", id=account_id, rejected=level)


@account.command("link")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--platform-id", required=True, help="The page's or profile's id on the platform.")
def link(account_id: str, as_json: bool, platform_id: str) -> None:
    """Link an approved account to its platform id; it becomes active (R6)."""
    s = session()
    s.ledger().link(s.actor, account_id, platform_id)
    done(f"Account {account_id} linked to {platform_id} and active.", id=account_id, platform_id=platform_id, state="active")


@account.command("set")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--owner")
@click.option("--deputy")
@click.option("--no-deputy", is_flag=True, help="The account has no deputy for now (flagged, R7).")
@click.option("--answering-hours", "answering_hours")
@click.option("--page-rules", "page_rules")
@click.option("--class", "account_class")
@click.option("--on-call/--office-hours", "on_call", default=None, help="Answer on 24 elapsed hours (R14), or by office hours.")
def set_(account_id: str, as_json: bool, no_deputy: bool, **fields: Any) -> None:
    """Change owner, deputy, answering hours, page rules, class or on-call."""
    s = session()
    changes = _given(**fields)
    if no_deputy:
        changes["deputy"] = None
    if not changes:
        raise click.UsageError("say what to change, e.g. --deputy NAME")
    changed = s.ledger().set_properties(s.actor, account_id, changes)
    done(f"Account {account_id} updated." if changed else "Nothing changed; nothing recorded.", id=account_id, changed=changed)


@account.command("request-close")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--reason", required=True)
def request_close(account_id: str, as_json: bool, reason: str) -> None:
    """Ask the information unit to close the account (R8)."""
    s = session()
    s.ledger().request_close(s.actor, account_id, reason)
    done(f"Closure of {account_id} requested.", id=account_id, state="closing")


@account.command("close")
@common_options
@json_option
@click.argument("account_id", metavar="ID")
@click.option("--reason", required=True)
def close(account_id: str, as_json: bool, reason: str) -> None:
    """Close the account (information unit, R8)."""
    s = session()
    s.ledger().close_account(s.actor, account_id, reason)
    done(f"Account {account_id} closed.", id=account_id, state="closed")


def account_view(a: Account, zone: Any) -> dict[str, Any]:
    return plain(a.as_dict(), zone)


@account.command("list")
@common_options
@json_option
def list_(as_json: bool) -> None:
    """The register: every account with its state, owner, deputy and R7 flags."""
    s = session()
    ledger = s.ledger()
    zone = ledger.policy().zone
    accounts = [plain(a, zone) for a in ledger.list_accounts(s.actor)]
    if as_json:
        emit_json(accounts)
        return
    short = short_ids(a["id"] for a in accounts)
    table(
        "Accounts",
        ["id", "channel", "name", "unit", "state", "owner", "deputy", "flags"],
        [(short[a["id"]], a["channel"], a["name"], a["unit"], a["state"], a["owner"], a["deputy"],
          a["flags"]) for a in accounts],
        empty="No accounts in the register yet.",
    )


#: `account show`: field -> what it is called in words
_SHOWN = {"id": "id", "channel": "channel", "name": "name", "unit": "unit", "state": "state", "owner": "owner",
          "deputy": "deputy", "platform_id": "platform id", "purpose": "purpose", "goals": "goals",
          "audience": "audience", "gdpr_handling": "GDPR handling", "answering_hours": "answering hours",
          "page_rules": "page rules", "account_class": "class", "on_call": "on call (R14)", "applied": "applied"}


@account.command("show")
@common_options
@click.argument("account_id", metavar="ID")
@json_option
def show(account_id: str, as_json: bool) -> None:
    """Everything about one account, approvals included."""
    s = session()
    ledger = s.ledger()
    zone = ledger.policy().zone
    view = account_view(ledger.show_account(s.actor, account_id), zone)
    if as_json:
        emit_json(view)
        return

    def at(step: dict[str, Any]) -> str:
        return f"{step['actor']} at {when(step['time'], seconds=True)}"

    rows = [(label, when(view[k], seconds=True) if k == "applied" else cell(view[k]) or "none")
            for k, label in _SHOWN.items()]
    rows.append(("flags (R7)", cell(view["flags"]) or "none"))
    for a in view["approvals"]:
        rows.append((f"approved ({a['level']})", at(a)))
    for r in view["rejections"]:
        rows.append((f"rejected ({r['level']})", f"{at(r)}: {r['reason']}"))
    for key in ("closure_request", "closure"):
        if view[key]:
            rows.append((key.replace("_", " "), f"{at(view[key])}: {view[key]['reason']}"))
    table(f"Account {view['name']}", ["field", "value"], rows)


@account.command("workflow")
@json_option
def workflow_(as_json: bool) -> None:
    """The lifecycle table: commands, states, rules and who may act."""
    rows = workflow.table()
    if as_json:
        emit_json(rows)
    else:
        table("Account workflow", ["command", "from", "to", "rule", "who"], [tuple(r.values()) for r in rows])
