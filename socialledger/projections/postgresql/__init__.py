"""The read models' SQL for the PostgreSQL backend: one view class per read model.

The same domain-named methods as `projections/sqlite/`, in PostgreSQL's dialect
(`%s` parameters, `ON CONFLICT` upserts, `double precision` times, `bigint`
positions). The tables are made in the organisation's schema: the store
(`core/storage/postgresql/readmodels.py`) puts it first on the search path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from socialledger.projections.postgresql.cadence import PostgreSQLCadenceView
from socialledger.projections.postgresql.plan import PostgreSQLPlanView
from socialledger.projections.postgresql.register import PostgreSQLRegisterView
from socialledger.projections.postgresql.search import PostgreSQLSearchView
from socialledger.projections.postgresql.sla import PostgreSQLSLAView
from socialledger.projections.postgresql.statistics import PostgreSQLMetricsView, PostgreSQLStatisticsView

VIEWS: dict[str, Any] = {
    "register": PostgreSQLRegisterView,
    "sla": PostgreSQLSLAView,
    "cadence": PostgreSQLCadenceView,
    "statistics": PostgreSQLStatisticsView,
    "metrics": PostgreSQLMetricsView,
    "search": PostgreSQLSearchView,
    "plan": PostgreSQLPlanView,
}


def views(models: Iterable[Any]) -> dict[str, Any]:
    """The PostgreSQL view class of each model, by name."""
    return {m.name: VIEWS[m.name] for m in models}
