"""Statistics per account and period: what the information unit follows (domain-rules.md, last section)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.observations import MetricsObservation
from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.base import ReadModel
from socialledger.projections.sla import report as sla_report

_json = msgspec.json.Encoder()
#: Account-level metrics summed over a period from their daily values.
DAILY_SUMS = ("reach", "impressions", "views", "clicks", "follows", "unfollows", "engaged_users", "interactions",
              "profile_views", "video_views")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class StatisticsView(Protocol):
    """The statistics model's rows (SQLite: `projections/sqlite/statistics.py`): one per captured item,
    (item, account, native id, kind, by account, created, question, excerpt)."""

    def items_captured(self, rows: list[tuple[Any, ...]]) -> None:
        """Write a page's item rows (replacing rows of the same items), in event order."""

    def items(self, account: str, start: float, end: float) -> list[tuple[Any, ...]]:
        """The account's items created in [start, end): (item, native id, kind, by account, created, question,
        excerpt)."""


class MetricsView(Protocol):
    """The metrics model's figures (SQLite: `projections/sqlite/statistics.py`)."""

    def item_counts(self, rows: list[tuple[Any, ...]]) -> None:
        """A page's item counts (item, metric, value, breakdown, observed, position): per item and metric,
        the newest observation wins."""

    def account_value(self, account: str, metric: str, period: str, start: float | None, end: float,
                      value: Any, breakdown: str | None) -> None: ...

    def observation(self, id: str, item: str | None, metric: str, account: str, period: str,  # noqa: A002
                    end: float) -> None:
        """Remember where a timed observation went, so that a revision finds it."""

    def observation_of(self, id: str) -> tuple[str | None, str, str, str, float] | None:  # noqa: A002
        """(item, metric, account, period, end) of an observation remembered."""

    def item_revised(self, item: str, metric: str, value: Any, breakdown: str | None) -> None: ...

    def account_revised(self, account: str, metric: str, period: str, end: float, value: Any,
                        breakdown: str | None) -> None: ...

    def item_metrics(self, items: list[str]) -> list[tuple[str, str, float]]:
        """(item, metric, value) of these items."""

    def daily_sum(self, account: str, metric: str, start: float, end: float) -> tuple[float | None, int]:
        """The sum and number of the account's daily values of `metric` ending in (start, end]."""

    def latest(self, account: str, metric: str, at: float) -> float | None:
        """The account's last value of `metric` ending at or before `at`."""

    def first_after(self, account: str, metric: str, start: float, end: float) -> float | None:
        """The account's first value of `metric` ending in (start, end]."""


class Statistics(ReadModel):
    """What was posted and received: one row per captured item."""

    name = "statistics"
    needs_content = True  # questions are told by their text, top posts show the account's own words

    def __init__(self) -> None:
        super().__init__()
        self._items: list[tuple[Any, ...]] = []

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {ContentItem.Captured: self.captured}

    def begin(self, view: StatisticsView) -> None:
        self._items = []

    def end(self, view: StatisticsView) -> None:
        # Nothing in a page reads these rows back: written at its end, in event order.
        view.items_captured(self._items)
        self._items = []

    def captured(self, view: StatisticsView, e: Any, position: int) -> None:
        text = e.content.get("text") if e.content else None  # None once erased or disposed
        question = None if text is None else int("?" in text)
        # Only the account's own posts are excerpted here, for the top posts: never a commenter's words,
        # nor the account's replies to them (a reply greets and quotes the person it answers).
        excerpt = " ".join(text.split())[:120] if (text and e.by_account and e.kind == "post") else None
        self._items.append((e.originator_id.hex, e.account.hex, f"{e.channel}:{e.native_id}" if e.native_id else None,
                            e.kind, int(e.by_account), (e.occurred or e.observed).timestamp(),
                            question if not e.by_account else None, excerpt))


class Metrics(ReadModel):
    """The platforms' figures: the latest count of each item, and the account's values per period."""

    name = "metrics"

    def __init__(self) -> None:
        super().__init__()
        self._item_metrics: list[tuple[Any, ...]] = []

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            MetricsObservation.MetricsObserved: self.observed,
            MetricsObservation.MetricsRevised: self.revised,
        }

    def begin(self, view: MetricsView) -> None:
        self._item_metrics = []

    def end(self, view: MetricsView) -> None:
        view.item_counts(self._item_metrics)
        self._item_metrics = []

    def observed(self, view: MetricsView, e: Any, position: int) -> None:
        breakdown = _json.encode(e.breakdown).decode() if e.breakdown else None
        end = (e.end or e.timestamp).timestamp()
        if e.item is not None:
            # The newest observation of an item's count is its count.
            self._item_metrics.append((e.item.hex, e.metric, e.value, breakdown, end, position))
        else:
            view.account_value(e.account.hex, e.metric, e.period, e.start.timestamp() if e.start else None, end,
                               e.value, breakdown)
        if e.end is not None:  # untimed counts are told apart by their value: they are never revised
            view.observation(e.originator_id.hex, e.item.hex if e.item else None, e.metric, e.account.hex,
                             e.period, end)

    def revised(self, view: MetricsView, e: Any, position: int) -> None:
        self.end(view)  # the revised observation may be in this page's buffer
        row = view.observation_of(e.originator_id.hex)
        if row is None:
            return
        item, metric, account, period, end = row
        breakdown = _json.encode(e.breakdown).decode() if e.breakdown else None
        if item is not None:
            view.item_revised(item, metric, e.value, breakdown)
        else:
            view.account_revised(account, metric, period, end, e.value, breakdown)


# Queries ------------------------------------------------------------------------------------------


def account_stats(store: ReadModelStore, account: str, start: float, end: float, zone: Any,
                  at: datetime | None = None) -> dict[str, Any]:
    """Every figure of one account over [start, end)."""
    with store.read() as tx:
        stats: StatisticsView = store.view("statistics", tx)
        figures: MetricsView = store.view("metrics", tx)
        items = stats.items(account, start, end)
        posts = [r for r in items if r[3] and r[2] == "post"]
        inbound = [r for r in items if not r[3] and r[2] in ("comment", "reply", "visitor_post")]
        metrics: dict[str, dict[str, float]] = defaultdict(dict)
        ids = [r[0] for r in posts]
        for item, metric, value in figures.item_metrics(ids):
            metrics[item][metric] = value
        sums: dict[str, float | None] = {}
        for name in DAILY_SUMS:
            total, n = figures.daily_sum(account, name, start, end)
            sums[name] = total if n else None
        followers = figures.latest(account, "followers", end)
        baseline = figures.latest(account, "followers", start)
        if baseline is None:  # no value before the period: the first one in it is the baseline (nollvärde)
            baseline = figures.first_after(account, "followers", start, end)

    def engagement(item: str) -> float:
        m = metrics.get(item, {})
        return m.get("reactions", 0) + m.get("comments", 0) + m.get("shares", 0)

    per_post = []
    for item, native_id, _, _, created, _, excerpt in posts:
        m = metrics.get(item, {})
        reactions = m.get("reactions")
        per_post.append({
            "item": item, "native_id": native_id, "created": datetime.fromtimestamp(created, UTC),
            "excerpt": excerpt, "reactions": reactions, "comments": m.get("comments"), "shares": m.get("shares"),
            "engagement": engagement(item),
            "engagement_rate": (reactions / followers * 100) if (reactions is not None and followers) else None,
        })
    by_hour: dict[int, list[float]] = defaultdict(list)
    by_day: dict[str, list[float]] = defaultdict(list)
    for p in per_post:
        local = p["created"].astimezone(zone)
        by_hour[local.hour].append(p["engagement"])
        by_day[WEEKDAYS[local.weekday()]].append(p["engagement"])
    rates = [p["engagement_rate"] for p in per_post if p["engagement_rate"] is not None]
    response = sla_report(store, start, end, account, at).get(account, {})
    return {
        "posts": len(posts),
        "comments": sum(1 for r in inbound if r[2] in ("comment", "reply")),
        "visitor_posts": sum(1 for r in inbound if r[2] == "visitor_post"),
        "questions": sum(1 for r in inbound if r[5]),
        "reactions": sum(p["reactions"] or 0 for p in per_post),
        "shares": sum(p["shares"] or 0 for p in per_post),
        **sums,
        "followers": followers,
        "followers_baseline": baseline,
        "followers_growth": (followers - baseline) if (followers is not None and baseline is not None) else None,
        "engagement_rate_average": sum(rates) / len(rates) if rates else None,
        "best_hours": _best(by_hour),
        "best_days": _best(by_day),
        "top_posts": sorted(per_post, key=lambda p: (-p["engagement"], p["created"]))[:5],
        "response": {k: response.get(k) for k in ("count", "average_seconds", "median_seconds", "quickest_seconds",
                                                  "slowest_seconds", "within_sla_share")},
    }


def _best(groups: dict[Any, list[float]], n: int = 3) -> list[dict[str, Any]]:
    ranked = sorted(((sum(v) / len(v), k) for k, v in groups.items()), key=lambda t: (-t[0], str(t[1])))
    return [{"when": k, "average_engagement": round(avg, 2)} for avg, k in ranked[:n]]
