"""The register's table on SQLite: one row of plain columns per account (`projections/register.py`)."""

from __future__ import annotations

from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from socialledger.projections.register import COLUMNS, JSONS, TEXTS

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM register_accounts"
_UPSERT = (f"INSERT OR REPLACE INTO register_accounts ({', '.join(COLUMNS)}, position) "
           f"VALUES ({','.join('?' * (len(COLUMNS) + 1))})")


class SQLiteRegisterView:
    tables = ("register_accounts",)
    query_indexes: tuple[str, ...] = ()

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute(
            "CREATE TABLE IF NOT EXISTS register_accounts (id TEXT PRIMARY KEY, version INTEGER, "
            + ", ".join(f"{t} TEXT" for t in TEXTS) + ", on_call INTEGER, "
            + ", ".join(f"{j} TEXT" for j in JSONS) + ", applied TEXT, modified TEXT, position INTEGER)"
        )

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def account(self, account_id: str) -> dict[str, Any] | None:
        self.c.execute(f"{_SELECT} WHERE id=?", (account_id,))
        row = self.c.fetchone()
        return dict(zip(COLUMNS, row, strict=True)) if row is not None else None

    def upsert_account(self, row: dict[str, Any], position: int) -> None:
        self.c.execute(_UPSERT, (*(row[c] for c in COLUMNS), position))

    def accounts(self) -> list[dict[str, Any]]:
        self.c.execute(f"{_SELECT} ORDER BY applied, id")
        return [dict(zip(COLUMNS, r, strict=True)) for r in self.c.fetchall()]
