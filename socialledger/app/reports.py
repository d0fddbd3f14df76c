"""`sla status|report`, `cadence report`, `stats`, `projections ...`, `audit replay`: what the read models tell.

Every report needs a role (R2), checked before the read models are caught up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from socialledger.app.authorisation import require_any
from socialledger.app.base import Service
from socialledger.app.content_views import ContentReader
from socialledger.app.results import CadenceRow, ProjectionStatus, SlaReportRow
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import parse as parse_period
from socialledger.projections import NAMES, ReadModels, cadence, register, sla, statistics

#: the read models by name, for `projections rebuild NAME`
READ_MODELS = NAMES
#: the states of an inbound item (docs/reports.md), for `sla status --state`
SLA_STATES = ("open", "answered", "late", "breached", "moderated")
#: the figures of `stats --by period`: what adds up (or is read at the end) per part of a period
PART_FIGURES = ("posts", "comments", "visitor_posts", "questions", "reactions", "shares", "reach", "impressions",
                "views", "clicks", "follows", "followers")
#: how much of an item's text `sla status` shows
EXCERPT = 60
from socialledger.projections.replay import replay


@attrs.frozen
class SlaStatus:
    """`sla status`: the SLA read model's rows (times as POSIX seconds) and the names of their accounts."""

    rows: list[dict[str, Any]]
    names: dict[str, str]  # account id (hex) -> name
    zone: ZoneInfo


class Reports(Service):
    def _reader(self, actor: Actor) -> tuple[ReadModels, ZoneInfo]:
        """The read models caught up and the organisation's time zone, after the role check (R2)."""
        require_any(self.store.roster(), actor, "read reports")
        return self._caught_up(), self.store.policy().zone

    def _account_hex(self, account: str | UUID | None) -> str | None:
        return self._account(account).id.hex if account else None

    @staticmethod
    def _names(models: ReadModels) -> dict[str, str]:
        """Account id (hex) -> name, from the register read model (caught up with the others)."""
        return {UUID(r["id"]).hex: r["name"] for r in register.rows(models.store)}

    def sla_status(self, actor: Actor, account: str | UUID | None = None, at: str | datetime | None = None,
                   period: str | None = None, states: Sequence[str] = ()) -> SlaStatus:
        """Every inbound item (in `states`, if given): received, due, first response and state (R12-R15), as it
        stood `at`, by due time; each with its author and an excerpt of its text (read from the item, under
        its keys: "erased" once they are destroyed; the read model itself holds neither)."""
        unknown = sorted(set(states) - set(SLA_STATES))
        if unknown:
            raise BadInput(f"--state {unknown[0]!r}: one of {', '.join(SLA_STATES)}")
        models, zone = self._reader(actor)
        moment = _parse_at(at, zone) if isinstance(at, str) or at is None else at
        received = [b.timestamp() for b in parse_period(period).bounds(zone)] if period else [None, None]
        rows = [r for r in sla.status(models.store, self._account_hex(account), moment, *received)
                if not states or r["state"] in states]
        rows.sort(key=lambda r: (r["due"], r["received"]))
        reader = ContentReader(self.store)
        for row in rows:
            summary = reader.summary(self.store.item(UUID(hex=row["item"])))
            # The read model names another person's item by a keyed hash (`writer.sealed_native`): its platform id
            # is read from the item, under its key, as its text is.
            row["native_id"] = summary["native_id"]
            row["author"] = summary["author"]
            row["author_name"] = summary["author_name"]
            row["erased"] = summary["erased"]
            row["excerpt"] = _excerpt(summary["text"])
        return SlaStatus(rows=rows, names=self._names(models), zone=zone)

    def sla_report(self, actor: Actor, period: str, account: str | UUID | None = None) -> list[SlaReportRow]:
        """Response times per account (R17): count, average, median, quickest, slowest, share within the SLA."""
        models, zone = self._reader(actor)
        start, end = parse_period(period).bounds(zone)
        report = sla.report(models.store, start.timestamp(), end.timestamp(), self._account_hex(account))
        names = self._names(models)
        return [SlaReportRow(account=str(UUID(hex=acc)), name=names.get(acc), period=period, **values)
                for acc, values in sorted(report.items(), key=lambda kv: names.get(kv[0], kv[0]))]

    def cadence_report(self, actor: Actor, period: str, account: str | UUID | None = None) -> list[CadenceRow]:
        """The weeks each account fell short of its class's minimum and the days it went over the maximum."""
        models, _ = self._reader(actor)
        rows = cadence.report(models.store, parse_period(period), self.store.policy(), self._account_hex(account))
        return [CadenceRow(**{**r, "account": str(UUID(hex=r["account"]))}) for r in rows]

    def stats(self, actor: Actor, period: str, account: str | UUID | None = None) -> list[dict[str, Any]]:
        """Statistics per account and period (every account with a platform id, or one)."""
        models, zone = self._reader(actor)
        start, end = parse_period(period).bounds(zone)
        accounts = ([self._account(account)] if account
                    else [a for a in self.store.accounts() if a.platform_id])
        out = []
        for a in accounts:
            figures = statistics.account_stats(models.store, a.id.hex, start.timestamp(), end.timestamp(), zone)
            for p in figures["top_posts"]:
                p["item"] = str(UUID(hex=p["item"]))
            out.append({"account": str(a.id), "name": a.name, "channel": a.channel, "period": period, **figures})
        return out

    def stats_by_period(self, actor: Actor, period: str, account: str | UUID | None = None) -> list[dict[str, Any]]:
        """Per account, the counted figures of each part of the period (its months, weeks or days:
        `Period.parts`), for `stats --by period`."""
        models, zone = self._reader(actor)
        whole = parse_period(period)
        accounts = ([self._account(account)] if account
                    else [a for a in self.store.accounts() if a.platform_id])
        out = []
        for a in accounts:
            parts = []
            for part in whole.parts():
                start, end = part.bounds(zone)
                figures = statistics.account_stats(models.store, a.id.hex, start.timestamp(), end.timestamp(), zone)
                parts.append({"period": part.label, **{k: figures[k] for k in PART_FIGURES},
                              "response_median_seconds": figures["response"]["median_seconds"]})
            out.append({"account": str(a.id), "name": a.name, "channel": a.channel, "period": whole.label,
                        "parts": parts})
        return out

    def replay(self, actor: Actor, until: str, period: str | None = None) -> dict[str, Any]:
        """The register, SLA state and statistics as they stood at `until` (a position or a time)."""
        require_any(self.store.roster(), actor, "replay the ledger")
        return replay(self.store, until, parse_period(period) if period else None)

    def projections_status(self, actor: Actor) -> list[ProjectionStatus]:
        """Each read model's position against the ledger's head (R2: a role, as every read of the ledger)."""
        require_any(self.store.roster(), actor, "read the state of the read models")
        return self._caught_up(catch_up=False).status()

    def projections_update(self, actor: Actor) -> int:
        """Catch every read model up (what every report does first anyway; R2: a role, as every report)."""
        require_any(self.store.roster(), actor, "update the read models")
        return self._caught_up(catch_up=False).catch_up()

    def projections_rebuild(self, actor: Actor, name: str | None = None) -> int:
        """Drop read models (all, or `name`) and rebuild them from position 0; the number of events applied."""
        require_any(self.store.roster(), actor, "rebuild read models")
        if name is not None and name not in NAMES:
            raise BadInput(f"no read model {name!r} (one of: {', '.join(NAMES)})")
        return self._caught_up(catch_up=False).rebuild([name] if name else None)


def _excerpt(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _parse_at(text: str | None, zone: ZoneInfo) -> datetime | None:
    """`--at`: a time (local when it has no offset); a date alone means its last second."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"--at {text!r}: give a time like 2026-03-02T10:00 or 2026-03-02") from None
    if value.tzinfo is None:
        if len(text.strip()) == 10:
            value = datetime.combine(value.date(), time(23, 59, 59))
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)
