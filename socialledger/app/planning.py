"""`plan ...`: the publication calendar, its checks before publishing, and its iCalendar feed.

Planning a post, moving, cancelling it and marking it done are commands of the
account's unit (R2: its communicators and managers, the owner and the deputy,
the information unit), checked here; reading the plan needs a role, as every
report does. What became of a planned post (published, late, missed) is worked
out from the plan read model by `core/domain/planning.match`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID


from socialledger.app.authorisation import check_may_be_responsible, check_may_plan, require_any
from socialledger.app.base import Service
from socialledger.app.results import PlanCheckRow, PlanRow
from socialledger.core.domain import planning
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import Period
from socialledger.core.domain.periods import parse as parse_period
from socialledger.core.domain.planning import Planned, PlannedPost
from socialledger.core.domain.policy import Policy
from socialledger.core.domain.workflow import check_open
from socialledger.projections import ReadModels, plan, register
from socialledger.render import calendar as ical

#: `plan list` without --period also shows this many days back (what was published or missed lately)
LOOKBACK_DAYS = 14


def _dt(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


class Planning(Service):
    # Commands -------------------------------------------------------------------------------------------

    def plan_post(self, actor: Actor, account_id: str | UUID, at: str | datetime, format: str,
                  responsible: str, *, sponsored: bool = False, title: str = "", note: str = "") -> UUID:
        """Plan a post on an account (R2: a role in its unit); the planned post's id."""
        roster = self.store.roster()
        require_any(roster, actor, "plan posts")  # before the account is looked up: a stranger learns nothing
        account = self._account(account_id)
        check_may_plan(roster, actor, account)
        check_open(account.state, f"{account.id} ({account.name})")
        when = self._time(at)
        check_may_be_responsible(roster, (responsible or "").strip(), account)
        post = PlannedPost.plan(account.id, when, format, responsible, actor, sponsored=sponsored, title=title,
                                note=note)
        self.store.save(post)
        return post.id

    def move_planned(self, actor: Actor, plan_id: str | UUID, at: str | datetime) -> bool:
        """Move a planned post to another time; False when it is there already."""
        when = self._time(at)
        return self._on_plan(actor, plan_id, lambda post: post.move(when, actor))

    def cancel_planned(self, actor: Actor, plan_id: str | UUID, reason: str) -> None:
        self._on_plan(actor, plan_id, lambda post: post.cancel(reason, actor))

    def mark_planned_done(self, actor: Actor, plan_id: str | UUID, item_id: str | UUID) -> bool:
        """The captured post `item_id` is the planned one (whatever its time); False when marked so already."""
        def act(post: PlannedPost) -> bool:
            item = self._item(item_id)
            if item.kind != "post" or not item.by_account:
                raise BadInput(f"item {item_id} is a {item.kind.replace('_', ' ')}, not a post by the account")
            if item.account != post.account:
                raise BadInput(f"item {item_id} is a post of another account than the planned post's")
            return post.fulfil(item.id, actor)

        return self._on_plan(actor, plan_id, act)

    def _on_plan(self, actor: Actor, plan_id: str | UUID, act: Any) -> Any:
        require_any(self.store.roster(), actor, "change planned posts")  # before the plan is looked up

        def command() -> Any:
            post = self._planned(plan_id)
            account = self.store.account(post.account)
            check_may_plan(self.store.roster(), actor, account)
            check_open(account.state, f"{account.id} ({account.name})")
            result = act(post)
            self.store.save(post)
            return result

        return self.store.decide(command)

    def _planned(self, plan_id: str | UUID) -> PlannedPost:
        """The planned post by its id or short id (`app/ids.py`); NotFound (exit 3) when there is none."""
        return self.ids.planned(plan_id)

    def _time(self, at: str | datetime) -> datetime:
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise BadInput("a planned time needs its time zone")
            return at.astimezone(UTC)
        return planning.parse_time(at, self.store.policy().zone)

    # Queries --------------------------------------------------------------------------------------------

    def _plan_reader(self, actor: Actor) -> tuple[ReadModels, Policy]:
        require_any(self.store.roster(), actor, "read the publication plan")
        return self._caught_up(), self.store.policy()

    def _scope(self, models: ReadModels, account: str | UUID | None, unit: str | None) -> list[dict[str, Any]]:
        """The register rows of the accounts asked for (one, a unit's, or every one), closed ones left out."""
        if account and unit:
            raise BadInput("give --account or --unit, not both")
        if account:
            wanted = self._account(account).id
            return [r for r in register.rows(models.store) if UUID(r["id"]) == wanted]
        rows = [r for r in register.rows(models.store) if r["state"] != "closed"]
        if unit:
            rows = [r for r in rows if r["unit"] == unit]
            if not rows:
                raise BadInput(f"unit {unit!r} has no open account")
        return rows

    def _period(self, period: str | None, policy: Policy, now: datetime, back: int) -> Period:
        if period:
            return parse_period(period)
        today = now.astimezone(policy.zone).date()
        first, last = today - timedelta(days=back), today + timedelta(days=policy.planning.horizon_days)
        return Period(f"{first.isoformat()}..{last.isoformat()}", first, last)

    def _outcomes(self, models: ReadModels, policy: Policy, accounts: list[str], start: float, end: float,
                  now: datetime) -> tuple[list[dict[str, Any]], dict[str, planning.Outcome]]:
        """The planned posts in [start, end) of these accounts, and what became of each.

        Matching looks a window beyond the period's ends, so that a post planned near
        an end is matched as it is in any other listing.
        """
        window = policy.planning.match_window_hours * 3600
        wide = plan.plans(models.store, start - 2 * window, end + 2 * window, accounts)
        outcomes: dict[str, planning.Outcome] = {}
        for acc in accounts:
            mine = [r for r in wide if r["account"] == acc]
            if not mine:
                continue
            posts = plan.published(models.store, acc, start - 3 * window, end + 3 * window)
            marked = [r["fulfilled_by"] for r in mine if r["fulfilled_by"]]
            known = {item for item, _ in posts}
            posts += [(i, t) for i, t in plan.created_of(models.store, marked).items() if i not in known]
            outcomes.update(planning.match(
                [Planned(r["id"], r["at"], r["cancelled"] is not None, r["fulfilled_by"]) for r in mine],
                posts, policy.planning, now.timestamp()))
        return [r for r in wide if start <= r["at"] < end], outcomes

    def plan_list(self, actor: Actor, period: str | None = None, account: str | UUID | None = None,
                  unit: str | None = None, *, now: datetime | None = None) -> list[PlanRow]:
        """The planned posts of the period (default: the last two weeks and the policy's horizon) and their state."""
        models, policy = self._plan_reader(actor)
        now = now or datetime.now(UTC)
        accounts = {UUID(r["id"]).hex: r for r in self._scope(models, account, unit)}
        start, end = (b.timestamp() for b in self._period(period, policy, now, LOOKBACK_DAYS).bounds(policy.zone))
        rows, outcomes = self._outcomes(models, policy, list(accounts), start, end, now)
        out: list[PlanRow] = []
        for r in rows:
            a = accounts[r["account"]]
            o = outcomes[r["id"]]
            out.append(PlanRow(
                id=str(UUID(hex=r["id"])), account=str(UUID(hex=r["account"])), name=a["name"], channel=a["channel"],
                unit=a["unit"], at=_dt(r["at"]), format=r["format"], responsible=r["responsible"],  # type: ignore[typeddict-item]
                sponsored=bool(r["sponsored"]), title=r["title"], note=r["note"], state=o.state,
                item=str(UUID(hex=o.item)) if o.item else None, published=_dt(o.published), how=o.how,
                cancelled=r["cancelled"], revision=r["revision"], changed=_dt(r["changed"]),  # type: ignore[typeddict-item]
            ))
        return out

    def plan_check(self, actor: Actor, period: str | None = None, account: str | UUID | None = None,
                   unit: str | None = None, *, now: datetime | None = None) -> list[PlanCheckRow]:
        """Per account: the weeks that will fall below the cadence (R9), the days above the daily maximum (R10),
        planned posts bunched closer than the minimum gap, planned times outside the audience peaks."""
        models, policy = self._plan_reader(actor)
        now = now or datetime.now(UTC)
        per = self._period(period, policy, now, 0)
        zone = policy.zone
        start, end = (b.timestamp() for b in per.bounds(zone))
        accounts = {UUID(r["id"]).hex: r for r in self._scope(models, account, unit)}
        rows, outcomes = self._outcomes(models, policy, list(accounts), start, end, now)
        active = plan.activity(models.store)
        out: list[PlanCheckRow] = []
        for acc, a in accounts.items():
            upcoming = [(str(UUID(hex=r["id"])), r["at"]) for r in rows
                        if r["account"] == acc and outcomes[r["id"]].state == "planned"]
            published = [t for _, t in plan.published(models.store, acc, start, end)]
            if not upcoming and not published and a["state"] != "active":
                continue  # not active and nothing planned: nothing to judge
            since, closed = active.get(acc, (None, None))
            began = _day(since, zone) if since is not None else per.first
            rule = policy.cadence.get(a["account_class"]) or policy.cadence[policy.accounts.default_class]
            found = planning.check(upcoming, published, per.first, per.last, began,
                                   _day(closed, zone) if closed is not None else None, rule, policy.planning,
                                   policy.peaks, zone)
            out.append(PlanCheckRow(account=str(UUID(hex=acc)), name=a["name"], channel=a["channel"], unit=a["unit"],
                                    period=per.label, upcoming=len(upcoming), published=len(published),
                                    weeks_short=found["weeks_short"], days_over=found["days_over"],
                                    bunched=[dict(b) for b in found["bunched"]],
                                    off_peak=[dict(o) for o in found["off_peak"]]))
        return out

    def plan_ical(self, actor: Actor, account: str | UUID | None = None, unit: str | None = None,
                  period: str | None = None, *, now: datetime | None = None) -> bytes:
        """The plan as an iCalendar file (RFC 5545): one VEVENT per planned post, its UID stable across moves."""
        _, policy = self._plan_reader(actor)
        now = now or datetime.now(UTC)
        rows = self.plan_list(actor, period or self._period(None, policy, now, 31).label, account, unit, now=now)
        scope = (self._account(account).name if account else None) or unit or policy.organisation.name
        return ical.calendar(rows, zone=policy.zone, name=f"Publication plan: {scope}",
                             organisation=policy.organisation.name)


def _day(ts: float, zone: Any) -> date:
    return datetime.fromtimestamp(ts, UTC).astimezone(zone).date()
