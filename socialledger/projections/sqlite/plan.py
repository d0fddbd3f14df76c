"""The plan read model's tables on SQLite (`projections/plan.py`)."""

from __future__ import annotations

from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from socialledger.projections.plan import COLUMNS

_CHANGEABLE = ("at", "cancelled", "fulfilled_by")


class SQLitePlanView:
    tables = ("plan_posts", "plan_published")
    query_indexes = (
        "CREATE INDEX IF NOT EXISTS plan_posts_at ON plan_posts (at)",
        "CREATE INDEX IF NOT EXISTS plan_published_account ON plan_published (account, created)",
    )

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS plan_posts (id TEXT PRIMARY KEY, account TEXT, at REAL, format TEXT, "
                  "responsible TEXT, sponsored INTEGER, title TEXT, note TEXT, cancelled TEXT, fulfilled_by TEXT, "
                  "revision INTEGER, created REAL, changed REAL)")
        c.execute("CREATE TABLE IF NOT EXISTS plan_published (item TEXT PRIMARY KEY, account TEXT, created REAL)")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def planned(self, row: tuple[Any, ...]) -> None:
        self.c.execute(f"INSERT OR REPLACE INTO plan_posts VALUES ({', '.join('?' * len(COLUMNS))})", row)

    def changed(self, id: str, changes: dict[str, Any], at: float) -> None:
        columns = [k for k in changes if k in _CHANGEABLE]
        sets = "".join(f"{k}=?, " for k in columns)
        self.c.execute(f"UPDATE plan_posts SET {sets}revision=revision+1, changed=? WHERE id=?",
                       (*(changes[k] for k in columns), at, id))

    def posts_published(self, rows: list[tuple[str, str, float]]) -> None:
        self.c.executemany("INSERT OR REPLACE INTO plan_published VALUES (?, ?, ?)", rows)

    def _rows(self) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, tuple(r), strict=True)) for r in self.c.fetchall()]

    def plans(self, start: float, end: float, accounts: list[str] | None) -> list[dict[str, Any]]:
        query = f"SELECT {', '.join(COLUMNS)} FROM plan_posts WHERE at >= ? AND at < ?"
        params: list[Any] = [start, end]
        if accounts is not None:
            query += f" AND account IN ({', '.join('?' * len(accounts))})"
            params += accounts
        self.c.execute(query + " ORDER BY at, id", params)
        return self._rows()

    def plan(self, id: str) -> dict[str, Any] | None:
        self.c.execute(f"SELECT {', '.join(COLUMNS)} FROM plan_posts WHERE id=?", (id,))
        rows = self._rows()
        return rows[0] if rows else None

    def published(self, account: str, start: float, end: float) -> list[tuple[str, float]]:
        self.c.execute("SELECT item, created FROM plan_published WHERE account=? AND created >= ? AND created < ? "
                       "ORDER BY created, item", (account, start, end))
        return [(r[0], r[1]) for r in self.c.fetchall()]

    def created_of(self, items: list[str]) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            self.c.execute(f"SELECT item, created FROM plan_published WHERE item IN ({', '.join('?' * len(chunk))})",
                           chunk)
            out.update({r[0]: r[1] for r in self.c.fetchall()})
        return out
