"""`sla`, `cadence`, `stats` and `projections`: what the read models tell."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import click

from socialledger.app.reports import READ_MODELS
from socialledger.cli import csvout
from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import done, emit_json, local, plain, table


def _iso(ts: float | None, zone: Any) -> str | None:
    return local(datetime.fromtimestamp(ts, UTC), zone) if ts is not None else None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}h {minutes % 60:02d}m"


@click.group("sla")
def sla_group() -> None:
    """The 24-hour answer SLA (R12-R17)."""


@sla_group.command("status")
@common_options
@click.option("--account", "account_id", help="Only this account.")
@click.option("--at", "at_text", help="As it stood at this time (default: now).")
@click.option("--period", help="Only items received in this period.")
@json_option
def sla_status(account_id: str | None, at_text: str | None, period: str | None, as_json: bool) -> None:
    """Every inbound item: received, due, first response and state."""
    s = session()
    status = s.ledger().sla_status(s.actor, account_id, at_text, period)
    rows, zone = status.rows, status.zone
    out = [{"item": str(_uuid(r["item"])), "account": str(_uuid(r["account"])), "native_id": r["native_id"],
            "kind": r["kind"], "received": _iso(r["received"], zone), "due": _iso(r["due"], zone),
            "first_response": _iso(r["first_response"], zone), "final_answer": _iso(r["final_answer"], zone),
            "clock": r["clock"], "state": r["state"]} for r in rows]
    if as_json:
        emit_json(out)
        return
    names = status.names
    table("SLA", ["account", "native id", "received", "due", "first response", "state"],
          [(names.get(r["account"], r["account"][:8]), r["native_id"], _short(r["received"], zone),
            _short(r["due"], zone), _short(r["first_response"], zone), r["state"]) for r in rows])


def _short(ts: float | None, zone: Any) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(zone).strftime("%a %Y-%m-%d %H:%M") if ts else ""


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
    table(f"Response times {period}", ["account", "items", "average", "median", "quickest", "slowest",
                                      "within SLA"],
          [(r["name"], r["count"], _duration(r["average_seconds"]), _duration(r["median_seconds"]),
            _duration(r["quickest_seconds"]), _duration(r["slowest_seconds"]),
            f"{r['within_sla_share'] * 100:.0f} %" if r["within_sla_share"] is not None else "") for r in out])


@sla_group.command("ack")
@common_options
@click.argument("item_id", metavar="ITEM")
@json_option
def sla_ack(item_id: str, as_json: bool) -> None:
    """Record that ITEM has been seen and will be answered (counts as the first response, R15)."""
    s = session()
    recorded = s.ledger().acknowledge(s.actor, item_id)
    done(f"Item {item_id} acknowledged." if recorded else f"Item {item_id} was acknowledged already.",
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
    table(f"Cadence {period}", ["account", "class", "posts", "weeks short", "days over"],
          [(r["name"], r["class"], r["posts"], ", ".join(f"{w['week']} ({w['posts']})" for w in r["weeks_short"]),
            ", ".join(f"{d['day']} ({d['posts']})" for d in r["days_over"])) for r in rows])


STAT_COLUMNS = ("posts", "comments", "visitor_posts", "questions", "reactions", "shares", "reach", "impressions",
                "views", "clicks", "follows", "followers", "followers_baseline", "followers_growth",
                "engagement_rate_average")


@click.command("stats")
@common_options
@click.option("--period", required=True)
@click.option("--account", "account_id", help="One account; without it, every account side by side.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per account.")
@click.option("--dialect", type=click.Choice(csvout.DIALECTS), default="plain", show_default=True,
              help="CSV for Excel in a Swedish locale: ';', decimal comma, UTF-8 with BOM.")
def stats(period: str, account_id: str | None, as_json: bool, as_csv: bool, dialect: str) -> None:
    """Statistics per account and period: posts, comments, reactions, reach, followers, response times..."""
    s = session()
    ledger = s.ledger()
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
    else:
        rows = [(k.replace("_", " "), *(fmt(r[k]) for r in out)) for k in STAT_COLUMNS]
        rows.append(("median response", *(_duration(r["response"]["median_seconds"]) for r in out)))
        rows.append(("within SLA", *(f"{r['response']['within_sla_share'] * 100:.0f} %"
                                     if r["response"]["within_sla_share"] is not None else "" for r in out)))
        rows.append(("best hours", *(", ".join(f"{h['when']}:00" for h in r["best_hours"]) for r in out)))
        rows.append(("best days", *(", ".join(str(d["when"]) for d in r["best_days"]) for r in out)))
        table(f"Statistics {period}", ["", *(r["name"] for r in out)], rows)


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}" if not value.is_integer() else f"{int(value)}"
    return str(value)


@click.group("projections")
def projections_group() -> None:
    """The read models: their positions, and rebuilding them."""


@projections_group.command("status")
@common_options
@json_option
def projections_status(as_json: bool) -> None:
    """Each read model's position against the ledger's head."""
    s = session()
    rows = s.ledger().projections_status()
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
    done(f"Rebuilt {name or 'every read model'} from {applied} events.", rebuilt=name or list(READ_MODELS),
         events=applied)


@projections_group.command("update")
@common_options
@json_option
def projections_update(as_json: bool) -> None:
    """Catch every read model up with the ledger (every report does this first anyway)."""
    s = session()
    applied = s.ledger().projections_update()
    done(f"Applied {applied} events.", events=applied)
