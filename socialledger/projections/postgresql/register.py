"""The register's table on PostgreSQL: one row of plain columns per account (`projections/register.py`)."""

from __future__ import annotations

from typing import Any

from socialledger.projections.register import COLUMNS, JSONS, TEXTS

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM register_accounts"
_UPSERT = (f"INSERT INTO register_accounts ({', '.join(COLUMNS)}, position) "
           f"VALUES ({','.join(['%s'] * (len(COLUMNS) + 1))}) ON CONFLICT (id) DO UPDATE SET "
           + ", ".join(f"{c}=excluded.{c}" for c in (*COLUMNS[1:], "position")))


class PostgreSQLRegisterView:
    tables = ("register_accounts",)
    query_indexes: tuple[str, ...] = ()

    @staticmethod
    def create(c: Any) -> None:
        c.execute(
            "CREATE TABLE IF NOT EXISTS register_accounts (id text PRIMARY KEY, version bigint, "
            + ", ".join(f"{t} text" for t in TEXTS) + ", on_call integer, "
            + ", ".join(f"{j} text" for j in JSONS) + ", applied text, modified text, position bigint)"
        )

    def __init__(self, c: Any) -> None:
        self.c = c

    def account(self, account_id: str) -> dict[str, Any] | None:
        self.c.execute(f"{_SELECT} WHERE id=%s", (account_id,))
        row = self.c.fetchone()
        return dict(zip(COLUMNS, row, strict=True)) if row is not None else None

    def upsert_account(self, row: dict[str, Any], position: int) -> None:
        self.c.execute(_UPSERT, (*(_plain(row[c]) for c in COLUMNS), position))

    def accounts(self) -> list[dict[str, Any]]:
        self.c.execute(f"{_SELECT} ORDER BY applied COLLATE \"C\", id COLLATE \"C\"")
        return [dict(zip(COLUMNS, r, strict=True)) for r in self.c.fetchall()]


def _plain(value: Any) -> Any:
    """SQLite stores a bool as 0 or 1; so does this table, so that both read back alike."""
    return int(value) if isinstance(value, bool) else value
