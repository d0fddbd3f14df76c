"""`audit replay`: the read models as they stood at a moment, rebuilt apart from the live ones."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from socialledger.core.domain.errors import BadInput
from socialledger.core.ledger import Ledger
from socialledger.projections import ReadModels, register, sla, statistics


class _Stamp(msgspec.Struct):
    timestamp: datetime


_stamp = msgspec.json.Decoder(_Stamp)


def position_at(ledger: Ledger, moment: datetime) -> int:
    """The last ledger position recorded at or before `moment`."""
    last = 0
    for n in ledger._notifications():
        if _stamp.decode(n.state).timestamp > moment:
            break
        last = n.id
    return last


def time_of(ledger: Ledger, position: int) -> datetime | None:
    notes = ledger.recorder.select_notifications(position, 1)
    return _stamp.decode(notes[0].state).timestamp if notes and notes[0].id == position else None


def replay(ledger: Ledger, until: str, period: Any | None = None) -> dict[str, Any]:
    """Register, SLA and statistics as they stood at `until` (a position, or a time in ISO 8601).

    The statistics cover `period`, by default the month of the moment, up to the moment.
    """
    zone = ledger.policy().zone
    text = until.strip()
    if text.isdigit():
        position = int(text)
        if not 0 < position <= ledger.head():
            raise BadInput(f"--until {position}: the ledger's positions run from 1 to {ledger.head()}")
        moment = time_of(ledger, position)
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise BadInput(f"--until {until!r}: give a ledger position or a time like 2026-03-02T10:00") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        moment = moment.astimezone(UTC)
        position = position_at(ledger, moment)
    if period is None and moment is not None:  # the month of the moment
        from socialledger.core.domain.periods import parse

        period = parse(moment.astimezone(zone).strftime("%Y-%m"))
    with tempfile.TemporaryDirectory(prefix="socialledger-replay-", dir=ledger.home) as tmp:
        models = ReadModels(ledger, Path(tmp) / "replay.sqlite")
        try:
            models.catch_up(until=position)
            accounts = register.rows(models.store)
            items = sla.status(models.store, at=moment)
            figures = []
            if period is not None:
                start, end = period.bounds(zone)
                for a in accounts:
                    if a["platform_id"]:
                        figures.append({"account": a["id"], "name": a["name"], **statistics.account_stats(
                            models.store, a["id"].replace("-", ""), start.timestamp(),
                            min(end, moment).timestamp() if moment else end.timestamp(), zone, at=moment)})
        finally:
            models.close()
    return {"until": {"position": position, "time": moment}, "register": accounts, "sla": items,
            "statistics": figures, "period": period.label if period else None}
