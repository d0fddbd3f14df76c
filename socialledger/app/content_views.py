"""Reading captured content back: the lists and details `content list|show` print."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from socialledger.app.results import ContentDetail, ContentSummary
from socialledger.core.capture.embedded import show_mentions
from socialledger.core.domain.content import CAPTURED, ContentItem
from socialledger.core.domain.subjects import Subject
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of

CAPTURED_TOPICS = topics_of(CAPTURED.values())


class ContentReader:
    def __init__(self, ledger: LedgerStore) -> None:
        self.ledger = ledger
        self._subjects: dict[UUID, Subject | None] = {}
        self._captured: set[UUID] | None = None

    def captured(self, item: UUID) -> bool:
        """Whether the ledger holds an item (a reply may name its comment's id before the comment is captured)."""
        if self._captured is None:
            self._captured = {n.originator_id for n in self.ledger.notifications(topics=CAPTURED_TOPICS)}
        return item in self._captured

    def subject(self, sid: UUID | None) -> Subject | None:
        if sid is None:
            return None
        if sid not in self._subjects:
            try:
                self._subjects[sid] = self.ledger.repository.get(sid)
            except Exception:  # noqa: BLE001 - an unknown subject reads as none
                self._subjects[sid] = None
        return self._subjects[sid]

    def read_subjects(self, sids: Iterable[UUID]) -> None:
        """Read these subjects in one go (a page of results: one read of the ledger, their keys loaded together)."""
        wanted = [s for s in sids if s not in self._subjects]
        found = self.ledger.aggregates(wanted)
        for sid in wanted:
            subject = found.get(sid)
            self._subjects[sid] = subject if isinstance(subject, Subject) else None

    def identity(self, sid: UUID) -> dict[str, Any] | None:
        subject = self.subject(sid)
        return subject.identity if subject is not None else None

    def text(self, text: str | None) -> str | None:
        """An item's text as people read it: the people it mentions by name while they are not erased."""
        return show_mentions(text, self.identity)

    def item_ids(self, account: UUID | None = None) -> list[UUID]:
        ids = []
        for n in self.ledger.notifications(topics=CAPTURED_TOPICS):
            if account is not None:
                event = self.ledger.decode_plain(n)  # the account is plain: nothing to decrypt
                if event.account != account:
                    continue
            ids.append(n.originator_id)
        return ids

    def author_fields(self, item: ContentItem) -> dict[str, Any]:
        subject = self.subject(item.author)
        if subject is None:
            return {"author": None, "author_name": None}
        if subject.identity is None:  # erased: only the pseudonym is left
            return {"author": f"subject:{subject.id}", "author_name": None}
        return {"author": subject.identity["subject"], "author_name": subject.identity.get("name")
                or subject.identity.get("username")}

    def summary(self, item: ContentItem) -> ContentSummary:
        current = item.current
        return {
            "id": str(item.id),
            "account": str(item.account),
            "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None,
            "kind": item.kind,
            # Never an id the ledger does not hold: a parent not captured (yet) is shown by the
            # platform's reference (`content show`: the version's `parent_ref`) instead.
            "parent": str(item.parent) if item.parent and self.captured(item.parent) else None,
            **self.author_fields(item),
            "by_account": item.by_account,
            "text": self.text(current["text"]) if current else None,
            "erased": current is None,
            "created": item.occurred,
            "state": item.state,
            "versions": len(item.versions),
        }

    def detail(self, item: ContentItem) -> ContentDetail:
        out: dict[str, Any] = dict(self.summary(item))
        out["versions"] = [
            {
                "change": v["change"],
                "observed": v["observed"],
                "recorded": v["recorded"],
                "source": v["source"],
                "text": self.text(v["content"]["text"]) if v["content"] else None,
                "media": v["content"]["media"] if v["content"] else None,
                "permalink": v["content"]["permalink"] if v["content"] else None,
                "time_note": v["content"].get("time_note") if v["content"] else None,
                **{k: self.text(v["content"][k]) if k == "title" else v["content"][k]
                   for k in ("format", "title", "starts", "ends", "parent_ref") if v["content"] and k in v["content"]},
                "raw": v["content"]["raw"] if v["content"] else None,
            }
            for v in item.versions
        ]
        out["moderation"] = item.moderation
        return out  # type: ignore[return-value]  # the summary's fields, with the versions listed
