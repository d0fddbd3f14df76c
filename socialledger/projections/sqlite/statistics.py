"""The statistics and metrics read models' tables on SQLite (`projections/statistics.py`)."""

from __future__ import annotations

from typing import Any

from eventsourcing.sqlite import SQLiteCursor

_UPSERT_ITEM_METRIC = (
    "INSERT INTO stat_item_metrics VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item, metric) DO UPDATE SET "
    "value=excluded.value, breakdown=excluded.breakdown, observed=excluded.observed, position=excluded.position "
    "WHERE excluded.observed >= stat_item_metrics.observed"
)
_CHUNK = 500


class SQLiteStatisticsView:
    tables = ("stat_items", "stat_excerpts_purged")
    query_indexes = ("CREATE INDEX IF NOT EXISTS stat_items_account ON stat_items (account, created)",)

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_items (item TEXT PRIMARY KEY, account TEXT, native_id TEXT, "
                  "kind TEXT, by_account INTEGER, created REAL, question INTEGER, excerpt TEXT)")
        # Once: earlier versions excerpted the account's replies too, which greet and quote the people they
        # answer; only posts are excerpted now (`Statistics.captured`), and those excerpts are dropped.
        c.execute("CREATE TABLE IF NOT EXISTS stat_excerpts_purged (done INTEGER)")
        c.execute("SELECT count(*) FROM stat_excerpts_purged")
        if not c.fetchone()[0]:
            c.execute("UPDATE stat_items SET excerpt = NULL WHERE excerpt IS NOT NULL AND kind <> 'post'")
            c.execute("INSERT INTO stat_excerpts_purged VALUES (1)")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def items_captured(self, rows: list[tuple[Any, ...]]) -> None:
        self.c.executemany("INSERT OR REPLACE INTO stat_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def items(self, account: str, start: float, end: float) -> list[tuple[Any, ...]]:
        self.c.execute("SELECT item, native_id, kind, by_account, created, question, excerpt FROM stat_items "
                       "WHERE account=? AND created >= ? AND created < ?", (account, start, end))
        return [tuple(r) for r in self.c.fetchall()]


class SQLiteMetricsView:
    tables = ("stat_item_metrics", "stat_account_metrics", "stat_observations")
    query_indexes: tuple[str, ...] = ()

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_item_metrics (item TEXT, metric TEXT, value REAL, "
                  "breakdown TEXT, observed REAL, position INTEGER, PRIMARY KEY (item, metric))")
        c.execute("CREATE TABLE IF NOT EXISTS stat_observations (id TEXT PRIMARY KEY, item TEXT, metric TEXT, "
                  "account TEXT, period TEXT, end REAL)")
        c.execute("CREATE TABLE IF NOT EXISTS stat_account_metrics (account TEXT, metric TEXT, period TEXT, "
                  "start REAL, end REAL, value REAL, breakdown TEXT, PRIMARY KEY (account, metric, period, end))")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def item_counts(self, rows: list[tuple[Any, ...]]) -> None:
        self.c.executemany(_UPSERT_ITEM_METRIC, rows)

    def account_value(self, account: str, metric: str, period: str, start: float | None, end: float,
                      value: Any, breakdown: str | None) -> None:
        self.c.execute("INSERT OR REPLACE INTO stat_account_metrics VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (account, metric, period, start, end, value, breakdown))

    def observation(self, id: str, item: str | None, metric: str, account: str, period: str,  # noqa: A002
                    end: float) -> None:
        self.c.execute("INSERT OR REPLACE INTO stat_observations VALUES (?, ?, ?, ?, ?, ?)",
                       (id, item, metric, account, period, end))

    def observation_of(self, id: str) -> tuple[str | None, str, str, str, float] | None:  # noqa: A002
        self.c.execute("SELECT item, metric, account, period, end FROM stat_observations WHERE id=?", (id,))
        row = self.c.fetchone()
        return tuple(row) if row is not None else None  # type: ignore[return-value]

    def item_revised(self, item: str, metric: str, value: Any, breakdown: str | None) -> None:
        self.c.execute("UPDATE stat_item_metrics SET value=?, breakdown=? WHERE item=? AND metric=?",
                       (value, breakdown, item, metric))

    def account_revised(self, account: str, metric: str, period: str, end: float, value: Any,
                        breakdown: str | None) -> None:
        self.c.execute("UPDATE stat_account_metrics SET value=?, breakdown=? WHERE account=? AND metric=? "
                       "AND period=? AND end=?", (value, breakdown, account, metric, period, end))

    def item_metrics(self, items: list[str]) -> list[tuple[str, str, float]]:
        out: list[tuple[str, str, float]] = []
        for i in range(0, len(items), _CHUNK):
            chunk = items[i : i + _CHUNK]
            self.c.execute("SELECT item, metric, value FROM stat_item_metrics "
                           f"WHERE item IN ({','.join('?' * len(chunk))})", chunk)
            out.extend(tuple(r) for r in self.c.fetchall())  # type: ignore[misc]
        return out

    def daily_sum(self, account: str, metric: str, start: float, end: float) -> tuple[float | None, int]:
        self.c.execute("SELECT SUM(value), COUNT(*) FROM stat_account_metrics WHERE account=? AND metric=? "
                       "AND period='day' AND end > ? AND end <= ?", (account, metric, start, end))
        total, n = self.c.fetchone()
        return total, n

    def latest(self, account: str, metric: str, at: float) -> float | None:
        self.c.execute("SELECT value FROM stat_account_metrics WHERE account=? AND metric=? AND end <= ? "
                       "ORDER BY end DESC LIMIT 1", (account, metric, at))
        row = self.c.fetchone()
        return row[0] if row else None

    def first_after(self, account: str, metric: str, start: float, end: float) -> float | None:
        self.c.execute("SELECT value FROM stat_account_metrics WHERE account=? AND metric=? AND end > ? "
                       "AND end <= ? ORDER BY end LIMIT 1", (account, metric, start, end))
        row = self.c.fetchone()
        return row[0] if row else None
