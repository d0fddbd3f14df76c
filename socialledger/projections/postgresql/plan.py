"""The plan read model's tables on PostgreSQL (`projections/plan.py`)."""

from __future__ import annotations

from typing import Any

from socialledger.projections.plan import COLUMNS

_CHANGEABLE = ("at", "cancelled", "fulfilled_by")
_UPSERT = (f"INSERT INTO plan_posts ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
           "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c}=excluded.{c}" for c in COLUMNS if c != "id"))


class PostgreSQLPlanView:
    tables = ("plan_posts", "plan_published")
    query_indexes = (
        "CREATE INDEX IF NOT EXISTS plan_posts_at ON plan_posts (at)",
        "CREATE INDEX IF NOT EXISTS plan_published_account ON plan_published (account, created)",
    )

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS plan_posts (id text PRIMARY KEY, account text, at double precision, "
                  "format text, responsible text, sponsored integer, title text, note text, cancelled text, "
                  "fulfilled_by text, revision integer, created double precision, changed double precision)")
        c.execute("CREATE TABLE IF NOT EXISTS plan_published (item text PRIMARY KEY, account text, "
                  "created double precision)")

    def __init__(self, c: Any) -> None:
        self.c = c

    def planned(self, row: tuple[Any, ...]) -> None:
        self.c.execute(_UPSERT, tuple(int(v) if isinstance(v, bool) else v for v in row))

    def changed(self, id: str, changes: dict[str, Any], at: float) -> None:  # noqa: A002
        columns = [k for k in changes if k in _CHANGEABLE]
        sets = "".join(f"{k}=%s, " for k in columns)
        self.c.execute(f"UPDATE plan_posts SET {sets}revision=revision+1, changed=%s WHERE id=%s",
                       (*(changes[k] for k in columns), at, id))

    def posts_published(self, rows: list[tuple[str, str, float]]) -> None:
        if rows:
            latest = list({row[0]: row for row in rows}.values())
            self.c.executemany("INSERT INTO plan_published VALUES (%s, %s, %s) ON CONFLICT (item) DO UPDATE "
                               "SET account=excluded.account, created=excluded.created", latest)

    def _rows(self) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, tuple(r), strict=True)) for r in self.c.fetchall()]

    def plans(self, start: float, end: float, accounts: list[str] | None) -> list[dict[str, Any]]:
        query = f"SELECT {', '.join(COLUMNS)} FROM plan_posts WHERE at >= %s AND at < %s"
        params: list[Any] = [start, end]
        if accounts is not None:
            query += " AND account = ANY(%s)"
            params.append(list(accounts))
        self.c.execute(query + ' ORDER BY at, id COLLATE "C"', params)
        return self._rows()

    def plan(self, id: str) -> dict[str, Any] | None:  # noqa: A002
        self.c.execute(f"SELECT {', '.join(COLUMNS)} FROM plan_posts WHERE id=%s", (id,))
        rows = self._rows()
        return rows[0] if rows else None

    def published(self, account: str, start: float, end: float) -> list[tuple[str, float]]:
        self.c.execute("SELECT item, created FROM plan_published WHERE account=%s AND created >= %s AND created < %s "
                       'ORDER BY created, item COLLATE "C"', (account, start, end))
        return [(r[0], r[1]) for r in self.c.fetchall()]

    def created_of(self, items: list[str]) -> dict[str, float]:
        self.c.execute("SELECT item, created FROM plan_published WHERE item = ANY(%s)", (list(items),))
        return {r[0]: r[1] for r in self.c.fetchall()}
