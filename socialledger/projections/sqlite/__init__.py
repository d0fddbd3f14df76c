"""The read models' SQL for the SQLite backend: one view class per read model.

Read-model handlers write through these views' domain-named methods, never a
cursor (DESIGN.md, Projections). The generic half of the store (transactions,
tracking, drop and rebuild) is the backend's, in `core/storage/sqlite/readmodels.py`;
a PostgreSQL backend adds `projections/postgresql/` beside this folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from socialledger.projections.sqlite.cadence import SQLiteCadenceView
from socialledger.projections.sqlite.plan import SQLitePlanView
from socialledger.projections.sqlite.register import SQLiteRegisterView
from socialledger.projections.sqlite.search import SQLiteSearchView
from socialledger.projections.sqlite.sla import SQLiteSLAView
from socialledger.projections.sqlite.statistics import SQLiteMetricsView, SQLiteStatisticsView

VIEWS: dict[str, Any] = {
    "register": SQLiteRegisterView,
    "sla": SQLiteSLAView,
    "cadence": SQLiteCadenceView,
    "statistics": SQLiteStatisticsView,
    "metrics": SQLiteMetricsView,
    "search": SQLiteSearchView,
    "plan": SQLitePlanView,
}


def views(models: Iterable[Any]) -> dict[str, Any]:
    """The SQLite view class of each model, by name."""
    return {m.name: VIEWS[m.name] for m in models}
