"""Metrics observations: one value of one metric over the period it covers."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from socialledger.core.domain.events import LedgerAggregate


class MetricsObservation(LedgerAggregate):
    class MetricsObserved(LedgerAggregate.Created):
        channel: str
        account: UUID
        item: UUID | None  # None: the account as a whole
        metric: str  # the ledger's name, or the platform's for a metric the plugin does not know
        platform_metric: str
        period: str
        start: datetime | None
        end: datetime | None  # None: a lifetime count the data gave no time for (see `timestamp`)
        value: float
        breakdown: dict[str, float] | None
        source: str
        by: str

        def apply(self, obs: MetricsObservation) -> None:
            obs.value = self.value
            obs.breakdown = self.breakdown

    class MetricsRevised(LedgerAggregate.Event):
        """The platform reported another value for the same metric and period."""

        value: float
        breakdown: dict[str, float] | None
        source: str
        by: str

        def apply(self, obs: MetricsObservation) -> None:
            obs.value = self.value
            obs.breakdown = self.breakdown

    value: float
    breakdown: dict[str, float] | None
