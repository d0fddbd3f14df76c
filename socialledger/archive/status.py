"""`archive status`: per account and half-year, what is due, delivered, or waiting for a supplement (R8, R20).

Read from the ledger alone (the events about each account's items and the
packages exported, `delivery.py`), without decrypting anything:

- `open`: the half-year has not ended yet;
- `due`: it has ended, holds items, and no package delivered any of it;
- `delivered`: packages cover everything recorded for it;
- `supplement due`: packages were delivered, but items arrived or changed after
  them (their count is given);
- `empty`: it has ended and the ledger holds nothing for it.

An account whose closure was requested has `final due` until a final package
covers everything up to the request, then `final delivered`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict
from uuid import UUID

from socialledger.archive.delivery import Delivery, delivered, deliveries, half_years, item_events
from socialledger.archive.exports import closure_position
from socialledger.core.domain.account import Account
from socialledger.core.ledger import LedgerStore


class PeriodStatus(TypedDict):
    period: str
    state: str  # open | due | delivered | supplement due | empty
    items: int  # items of the half-year (created in it, or with events in it)
    undelivered_items: int  # items with something recorded that no package delivered
    packages: list[dict[str, Any]]  # package id, ledger position, date (and where it was written)


class FinalStatus(TypedDict):
    state: str  # not requested | final due | final delivered
    closure_position: int | None
    undelivered_items: int  # items of the account no package delivered yet
    packages: list[dict[str, Any]]


class AccountStatus(TypedDict):
    account: str
    name: str
    channel: str
    state: str
    periods: list[PeriodStatus]
    final: FinalStatus


_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_AHEAD = timedelta(days=3660)


def status(ledger: LedgerStore, accounts: list[Account], now: datetime | None = None) -> list[AccountStatus]:
    now = now or datetime.now(UTC)
    zone = ledger.policy().zone
    ids = {a.id for a in accounts}
    events: dict[UUID, list[Any]] = {a.id: [] for a in accounts}
    for e in item_events(ledger, ids):
        events[e.account].append(e)
    packages: dict[UUID, list[Delivery]] = {a.id: [] for a in accounts}
    for p in deliveries(ledger):
        if p.account in packages:
            packages[p.account].append(p)
    out: list[AccountStatus] = []
    for account in accounts:
        mine, done = events[account.id], packages[account.id]
        by = {e.position: delivered(e.position, e.created, e.moment, done) for e in mine}
        undelivered = [e for e in mine if by[e.position] is None]
        # The half-years run over plausible times only: a year 1 or 9999 time (stored before ingest checked
        # platform times: docs/ingest.md) would make twenty thousand of them, at the calendar's edge.
        moments = [t for e in mine for t in (e.created, e.moment) if t is not None and _EARLIEST <= t <= now + _AHEAD]
        first = min([account.created_on, *moments]).astimezone(zone).date()
        last = max([now, *moments]).astimezone(zone).date()
        periods: list[PeriodStatus] = []
        for half in half_years(first, last):
            start, end = half.bounds(zone)

            def inside(e: Any, start: datetime = start, end: datetime = end) -> bool:
                return any(t is not None and start <= t < end for t in (e.created, e.moment))

            items = {e.item for e in mine if inside(e)}
            waiting = {e.item for e in undelivered if inside(e)}
            covering = {id(p) for e in mine if inside(e) and (p := by[e.position]) is not None}
            own = [p.summary() for p in done if p.scope.label == half.label or id(p) in covering]
            if end > now:
                state = "open"
            elif not items:
                state = "empty"
            elif not waiting:
                state = "delivered"
            elif own:
                state = "supplement due"
            else:
                state = "due"
            periods.append({"period": half.label, "state": state, "items": len(items),
                            "undelivered_items": len(waiting), "packages": own})
        finals = [p.summary() for p in done if p.final]
        requested = account.closure_request is not None
        needed = closure_position(ledger, account) if requested else None
        if not requested:
            final_state = "not requested"
        elif any(p["position"] >= needed for p in finals):  # type: ignore[operator]
            final_state = "final delivered"
        else:
            final_state = "final due"
        out.append({
            "account": str(account.id), "name": account.name, "channel": account.channel,
            "state": account.state.value, "periods": periods,
            "final": {"state": final_state, "closure_position": needed,
                      "undelivered_items": len({e.item for e in undelivered}), "packages": finals},
        })
    return out
