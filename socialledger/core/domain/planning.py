"""The publication calendar ("Keeping it active"): planned posts as events, and the rules that judge a plan.

A `PlannedPost` is the organisation's own work (who posts what, when, on which
account, in which format, sponsored or not): it holds no personal data of the
public, so its events are stored plain. Who may plan is a role check of the
application layer (R2: communicators and managers of the account's unit, the
information unit); the aggregate guards its own life (a cancelled post is not
moved, a post is fulfilled by one captured post).

The plain functions below take plain values (POSIX times, local times, the
policy's numbers): `match` pairs planned posts with the captured posts that
fulfil them, `check` finds what a plan does wrong before it is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal, TypedDict
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import attrs

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.cadence import DayOver, WeekShort, days_over, weeks_short
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.events import LedgerAggregate
from socialledger.core.domain.policy import Cadence, Planning

FORMATS = ("post", "story", "reel", "event", "video")
PlanState = Literal["planned", "published", "late", "missed", "cancelled"]


def check_format(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in FORMATS:
        raise BadInput(f"format {value!r} is not one of {', '.join(FORMATS)}")
    return value


class PlannedPost(LedgerAggregate):
    """One planned publication on one account."""

    class PostPlanned(LedgerAggregate.Created):
        account: UUID
        at: datetime  # the planned time (UTC)
        format: str
        responsible: str  # the communicator who posts it (a ledger user)
        sponsored: bool
        title: str
        note: str

        def apply(self, post: PlannedPost) -> None:
            post.account = self.account
            post.at = self.at
            post.format = self.format
            post.responsible = self.responsible
            post.sponsored = self.sponsored
            post.title = self.title
            post.note = self.note

    class PlannedPostMoved(LedgerAggregate.Event):
        at: datetime

        def apply(self, post: PlannedPost) -> None:
            post.at = self.at

    class PlannedPostCancelled(LedgerAggregate.Event):
        reason: str

        def apply(self, post: PlannedPost) -> None:
            post.cancelled = self.reason

    class PlannedPostFulfilled(LedgerAggregate.Event):
        """Marked by hand: this captured post is the planned one (`plan done ID --item ITEM`)."""

        item: UUID

        def apply(self, post: PlannedPost) -> None:
            post.fulfilled_by = self.item

    def __init__(self) -> None:
        self.cancelled: str | None = None
        self.fulfilled_by: UUID | None = None

    # Attributes set by the events, declared for readers.
    account: UUID
    at: datetime
    format: str
    responsible: str
    sponsored: bool
    title: str
    note: str

    @classmethod
    def plan(cls, account: UUID, at: datetime, format: str, responsible: str, actor: Actor,
             *, sponsored: bool = False, title: str = "", note: str = "") -> PlannedPost:
        responsible = (responsible or "").strip()
        if not responsible:
            raise BadInput("a planned post names its responsible communicator (--responsible)")
        return cls._create(cls.PostPlanned, id=uuid4(), account=account, at=_utc(at), format=check_format(format),
                           responsible=responsible, sponsored=bool(sponsored), title=(title or "").strip(),
                           note=(note or "").strip(), **actor.stamp())

    def _check_live(self, doing: str) -> None:
        if self.cancelled is not None:
            raise BadInput(f"planned post {self.id} was cancelled and cannot be {doing}")

    def move(self, at: datetime, actor: Actor) -> bool:
        """Move to another time; False (nothing recorded) when it is there already."""
        self._check_live("moved")
        at = _utc(at)
        if at == self.at:
            return False
        self.trigger_event(self.PlannedPostMoved, at=at, **actor.stamp())
        return True

    def cancel(self, reason: str, actor: Actor) -> None:
        self._check_live("cancelled again")
        reason = (reason or "").strip()
        if not reason:
            raise BadInput("a cancellation needs a reason (--reason)")
        self.trigger_event(self.PlannedPostCancelled, reason=reason, **actor.stamp())

    def fulfil(self, item: UUID, actor: Actor) -> bool:
        """The captured post `item` (of this post's account, checked by the caller) is the planned one."""
        self._check_live("marked done")
        if self.fulfilled_by == item:
            return False
        self.trigger_event(self.PlannedPostFulfilled, item=item, **actor.stamp())
        return True


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise BadInput("a planned time needs its time zone")
    return at.astimezone(UTC)


def parse_time(text: str, zone: ZoneInfo) -> datetime:
    """`--at`: `2026-03-02T08:30` (local to the organisation unless an offset is given), in UTC."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise BadInput(f"--at {text!r}: give a time like 2026-03-02T08:30") from None
    if len(text.strip()) <= 10:
        raise BadInput(f"--at {text!r}: give the time of day too, like 2026-03-02T08:30")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# Matching a plan with what was published ------------------------------------------------------------------


@attrs.frozen
class Planned:
    """A planned post as the matching sees it (times as POSIX seconds)."""

    id: str
    at: float
    cancelled: bool = False
    fulfilled_by: str | None = None  # a captured item marked by hand


@attrs.frozen
class Outcome:
    state: PlanState
    item: str | None  # the captured post that fulfils it
    published: float | None  # when that post was made
    how: Literal["marked", "matched"] | None


def match(planned: Sequence[Planned], posts: Sequence[tuple[str, float]], rule: Planning,
          now: float) -> dict[str, Outcome]:
    """Each planned post of one account with the captured post that fulfils it, and its state at `now`.

    `posts` are the account's captured posts (item, created). A post marked by hand
    (`plan done`) fulfils its planned post whatever its time. The others are matched
    with the posts within `match_window_hours` of them, the closest pairs first, each
    post to one plan. Fulfilled: `published`, or `late` when it came more
    than `late_after_minutes` after the planned time. Not fulfilled: `missed` once the
    window has passed, else `planned`. Cancelled posts are `cancelled` and take no post.
    """
    window = rule.match_window_hours * 3600
    late_after = rule.late_after_minutes * 60
    created = dict(posts)
    live = [p for p in planned if not p.cancelled]
    taken = {p.fulfilled_by for p in live if p.fulfilled_by}
    free = [(t, item) for item, t in posts if item not in taken]
    # The closest pairs first, so that a post goes to the plan it was meant for (a 20:00 post to the
    # 20:00 plan, not to a 17:00 plan that was missed).
    pairs = sorted((abs(t - p.at), p.at, p.id, t, item) for p in live if not p.fulfilled_by
                   for t, item in free if abs(t - p.at) <= window)
    matched: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for _, _, pid, t, item in pairs:
        if pid not in matched and item not in used:
            matched[pid] = (item, t)
            used.add(item)
    out: dict[str, Outcome] = {}
    for p in planned:
        if p.cancelled:
            out[p.id] = Outcome("cancelled", None, None, None)
        elif p.fulfilled_by:
            when = created.get(p.fulfilled_by)
            state: PlanState = "late" if when is not None and when > p.at + late_after else "published"
            out[p.id] = Outcome(state, p.fulfilled_by, when, "marked")
        elif p.id in matched:
            item, t = matched[p.id]
            out[p.id] = Outcome("late" if t > p.at + late_after else "published", item, t, "matched")
        elif now > p.at + window:
            out[p.id] = Outcome("missed", None, None, None)
        else:
            out[p.id] = Outcome("planned", None, None, None)
    return out


# Checking a plan before it is published ---------------------------------------------------------------------


class Bunched(TypedDict):
    first: str  # planned post ids
    second: str
    first_at: str  # local ISO times
    second_at: str
    gap_minutes: int
    minimum: int


class OffPeak(TypedDict):
    planned: str
    at: str
    peaks: list[str]


class PlanCheck(TypedDict):
    weeks_short: list[WeekShort]
    days_over: list[DayOver]
    bunched: list[Bunched]
    off_peak: list[OffPeak]


def in_peaks(moment: time, peaks: Iterable[tuple[time, time]]) -> bool:
    """Whether a local time of day falls in one of the audience peaks (both ends inclusive: 09:00 is in 08:00-09:00)."""
    return any(start <= moment <= end for start, end in peaks)


def check(upcoming: Sequence[tuple[str, float]], published: Sequence[float], first: date, last: date,
          began: date, ended: date | None, cadence: Cadence, rule: Planning,
          peaks: Sequence[tuple[time, time]], zone: ZoneInfo) -> PlanCheck:
    """What the plan of one account does wrong in `first..last`.

    `upcoming` are the planned posts still to be published (id, planned time) and
    `published` the times of the posts already made in the period: together they are
    what the weeks and days will hold. R9: whole weeks with fewer than the class's
    minimum; R10: days with more than its maximum; planned posts closer than
    `min_gap_minutes` to the one before (one account is one channel); planned times
    outside the audience peaks.
    """
    def local(t: float) -> datetime:
        return datetime.fromtimestamp(t, UTC).astimezone(zone)

    days = [local(t).date() for _, t in upcoming] + [local(t).date() for t in published]
    result: PlanCheck = {
        "weeks_short": weeks_short(days, first, last, began, ended, cadence),
        "days_over": days_over(days, cadence),
        "bunched": [],
        "off_peak": [],
    }
    ordered = sorted(upcoming, key=lambda p: (p[1], p[0]))
    gap = timedelta(minutes=rule.min_gap_minutes)
    for (a, ta), (b, tb) in pairwise(ordered):
        if timedelta(seconds=tb - ta) < gap:
            result["bunched"].append({"first": a, "second": b, "first_at": local(ta).isoformat(),
                                      "second_at": local(tb).isoformat(), "gap_minutes": int((tb - ta) // 60),
                                      "minimum": rule.min_gap_minutes})
    for pid, t in ordered:
        moment = local(t)
        if peaks and not in_peaks(moment.time(), peaks):
            result["off_peak"].append({"planned": pid, "at": moment.isoformat(),
                                       "peaks": list(rule.audience_peaks)})
    return result
