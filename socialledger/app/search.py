"""`search`: every captured item and version, by its words in their inflected forms, with the thread around it.

The search read model (`projections/search.py`) finds the items; what a result
shows (texts, authors, thread, edits, moderation) is read from the ledger, so that
it is exactly what `content show` would show and an erased text reads as erased.
Who may search whose accounts is `authorisation.readable_accounts` (R2); every
search that shows items is recorded as a view of personal data (`AccessRecord`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.app.authorisation import readable_accounts
from socialledger.app.base import Service
from socialledger.app.content_views import ContentReader
from socialledger.core.capture.derive import PSEUDONYM_PURPOSE, subject_name
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import KINDS, ContentItem
from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation
from socialledger.core.domain.events import ledger_id
from socialledger.core.domain.periods import parse as parse_period
from socialledger.projections import search as search_model

STATES = ("visible", "hidden", "removed")
#: how far up a thread a result shows its context
THREAD_DEPTH = 8


class Search(Service):
    def search(self, actor: Actor, query: str, *, account: str | None = None, channel: str | None = None,
               kind: str | None = None, period: str | None = None, author: str | None = None,
               state: str | None = None, limit: int = 50, via: str = "cli") -> dict[str, Any]:
        """The newest items (at most `limit`) with a version holding every word of `query` in any inflected form."""
        store = self.store
        readable = readable_accounts(store.roster(), actor, store.accounts)
        alternatives = search_model.query_stems(query or "")
        if not alternatives:
            raise BadInput("search: give at least one word to look for")
        if kind is not None and kind not in KINDS:
            raise BadInput(f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
        if state is not None and state not in STATES:
            raise BadInput(f"unknown state {state!r} (one of: {', '.join(STATES)})")
        if not 1 <= limit <= search_model.MAX_RESULTS:
            raise BadInput(f"--limit is 1 to {search_model.MAX_RESULTS}")
        filters: dict[str, Any] = {"channel": channel, "kind": kind, "state": state}
        if account is not None:
            acc = self._account(account)
            if readable is not None and acc.id not in {a.id for a in readable}:
                raise RuleViolation("R2", f"{actor.name} holds no role in {acc.unit} and cannot search {acc.name}")
            filters["account"] = acc.id.hex
        elif readable is not None:
            filters["accounts"] = [a.id.hex for a in readable]
        if period is not None:
            start, end = parse_period(period).bounds(store.policy().zone)
            filters["start"], filters["end"] = start.timestamp(), end.timestamp()
        if author is not None:
            filters["author"] = self._subject_pseudonym(author).hex
        models = self._search_model()
        found = search_model.find(models.store, alternatives, filters, limit)
        reader, seen = ContentReader(store), {}
        self._read_together(reader, [UUID(hex=item) for item, _ in found], seen)
        results = [self._result(reader, UUID(hex=item), version, seen) for item, version in found]
        if results:
            self._record_view(actor, "search", [UUID(r["id"]) for r in results], {"query": query, **{
                k: v for k, v in {"account": account, "channel": channel, "kind": kind, "period": period,
                                  "author": author, "state": state}.items() if v is not None}}, via)
        return {"query": query, "stems": alternatives, "count": len(results), "limit": limit, "results": results}

    def thread(self, actor: Actor, item: str, via: str = "cli") -> dict[str, Any]:
        """An item in its thread: the chain of parents up to the post, and the replies below each of them."""
        store = self.store
        found = self._item(item)
        readable = readable_accounts(store.roster(), actor, store.accounts)
        if readable is not None and found.account not in {a.id for a in readable}:
            acc = store.account(found.account)
            raise RuleViolation("R2", f"{actor.name} holds no role in {acc.unit} and cannot read {acc.name}'s items")
        reader, seen = ContentReader(store), {found.id: found}
        chain = [found]
        while chain[-1].parent is not None and len(chain) < THREAD_DEPTH:
            parent = self._get_item(chain[-1].parent, seen)
            if parent is None:
                break
            chain.append(parent)
        root = chain[-1]
        children = self._children(root.id, reader, seen)
        shown = [root, *children]
        out = {"item": str(found.id), "root": self._result(reader, root.id, None, seen),
               "replies": [self._result(reader, c.id, None, seen) for c in children]}
        self._record_view(actor, "thread", [i.id for i in shown], {"item": item}, via)
        return out

    def _subject_pseudonym(self, subject: str) -> UUID:
        channel, sep, native = subject.partition(":")
        if not sep or not channel or not native:
            raise BadInput(f"an author is named channel:user-id, like facebook:10152345, not {subject!r}")
        return ledger_id(subject_name(self.store.keys.hasher(PSEUDONYM_PURPOSE), subject))

    # ----------------------------------------------------------------------------------------------------

    def _search_model(self) -> Any:
        """The read models with the search model caught up (only it: each search records an event, and the
        others' catch-up of it would cost a search the set-up of every model)."""
        models = self._caught_up(catch_up=False)
        models.catch_up(["search"])
        return models

    def _get_item(self, item_id: UUID, seen: dict[UUID, Any] | None = None) -> ContentItem | None:
        """The item (or None), through `seen`: a call's results share parents and accounts."""
        if seen is not None and item_id in seen:
            return seen[item_id]
        try:
            found = self.store.repository.get(item_id)
        except AggregateNotFoundError:
            found = None
        found = found if isinstance(found, ContentItem) else None
        if seen is not None:
            seen[item_id] = found
        return found

    def _read_together(self, reader: ContentReader, ids: list[UUID], seen: dict[UUID, Any]) -> None:
        """The items, their parents, their accounts and the authors, each in one read of the ledger (rather than one
        read and one key at a time), into `seen` and the reader's subjects."""
        items = self.store.aggregates(i for i in ids if i not in seen)
        seen.update({i: (items[i] if isinstance(items.get(i), ContentItem) else None) for i in ids if i not in seen})
        parents = {i.parent for i in items.values() if isinstance(i, ContentItem) and i.parent} - set(seen)
        found = self.store.aggregates(parents)
        seen.update({p: (found[p] if isinstance(found.get(p), ContentItem) else None) for p in parents})
        accounts = {i.account for i in seen.values() if isinstance(i, ContentItem)} - set(seen)
        seen.update({a: found for a, found in self.store.aggregates(accounts).items() if isinstance(found, Account)})
        reader.read_subjects({i.author for i in seen.values() if isinstance(i, ContentItem) and i.author})

    def _children(self, root: UUID, reader: ContentReader, seen: dict[UUID, Any]) -> list[ContentItem]:
        """Every item of the thread under `root` (replies of replies too), oldest first, from the search model."""
        models = self._search_model()
        ids = [UUID(hex=h) for h in search_model.thread(models.store, root.hex)]
        self._read_together(reader, [root, *ids], seen)
        items = [i for i in (self._get_item(i, seen) for i in ids) if i is not None]
        return sorted(items, key=lambda i: (i.occurred or datetime.min.replace(tzinfo=UTC), str(i.id)))

    def _result(self, reader: ContentReader, item_id: UUID, matched: int | None,
                seen: dict[UUID, Any]) -> dict[str, Any]:
        item = self._get_item(item_id, seen)
        if item is None:
            raise NotFound(f"no item {item_id}")
        if item.account not in seen:
            seen[item.account] = self.store.account(item.account)
        account = seen[item.account]
        parent = self._get_item(item.parent, seen) if item.parent else None
        current = item.current
        return {
            "id": str(item.id),
            "account": str(item.account),
            "account_name": account.name,
            "channel": item.channel,
            "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None,
            "kind": item.kind,
            **reader.author_fields(item),
            "by_account": item.by_account,
            "created": item.occurred,
            "state": item.state,
            "text": reader.text(current["text"]) if current else None,
            "erased": current is None,
            "matched_version": matched,
            "versions": [{"change": v["change"], "observed": v["observed"],
                          "text": reader.text(v["content"]["text"]) if v["content"] else None}
                         for v in item.versions],
            "moderation": [{"action": m["action"], "by": m["by"], "reason": m["reason"], "rule": m["rule"],
                            "time": m["time"]} for m in item.moderation],
            "parent": None if parent is None else {
                "id": str(parent.id), "kind": parent.kind, **reader.author_fields(parent),
                "text": reader.text(parent.current["text"]) if parent.current else None},
        }
