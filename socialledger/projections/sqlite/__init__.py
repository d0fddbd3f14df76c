"""The read models' SQL for the SQLite backend: one view class per read model.

Read-model handlers write through these views' domain-named methods, never a
cursor (DESIGN.md, Projections). The generic half of the store (transactions,
tracking, drop and rebuild) is the backend's, in `core/storage/sqlite/readmodels.py`;
a PostgreSQL backend adds `projections/postgresql/` beside this folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from socialledger.projections.sqlite.register import SQLiteRegisterView
from socialledger.projections.sqlite.sla import SQLiteSLAView

CONVERTED: dict[str, Any] = {"register": SQLiteRegisterView, "sla": SQLiteSLAView}


class CursorView:
    """The view of a read model not converted to a view class yet (cadence, statistics, metrics):
    its handlers still get the transaction's cursor, and the model holds its own SQL."""

    def __init__(self, model: Any) -> None:
        self.tables = model.tables
        self.query_indexes = model.query_indexes
        self.create = model.create

    def __call__(self, c: SQLiteCursor) -> SQLiteCursor:
        return c


def views(models: Iterable[Any]) -> dict[str, Any]:
    """The SQLite view class of each model, by name."""
    return {m.name: CONVERTED.get(m.name) or CursorView(m) for m in models}
