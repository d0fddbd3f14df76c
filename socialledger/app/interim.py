"""`report`: the interim report of the accounts' statistics, answering, cadence and plan over a period.

What the information unit follows per account (domain-rules.md, "Statistics
the users ask for"): posts, reactions, reach and followers over the period
against the previous period and the baseline (nollvärde), the engagement rate
of every post, the best hours and days, the top posts, the response times with
the share answered within the SLA and the unanswered items counted (R17), the
cadence kept (R9-R11) and the planned posts against what was published. Reading
it needs a role (R2), as every report does. `render/report.py` lays it out as a
PDF with charts, `render/workbook.py` as a workbook with one sheet per table.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from socialledger.app.authorisation import require_any
from socialledger.app.planning import Planning
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import Period, previous
from socialledger.core.domain.periods import parse as parse_period
from socialledger.core.domain.policy import Cadence, Policy
from socialledger.projections import ReadModels, cadence, register, reporting, sla, statistics
from socialledger.render import report as pdf_report
from socialledger.render import workbook

WEEKDAYS = statistics.WEEKDAYS
PLAN_STATES = ("published", "late", "missed", "planned", "cancelled")


def slices(period: Period) -> list[tuple[str, date, date]]:
    """The period cut for the charts: days up to a month, weeks (from the first day; the last takes a tail of up to
    three days) up to a half-year, else months."""
    days = (period.last - period.first).days + 1
    out: list[tuple[str, date, date]] = []
    if days <= 31:
        return [(d.strftime("%d %b"), d, d) for d in period.days()]
    if days <= 190:
        start = period.first
        while start <= period.last:
            end = min(start + timedelta(days=6), period.last)
            if (period.last - end).days < 4:
                end = period.last  # a tail of a few days joins the last week rather than dip as a week of its own
            out.append((start.strftime("%d %b"), start, end))
            start = end + timedelta(days=1)
        return out
    start = period.first
    while start <= period.last:
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        end = min(nxt - timedelta(days=1), period.last)
        out.append((start.strftime("%b %Y"), start, end))
        start = end + timedelta(days=1)
    return out


def _bounds(first: date, last: date, policy: Policy) -> tuple[float, float]:
    start, end = Period("", first, last).bounds(policy.zone)
    return start.timestamp(), end.timestamp()


class InterimReports(Planning):
    def interim_report(self, actor: Actor, period: str, account: str | UUID | None = None, unit: str | None = None,
                       *, at: datetime | None = None) -> dict[str, Any]:
        """Every figure of the report, per account (one, a unit's, or every account with a platform id)."""
        require_any(self.store.roster(), actor, "read reports")
        models = self._caught_up()
        policy = self.store.policy()
        current = parse_period(period)
        before = previous(current)
        now = (at or datetime.now(UTC)).astimezone(UTC)
        accounts = self._report_scope(models, account, unit)
        return {
            "organisation": policy.organisation.name,
            "period": current.label, "first": current.first, "last": current.last,
            "previous": before.label, "previous_first": before.first, "previous_last": before.last,
            "scope": accounts[0]["name"] if account else (unit or "every account"),
            "generated": now,
            "position": self.store.head(),
            "zone": policy.organisation.time_zone,
            "accounts": [self._account_report(actor, models, policy, a, current, before, now) for a in accounts],
        }

    def _report_scope(self, models: ReadModels, account: str | UUID | None, unit: str | None) -> list[dict[str, Any]]:
        if account and unit:
            raise BadInput("give --account, --unit or --all, not more than one")
        rows = register.rows(models.store)
        if account:
            wanted = str(self._account(account).id)
            return [r for r in rows if r["id"] == wanted]
        rows = [r for r in rows if r["platform_id"]]
        if unit:
            rows = [r for r in rows if r["unit"] == unit]
            if not rows:
                raise BadInput(f"unit {unit!r} has no account with a platform id")
        return rows

    def _account_report(self, actor: Actor, models: ReadModels, policy: Policy, a: dict[str, Any], current: Period,
                        before: Period, now: datetime) -> dict[str, Any]:
        acc = UUID(a["id"]).hex
        zone = policy.zone
        start, end = _bounds(current.first, current.last, policy)
        p_start, p_end = _bounds(before.first, before.last, policy)
        figures = statistics.account_stats(models.store, acc, start, end, zone, at=now)
        earlier = statistics.account_stats(models.store, acc, p_start, p_end, zone, at=now)
        cuts = slices(current)
        cuts_before = slices(before)
        posts = reporting.post_rows(models.store, acc, start, end, figures["followers"])
        by_hour: dict[int, list[float]] = defaultdict(list)
        by_day: dict[int, list[float]] = defaultdict(list)
        for p in posts:
            local = p["created"].astimezone(zone)
            by_hour[local.hour].append(p["engagement"])
            by_day[local.weekday()].append(p["engagement"])
        response = sla.report(models.store, start, end, acc, now).get(acc) or {
            k: 0 for k in ("count", "answered", "late", "breached", "open", "moderated")}
        plan_rows = self.plan_list(actor, current.label, a["id"], now=now)
        counts = {s: sum(1 for r in plan_rows if r["state"] == s) for s in PLAN_STATES}
        for p in figures["top_posts"]:
            p["item"] = str(UUID(hex=p["item"]))
        for p in posts:
            p["item"] = str(UUID(hex=p["item"]))
        return {
            "account": a["id"], "name": a["name"], "channel": a["channel"], "unit": a["unit"],
            "class": a["account_class"], "state": a["state"],
            "current": figures, "previous": earlier,
            "series": {
                "labels": [label for label, _, _ in cuts],
                "current": reporting.series(models.store, acc, [_bounds(f, last, policy) for _, f, last in cuts]),
                "previous": reporting.series(models.store, acc,
                                             [_bounds(f, last, policy) for _, f, last in cuts_before]),
            },
            "posts": posts,
            "hours": {h: sum(v) / len(v) for h, v in sorted(by_hour.items())},
            "days": {WEEKDAYS[d]: sum(v) / len(v) for d, v in sorted(by_day.items())},
            "response": response,
            "cadence": self._cadence(models, policy, current, acc),
            "plan": {"counts": counts, "rows": plan_rows},
        }

    @staticmethod
    def _cadence(models: ReadModels, policy: Policy, period: Period, acc: str) -> dict[str, Any]:
        """The weeks short and days over (R9, R10), and how many weeks were judged: the same judging with a
        minimum no week can meet (every judged week then counts as short)."""
        (row,) = cadence.report(models.store, period, policy, acc) or [None]
        if row is None:
            return {"class": None, "posts": 0, "weeks_judged": 0, "weeks_short": [], "days_over": [],
                    "compliance": None}
        unmeetable = msgspec.structs.replace(policy, cadence={
            name: Cadence(min_posts_per_week=1 << 30, max_posts_per_day=c.max_posts_per_day)
            for name, c in policy.cadence.items()})
        (every,) = cadence.report(models.store, period, unmeetable, acc)
        judged = len(every["weeks_short"])
        rule = policy.cadence.get(row["class"]) or policy.cadence[policy.accounts.default_class]
        return {"class": row["class"], "posts": row["posts"], "minimum": rule.min_posts_per_week,
                "maximum": rule.max_posts_per_day, "weeks_judged": judged, "weeks_short": row["weeks_short"],
                "days_over": row["days_over"],
                "compliance": (judged - len(row["weeks_short"])) / judged if judged else None}

    def write_report(self, actor: Actor, period: str, account: str | UUID | None = None, unit: str | None = None,
                     *, pdf: Path | None = None, xlsx: Path | None = None,
                     at: datetime | None = None) -> dict[str, Any]:
        """Write the report as a PDF and/or a workbook; what was written."""
        require_any(self.store.roster(), actor, "read reports")
        if pdf is None and xlsx is None:
            raise BadInput("give --out FILE.pdf, --xlsx FILE.xlsx or both")
        for path in (pdf, xlsx):
            if path is not None and not Path(path).parent.is_dir():
                raise BadInput(f"cannot write {path}: no folder {Path(path).parent}")
        data = self.interim_report(actor, period, account, unit, at=at)
        written: dict[str, Any] = {"period": data["period"], "accounts": len(data["accounts"])}
        if pdf is not None:
            written["pdf"] = str(pdf)
            written["pages"] = pdf_report.render(data, Path(pdf))
        if xlsx is not None:
            written["xlsx"] = str(xlsx)
            written["sheets"] = workbook.write(data, Path(xlsx))
        return written
