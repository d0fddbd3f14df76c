"""What every recorded fact carries, whatever aggregate it belongs to."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

#: The namespace of every deterministic ledger id (uuid5).
NAMESPACE = uuid5(NAMESPACE_URL, "https://socialledger.invalid/ids")


_NAMESPACE_BYTES = NAMESPACE.bytes


def _ledger_bytes(natural_key: str) -> bytearray:
    """The 16 bytes of `uuid5(NAMESPACE, natural_key)`, without its detours (ingest derives many)."""
    b = bytearray(hashlib.sha1(_NAMESPACE_BYTES + natural_key.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50  # version 5
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    return b


def ledger_int(natural_key: str) -> int:
    """`ledger_id(natural_key).int`, without making the UUID object."""
    return int.from_bytes(_ledger_bytes(natural_key), "big")


def ledger_hex(natural_key: str) -> str:
    """`ledger_id(natural_key).hex`: the 32 hex digits the capture index names it by."""
    return _ledger_bytes(natural_key).hex()


def ledger_id(natural_key: str) -> UUID:
    """The ledger id of something the world already names (`facebook:123_456`).

    The same value as `uuid.uuid5(NAMESPACE, natural_key)`, computed without its detours.
    """
    return UUID(int=ledger_int(natural_key))


class LedgerAggregate(Aggregate):
    """Base of the ledger's aggregates: every event names who caused it.

    `actor` is the ledger user (or the channel, for captured data);
    `os_user` and `host` are where the command ran, recorded beside the
    self-asserted actor so that an auditor can weigh it.
    """

    class Event(Aggregate.Event):
        actor: str
        os_user: str
        host: str

    class Created(Event, Aggregate.Created):
        pass


def event_type(topic: str) -> tuple[str, str]:
    """(aggregate type, event type) of a stored event's topic."""
    _, _, qualname = topic.partition(":")
    parts = qualname.split(".")
    return (parts[0], parts[-1]) if len(parts) > 1 else ("", parts[0])


def with_subclasses(cls: type) -> Iterator[type]:
    """An event class and every subclass of it (a handler of a class handles its subclasses)."""
    yield cls
    for sub in cls.__subclasses__():
        yield from with_subclasses(sub)
