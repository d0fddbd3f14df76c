"""`plan add|move|cancel|done|list|check|ical`: the publication calendar."""

from __future__ import annotations

from pathlib import Path

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import clip, done, emit_json, plain, short_ids, short_time, table
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.planning import FORMATS


@click.group("plan")
def plan_group() -> None:
    """The publication calendar: planned posts, checks before publishing, an iCalendar feed."""


@plan_group.command("add")
@common_options
@click.option("--account", "account_id", required=True, help="The account the post is planned on.")
@click.option("--at", "at_text", required=True, help="When: 2026-03-02T08:30 (the organisation's time zone).")
@click.option("--format", "format_", required=True, type=click.Choice(FORMATS), help="What is published.")
@click.option("--responsible", required=True, help="The communicator who publishes it.")
@click.option("--sponsored", is_flag=True, help="A paid (sponsored) post.")
@click.option("--title", default="", help="What the post is about.")
@click.option("--note", default="", help="A note for the team.")
@json_option
def plan_add(account_id: str, at_text: str, format_: str, responsible: str, sponsored: bool, title: str, note: str,
             as_json: bool) -> None:
    """Plan a post on an account (R2: a role in the account's unit)."""
    s = session()
    plan_id = s.ledger().plan_post(s.actor, account_id, at_text, format_, responsible, sponsored=sponsored,
                                   title=title, note=note)
    done(f"Planned post {plan_id}.", id=str(plan_id))


@plan_group.command("move")
@common_options
@click.argument("plan_id", metavar="ID")
@click.option("--at", "at_text", required=True, help="The new time.")
@json_option
def plan_move(plan_id: str, at_text: str, as_json: bool) -> None:
    """Move a planned post to another time (its calendar entry moves with it)."""
    s = session()
    moved = s.ledger().move_planned(s.actor, plan_id, at_text)
    done(f"Planned post {plan_id} moved." if moved else f"Planned post {plan_id} is at that time already.",
         id=plan_id, moved=moved)


@plan_group.command("cancel")
@common_options
@click.argument("plan_id", metavar="ID")
@click.option("--reason", required=True, help="Why it is not published.")
@json_option
def plan_cancel(plan_id: str, reason: str, as_json: bool) -> None:
    """Cancel a planned post."""
    s = session()
    s.ledger().cancel_planned(s.actor, plan_id, reason)
    done(f"Planned post {plan_id} cancelled.", id=plan_id, cancelled=True)


@plan_group.command("done")
@common_options
@click.argument("plan_id", metavar="ID")
@click.option("--item", "item_id", required=True, help="The captured post that is the planned one.")
@json_option
def plan_done(plan_id: str, item_id: str, as_json: bool) -> None:
    """Mark a planned post as published by a captured post (when its time did not match it)."""
    s = session()
    marked = s.ledger().mark_planned_done(s.actor, plan_id, item_id)
    done(f"Planned post {plan_id} is published as {item_id}." if marked
         else f"Planned post {plan_id} was marked with {item_id} already.", id=plan_id, item=item_id, marked=marked)


def _scope_options(f):
    f = click.option("--unit", help="Only the accounts of this unit.")(f)
    f = click.option("--account", "account_id", help="Only this account.")(f)
    return click.option("--period", help="2026-03, 2026Q2, 2026-W12, 2026-03-01..2026-04-30 "
                                         "(default: from two weeks ago to the policy's horizon)")(f)


@plan_group.command("list")
@common_options
@_scope_options
@json_option
def plan_list(period: str | None, account_id: str | None, unit: str | None, as_json: bool) -> None:
    """The planned posts and what became of them: planned, published, late, missed, cancelled."""
    s = session()
    ledger = s.ledger()
    rows = ledger.plan_list(s.actor, period, account_id, unit)
    zone = ledger.policy().zone
    if as_json:
        emit_json(plain(rows, zone))
        return
    short = short_ids(r["id"] for r in rows)
    table("Publication plan", ["id", "when", "account", "format", "responsible", "title", "state", "published"],
          [(short[str(r["id"])], short_time(r["at"], zone), r["name"],
            r["format"] + (" (sponsored)" if r["sponsored"] else ""), r["responsible"], clip(r["title"], 40),
            r["state"], short_time(r["published"], zone)) for r in rows],
          empty="No planned posts.")


@plan_group.command("check")
@common_options
@_scope_options
@json_option
def plan_check(period: str | None, account_id: str | None, unit: str | None, as_json: bool) -> None:
    """What the plan does wrong: weeks below the cadence (R9), days over the maximum (R10), bunched posts,
    times outside the audience peaks."""
    s = session()
    ledger = s.ledger()
    rows = ledger.plan_check(s.actor, period, account_id, unit)
    if as_json:
        emit_json(rows)
        return
    table("Plan check", ["account", "period", "planned", "weeks short", "days over", "bunched", "off peak"],
          [(r["name"], r["period"], r["upcoming"],
            ", ".join(f"{w['week']} ({w['posts']}/{w['minimum']})" for w in r["weeks_short"]),
            ", ".join(f"{d['day']} ({d['posts']}/{d['maximum']})" for d in r["days_over"]),
            ", ".join(f"{b['second_at'][:16].replace('T', ' ')} ({b['gap_minutes']} min)" for b in r["bunched"]),
            ", ".join(o["at"][:16].replace("T", " ") for o in r["off_peak"])) for r in rows])


@plan_group.command("ical")
@common_options
@_scope_options
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .ics file to write.")
@json_option
def plan_ical(period: str | None, account_id: str | None, unit: str | None, out_path: Path, as_json: bool) -> None:
    """Write the plan as an iCalendar file (RFC 5545) for Outlook and other calendars."""
    s = session()
    data = s.ledger().plan_ical(s.actor, account_id, unit, period)
    try:
        out_path.write_bytes(data)
    except OSError as e:
        raise BadInput(f"cannot write {out_path}: {e.strerror}") from None
    events = data.count(b"BEGIN:VEVENT")
    done(f"Wrote {events} planned post{'' if events == 1 else 's'} to {out_path}.", out=str(out_path), events=events)
