"""Verifying the ledger without trusting the running system: the chain, its seals, receipts.

`verify` recomputes every link from the stored rows, so an event changed,
deleted, inserted or reordered by writing to the database file directly breaks
the chain at its position. Someone who rewrites the chain table as well is
caught by a seal receipt kept elsewhere: it names a position and the link
there, which a rewritten history cannot reproduce, and a log cut off behind it
is shorter than the position it names.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import attrs
import msgspec

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage import chain
from socialledger.core.storage.ports import ChainReader


class Receipt(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What a seal says, written to a file kept outside the ledger home (or in an archive package).

    Signed (Ed25519) by the organisation's signing key when made by this version: `signature` covers
    every other field (`signed_bytes`), `public_key` says which key (`core/receipts.py`). A package's
    receipt also carries the checksum of its root METS.xml, which the METS cannot list itself.
    """

    algorithm: str
    position: int
    hash: str
    time: str
    ledger: str = ""
    purpose: str = ""
    package: str = ""  # an archive package's id (urn:uuid:...), on a package's receipt
    mets_sha256: str = ""  # its root METS.xml's SHA-256
    public_key: str = ""  # the signing key's raw public bytes, hex
    signature: str = ""  # Ed25519 over `signed_bytes()`, hex

    def encode(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self), indent=2) + b"\n"

    def signed_bytes(self) -> bytes:
        """What the signature covers: every field but the signature, keys sorted, no spaces."""
        fields = msgspec.to_builtins(msgspec.structs.replace(self, signature=""))
        return msgspec.json.Encoder(order="sorted").encode(fields)


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
    receipts: int = 0  # receipts checked (given, and in the receipts directory)
    keys: int | None = None  # keys checked against the events (None: not checked, no master key here)

    def broken(self, position: int, problem: str) -> None:
        self.ok = False
        if self.first_broken_position is None or position < self.first_broken_position:
            self.first_broken_position = position
        self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def verify(store: ChainReader, receipts: list[Receipt] = (), seal_topics: tuple[str, ...] = ()) -> Report:
    """Recompute the chain over the stored events; check it, the seals recorded in it, and the receipts.

    `store` is the backend's read-only `ChainReader` (closed here). Whatever was
    done to the stored rows, any column and any type, the answer is a report
    naming the first broken position, never an internal error.
    """
    report = Report()
    try:
        recomputed: dict[int, bytes] = {}
        previous = chain.GENESIS
        expected = 1
        links = store.links()
        gaps = store.positions_may_have_gaps
        seals: list[tuple[int, int, str]] = []
        decode_seal = msgspec.json.Decoder(dict)
        broken_at: int | None = None
        position = 0
        for position, oid, version, topic, state in store.rows():
            report.events += 1
            if broken_at is None:
                missing = _missing(links, expected, position, gaps)
                if missing is not None:
                    broken_at = missing
                    report.broken(missing, f"position {missing}: the event there is missing (deleted)")
                elif position not in links:
                    broken_at = position
                    report.broken(position, f"position {position}: an event the chain does not cover (inserted)")
                else:
                    try:
                        previous = chain.link(previous, oid, version, topic, state)
                    except (AttributeError, TypeError, ValueError, OverflowError, UnicodeError, struct.error):
                        previous = b""  # a column of the wrong type or value: it cannot be what was chained
                    if previous != links[position]:
                        broken_at = position
                        report.broken(position, f"position {position}: the stored event differs from the one "
                                                "chained there (changed or reordered)")
                    recomputed[position] = previous
            if topic in seal_topics:
                try:
                    data = decode_seal.decode(state)
                    seals.append((position, int(data["position"]), str(data["hash"])))
                except (msgspec.DecodeError, KeyError, TypeError, ValueError):
                    report.broken(position, f"position {position}: a seal that cannot be read")
            expected = position + 1
        head = expected - 1
        report.head = head
        last_link = max(links) if links else 0
        if broken_at is None and last_link > head:
            report.broken(head + 1, f"position {head + 1}: the chain goes on to {last_link}, the events stop at "
                                    f"{head} (deleted from the end)")
        for at, sealed, hash_hex in seals:
            report.seals += 1
            if broken_at is not None and at >= broken_at:
                # A seal read from the history at or after its first break is not evidence (it may itself be
                # the changed event): that break is reported, and blaming what the seal covers would name an
                # earlier position than the one changed.
                continue
            _check_sealed(report, recomputed, head, sealed, hash_hex, f"the seal recorded at position {at}")
        for receipt in receipts:
            report.receipts += 1
            _check_sealed(report, recomputed, head, receipt.position, receipt.hash,
                          f"the receipt of {receipt.time}")
    finally:
        store.close()
    return report


def _missing(links: dict[int, bytes], expected: int, position: int, gaps: bool) -> int | None:
    """The first deleted position before `position`, or None.

    Where positions may skip numbers (a rolled-back insert), a skipped position
    is a deletion only when the chain holds a link for it.
    """
    if position == expected:
        return None
    if not gaps or not isinstance(position, int) or position < expected:
        return expected
    return next((p for p in range(expected, position) if p in links), None)


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
