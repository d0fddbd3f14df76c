"""Data subjects: the people who write on an account, known to events only by a pseudonym.

A subject's identity (platform user id, name, username) is sealed with the
subject's own key; content events refer to the subject by its pseudonymous
id, a keyed hash of `channel:user id`. Destroying the subject's key erases
the identity everywhere at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from socialledger.core.domain.events import LedgerAggregate


class Subject(LedgerAggregate):
    class SubjectIdentified(LedgerAggregate.Created):
        sealed_fields = ("identity",)
        channel: str
        observed: datetime
        source: str
        by: str
        identity: Any  # sealed: {"subject": "facebook:123", "native_id", "name", "username"}

        def apply(self, subject: Subject) -> None:
            subject.channel = self.channel
            subject.identity = self.identity

    class SubjectIdentityChanged(LedgerAggregate.Event):
        sealed_fields = ("identity",)
        observed: datetime
        source: str
        by: str
        identity: Any

        def apply(self, subject: Subject) -> None:
            subject.identity = self.identity

    class SubjectErased(LedgerAggregate.Event):
        """R23: the decision to erase; the subject's and the items' keys are destroyed with it."""

        decision: str
        override: bool
        items: list[UUID]
        # The subjects the same person is known by elsewhere on the channel, erased with them: by name
        # (a name an account export's title gives) and by username (a handle typed in a text).
        # Each records its own `SubjectErased` under the same decision. Decisions before: none.
        aliases: tuple[UUID, ...] = ()

        def apply(self, subject: Subject) -> None:
            subject.erasure = {"decision": self.decision, "override": self.override, "actor": self.actor,
                               "time": self.timestamp, "items": len(self.items)}
            subject.erased_items = list(self.items)
            subject.erased_aliases = list(self.aliases)

    def __init__(self) -> None:
        self.erasure: dict[str, Any] | None = None
        self.erased_items: list[UUID] = []  # the items the erasure decision named
        self.erased_aliases: list[UUID] = []  # ... and the subjects the person was known by besides

    channel: str
    identity: dict[str, Any] | None

    @property
    def erased(self) -> bool:
        return self.identity is None
