"""Writing a page's rows of a read model at once: binary `COPY` into a temporary table, then one statement.

`executemany` sends one statement a row (pipelined, but each parsed, planned and
run by the server); a rebuild writes hundreds of thousands. `COPY` moves the
rows in one stream, and one `INSERT ... SELECT` (an upsert where the model's
SQLite statement was `INSERT OR REPLACE`) applies them. An upsert may touch a
row once per statement: callers pass one row per key, as the SQLite statements'
last-one-wins would leave it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def copy_rows(c: Any, table: str, columns: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]],
              *, conflict: Sequence[str] = (), where: str = "") -> None:
    """Insert `rows` into `table` (upserting on `conflict`, the update guarded by `where`), through COPY."""
    if not rows:
        return
    staging = f"{table}_page"
    c.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DELETE ROWS")
    names = ", ".join(columns)
    with c.copy(f"COPY pg_temp.{staging} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)
    statement = f"INSERT INTO {table} ({names}) SELECT {names} FROM pg_temp.{staging}"
    if conflict:
        updates = ", ".join(f'{col}=excluded.{col}' for col in columns if col not in conflict)
        statement += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updates}"
        if where:
            statement += f" WHERE {where}"
    c.execute(statement)
    c.execute(f"TRUNCATE pg_temp.{staging}")
