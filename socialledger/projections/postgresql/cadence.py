"""The cadence read model's tables on PostgreSQL (`projections/cadence.py`)."""

from __future__ import annotations

from typing import Any

from socialledger.projections.postgresql.bulk import copy_rows


class PostgreSQLCadenceView:
    tables = ("cadence_posts", "cadence_accounts")
    query_indexes = ("CREATE INDEX IF NOT EXISTS cadence_posts_account ON cadence_posts (account, created)",)

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS cadence_posts (item text PRIMARY KEY, account text, "
                  "created double precision)")
        c.execute("CREATE TABLE IF NOT EXISTS cadence_accounts (account text PRIMARY KEY, name text, "
                  "class text, active double precision, closed double precision)")

    def __init__(self, c: Any) -> None:
        self.c = c
        self._posts: dict[str, tuple[str, str, float]] = {}  # this page's posts, written at its end

    def flush(self) -> None:
        """The page's posts in one COPY (`bulk.py`), not a statement a post."""
        copy_rows(self.c, "cadence_posts", ("item", "account", "created"), ("text", "text", "float8"),
                  list(self._posts.values()), conflict=("item",))
        self._posts = {}

    def account_applied(self, account: str, name: str, account_class: str) -> None:
        self.c.execute("INSERT INTO cadence_accounts VALUES (%s, %s, %s, NULL, NULL) ON CONFLICT (account) DO "
                       "UPDATE SET name=excluded.name, class=excluded.class, active=NULL, closed=NULL",
                       (account, name, account_class))

    def class_changed(self, account: str, account_class: str) -> None:
        self.c.execute("UPDATE cadence_accounts SET class=%s WHERE account=%s", (account_class, account))

    def account_active(self, account: str, since: float) -> None:
        self.c.execute("UPDATE cadence_accounts SET active=%s WHERE account=%s", (since, account))

    def account_closed(self, account: str, at: float) -> None:
        self.c.execute("UPDATE cadence_accounts SET closed=%s WHERE account=%s", (at, account))

    def post_made(self, item: str, account: str, created: float) -> None:
        self._posts[item] = (item, account, created)

    def accounts(self) -> list[tuple[str, str, str, float | None, float | None]]:
        self.c.execute("SELECT account, name, class, active, closed FROM cadence_accounts ORDER BY name COLLATE \"C\"")
        return [tuple(r) for r in self.c.fetchall()]  # type: ignore[misc]

    def first_post(self, account: str) -> float | None:
        self.c.execute("SELECT MIN(created) FROM cadence_posts WHERE account=%s", (account,))
        return self.c.fetchone()[0]  # type: ignore[no-any-return]

    def posts_between(self, account: str, start: float, end: float) -> list[float]:
        self.c.execute("SELECT created FROM cadence_posts WHERE account=%s AND created >= %s AND created < %s",
                       (account, start, end))
        return [r[0] for r in self.c.fetchall()]
