"""Captured content: posts, comments, replies and visitor posts, with every version.

A `ContentItem` is created by the first observation of an item and changed
only by later observations (edits, hides, unhides, removals) and, later, by
moderation and case registration. The text, media references, permalink and
raw platform fragment of every version sit in the sealed `content` field,
encrypted with the item's own key; the author is a pseudonymous subject id.
Removal never deletes the captured content: it is one more event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.events import LedgerAggregate

KINDS = ("post", "comment", "reply", "visitor_post")


class ContentItem(LedgerAggregate):
    class Captured(LedgerAggregate.Created):
        """First observation of an item (one subclass per kind, so the log reads as what happened)."""

        sealed_fields = ("content",)
        channel: str
        account: UUID
        kind: str
        native_id: str | None
        parent: UUID | None
        author: UUID | None
        by_account: bool
        occurred: datetime | None  # created on the platform
        observed: datetime  # the platform time this observation describes
        source: str
        by: str  # the ledger user who ran the ingest
        hidden: bool
        content: Any  # sealed: {"text", "media", "permalink", "raw", "time_note"}

        def apply(self, item: ContentItem) -> None:
            item.channel = self.channel
            item.account = self.account
            item.kind = self.kind
            # Another person's item keeps its platform id sealed with its content (the event names
            # it by a keyed hash): readable while the item's key exists.
            sealed = self.content.get("native_id") if isinstance(self.content, dict) else None
            item.native_id = sealed or self.native_id
            item.parent = self.parent
            item.author = self.author
            item.by_account = self.by_account
            item.occurred = self.occurred
            item.state = "hidden" if self.hidden else "visible"
            item.versions = [_version("captured", self)]

    class PostCaptured(Captured):
        pass

    class CommentCaptured(Captured):
        pass

    class ReplyCaptured(Captured):
        pass

    class VisitorPostCaptured(Captured):
        pass

    class Edited(LedgerAggregate.Event):
        """A later observation with changed text or media."""

        sealed_fields = ("content",)
        observed: datetime
        source: str
        by: str
        content: Any

        def apply(self, item: ContentItem) -> None:
            item.versions.append(_version("edited", self))

    class PostEdited(Edited):
        pass

    class CommentEdited(Edited):
        pass

    class ReplyEdited(Edited):
        pass

    class VisitorPostEdited(Edited):
        pass

    class MediaAttached(Edited):
        """Media files of an account export, attached to an item the ledger held without them.

        The usual order is the API first (its media are signed URLs, not files) and the
        export later; the export's observation, with its files kept under the item's key,
        becomes one more version of the item.
        """

        def apply(self, item: ContentItem) -> None:
            item.versions.append(_version("media attached", self))

    class Moderated(LedgerAggregate.Event):
        """Hidden, unhidden or removed: on the platform (observed) or by a ledger user."""

        sealed_fields = ("raw",)
        observed: datetime
        source: str  # api | webhook | export | stream | ledger
        by: str
        reason: str | None
        rule: str | None
        raw: Any

        state = "visible"

        def apply(self, item: ContentItem) -> None:
            item.state = self.state
            item.moderation.append({
                "action": type(self).__name__, "observed": self.observed, "source": self.source,
                "actor": self.actor, "by": self.by, "reason": self.reason, "rule": self.rule,
                "time": self.timestamp,
            })

    class ItemHidden(Moderated):
        state = "hidden"

    class ItemUnhidden(Moderated):
        state = "visible"

    class ItemRemoved(Moderated):
        state = "removed"

    class NativeIdReconciled(LedgerAggregate.Event):
        """An item first captured without a native id (an export) met its native id.

        For an item not by the account, `native_id` is a keyed hash (as its captured event
        names it) and the platform id itself is sealed in `content` (`{"native_id": ...}`),
        readable while the item's key exists. Events stored before this hold neither: their
        `native_id` is the platform id.
        """

        sealed_fields = ("content",)
        native_id: str
        observed: datetime
        source: str
        by: str
        content: Any = None  # sealed: {"native_id"} of an item not by the account

        def apply(self, item: ContentItem) -> None:
            sealed = self.content.get("native_id") if isinstance(self.content, dict) else None
            item.native_id = sealed or self.native_id

    class CaseRegistered(LedgerAggregate.Event):
        """R21: the item became a case (ärende) in the case management system (diarium)."""

        diary_number: str
        system: str | None

        def apply(self, item: ContentItem) -> None:
            item.cases.append({"diary_number": self.diary_number, "system": self.system, "actor": self.actor,
                               "time": self.timestamp})

    class ItemAcknowledged(LedgerAggregate.Event):
        """R15: "we have seen your question and will come back" - recorded by a ledger user."""

        def apply(self, item: ContentItem) -> None:
            item.acknowledged = item.acknowledged or self.timestamp

    class FinalAnswerMarked(LedgerAggregate.Event):
        """R15: the account's final answer to the item has been given."""

        answer: UUID | None  # the reply that is the final answer, when one is named

        def apply(self, item: ContentItem) -> None:
            item.final_answer = self.timestamp

    def __init__(self) -> None:
        self.moderation: list[dict[str, Any]] = []
        self.acknowledged: datetime | None = None
        self.final_answer: datetime | None = None
        self.cases: list[dict[str, Any]] = []

    channel: str
    account: UUID
    kind: str
    native_id: str | None
    parent: UUID | None
    author: UUID | None
    by_account: bool
    occurred: datetime | None
    state: str
    versions: list[dict[str, Any]]

    @property
    def current(self) -> dict[str, Any] | None:
        """The newest readable content, or None once the item's key is destroyed."""
        return self.versions[-1]["content"]

    @property
    def erased(self) -> bool:
        return self.versions[-1]["content"] is None

    # Commands (who may give them is the application's check: app/authorisation.py) ------------

    def moderate(self, action: str, reason: str, rule: str, actor: Actor, now: datetime) -> bool:
        """R18: hide or remove the item under a page rule, its captured content kept; False if it already was.

        A moderation names its reason and the page rule it applies; removal is final.
        """
        reason, rule = (reason or "").strip(), (rule or "").strip()
        if not reason or not rule:
            raise BadInput("R18: a moderation names its reason (--reason) and the page rule it applies (--rule)")
        if action not in ("hide", "remove"):
            raise BadInput(f"R18: a moderation hides or removes, not {action!r}")
        target = {"hide": "hidden", "remove": "removed"}[action]
        if self.state == target or self.state == "removed":
            return False
        self.trigger_event(MODERATED[action], observed=now, source="ledger", by=actor.name, reason=reason,
                           rule=rule, raw=None, **actor.stamp())
        return True

    def register_case(self, diary_number: str, system: str | None, actor: Actor) -> None:
        """R21: the item is registered in a case of the case management system, once per diary number."""
        diary_number = (diary_number or "").strip()
        if not diary_number:
            raise BadInput("R21: a case registration names its diary number (--diary-number)")
        if any(c["diary_number"] == diary_number for c in self.cases):
            raise BadInput(f"R21: item {self.id} is already registered in case {diary_number}")
        self.trigger_event(self.CaseRegistered, diary_number=diary_number, system=(system or "").strip() or None,
                           **actor.stamp())

    def acknowledge(self, actor: Actor) -> bool:
        """R15: the item has been seen and will be answered (a first response); False if it already was."""
        if self.acknowledged is not None:
            return False
        self.trigger_event(self.ItemAcknowledged, **actor.stamp())
        return True

    def mark_final_answer(self, answer: UUID | None, actor: Actor) -> None:
        """R15: the final answer, marked apart from the first response."""
        self.trigger_event(self.FinalAnswerMarked, answer=answer, **actor.stamp())


def _version(kind: str, event: Any) -> dict[str, Any]:
    return {
        "change": kind,
        "observed": event.observed,
        "recorded": event.timestamp,
        "source": event.source,
        "content": event.content,
        "position": None,
    }


CAPTURED = {
    "post": ContentItem.PostCaptured,
    "comment": ContentItem.CommentCaptured,
    "reply": ContentItem.ReplyCaptured,
    "visitor_post": ContentItem.VisitorPostCaptured,
}
EDITED = {
    "post": ContentItem.PostEdited,
    "comment": ContentItem.CommentEdited,
    "reply": ContentItem.ReplyEdited,
    "visitor_post": ContentItem.VisitorPostEdited,
}
MODERATED = {"hide": ContentItem.ItemHidden, "unhide": ContentItem.ItemUnhidden, "remove": ContentItem.ItemRemoved}
