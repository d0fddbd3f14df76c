"""The statistics and metrics read models' tables on PostgreSQL (`projections/statistics.py`)."""

from __future__ import annotations

from typing import Any

from socialledger.projections.postgresql.bulk import copy_rows

_ITEM_COLUMNS = ("item", "account", "native_id", "kind", "by_account", "created", "question", "excerpt")
_ITEM_TYPES = ("text", "text", "text", "text", "int4", "float8", "int4", "text")


class PostgreSQLStatisticsView:
    tables = ("stat_items", "stat_excerpts_purged")
    query_indexes = ("CREATE INDEX IF NOT EXISTS stat_items_account ON stat_items (account, created)",)

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_items (item text PRIMARY KEY, account text, native_id text, "
                  "kind text, by_account integer, created double precision, question integer, excerpt text)")
        # Once: earlier versions excerpted the account's replies too, which greet and quote the people they
        # answer; only posts are excerpted now (`Statistics.captured`), and those excerpts are dropped.
        c.execute("CREATE TABLE IF NOT EXISTS stat_excerpts_purged (done INTEGER)")
        c.execute("SELECT count(*) FROM stat_excerpts_purged")
        if not c.fetchone()[0]:
            c.execute("UPDATE stat_items SET excerpt = NULL WHERE excerpt IS NOT NULL AND kind <> 'post'")
            c.execute("INSERT INTO stat_excerpts_purged VALUES (1)")

    def __init__(self, c: Any) -> None:
        self.c = c

    def items_captured(self, rows: list[tuple[Any, ...]]) -> None:
        latest = list({row[0]: row for row in rows}.values())  # an upsert touches each row once per statement
        copy_rows(self.c, "stat_items", _ITEM_COLUMNS, _ITEM_TYPES, latest, conflict=("item",))

    def items(self, account: str, start: float, end: float) -> list[tuple[Any, ...]]:
        self.c.execute("SELECT item, native_id, kind, by_account, created, question, excerpt FROM stat_items "
                       "WHERE account=%s AND created >= %s AND created < %s", (account, start, end))
        return [tuple(r) for r in self.c.fetchall()]


class PostgreSQLMetricsView:
    tables = ("stat_item_metrics", "stat_account_metrics", "stat_observations")
    query_indexes: tuple[str, ...] = ()

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS stat_item_metrics (item text, metric text, value double precision, "
                  "breakdown text, observed double precision, position bigint, PRIMARY KEY (item, metric))")
        c.execute("CREATE TABLE IF NOT EXISTS stat_observations (id text PRIMARY KEY, item text, metric text, "
                  'account text, period text, "end" double precision)')
        c.execute("CREATE TABLE IF NOT EXISTS stat_account_metrics (account text, metric text, period text, "
                  'start double precision, "end" double precision, value double precision, breakdown text, '
                  'PRIMARY KEY (account, metric, period, "end"))')

    def __init__(self, c: Any) -> None:
        self.c = c

    def item_counts(self, rows: list[tuple[Any, ...]]) -> None:
        # One row per (item, metric), as applying them one after the other would leave it: the latest of those
        # observed last (a row replaces the stored one when observed no earlier).
        latest: dict[tuple[Any, Any], tuple[Any, ...]] = {}
        for row in rows:
            key = (row[0], row[1])
            if key not in latest or (row[4] or 0) >= (latest[key][4] or 0):
                latest[key] = tuple(row)
        copy_rows(self.c, "stat_item_metrics", ("item", "metric", "value", "breakdown", "observed", "position"),
                  ("text", "text", "float8", "text", "float8", "int8"), list(latest.values()),
                  conflict=("item", "metric"), where="excluded.observed >= stat_item_metrics.observed")

    def account_value(self, account: str, metric: str, period: str, start: float | None, end: float,
                      value: Any, breakdown: str | None) -> None:
        self.c.execute("INSERT INTO stat_account_metrics VALUES (%s, %s, %s, %s, %s, %s, %s) "
                       'ON CONFLICT (account, metric, period, "end") DO UPDATE SET start=excluded.start, '
                       "value=excluded.value, breakdown=excluded.breakdown",
                       (account, metric, period, start, end, value, breakdown))

    def observation(self, id: str, item: str | None, metric: str, account: str, period: str,  # noqa: A002
                    end: float) -> None:
        self.c.execute("INSERT INTO stat_observations VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE "
                       'SET item=excluded.item, metric=excluded.metric, account=excluded.account, '
                       'period=excluded.period, "end"=excluded."end"', (id, item, metric, account, period, end))

    def observation_of(self, id: str) -> tuple[str | None, str, str, str, float] | None:  # noqa: A002
        self.c.execute('SELECT item, metric, account, period, "end" FROM stat_observations WHERE id=%s', (id,))
        row = self.c.fetchone()
        return tuple(row) if row is not None else None  # type: ignore[return-value]

    def item_revised(self, item: str, metric: str, value: Any, breakdown: str | None) -> None:
        self.c.execute("UPDATE stat_item_metrics SET value=%s, breakdown=%s WHERE item=%s AND metric=%s",
                       (value, breakdown, item, metric))

    def account_revised(self, account: str, metric: str, period: str, end: float, value: Any,
                        breakdown: str | None) -> None:
        self.c.execute("UPDATE stat_account_metrics SET value=%s, breakdown=%s WHERE account=%s AND metric=%s "
                       'AND period=%s AND "end"=%s', (value, breakdown, account, metric, period, end))

    def item_metrics(self, items: list[str]) -> list[tuple[str, str, float]]:
        self.c.execute("SELECT item, metric, value FROM stat_item_metrics WHERE item = ANY(%s)", (items,))
        return [tuple(r) for r in self.c.fetchall()]  # type: ignore[misc]

    def daily_sum(self, account: str, metric: str, start: float, end: float) -> tuple[float | None, int]:
        self.c.execute("SELECT SUM(value), COUNT(*) FROM stat_account_metrics WHERE account=%s AND metric=%s "
                       """AND period='day' AND "end" > %s AND "end" <= %s""", (account, metric, start, end))
        total, n = self.c.fetchone()
        return total, n

    def latest(self, account: str, metric: str, at: float) -> float | None:
        self.c.execute('SELECT value FROM stat_account_metrics WHERE account=%s AND metric=%s AND "end" <= %s '
                       'ORDER BY "end" DESC LIMIT 1', (account, metric, at))
        row = self.c.fetchone()
        return row[0] if row else None

    def first_after(self, account: str, metric: str, start: float, end: float) -> float | None:
        self.c.execute('SELECT value FROM stat_account_metrics WHERE account=%s AND metric=%s AND "end" > %s '
                       'AND "end" <= %s ORDER BY "end" LIMIT 1', (account, metric, start, end))
        row = self.c.fetchone()
        return row[0] if row else None
