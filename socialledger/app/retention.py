"""`retention apply` and `hold place|release|list`: disposal that follows delivery (R22, R23).

Disposal destroys the item keys of what has passed its retention rule, one decision
event per run naming the decision. It never touches an item that no archive package
delivered (every version of it), an item registered in a case, or an item under a
legal hold (on the item or on its account): those are listed as held back, with why.
The rules themselves and the holds are in `core/domain/retention.py`; what was
delivered is read from the exported packages (`archive/delivery.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.app.authorisation import check_may_dispose, check_may_hold
from socialledger.app.base import Service
from socialledger.app.content_views import CAPTURED_TOPICS
from socialledger.app.decisions import carry_out, finish_disposals
from socialledger.app.results import Disposal, Hold
from socialledger.archive.delivery import delivered_items
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.policy import Policy
from socialledger.core.domain.retention import (
    DISPOSALS_ID,
    HOLDS_ID,
    Disposals,
    Holds,
    due_for_disposal,
    kept_until,
    record_class,
)
from socialledger.core.ledger import LedgerStore


class Retention(Service):
    def apply_retention(self, actor: Actor, as_of: date, decision: str, dry_run: bool = False, *,
                        undelivered: bool = False) -> Disposal:
        """R22: dispose of what has passed its rule and was delivered in a package, under `decision`.

        `undelivered`: the decision says that items no package delivered are disposed of too (recorded
        in the decision event); cases and legal holds keep their items whatever the decision.
        """
        store = self.store
        check_may_dispose(store.roster(), actor)
        decision = " ".join((decision or "").split())
        if not decision:
            raise BadInput("R22: a disposal names the reference of its decision: --decision REF")
        finished = [] if dry_run else finish_disposals(store, actor)  # an interrupted run's decision, first
        if finished:
            self._caught_up(catch_up=False).forget()  # the read models purge what they held of the items
        policy = store.policy()
        holds = _holds(store)
        delivery = delivered_items(store)
        due: list[tuple[ContentItem, str]] = []
        held: list[tuple[ContentItem, str, str]] = []
        for item in _captured(store):
            cls = due_for_disposal(item, policy, as_of)
            if cls is None:
                if not item.erased and item.cases and _past(item, policy, as_of):
                    held.append((item, _class(item, policy), "registered in a case: "
                                 + ", ".join(c["diary_number"] for c in item.cases)))
                continue
            hold = holds.on_item(item) if holds is not None else None
            if hold is not None:
                held.append((item, cls, f"legal hold: {hold['reason']}"))
            elif item.cases:
                held.append((item, cls, "registered in a case: " + ", ".join(c["diary_number"] for c in item.cases)))
            elif (why := delivery.get(item.id, "not delivered in any archive package")) is not None \
                    and not undelivered:
                held.append((item, cls, why))
            else:
                due.append((item, cls))
        rules = {cls: {"keep_years": policy.retention[cls].keep_years, "forever": policy.retention[cls].forever,
                       "keep_if_case": policy.retention[cls].keep_if_case}
                 for cls in sorted({c for _, c in due} | {c for _, c, _ in held}) if cls in policy.retention}
        reasons: dict[str, int] = {}
        for _, _, why in held:
            key = why.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        result: Disposal = {
            "as_of": as_of, "decision": decision, "undelivered": undelivered, "dry_run": dry_run, "rules": rules,
            "items": [_row(i, c) for i, c in due],
            "held": [{**_row(i, c), "reason": why} for i, c, why in held],
            "finished": len(finished),
        }
        if dry_run or not due:
            return result

        def command() -> None:
            ids = [i.id for i, _ in due]
            try:
                record = store.repository.get(DISPOSALS_ID)
                record.trigger_event(Disposals.DisposalDecidedAgain, as_of=as_of, rules=rules, items=ids,
                                     decision=decision, held=reasons, undelivered=undelivered, **actor.stamp())
            except AggregateNotFoundError:
                record = Disposals._create(Disposals.DisposalDecided, id=DISPOSALS_ID, as_of=as_of, rules=rules,
                                           items=ids, decision=decision, held=reasons, undelivered=undelivered,
                                           **actor.stamp())
            store.save(record)

        # The decision first, then the keys: a crash in between leaves a decision to carry out again.
        store.decide(command)
        carry_out(store, actor, "disposal", [i.id for i, _ in due], [i.id for i, _ in due], "disposed")
        self._caught_up(catch_up=False).forget()  # the read models purge what they held of the items
        return result

    def place_hold(self, actor: Actor, *, account: str | None = None, item: str | None = None,
                   reason: str) -> bool:
        """A legal hold on an account (all its items) or an item: nothing under it is disposed of.
        False when it was held already (nothing recorded)."""
        check_may_hold(self.store.roster(), actor)
        target, on = self._target(account, item)

        def command() -> bool:
            holds = _holds(self.store)
            if holds is None:
                self.store.save(Holds.first(target, on, reason, actor))
                return True
            placed = holds.place(target, on, reason, actor)
            self.store.save(holds)
            return placed

        return self.store.decide(command)

    def release_hold(self, actor: Actor, *, account: str | None = None, item: str | None = None,
                     reason: str) -> None:
        check_may_hold(self.store.roster(), actor)
        target, on = self._target(account, item)

        def command() -> None:
            holds = _holds(self.store)
            if holds is None:
                raise BadInput(f"there is no legal hold on {target} {on} to release")
            holds.release(target, on, reason, actor)
            self.store.save(holds)

        self.store.decide(command)

    def holds(self, actor: Actor) -> list[Hold]:
        """The legal holds in force."""
        check_may_hold(self.store.roster(), actor)
        holds = _holds(self.store)
        if holds is None:
            return []
        return [{"target": target, "id": str(on), "reason": h["reason"], "actor": h["actor"], "time": h["time"]}
                for (target, on), h in sorted(holds.active.items(), key=lambda kv: (kv[1]["time"], str(kv[0][1])))]

    def _target(self, account: str | None, item: str | None) -> tuple[str, UUID]:
        if bool(account) == bool(item):
            raise BadInput("name what the hold is on: --account ID or --item ID")
        if account:
            return "account", self._account(account).id
        return "item", self._item(item or "").id


def check_not_held(store: LedgerStore, items: list[ContentItem]) -> None:
    """R23: an erasure leaves items under a legal hold alone; the hold is released first (no override)."""
    holds = _holds(store)
    held = [(i, h) for i in items if holds is not None and (h := holds.on_item(i)) is not None]
    if held:
        raise RuleViolation("R23", f"{len(held)} of the {len(items)} items are under a legal hold "
                                   f"({held[0][1]['reason']}): nothing erased; release the hold first "
                                   "(socialledger hold release)")


def _holds(store: LedgerStore) -> Holds | None:
    try:
        return store.repository.get(HOLDS_ID)
    except AggregateNotFoundError:
        return None


def _class(item: ContentItem, policy: Policy) -> str:
    return record_class(item.kind, policy, item.by_account)


def _past(item: ContentItem, policy: Policy, as_of: date) -> bool:
    """The item's rule would dispose of it on `as_of` were it not in a case."""
    rule = policy.retention.get(_class(item, policy))
    if rule is None:
        return False
    until = kept_until(item.occurred or item.versions[0]["observed"], rule, policy.zone)
    return until is not None and as_of > until


def _row(item: ContentItem, cls: str) -> dict[str, Any]:
    return {"id": str(item.id), "kind": item.kind, "class": cls, "by_account": item.by_account,
            "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None, "created": item.occurred}


def _captured(store: LedgerStore) -> list[ContentItem]:
    return [store.repository.get(n.originator_id) for n in store.notifications(topics=CAPTURED_TOPICS)]
