"""The cadence read model's tables on SQLite (`projections/cadence.py`)."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteCursor


class SQLiteCadenceView:
    tables = ("cadence_posts", "cadence_accounts")
    query_indexes = ("CREATE INDEX IF NOT EXISTS cadence_posts_account ON cadence_posts (account, created)",)

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS cadence_posts (item TEXT PRIMARY KEY, account TEXT, created REAL)")
        c.execute("CREATE TABLE IF NOT EXISTS cadence_accounts (account TEXT PRIMARY KEY, name TEXT, "
                  "class TEXT, active REAL, closed REAL)")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def account_applied(self, account: str, name: str, account_class: str) -> None:
        self.c.execute("INSERT OR REPLACE INTO cadence_accounts VALUES (?, ?, ?, NULL, NULL)",
                       (account, name, account_class))

    def class_changed(self, account: str, account_class: str) -> None:
        self.c.execute("UPDATE cadence_accounts SET class=? WHERE account=?", (account_class, account))

    def account_active(self, account: str, since: float) -> None:
        self.c.execute("UPDATE cadence_accounts SET active=? WHERE account=?", (since, account))

    def account_closed(self, account: str, at: float) -> None:
        self.c.execute("UPDATE cadence_accounts SET closed=? WHERE account=?", (at, account))

    def flush(self) -> None:
        """Nothing buffered: each post is written as it comes (SQLite in-process, no round trip)."""

    def post_made(self, item: str, account: str, created: float) -> None:
        self.c.execute("INSERT OR REPLACE INTO cadence_posts VALUES (?, ?, ?)", (item, account, created))

    def accounts(self) -> list[tuple[str, str, str, float | None, float | None]]:
        self.c.execute("SELECT account, name, class, active, closed FROM cadence_accounts ORDER BY name")
        return [tuple(r) for r in self.c.fetchall()]  # type: ignore[misc]

    def first_post(self, account: str) -> float | None:
        self.c.execute("SELECT MIN(created) FROM cadence_posts WHERE account=?", (account,))
        return self.c.fetchone()[0]  # type: ignore[no-any-return]

    def posts_between(self, account: str, start: float, end: float) -> list[float]:
        self.c.execute("SELECT created FROM cadence_posts WHERE account=? AND created >= ? AND created < ?",
                       (account, start, end))
        return [r[0] for r in self.c.fetchall()]
