"""Statistics per account and period: what the information unit follows (domain-rules.md, last section)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.observations import MetricsObservation
from socialledger.projections.base import ReadModel
from socialledger.projections.sla import report as sla_report

_json = msgspec.json.Encoder()
#: Account-level metrics summed over a period from their daily values.
DAILY_SUMS = ("reach", "impressions", "views", "clicks", "follows", "unfollows", "engaged_users", "interactions",
              "profile_views", "video_views")
_UPSERT_ITEM_METRIC = (
    "INSERT INTO stat_item_metrics VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item, metric) DO UPDATE SET "
    "value=excluded.value, breakdown=excluded.breakdown, observed=excluded.observed, position=excluded.position "
    "WHERE excluded.observed >= stat_item_metrics.observed"
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Statistics(ReadModel):
    """What was posted and received: one row per captured item."""

    name = "statistics"
    needs_content = True  # questions are told by their text, top posts show the account's own words
    tables = ("stat_items",)
    query_indexes = ("CREATE INDEX IF NOT EXISTS stat_items_account ON stat_items (account, created)",)

    def __init__(self) -> None:
        super().__init__()
        self._items: list[tuple[Any, ...]] = []

    def create(self, c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_items (item TEXT PRIMARY KEY, account TEXT, native_id TEXT, "
                  "kind TEXT, by_account INTEGER, created REAL, question INTEGER, excerpt TEXT)")

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {ContentItem.Captured: self.captured}

    def begin(self, c: Any) -> None:
        self._items = []

    def end(self, c: Any) -> None:
        # Nothing in a page reads these rows back: one executemany, in event order.
        c.executemany("INSERT OR REPLACE INTO stat_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._items)
        self._items = []

    def captured(self, c: Any, e: Any, position: int) -> None:
        text = e.content.get("text") if e.content else None  # None once erased or disposed
        question = None if text is None else int("?" in text)
        # Only the account's own words are kept here, for the top posts; never a commenter's.
        excerpt = " ".join(text.split())[:120] if (text and e.by_account) else None
        self._items.append((e.originator_id.hex, e.account.hex, f"{e.channel}:{e.native_id}" if e.native_id else None,
                            e.kind, int(e.by_account), (e.occurred or e.observed).timestamp(),
                            question if not e.by_account else None, excerpt))


class Metrics(ReadModel):
    """The platforms' figures: the latest count of each item, and the account's values per period."""

    name = "metrics"
    tables = ("stat_item_metrics", "stat_account_metrics", "stat_observations")

    def __init__(self) -> None:
        super().__init__()
        self._item_metrics: list[tuple[Any, ...]] = []

    def create(self, c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_item_metrics (item TEXT, metric TEXT, value REAL, "
                  "breakdown TEXT, observed REAL, position INTEGER, PRIMARY KEY (item, metric))")
        c.execute("CREATE TABLE IF NOT EXISTS stat_observations (id TEXT PRIMARY KEY, item TEXT, metric TEXT, "
                  "account TEXT, period TEXT, end REAL)")
        c.execute("CREATE TABLE IF NOT EXISTS stat_account_metrics (account TEXT, metric TEXT, period TEXT, "
                  "start REAL, end REAL, value REAL, breakdown TEXT, PRIMARY KEY (account, metric, period, end))")

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            MetricsObservation.MetricsObserved: self.observed,
            MetricsObservation.MetricsRevised: self.revised,
        }

    def begin(self, c: Any) -> None:
        self._item_metrics = []

    def end(self, c: Any) -> None:
        c.executemany(_UPSERT_ITEM_METRIC, self._item_metrics)
        self._item_metrics = []

    def observed(self, c: Any, e: Any, position: int) -> None:
        breakdown = _json.encode(e.breakdown).decode() if e.breakdown else None
        end = (e.end or e.timestamp).timestamp()
        if e.item is not None:
            # The newest observation of an item's count is its count.
            self._item_metrics.append((e.item.hex, e.metric, e.value, breakdown, end, position))
        else:
            c.execute("INSERT OR REPLACE INTO stat_account_metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (e.account.hex, e.metric, e.period, e.start.timestamp() if e.start else None, end,
                       e.value, breakdown))
        if e.end is not None:  # untimed counts are told apart by their value: they are never revised
            c.execute("INSERT OR REPLACE INTO stat_observations VALUES (?, ?, ?, ?, ?, ?)",
                      (e.originator_id.hex, e.item.hex if e.item else None, e.metric, e.account.hex, e.period, end))

    def revised(self, c: Any, e: Any, position: int) -> None:
        self.end(c)  # the revised observation may be in this page's buffer
        c.execute("SELECT item, metric, account, period, end FROM stat_observations WHERE id=?",
                  (e.originator_id.hex,))
        row = c.fetchone()
        if row is None:
            return
        item, metric, account, period, end = tuple(row)
        breakdown = _json.encode(e.breakdown).decode() if e.breakdown else None
        if item is not None:
            c.execute("UPDATE stat_item_metrics SET value=?, breakdown=? WHERE item=? AND metric=?",
                      (e.value, breakdown, item, metric))
        else:
            c.execute("UPDATE stat_account_metrics SET value=?, breakdown=? WHERE account=? AND metric=? "
                      "AND period=? AND end=?", (e.value, breakdown, account, metric, period, end))


# Queries ------------------------------------------------------------------------------------------


def account_stats(store: Any, account: str, start: float, end: float, zone: Any,
                  at: datetime | None = None) -> dict[str, Any]:
    """Every figure of one account over [start, end)."""
    with store.datastore.transaction(commit=False) as c:
        c.execute("SELECT item, native_id, kind, by_account, created, question, excerpt FROM stat_items "
                  "WHERE account=? AND created >= ? AND created < ?", (account, start, end))
        items = [tuple(r) for r in c.fetchall()]
        posts = [r for r in items if r[3] and r[2] == "post"]
        inbound = [r for r in items if not r[3] and r[2] in ("comment", "reply", "visitor_post")]
        metrics: dict[str, dict[str, float]] = defaultdict(dict)
        ids = [r[0] for r in posts]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            c.execute(f"SELECT item, metric, value FROM stat_item_metrics WHERE item IN ({','.join('?' * len(chunk))})",
                      chunk)
            for item, metric, value in c.fetchall():
                metrics[item][metric] = value
        sums: dict[str, float | None] = {}
        for name in DAILY_SUMS:
            c.execute("SELECT SUM(value), COUNT(*) FROM stat_account_metrics WHERE account=? AND metric=? "
                      "AND period='day' AND end > ? AND end <= ?", (account, name, start, end))
            total, n = c.fetchone()
            sums[name] = total if n else None
        c.execute("SELECT value FROM stat_account_metrics WHERE account=? AND metric='followers' AND end <= ? "
                  "ORDER BY end DESC LIMIT 1", (account, end))
        row = c.fetchone()
        followers = row[0] if row else None
        c.execute("SELECT value FROM stat_account_metrics WHERE account=? AND metric='followers' AND end <= ? "
                  "ORDER BY end DESC LIMIT 1", (account, start))
        row = c.fetchone()
        if row is None:  # no value before the period: the first one in it is the baseline (nollvärde)
            c.execute("SELECT value FROM stat_account_metrics WHERE account=? AND metric='followers' AND end > ? "
                      "AND end <= ? ORDER BY end LIMIT 1", (account, start, end))
            row = c.fetchone()
        baseline = row[0] if row else None

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
