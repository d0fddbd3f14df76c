"""Answering (R12, R15): an inbound item's first response, and its state at a moment.

Plain functions of plain values (POSIX times); the SLA read model
(`projections/sla.py`) keeps the times, `core/domain/clock.py` gives the due
time (R12-R14).
"""

from __future__ import annotations

from typing import Literal

State = Literal["open", "answered", "late", "breached", "moderated"]


def first_response(replied: float | None, acknowledged: float | None, counts_ack: int) -> float | None:
    """R15: the first response is the account's first reply in the thread after the item arrived, or a
    recorded acknowledgement when the policy in force at arrival counts one (R16), whichever came first."""
    times = [t for t in (replied, acknowledged if counts_ack else None) if t is not None]
    return min(times) if times else None


def state_at(first: float | None, moderated: float | None, due: float, at: float) -> State:
    """R12, R15: the item's state at `at`.

    Hidden or removed under a page rule before any response: moderated (closed);
    responded by `at`: answered if by its due time, else late; not responded: open
    until its due time, breached after it.
    """
    if moderated is not None and moderated <= at and (first is None or moderated < first):
        return "moderated"
    if first is not None and first <= at:
        return "answered" if first <= due else "late"
    return "breached" if at > due else "open"
