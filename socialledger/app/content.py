"""`content ...`, `case ...`, `sla ack|answer`: captured content read back and handled (R15, R18, R21)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from socialledger.app.authorisation import (
    check_may_answer,
    check_may_moderate,
    check_may_register_case,
    require_any,
)
from socialledger.app.base import Service
from socialledger.app.content_views import ContentReader
from socialledger.app.results import CaseRegistration, ContentDetail, ContentSummary
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.storage.topics import topics_of


class Content(Service):
    def content(self, actor: Actor, account: str | UUID | None = None) -> list[ContentSummary]:
        """Every captured item (of one account), as `content list` shows it."""
        require_any(self.store.roster(), actor, "read captured content")
        only = self._account(account).id if account else None
        reader = ContentReader(self.store)
        return [reader.summary(self.store.repository.get(i)) for i in reader.item_ids(only)]

    def content_item(self, actor: Actor, item_id: str | UUID) -> ContentDetail:
        """One item with every version, as `content show` shows it."""
        require_any(self.store.roster(), actor, "read captured content")
        return ContentReader(self.store).detail(self._item(item_id))

    def moderate(self, actor: Actor, item_id: str | UUID, action: str, reason: str, rule: str) -> bool:
        """R18: hide or remove an item under a page rule; the captured content stays. False if it already was."""
        def command() -> bool:
            item = self._item(item_id)
            check_may_moderate(self.store.roster(), actor, self.store.account(item.account))
            changed = item.moderate(action, reason, rule, actor, datetime.now(UTC))
            self.store.save(item)
            return changed

        return self.store.decide(command)

    def register_case(self, actor: Actor, item_id: str | UUID, diary_number: str, system: str | None) -> None:
        """R21: link an item to its case in the case management system."""
        def command() -> None:
            item = self._item(item_id)
            check_may_register_case(self.store.roster(), actor, self.store.account(item.account))
            item.register_case(diary_number, system, actor)
            self.store.save(item)

        self.store.decide(command)

    def cases(self, actor: Actor, diary_number: str | None = None,
              item_id: str | None = None) -> list[CaseRegistration]:
        """Case registrations, found from the item or from the diary number (R21)."""
        require_any(self.store.roster(), actor, "read case registrations")
        only = self._item(item_id).id if item_id else None
        out: list[CaseRegistration] = []
        for n in self.store.notifications(topics=topics_of((ContentItem.CaseRegistered,))):
            event = self.store.mapper.to_domain_event(n)
            if diary_number and event.diary_number != diary_number:
                continue
            if only is not None and n.originator_id != only:
                continue
            item = self.store.repository.get(n.originator_id)
            out.append({"diary_number": event.diary_number, "system": event.system, "item": str(item.id),
                        "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None,
                        "kind": item.kind, "account": str(item.account), "actor": event.actor,
                        "time": event.timestamp, "position": n.id})
        return out

    def acknowledge(self, actor: Actor, item_id: str | UUID) -> bool:
        """R15: record that the item has been seen and will be answered; False if it already was."""
        def command() -> bool:
            item = self._item(item_id)
            check_may_answer(self.store.roster(), actor, self.store.account(item.account))
            changed = item.acknowledge(actor)
            self.store.save(item)
            return changed

        return self.store.decide(command)

    def mark_final_answer(self, actor: Actor, item_id: str | UUID, answer: str | None = None) -> None:
        """R15: mark the item's final answer (a reply, or none named)."""
        def command() -> None:
            item = self._item(item_id)
            check_may_answer(self.store.roster(), actor, self.store.account(item.account))
            item.mark_final_answer(self._item(answer).id if answer else None, actor)
            self.store.save(item)

        self.store.decide(command)
