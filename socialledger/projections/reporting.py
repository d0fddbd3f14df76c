"""What the interim report reads beyond `statistics.account_stats`: every post's engagement, and figures over time.

Reads the statistics and metrics read models through their views (nothing of
its own is kept): the posts of a period with their latest counts, and the
posts, reactions, reach and followers of each slice of a period, for the
report's charts against the previous period and the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.statistics import MetricsView, StatisticsView


def post_rows(store: ReadModelStore, account: str, start: float, end: float,
              followers: float | None) -> list[dict[str, Any]]:
    """Every post the account made in [start, end), in time order, with its counts and engagement rate
    (reactions / followers x 100, followers at the end of the period)."""
    with store.read() as tx:
        stats: StatisticsView = store.view("statistics", tx)
        figures: MetricsView = store.view("metrics", tx)
        posts = [r for r in stats.items(account, start, end) if r[3] and r[2] == "post"]
        counts: dict[str, dict[str, float]] = {}
        for item, metric, value in figures.item_metrics([r[0] for r in posts]):
            counts.setdefault(item, {})[metric] = value
    out = []
    for item, native_id, _, _, created, _, excerpt in sorted(posts, key=lambda r: (r[4], r[0])):
        m = counts.get(item, {})
        reactions = m.get("reactions")
        out.append({
            "item": item, "native_id": native_id, "created": datetime.fromtimestamp(created, UTC), "excerpt": excerpt,
            "reactions": reactions, "comments": m.get("comments"), "shares": m.get("shares"),
            "reach": m.get("reach"), "engagement": sum(m.get(k, 0) for k in ("reactions", "comments", "shares")),
            "engagement_rate": (reactions / followers * 100) if (reactions is not None and followers) else None,
        })
    return out


def series(store: ReadModelStore, account: str, slices: Sequence[tuple[float, float]]) -> dict[str, list[Any]]:
    """Per slice [start, end): the posts made, the reactions on them, the reach (sum of daily values; None
    without any) and the number of daily values summed, and the followers at the slice's end (None before the
    first value)."""
    out: dict[str, list[Any]] = {"posts": [], "reactions": [], "reach": [], "reach_days": [], "followers": []}
    with store.read() as tx:
        stats: StatisticsView = store.view("statistics", tx)
        figures: MetricsView = store.view("metrics", tx)
        for start, end in slices:
            posts = [r[0] for r in stats.items(account, start, end) if r[3] and r[2] == "post"]
            reactions = sum(v for _, metric, v in figures.item_metrics(posts) if metric == "reactions")
            reach, n = figures.daily_sum(account, "reach", start, end)
            out["posts"].append(len(posts))
            out["reactions"].append(reactions)
            out["reach"].append(reach if n else None)
            out["reach_days"].append(n)
            out["followers"].append(figures.latest(account, "followers", end))
    return out
