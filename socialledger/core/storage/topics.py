"""Stored topics: how a stored event names its class, under today's module paths and earlier ones.

A stored event names its class by a topic, `module:QualName` (the library's
`get_topic`). Topics are part of the bytes the hash chain covers, so an event
keeps the topic it was stored with for ever, while the code that defines its
class may move. `LEGACY_MODULES` lists every module that held a stored class
before it moved: the earlier topics resolve to today's classes, and
`topics_of` gives every topic a class has been stored under, for reads that
select events by topic. New events are stored under today's topic.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from eventsourcing.utils import get_topic, register_topic

#: module path a stored class had -> where it is now (the flat core/ layout of ledger format 0.1)
LEGACY_MODULES: dict[str, str] = {
    "socialledger.core.account": "socialledger.core.domain.account",
    "socialledger.core.roles": "socialledger.core.domain.roles",
    "socialledger.core.policy_record": "socialledger.core.domain.policy_record",
    "socialledger.core.content": "socialledger.core.domain.content",
    "socialledger.core.subjects": "socialledger.core.domain.subjects",
    "socialledger.core.observations": "socialledger.core.domain.observations",
    # moved when the application services became socialledger/app (the modules stay, without these classes)
    "socialledger.core.audit": "socialledger.core.domain.seals",
    "socialledger.core.gdpr": "socialledger.core.domain.retention",
    "socialledger.archive.exports": "socialledger.core.domain.archives",
}
_EARLIER: dict[str, list[str]] = {}
for _old, _new in LEGACY_MODULES.items():
    _EARLIER.setdefault(_new, []).append(_old)


def register_legacy_topics() -> None:
    """Make the topics of earlier layouts resolve to today's classes (idempotent)."""
    for old, new in LEGACY_MODULES.items():
        register_topic(old, importlib.import_module(new))


def topics_of(classes: Iterable[type]) -> tuple[str, ...]:
    """Every topic the given classes have been stored under: today's first, then earlier ones."""
    out: list[str] = []
    for cls in classes:
        topic = get_topic(cls)
        out.append(topic)
        module, _, qualname = topic.partition(":")
        out.extend(f"{old}:{qualname}" for old in _EARLIER.get(module, ()))
    return tuple(dict.fromkeys(out))


register_legacy_topics()
