"""`content ...`, `case ...`, `sla ack|answer`: captured content read back and handled (R15, R18, R21)."""

from __future__ import annotations

from collections.abc import Iterable
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
from socialledger.core.domain.events import ledger_hex
from socialledger.core.storage.topics import topics_of
from socialledger.projections import search as search_model

#: What a reconcile looks up: the kinds a poll returns in full.
RECONCILED_KINDS = frozenset({"post", "comment", "reply", "visitor_post"})


class Content(Service):
    def content(self, actor: Actor, account: str | UUID | None = None) -> list[ContentSummary]:
        """Every captured item (of one account), as `content list` shows it."""
        require_any(self.store.roster(), actor, "read captured content")
        only = self._account(account).id if account else None
        reader = ContentReader(self.store)
        return [reader.summary(self.store.repository.get(i)) for i in reader.item_ids(only)]

    def not_returned(self, actor: Actor, account: str | UUID, seen: Iterable[str],
                     since: datetime | None) -> list[tuple[str, str]]:
        """Reconcile (the capture service's polls): (native id, kind) of the items of `account` that a poll which
        returned the native ids `seen`, having seen every post from `since` on in full, should have returned and
        did not (posts dated from `since`, and the threads under what it returned), leaving out items removed.

        Found through the ids (`facebook:<id>` makes the ledger id) and the search model's rows (account, parent,
        kind, date, state), which hold nothing sealed: only the items found are loaded, so a round decrypts what
        the poll did not return, not the whole account.
        """
        require_any(self.store.roster(), actor, "read captured content")
        acc = self._account(account)
        keys = [ledger_hex(f"{acc.channel}:{n}") for n in seen]
        aliases = self.store.recorder.aliases(keys) if keys else {}
        seen_ids = {aliases.get(k, k) for k in keys}
        models = self._caught_up(catch_up=False)
        models.catch_up(["search"])
        found, rows = search_model.window(models.store, acc.id.hex, sorted(seen_ids),
                                          since.timestamp() if since is not None else None)
        out: list[tuple[str, str]] = []
        for item in found:
            row = rows.get(item)
            if item in seen_ids or row is None or row["account"] != acc.id.hex:
                continue
            if row["state"] == "removed" or row["kind"] not in RECONCILED_KINDS:
                continue
            loaded = self.store.repository.get(UUID(hex=item))  # its platform id may be sealed with its content
            if isinstance(loaded, ContentItem) and loaded.native_id:
                out.append((loaded.native_id, loaded.kind))
        return out

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
