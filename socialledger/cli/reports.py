"""`sla`, `cadence`, `stats` and `projections`: what the read models tell."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import click

from socialledger.app.reports import PART_FIGURES, READ_MODELS, SLA_STATES
from socialledger.cli import csvout
from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import cell, clip, count, done, emit_json, local, plain, short_ids, table, when


def _iso(ts: float | None, zone: Any) -> str | None:
    return local(datetime.fromtimestamp(ts, UTC), zone) if ts is not None else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}h {minutes % 60:02d}m"


def _share(value: float | None) -> str:
    return f"{value * 100:.0f} %" if value is not None else ""


@click.group("sla")
def sla_group() -> None:
    """The 24-hour answer SLA (R12-R17)."""


@sla_group.command("status")
@common_options
@click.option("--account", "account_id", help="Only this account.")
@click.option("--state", "states", multiple=True, type=click.Choice(SLA_STATES),
              help="Only items in this state (repeatable): open, answered, late, breached, moderated.")
@click.option("--at", "at_text", help="As it stood at this time (default: now).")
@click.option("--period", help="Only items received in this period.")
@json_option
def sla_status(account_id: str | None, states: tuple[str, ...], at_text: str | None, period: str | None,
               as_json: bool) -> None:
    """Every inbound item by due time: author, excerpt, received, due, first response, state, and the id
    `sla ack` takes."""
    s = session()
    status = s.ledger().sla_status(s.actor, account_id, at_text, period, states)
    rows, zone = status.rows, status.zone
    out = [{"item": str(_uuid(r["item"])), "account": str(_uuid(r["account"])), "native_id": r["native_id"],
            "kind": r["kind"], "author": r["author"], "author_name": r["author_name"], "excerpt": r["excerpt"],
            "received": _iso(r["received"], zone), "due": _iso(r["due"], zone),
            "first_response": _iso(r["first_response"], zone), "final_answer": _iso(r["final_answer"], zone),
            "clock": r["clock"], "state": r["state"]} for r in rows]
    if as_json:
        emit_json(out)
        return
    names = status.names
    short = short_ids(r["item"] for r in out)
    table("SLA", ["item", "account", "kind", "author", "text", "received", "due", "first response", "state"],
          [(short[o["item"]], names.get(r["account"], o["account"]), r["kind"],
            _sla_author(r), "(erased)" if r["erased"] else clip(r["excerpt"], 40), when(r["received"], zone),
            when(r["due"], zone), when(r["first_response"], zone), r["state"]) for r, o in zip(rows, out, strict=True)],
          empty="No inbound items" + (f" in the state {' or '.join(states)}" if states else "") + ".")


def _sla_author(row: dict[str, Any]) -> str:
    if row["author_name"]:
        return row["author_name"]
    return "erased" if row["author"] else "(not given)"


def _uuid(hex_: str) -> UUID:
    return UUID(hex=hex_)


@sla_group.command("report")
@common_options
@click.option("--period", required=True, help="2026H1, 2026Q2, 2026-03, 2026-W12, 2026-03-01..2026-03-31")
@click.option("--account", "account_id", help="Only this account.")
@json_option
def sla_report(period: str, account_id: str | None, as_json: bool) -> None:
    """Response times per account (R17): count, average, median, quickest, slowest, share within the SLA."""
    s = session()
    out = s.ledger().sla_report(s.actor, period, account_id)
    if as_json:
        emit_json(out)
        return
    short = short_ids(r["account"] for r in out)
    table(f"Response times {period}", ["id", "account", "items", "average", "median", "quickest", "slowest",
                                      "within SLA"],
          [(short[r["account"]], r["name"], r["count"], _duration(r["average_seconds"]), _duration(r["median_seconds"]),
            _duration(r["quickest_seconds"]), _duration(r["slowest_seconds"]), _share(r["within_sla_share"]))
           for r in out],
          empty=f"No inbound items received in {period}.")


@sla_group.command("ack")
@common_options
@click.argument("item_id", metavar="ITEM")
@json_option
def sla_ack(item_id: str, as_json: bool) -> None:
    """Record that ITEM has been seen and will be answered (counts as the first response, R15)."""
    s = session()
    recorded = s.ledger().acknowledge(s.actor, item_id)
    done(f"Item {item_id} acknowledged." if recorded else f"Item {item_id} was acknowledged already; nothing recorded.",
         item=item_id, acknowledged=recorded)


@sla_group.command("answer")
@common_options
@click.argument("item_id", metavar="ITEM")
@click.option("--final", is_flag=True, required=True, help="Mark the final answer to ITEM as given.")
@click.option("--reply", "reply_id", help="The captured reply that is the final answer.")
@json_option
def sla_answer(item_id: str, final: bool, reply_id: str | None, as_json: bool) -> None:
    """Mark that ITEM has had its final answer (R15)."""
    s = session()
    s.ledger().mark_final_answer(s.actor, item_id, reply_id)
    done(f"Final answer to {item_id} recorded.", item=item_id, final=True)


@click.group("cadence")
def cadence_group() -> None:
    """Posting cadence (R9-R11)."""


@cadence_group.command("report")
@common_options
@click.option("--period", required=True)
@click.option("--account", "account_id")
@json_option
def cadence_report(period: str, account_id: str | None, as_json: bool) -> None:
    """The weeks each account fell short of its class's minimum and the days it went over the maximum."""
    s = session()
    rows = s.ledger().cadence_report(s.actor, period, account_id)
    if as_json:
        emit_json(rows)
        return
    short = short_ids(r["account"] for r in rows)
    table(f"Cadence {period}", ["id", "account", "class", "posts", "weeks short", "days over"],
          [(short[r["account"]], r["name"], r["class"], r["posts"], ", ".join(f"{w['week']} ({w['posts']})" for w in r["weeks_short"]),
            ", ".join(f"{d['day']} ({d['posts']})" for d in r["days_over"])) for r in rows],
          empty="No active accounts in the period.")


STAT_COLUMNS = ("posts", "comments", "visitor_posts", "questions", "reactions", "shares", "reach", "impressions",
                "views", "clicks", "follows", "followers", "followers_baseline", "followers_growth",
                "engagement_rate_average")


#: the columns of `stats --by account`: figure -> heading
BY_ACCOUNT = {"posts": "posts", "comments": "comments", "visitor_posts": "visitor posts", "questions": "questions",
              "reactions": "reactions", "shares": "shares", "reach": "reach", "impressions": "impressions",
              "followers": "followers", "followers_growth": "growth"}


@click.command("stats")
@common_options
@click.option("--period", required=True, help="2026H1, 2026Q2, 2026-03, 2026-W12, 2026-03-01..2026-03-31")
@click.option("--account", "account_id", help="One account; without it, every account with a platform id.")
@click.option("--by", "by", type=click.Choice(["account", "period"]),
              help="account: a row per account, the figures as columns (the default for every account); "
                   "period: a row per account, the period's months, weeks or days as columns, of one --figure.")
@click.option("--figure", default="posts", show_default=True, type=click.Choice(PART_FIGURES),
              help="The figure --by period shows.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per account.")
@click.option("--dialect", type=click.Choice(csvout.DIALECTS), default="plain", show_default=True,
              help="CSV for Excel in a Swedish locale: ';', decimal comma, UTF-8 with BOM.")
def stats(period: str, account_id: str | None, by: str | None, figure: str, as_json: bool, as_csv: bool,
          dialect: str) -> None:
    """Statistics per account and period: posts, comments, reactions, reach, followers, response times...

    One account (--account) is shown figure by figure; several, a row per account (--by account), or a
    row per account with a column per month, week or day of the period (--by period --figure NAME).
    """
    s = session()
    ledger = s.ledger()
    if by == "period":
        parts = ledger.stats_by_period(s.actor, period, account_id)
        labels = [p["period"] for p in parts[0]["parts"]] if parts else []
        if as_json:
            emit_json(parts)
        elif as_csv:
            rows = [[r["account"], r["name"], r["channel"], figure,
                     *(csvout.cell(p[figure], dialect) for p in r["parts"])] for r in parts]
            click.echo(csvout.write(["account", "name", "channel", "figure", *labels], rows, dialect), nl=False)
        else:
            short = short_ids(r["account"] for r in parts)
            table(f"{figure.replace('_', ' ').capitalize()} {period}", ["id", "account", *labels],
                  [(short[r["account"]], r["name"], *(p[figure] for p in r["parts"])) for r in parts],
                  empty="No accounts with a platform id.")
        return
    figures = ledger.stats(s.actor, period, account_id)
    zone = ledger.policy().zone
    out = [plain(f, zone) for f in figures]
    if as_json:
        emit_json(out)
    elif as_csv:
        header = ["account", "name", "channel", "period", *STAT_COLUMNS, "response_median_seconds", "within_sla_share"]
        rows = [[r["account"], r["name"], r["channel"], period, *(csvout.cell(r[k], dialect) for k in STAT_COLUMNS),
                 csvout.cell(r["response"]["median_seconds"], dialect, decimals=0),
                 csvout.cell(r["response"]["within_sla_share"], dialect, decimals=3)] for r in out]
        click.echo(csvout.write(header, rows, dialect), nl=False)
    elif by == "account" or not account_id:
        short = short_ids(r["account"] for r in out)
        table(f"Statistics {period}", ["id", "account", *BY_ACCOUNT.values(), "median response", "within SLA"],
              [(short[r["account"]], r["name"], *(r[k] for k in BY_ACCOUNT), _duration(r["response"]["median_seconds"]),
                _share(r["response"]["within_sla_share"])) for r in out],
              empty="No accounts with a platform id.")
    else:
        (r,) = out
        rows = [(k.replace("_", " "), r[k]) for k in STAT_COLUMNS]
        rows.append(("median response", _duration(r["response"]["median_seconds"])))
        rows.append(("within SLA", _share(r["response"]["within_sla_share"])))
        rows.append(("best hours", ", ".join(f"{h['when']}:00" for h in r["best_hours"])))
        rows.append(("best days", ", ".join(str(d["when"]) for d in r["best_days"])))
        table(f"Statistics {period}: {r['name']}", ["figure", "value"], rows)


def fmt(value: Any) -> str:
    return cell(value)


@click.group("projections")
def projections_group() -> None:
    """The read models: their positions, and rebuilding them."""


@projections_group.command("status")
@common_options
@json_option
def projections_status(as_json: bool) -> None:
    """Each read model's position against the ledger's head."""
    s = session()
    rows = s.ledger().projections_status(s.actor)
    if as_json:
        emit_json(rows)
    else:
        table("Read models", ["name", "position", "head", "behind"],
              [(r["name"], r["position"], r["head"], r["behind"]) for r in rows])


@projections_group.command("rebuild")
@common_options
@click.argument("name", required=False, type=click.Choice(READ_MODELS))
@json_option
def projections_rebuild(name: str | None, as_json: bool) -> None:
    """Drop read models (all, or NAME) and rebuild them from position 0."""
    s = session()
    applied = s.ledger().projections_rebuild(s.actor, name)
    done(f"Rebuilt {name or 'every read model'} from {count(applied, 'event')}.", rebuilt=name or list(READ_MODELS),
         events=applied)


@projections_group.command("update")
@common_options
@json_option
def projections_update(as_json: bool) -> None:
    """Catch every read model up with the ledger (every report does this first anyway)."""
    s = session()
    applied = s.ledger().projections_update(s.actor)
    done(f"Applied {count(applied, 'event')}.", events=applied)
