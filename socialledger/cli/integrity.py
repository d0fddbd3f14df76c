"""`audit replay`, `gdpr export|erase`, `retention apply` and `hold place|release|list`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import count, done, emit_json, heading, plain, short_ids, table, when
from socialledger.core.domain.errors import BadInput


@click.command("replay")
@common_options
@click.option("--until", required=True, help="A ledger position, or a time (ISO 8601; local time if no offset).")
@click.option("--period", help="The statistics period (default: the month of --until).")
@json_option
def replay(until: str, period: str | None, as_json: bool) -> None:
    """The register, SLA state and statistics as they stood at a moment: what did we know, and when."""
    s = session()
    ledger = s.ledger()
    result = ledger.replay(s.actor, until, period)
    zone = ledger.policy().zone
    for row in result["sla"]:
        for key in ("received", "due", "first_response", "final_answer", "moderated", "replied", "acknowledged"):
            if row.get(key) is not None:
                row[key] = datetime.fromtimestamp(row[key], UTC)
    out = plain(result, zone)
    if as_json:
        emit_json(out)
        return
    click.echo(f"As at position {out['until']['position']} ({when(out['until']['time'], seconds=True)}):")
    heading("\nRegister")
    table(None, ["name", "channel", "state", "owner", "deputy", "flags"],
          [(a["name"], a["channel"], a["state"], a["owner"], a["deputy"], a["flags"]) for a in out["register"]],
          empty="No accounts yet.")
    heading("\nSLA")
    table(None, ["native id", "received", "due", "first response", "state"],
          [(r["native_id"], when(r["received"]), when(r["due"]), when(r["first_response"]), r["state"])
           for r in out["sla"]],
          empty="No inbound items yet.")
    heading(f"\nStatistics {out['period']}")
    table(None, ["account", "posts", "comments", "reactions", "followers"],
          [(f["name"], f["posts"], f["comments"], f["reactions"], f["followers"]) for f in out["statistics"]],
          empty="No accounts with a platform id yet.")


@click.group("gdpr")
def gdpr_group() -> None:
    """A data subject's access and erasure (R23)."""


@gdpr_group.command("export")
@common_options
@click.option("--subject", required=True, help="channel:user-id, like facebook:10152345")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here.")
def gdpr_export(subject: str, out: Path | None) -> None:
    """Everything the ledger holds about a subject: their comments with context and times, and their handling."""
    s = session()
    ledger = s.ledger()
    data = plain(ledger.subject_export(s.actor, subject), ledger.policy().zone)
    if out is None:
        emit_json(data)
        return
    import msgspec

    try:
        out.write_bytes(msgspec.json.format(msgspec.json.encode(data), indent=2) + b"\n")
    except OSError as e:  # a folder that does not exist, a file that may not be written: one line
        raise BadInput(f"--out {out}: cannot be written ({e.strerror or e})") from None
    click.echo(f"{count(len(data['items']), 'item')} about {subject} written to {out}.")


@gdpr_group.command("erase")
@common_options
@click.option("--subject", required=True)
@click.option("--decision", required=True, help="The reference of the decision (diary number or similar).")
@click.option("--override", is_flag=True, help="The decision overrides retention rules and cases (R23).")
@json_option
def gdpr_erase(subject: str, decision: str, override: bool, as_json: bool) -> None:
    """Erase a subject: destroy their identity key and the keys of what they wrote; record the decision."""
    s = session()
    result = s.ledger().erase_subject(s.actor, subject, decision, override)
    if as_json:
        emit_json(result)
        return
    if result.get("finished"):
        click.echo(f"{subject}: finished the erasure decided under {result['decision']} that an interrupted run "
                   f"left undone (no second decision recorded): their identity and "
                   f"{count(result['items'], 'item')} can no longer be read.")
    else:
        click.echo(f"{subject} erased under decision {decision}: their identity and "
                   f"{count(result['items'], 'item')} can no longer be read.")
    packages = result["packages"]
    click.echo("Archive packages exported earlier that hold the subject: "
               + (", ".join(packages) if packages else "none."))


@click.group("retention")
def retention_group() -> None:
    """Disposal under the retention rules of the policy (R22)."""


@retention_group.command("apply")
@common_options
@click.option("--as-of", "as_of", required=True, help="The date the rules are applied on (YYYY-MM-DD).")
@click.option("--decision", required=True, help="The reference of the disposal decision (diary number or similar).")
@click.option("--dry-run", is_flag=True, help="List what would be disposed of and what is held back; record nothing.")
@click.option("--include-undelivered", is_flag=True,
              help="The decision disposes of items no archive package delivered, too (cases and holds still keep).")
@json_option
def retention_apply(as_of: str, decision: str, dry_run: bool, include_undelivered: bool, as_json: bool) -> None:
    """Destroy the keys of delivered items past their retention rule, with one decision event for the run.

    Items no archive package delivered, items in a case and items under a legal hold are held back and listed.
    """
    s = session()
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise BadInput(f"--as-of {as_of!r}: a date like 2026-12-31") from None
    ledger = s.ledger()
    result = ledger.apply_retention(s.actor, day, decision, dry_run, undelivered=include_undelivered)
    out: dict[str, Any] = plain(result, ledger.policy().zone)
    if as_json:
        emit_json(out)
        return
    verb = "would be disposed of" if dry_run else "disposed of"
    if out.get("finished"):
        click.echo(f"Finished an earlier disposal decision that an interrupted run left undone: "
                   f"{count(out['finished'], 'item')} (no second decision recorded).")
    items = out["items"]
    click.echo(f"{count(len(items), 'item')} {verb} as of {as_of} under decision {decision}.")
    if items:
        short = short_ids(i["id"] for i in items[:50])
        table(None, ["id", "kind", "class", "native id", "created"],
              [(short[i["id"]], i["kind"], i["class"], i["native_id"], when(i["created"])) for i in items[:50]])
        if len(items) > 50:
            click.echo(f"... and {len(items) - 50} more (--json lists every one).")
    if out["held"]:
        held = len(out["held"])
        click.echo(f"{held} {'item is past its' if held == 1 else 'items are past their'} rule but held back:")
        short = short_ids(i["id"] for i in out["held"][:50])
        table(None, ["id", "kind", "class", "native id", "created", "why"],
              [(short[i["id"]], i["kind"], i["class"], i["native_id"], when(i["created"]), i["reason"])
               for i in out["held"][:50]])


@click.group("hold")
def hold_group() -> None:
    """Legal holds: an account or item that no disposal may touch until the hold is released (R22, R23)."""


def _hold_target(account_id: str | None, item_id: str | None) -> tuple[str, str, str]:
    """What a hold command names: ("account" or "item", its id, the words for it)."""
    if bool(account_id) == bool(item_id):
        raise click.UsageError("name what the hold is on: --account ID or --item ID")
    target, id_ = ("account", account_id) if account_id else ("item", item_id)
    return target, str(id_), f"{target} {id_}"


@hold_group.command("place")
@common_options
@click.option("--account", "account_id", help="Hold every item of this account.")
@click.option("--item", "item_id", help="Hold this item.")
@click.option("--reason", required=True, help="Why (the litigation, inquiry or request it serves).")
@json_option
def hold_place(account_id: str | None, item_id: str | None, reason: str, as_json: bool) -> None:
    """Place a legal hold on an account or an item."""
    target, id_, what = _hold_target(account_id, item_id)
    s = session()
    placed = s.ledger().place_hold(s.actor, account=account_id, item=item_id, reason=reason)
    done(f"Legal hold placed on {what}." if placed else f"{what[0].upper()}{what[1:]} is held already; "
         "nothing recorded.", target=target, id=id_, placed=placed)


@hold_group.command("release")
@common_options
@click.option("--account", "account_id", help="The account the hold is on.")
@click.option("--item", "item_id", help="The item the hold is on.")
@click.option("--reason", required=True, help="Why the hold ends.")
@json_option
def hold_release(account_id: str | None, item_id: str | None, reason: str, as_json: bool) -> None:
    """Release a legal hold."""
    target, id_, what = _hold_target(account_id, item_id)
    s = session()
    s.ledger().release_hold(s.actor, account=account_id, item=item_id, reason=reason)
    done(f"Legal hold on {what} released.", target=target, id=id_, released=True)


@hold_group.command("list")
@common_options
@json_option
def hold_list(as_json: bool) -> None:
    """The legal holds in force."""
    s = session()
    ledger = s.ledger()
    rows = plain(ledger.holds(s.actor), ledger.policy().zone)
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo("No legal holds in force.")
    else:
        short = short_ids(r["id"] for r in rows)
        table("Legal holds", ["on", "id", "reason", "by", "since"],
              [(r["target"], short[r["id"]], r["reason"], r["actor"], when(r["time"])) for r in rows])
