"""Data subjects' rights and the organisation's retention rules (R22, R23).

Access: everything the ledger holds about a subject, named as `facebook:<user id>`.
Erasure: the subject's identity key and the item keys of what they wrote are
destroyed and the decision recorded; refused (R23) for items that a retention
rule or a case requires to keep, unless the decision overrides. Disposal: the
item keys of what has passed its retention rule are destroyed, one decision
event per run. The events stay, and so does the chain over them: what is gone
is only the ability to read the sealed fields, which then read as erased.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.core.capture.derive import PSEUDONYM_PURPOSE, subject_name
from socialledger.core.capture.media import forget as forget_media
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import CAPTURED, ContentItem
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.events import LedgerAggregate, ledger_id
from socialledger.core.domain.policy import Policy, Retention
from socialledger.core.domain.roles import Role
from socialledger.core.domain.subjects import Subject
from socialledger.core.storage.topics import topics_of

DISPOSALS_ID = ledger_id("socialledger:disposals")
_CAPTURED_TOPICS = topics_of(CAPTURED.values())


class Disposals(LedgerAggregate):
    """Every run of the retention rules that disposed of something (R22)."""

    class RetentionApplied(LedgerAggregate.Created):
        as_of: date
        rules: dict[str, Any]
        items: list[UUID]

        def apply(self, d: Disposals) -> None:
            d.runs = 1

    class RetentionAppliedAgain(LedgerAggregate.Event):
        as_of: date
        rules: dict[str, Any]
        items: list[UUID]

        def apply(self, d: Disposals) -> None:
            d.runs += 1

    def __init__(self) -> None:
        self.runs = 0


def subject_id(ledger: Any, subject: str) -> UUID:
    """The pseudonymous id of `facebook:10152345` (a keyed hash: no plaintext id is stored)."""
    channel, sep, native = subject.partition(":")
    if not sep or not channel or not native:
        raise BadInput(f"a subject is named channel:user-id, like facebook:10152345, not {subject!r}")
    return ledger_id(subject_name(ledger.keys.hasher(PSEUDONYM_PURPOSE), subject))


def _subject(ledger: Any, subject: str) -> Subject:
    sid = subject_id(ledger, subject)
    try:
        found = ledger.repository.get(sid)
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, Subject):
        raise BadInput(f"the ledger holds nothing about {subject}")
    return found


def items_by(ledger: Any, sid: UUID) -> list[ContentItem]:
    out = []
    for n in ledger._notifications(topics=_CAPTURED_TOPICS):
        event = ledger.decode_plain(n)  # the author is a plain pseudonym: nothing to decrypt
        if event.author == sid:
            out.append(ledger.repository.get(n.originator_id))
    return out


def record_class(kind: str, policy: Policy) -> str:
    """The retention record class of an item: its kind when a rule names it, else post or comment."""
    if kind in policy.retention:
        return kind
    return "post" if kind == "post" else "comment"


def kept_until(created: datetime, rule: Retention, zone: Any) -> date | None:
    """The last day a rule requires an item to be kept: the end of its half-year plus the years; None: for ever."""
    if rule.forever or rule.keep_years is None:
        return None
    local = created.astimezone(zone).date()
    end = date(local.year, 6, 30) if local.month <= 6 else date(local.year, 12, 31)
    try:
        return end.replace(year=end.year + rule.keep_years)
    except ValueError:  # 29 February never ends a half-year, but stay safe
        return end.replace(year=end.year + rule.keep_years, day=28)


def retention_holds(item: ContentItem, policy: Policy, on: date) -> tuple[str, date | None] | None:
    """(record class, kept until) when a retention rule requires keeping the item on `on`."""
    cls = record_class(item.kind, policy)
    rule = policy.retention.get(cls)
    if rule is None:
        return None
    until = kept_until(item.occurred or item.versions[0]["observed"], rule, policy.zone)
    if until is None or on <= until:
        return cls, until
    return None


# Access -----------------------------------------------------------------------------------------


def export(ledger: Any, actor: Actor, subject: str) -> dict[str, Any]:
    roster = ledger.roster()
    if not (roster.is_information_unit(actor.name) or roster.has(actor.name, Role.AUDITOR)
            or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R23", f"{actor.name} cannot answer access requests: the information unit does")
    subj = _subject(ledger, subject)
    from socialledger.core.content_views import ContentReader
    from socialledger.projections import sla

    reader = ContentReader(ledger)
    handled = {r["item"]: r for r in sla.status(ledger.read_models().store)}
    items = []
    for item in items_by(ledger, subj.id):
        detail = reader.detail(item)
        context = None
        if item.parent is not None:
            try:
                parent = ledger.repository.get(item.parent)
            except AggregateNotFoundError:
                parent = None
            if isinstance(parent, ContentItem) and parent.by_account:  # the account's words, not another person's
                context = {"id": str(parent.id), "kind": parent.kind,
                           "native_id": f"{parent.channel}:{parent.native_id}" if parent.native_id else None,
                           "text": parent.current["text"] if parent.current else None, "created": parent.occurred}
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


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


# Erasure ----------------------------------------------------------------------------------------


def erase(ledger: Any, actor: Actor, subject: str, decision: str, override: bool = False) -> dict[str, Any]:
    if not ledger.roster().is_information_unit(actor.name):
        raise RuleViolation("R23", f"only the information unit erases a data subject; {actor.name} cannot")
    decision = decision.strip()
    if not decision:
        raise BadInput("an erasure needs the reference of its decision: --decision REF")
    subj = _subject(ledger, subject)
    if subj.identity is None:
        raise BadInput(f"{subject} is erased already")
    policy = ledger.policy()
    today = datetime.now(UTC).astimezone(policy.zone).date()
    items = items_by(ledger, subj.id)
    held = [(i, h) for i in items if (h := retention_holds(i, policy, today)) is not None]
    in_case = [i for i in items if i.cases]
    if (held or in_case) and not override:
        parts = []
        if held:
            cls, until = held[0][1]
            parts.append(f"{len(held)} of the {len(items)} items are kept under the retention rule {cls!r}"
                         + (f" until {until}" if until else " for ever"))
        if in_case:
            parts.append(f"{len(in_case)} are registered in a case")
        raise RuleViolation("R23", "; ".join(parts) + ": nothing erased (record the decision as overriding "
                                                       "with --override if it does)")

    def command() -> None:
        current = ledger.repository.get(subj.id)
        current.trigger_event(Subject.SubjectErased, decision=decision, override=override,
                              items=[i.id for i in items], **actor.stamp())
        # The decision first, then the keys: a crash in between leaves a decision to carry out again.
        ledger.save(current)

    ledger._decide(command)
    ledger.keys.destroy([str(subj.id), *(str(i.id) for i in items)])
    forget_media(ledger.home, [i.id for i in items])
    ledger.recorder.mark_erased([subj.id.hex, *(i.id.hex for i in items)], "erased")
    ledger.shred_caches()
    from socialledger.archive.exports import packages

    holding = [p["path"] for p in packages(ledger) if subj.id in p["subjects"]]
    return {"subject": subject, "decision": decision, "override": override, "items": len(items),
            "packages": holding}


# Disposal ---------------------------------------------------------------------------------------


def due_for_disposal(ledger: Any, as_of: date) -> list[tuple[ContentItem, str]]:
    policy = ledger.policy()
    out = []
    for n in ledger._notifications(topics=_CAPTURED_TOPICS):
        item = ledger.repository.get(n.originator_id)
        if item.erased:
            continue
        cls = record_class(item.kind, policy)
        rule = policy.retention.get(cls)
        if rule is None or (item.cases and rule.keep_if_case):  # R22, R21: what is in a case stays
            continue
        until = kept_until(item.occurred or item.versions[0]["observed"], rule, policy.zone)
        if until is not None and as_of > until:
            out.append((item, cls))
    return out


def apply_retention(ledger: Any, actor: Actor, as_of: date, dry_run: bool = False) -> dict[str, Any]:
    if not (ledger.roster().is_information_unit(actor.name) or ledger.roster().has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R22", f"{actor.name} cannot dispose of records: the archivist or the information "
                                   "unit does")
    due = due_for_disposal(ledger, as_of)
    policy = ledger.policy()
    rules = {cls: {"keep_years": policy.retention[cls].keep_years, "forever": policy.retention[cls].forever,
                   "keep_if_case": policy.retention[cls].keep_if_case} for cls in sorted({c for _, c in due})}
    result = {"as_of": as_of, "dry_run": dry_run, "rules": rules,
              "items": [{"id": str(i.id), "kind": i.kind, "class": c,
                         "native_id": f"{i.channel}:{i.native_id}" if i.native_id else None,
                         "created": i.occurred} for i, c in due]}
    if dry_run or not due:
        return result

    def command() -> None:
        try:
            record = ledger.repository.get(DISPOSALS_ID)
            record.trigger_event(Disposals.RetentionAppliedAgain, as_of=as_of, rules=rules,
                                 items=[i.id for i, _ in due], **actor.stamp())
        except AggregateNotFoundError:
            record = Disposals._create(Disposals.RetentionApplied, id=DISPOSALS_ID, as_of=as_of, rules=rules,
                                       items=[i.id for i, _ in due], **actor.stamp())
        ledger.save(record)

    ledger._decide(command)
    ledger.keys.destroy([str(i.id) for i, _ in due])
    forget_media(ledger.home, [i.id for i, _ in due])
    ledger.recorder.mark_erased([i.id.hex for i, _ in due], "disposed")
    ledger.shred_caches()
    return result

