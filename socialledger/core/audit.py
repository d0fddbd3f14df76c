"""Verifying the ledger without trusting the running system: the chain, its seals, receipts.

`verify` recomputes every link from the stored rows, so an event changed,
deleted, inserted or reordered by writing to the database file directly breaks
the chain at its position. Someone who rewrites the chain table as well is
caught by a seal receipt kept elsewhere: it names a position and the link
there, which a rewritten history cannot reproduce, and a log cut off behind it
is shorter than the position it names.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import attrs
import msgspec

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage import chain


class Receipt(msgspec.Struct, frozen=True, kw_only=True):
    """What a seal says, written to a file kept outside the ledger home (or in an archive package)."""

    algorithm: str
    position: int
    hash: str
    time: str
    ledger: str = ""

    def encode(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self), indent=2) + b"\n"


def read_receipt(path: Path) -> Receipt:
    try:
        receipt = msgspec.json.decode(path.read_bytes(), type=Receipt)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such receipt") from None
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise BadInput(f"{path}: not a seal receipt ({e})") from None
    if receipt.algorithm != chain.ALGORITHM:
        raise BadInput(f"{path}: a receipt of {receipt.algorithm!r}, not {chain.ALGORITHM!r}")
    return receipt


@attrs.define
class Report:
    ok: bool = True
    head: int = 0
    events: int = 0
    seals: int = 0
    first_broken_position: int | None = None
    problems: list[str] = attrs.Factory(list)

    def broken(self, position: int, problem: str) -> None:
        self.ok = False
        if self.first_broken_position is None or position < self.first_broken_position:
            self.first_broken_position = position
        self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def verify(db_path: Path, receipts: list[Receipt] = (), seal_topics: tuple[str, ...] = ()) -> Report:
    """Recompute the chain over `stored_events`; check it, the seals recorded in it, and the receipts."""
    report = Report()
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        recomputed: dict[int, bytes] = {}
        previous = chain.GENESIS
        expected = 1
        stored = db.execute("SELECT position, hash FROM event_chain ORDER BY position")
        links = dict(stored.fetchall())
        rows = db.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                          "ORDER BY rowid")
        seals: list[tuple[int, int, str]] = []
        decode_seal = msgspec.json.Decoder(dict)
        broken_at: int | None = None
        for position, oid, version, topic, state in rows:
            report.events += 1
            if broken_at is None:
                if position != expected:
                    broken_at = expected
                    report.broken(expected, f"position {expected}: the event there is missing (deleted)")
                elif position not in links:
                    broken_at = position
                    report.broken(position, f"position {position}: an event the chain does not cover (inserted)")
                else:
                    previous = chain.link(previous, oid, version, topic, state)
                    if previous != links[position]:
                        broken_at = position
                        report.broken(position, f"position {position}: the stored event differs from the one "
                                                "chained there (changed or reordered)")
                    recomputed[position] = previous
            if topic in seal_topics:
                data = decode_seal.decode(state)
                seals.append((position, data["position"], data["hash"]))
            expected = position + 1
        head = expected - 1
        report.head = head
        last_link = max(links) if links else 0
        if broken_at is None and last_link > head:
            report.broken(head + 1, f"position {head + 1}: the chain goes on to {last_link}, the events stop at "
                                    f"{head} (deleted from the end)")
        for at, position, hash_hex in seals:
            report.seals += 1
            _check_sealed(report, recomputed, head, position, hash_hex, f"the seal recorded at position {at}")
        for receipt in receipts:
            _check_sealed(report, recomputed, head, receipt.position, receipt.hash,
                          f"the receipt of {receipt.time}")
    finally:
        db.close()
    return report


def _check_sealed(report: Report, recomputed: dict[int, bytes], head: int, position: int, hash_hex: str,
                  what: str) -> None:
    if position > head:
        report.broken(head + 1, f"{what} seals position {position}, but the log ends at {head}: "
                                "events were cut off")
        return
    got = recomputed.get(position)
    if got is None:
        return  # behind a break already reported
    if got.hex() != hash_hex:
        report.broken(position, f"{what}: the history up to position {position} is not the one sealed")
