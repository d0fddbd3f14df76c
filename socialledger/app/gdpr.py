"""`gdpr export|erase`: data subjects' rights (R23); disposal under the retention rules is `app/retention.py`.

Access: everything the ledger holds about a subject, named as `facebook:<user id>`.
Erasure: the subject's identity key and the item keys of what they wrote are
destroyed and the decision recorded; refused (R23) for items that a retention
rule or a case requires to keep, unless the decision overrides. Disposal: the
item keys of what has passed its retention rule are destroyed, one decision
event per run. The events stay, and so does the chain over them: what is gone
is only the ability to read the sealed fields, which then read as erased.
The retention rules themselves are in `core/domain/retention.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.app.authorisation import check_may_answer_access_request, check_may_erase
from socialledger.app.base import Service
from socialledger.app.content_views import CAPTURED_TOPICS, ContentReader
from socialledger.app.decisions import carry_out, unfinished
from socialledger.app.results import Erasure, SubjectExport
from socialledger.app.retention import check_not_held
from socialledger.archive.exports import packages
from socialledger.core.capture.derive import PSEUDONYM_PURPOSE, alias_keys, subject_name
from socialledger.core.capture.inbox import pending as inbox_pending
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation
from socialledger.core.domain.events import ledger_id
from socialledger.core.domain.retention import check_erasable
from socialledger.core.domain.subjects import Subject
from socialledger.core.ledger import LedgerStore
from socialledger.projections import sla


class Gdpr(Service):
    def subject_export(self, actor: Actor, subject: str) -> SubjectExport:
        """R23's right of access: the subject's items with their context and handling."""
        check_may_answer_access_request(self.store.roster(), actor)
        subj = _subject(self.store, subject)
        reader = ContentReader(self.store)
        handled = {r["item"]: r for r in sla.status(self._caught_up().store)}
        items: list[dict[str, Any]] = []
        for item in _items_by(self.store, subj.id):
            detail = reader.detail(item)
            context = None
            if item.parent is not None:
                try:
                    parent = self.store.repository.get(item.parent)
                except AggregateNotFoundError:
                    parent = None
                if isinstance(parent, ContentItem) and parent.by_account:  # the account's words, not another's
                    context = {"id": str(parent.id), "kind": parent.kind,
                               "native_id": f"{parent.channel}:{parent.native_id}" if parent.native_id else None,
                               "text": parent.current["text"] if parent.current else None,
                               "created": parent.occurred}
            sla_row = handled.get(item.id.hex)
            items.append({
                **detail,
                "context": context,
                "handling": {
                    "state": sla_row["state"] if sla_row else None,
                    "due": _ts(sla_row["due"]) if sla_row else None,
                    "first_response": _ts(sla_row["first_response"]) if sla_row else None,
                    "acknowledged": item.acknowledged,
                    "final_answer": item.final_answer,
                    "moderation": item.moderation,
                },
            })
        return {
            "subject": subject,
            "pseudonym": str(subj.id),
            "identity": subj.identity,
            "erased": subj.identity is None,
            "items": items,
            "exported": datetime.now(UTC),
        }

    def erase_subject(self, actor: Actor, subject: str, decision: str, override: bool = False) -> Erasure:
        """R23's erasure: destroy the subject's identity key and the keys of what they wrote; record the decision."""
        store = self.store
        check_may_erase(store.roster(), actor)
        decision = decision.strip()
        if not decision:
            raise BadInput("an erasure needs the reference of its decision: --decision REF")
        check_inbox_empty(store)  # before looking the subject up: the inbox may hold all the ledger will know
        subj = _subject(store, subject)
        if subj.erasure is not None:  # decided before: first finish what an interrupted run left (no new decision)
            finished = _finish_erasure(store, actor, subject, subj)
            if finished is not None:
                self._caught_up(catch_up=False).forget()  # the read models purge what they held of the items
                return finished
        aliases = _aliases(store, subj)  # the same person by name or username (a title, a typed handle)
        items = _items_by(store, subj.id, *(a.id for a in aliases))
        if subj.identity is None:
            # Erased before: what they wrote since (new records, captured under keys of their own) is
            # erased by a decision of its own; nothing else is left to erase.
            items = [i for i in items if not i.erased]
            if not items:
                raise BadInput(f"{subject} is erased already")
        policy = store.policy()
        today = datetime.now(UTC).astimezone(policy.zone).date()
        check_erasable(items, policy, today, override)
        check_not_held(store, items)

        def command() -> None:
            current = store.repository.get(subj.id)
            current.trigger_event(Subject.SubjectErased, decision=decision, override=override,
                                  items=[i.id for i in items], aliases=tuple(a.id for a in aliases),
                                  **actor.stamp())
            others = []
            for alias in aliases:
                other = store.repository.get(alias.id)
                other.trigger_event(Subject.SubjectErased, decision=decision, override=override,
                                    items=[i.id for i in items if i.author == alias.id], **actor.stamp())
                others.append(other)
            # The decision first, then the keys: a crash in between leaves a decision to carry out again.
            store.save(current, *others)

        store.decide(command)
        carry_out(store, actor, "erasure", [subj.id, *(a.id for a in aliases), *(i.id for i in items)],
                  [i.id for i in items], "erased")
        self._caught_up(catch_up=False).forget()  # the read models purge what they held of the items
        whom = {subj.id, *(a.id for a in aliases)}
        holding = [p["path"] for p in packages(store) if whom & set(p["subjects"])]
        return {"subject": subject, "decision": decision, "override": override, "items": len(items),
                "packages": holding, "finished": False}


def _finish_erasure(store: LedgerStore, actor: Actor, subject: str, subj: Subject) -> Erasure | None:
    """A subject whose erasure was decided: carry out what an interrupted run left of the last decision
    undone (no second decision); None when nothing was."""
    assert subj.erasure is not None
    keys, items = [subj.id, *subj.erased_aliases, *subj.erased_items], list(subj.erased_items)
    if not unfinished(store, keys, items):
        return None
    carry_out(store, actor, "erasure", keys, items, "erased")
    whom = {subj.id, *subj.erased_aliases}
    holding = [p["path"] for p in packages(store) if whom & set(p["subjects"])]
    return {"subject": subject, "decision": subj.erasure["decision"], "override": subj.erasure["override"],
            "items": len(items), "packages": holding, "finished": True}


def _subject_id(store: LedgerStore, subject: str) -> UUID:
    """The pseudonymous id of `facebook:10152345` (a keyed hash: no plaintext id is stored)."""
    channel, sep, native = subject.partition(":")
    if not sep or not channel or not native:
        raise BadInput(f"a subject is named channel:user-id, like facebook:10152345, not {subject!r}")
    return ledger_id(subject_name(store.keys.hasher(PSEUDONYM_PURPOSE), subject))


def _subject(store: LedgerStore, subject: str) -> Subject:
    sid = _subject_id(store, subject)
    try:
        found = store.repository.get(sid)
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, Subject):
        raise NotFound(f"the ledger holds nothing about {subject}")
    return found


def _items_by(store: LedgerStore, *sids: UUID) -> list[ContentItem]:
    out = []
    for n in store.notifications(topics=CAPTURED_TOPICS):
        event = store.decode_plain(n)  # the author is a plain pseudonym: nothing to decrypt
        if event.author in sids:
            out.append(store.repository.get(n.originator_id))
    return out


def _aliases(store: LedgerStore, subj: Subject) -> list[Subject]:
    """The subjects, not erased, that the same person is known by on the channel besides `subj`: by name
    (an account export's title names people so) and by username (a handle typed in a text); see
    `derive.alias_keys` and docs/gdpr.md, "What erasure reaches". None once `subj`'s identity is gone."""
    if subj.identity is None:
        return []
    hasher = store.keys.hasher(PSEUDONYM_PURPOSE)
    out = []
    for key in alias_keys(subj.channel, subj.identity):
        sid = ledger_id(subject_name(hasher, key))
        if sid == subj.id:
            continue
        try:
            found = store.repository.get(sid)
        except AggregateNotFoundError:
            continue
        if isinstance(found, Subject) and found.identity is not None and found not in out:
            out.append(found)
    return out


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def check_inbox_empty(store: LedgerStore) -> None:
    """R23: no erasure while the capture service's inbox holds deliveries not in the ledger.

    Their bodies are the platform's bytes in plain text (names, words), which no key
    destroyed can reach; once in the ledger they are encrypted under their items' keys
    and the inbox overwrites them (`core/capture/inbox.py`).
    """
    held = inbox_pending(store.home)
    if not held:
        return
    parts = []
    if held.queued:
        parts.append(f"{held.queued} waiting for the service to ingest them (GET /health: inbox_depth)")
    if held.set_aside:
        parts.append(f"{held.set_aside} set aside in {store.home / 'inbox'}/unlinked or /rejected: ingest them "
                     "with 'socialledger ingest' or delete them")
    raise RuleViolation("R23", "the capture service's inbox holds deliveries that are not in the ledger yet, in "
                               "plain text an erasure cannot reach: " + "; ".join(parts) + "; then erase again")
