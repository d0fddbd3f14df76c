"""Keys are never lost silently: the key store checked against the master key and against the event store.

Crypto-shredding makes a missing key read exactly like an erasure. Three checks
keep the two apart (DESIGN.md, Personal data; docs/audit.md, "Keys"):

- **The master key.** The key store carries a check value of the master key it
  is wrapped under (`KeyStore.identity`). A master key whose check value differs
  is refused (`BadInput`, exit 4) before anything is read or written.
- **The inventory** (`core/domain/keyinventory.py`). After every ingest and every
  erasure or disposal decision the event store records how many keys the key
  store held, how many were destroyed, and the key store's id. Each command
  compares (`check_keys`): a key store that is missing, empty, replaced by
  another, or older than the events (fewer keys, fewer destroyed) is a failed
  verification (`VerificationFailed`, exit 5) naming how many keys are missing
  and whose; nothing is read as "erased".
- **The full audit** (`audit_keys`, run by `audit verify`): every item and
  subject with a sealed field must have a live key unless a recorded decision
  destroyed it; every key a decision named must be destroyed (a decision whose
  keys still exist was interrupted: rerunning its command finishes it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError

from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import CAPTURED, EDITED, MODERATED, ContentItem
from socialledger.core.domain.errors import BadInput, VerificationFailed
from socialledger.core.domain.keyinventory import KEY_INVENTORY_ID, KeyInventory
from socialledger.core.domain.retention import Disposals
from socialledger.core.domain.subjects import Subject
from socialledger.core.storage.masterkey import master_key_available
from socialledger.core.storage.topics import topics_of

#: The ledger store (`core.ledger.LedgerStore`, which calls into this module: named here, not imported).
LedgerStore = Any


#: Every event class with a sealed field: an aggregate with one of these stored has a key.
SEALED_CLASSES = (*CAPTURED.values(), *EDITED.values(), *MODERATED.values(), ContentItem.MediaAttached,
                  ContentItem.NativeIdReconciled,
                  Subject.SubjectIdentified,
                  Subject.SubjectIdentityChanged)
SEALED_TOPICS = topics_of(SEALED_CLASSES)
ERASURE_TOPICS = topics_of((Subject.SubjectErased,))
DISPOSAL_TOPICS = topics_of((Disposals.RetentionApplied, Disposals.RetentionAppliedAgain, Disposals.DisposalDecided,
                             Disposals.DisposalDecidedAgain))
CAPTURED_TOPICS = topics_of(CAPTURED.values())


@attrs.define
class KeyAudit:
    """What the events say about the keys, against what the key store holds."""

    expected: int = 0  # items and subjects with a sealed field
    decided: int = 0  # keys named by erasure and disposal decisions
    missing: list[UUID] = attrs.Factory(list)  # a key the events need and the store lacks
    destroyed_undecided: list[UUID] = attrs.Factory(list)  # destroyed, and no decision names it
    unfinished: dict[int, list[UUID]] = attrs.Factory(dict)  # decision position -> keys it named that still exist
    first: dict[UUID, int] = attrs.Factory(dict)  # key id -> the first position sealed under it
    accounts: dict[UUID, UUID] = attrs.Factory(dict)  # item -> its account
    subjects: set[UUID] = attrs.Factory(set)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.destroyed_undecided or self.unfinished)

    def whose(self, ids: Iterable[UUID], names: dict[UUID, str]) -> str:
        """'12 items of Tornet (3f2a…), 2 data subjects'."""
        per_account: dict[UUID, int] = {}
        subjects = 0
        other = 0
        for i in ids:
            if i in self.accounts:
                per_account[self.accounts[i]] = per_account.get(self.accounts[i], 0) + 1
            elif i in self.subjects:
                subjects += 1
            else:
                other += 1
        parts = [f"{n} item{'s' if n != 1 else ''} of {names.get(a, 'account')} ({str(a)[:8]})"
                 for a, n in sorted(per_account.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        if subjects:
            parts.append(f"{subjects} data subject{'s' if subjects != 1 else ''}")
        if other:
            parts.append(f"{other} other{'s' if other != 1 else ''}")
        return ", ".join(parts)


def audit_keys(store: LedgerStore) -> KeyAudit:
    """Every key the events need or a decision destroyed, against the key store (reads no key material)."""
    audit = KeyAudit()
    needed: set[UUID] = set()
    for n in store.notifications(topics=SEALED_TOPICS):
        if n.originator_id in needed:
            continue
        try:
            event = store.decode_plain(n)
        except Exception:  # noqa: BLE001, S112 - a damaged event is the chain's to report, not this audit's
            continue
        if any(getattr(event, f, None) is not None for f in type(event).sealed_fields):
            needed.add(n.originator_id)
            audit.first[n.originator_id] = n.id
            account = getattr(event, "account", None)
            if isinstance(account, UUID):
                audit.accounts[n.originator_id] = account
            elif isinstance(event, Subject.SubjectIdentified | Subject.SubjectIdentityChanged):
                audit.subjects.add(n.originator_id)
    for n in store.notifications(topics=CAPTURED_TOPICS):  # items whose every sealed field was empty
        if n.originator_id not in audit.accounts:
            try:
                audit.accounts[n.originator_id] = store.decode_plain(n).account
            except Exception:  # noqa: BLE001, S112 - as above
                continue
    decisions: dict[UUID, int] = {}
    for n in store.notifications(topics=ERASURE_TOPICS + DISPOSAL_TOPICS):
        try:
            event = store.decode_plain(n)
            named = ([n.originator_id, *event.items, *event.aliases] if n.topic in ERASURE_TOPICS
                     else list(event.items))
        except Exception:  # noqa: BLE001, S112 - as above
            continue
        for key_id in named:
            decisions.setdefault(key_id, n.id)
    audit.expected, audit.decided = len(needed), len(decisions)
    ids = sorted({*needed, *decisions}, key=str)
    states = store.keys.states([str(i) for i in ids])
    for i in ids:
        state = states.get(str(i))
        if i in decisions:
            if state == "present":
                audit.unfinished.setdefault(decisions[i], []).append(i)
        elif state is None:
            audit.missing.append(i)
        elif state == "destroyed":
            audit.destroyed_undecided.append(i)
    return audit


def account_names(store: LedgerStore, ids: Iterable[UUID]) -> dict[UUID, str]:
    out = {}
    for a in set(ids):
        try:
            account = store.repository.get(a)
        except (AggregateNotFoundError, Exception):  # noqa: BLE001, S112 - a name is a courtesy here
            continue
        if isinstance(account, Account):
            out[a] = account.name
    return out


def last_inventory(store: LedgerStore) -> KeyInventory | None:
    try:
        found = store.repository.get(KEY_INVENTORY_ID)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, KeyInventory) else None


def _holds_sealed_data(store: LedgerStore) -> bool:
    return bool(store.recorder.select_notifications(0, 1, topics=SEALED_TOPICS))


def check_keys(store: LedgerStore) -> None:
    """Refuse a wrong master key (exit 4) and a key store that does not hold the keys the events say it
    must (exit 5), before a command reads or writes anything. Cheap: the key store's identity and counts
    against the last inventory event; the full audit only to name what is missing.

    Without any master key (none in the environment, no key file) nothing is checked: commands that need
    no secret run, the others fail at their first key with the line that says the key is missing.
    """
    if not master_key_available(store.home):
        return
    keys = store.keys
    mine = keys.check_value()
    identity = keys.identity()
    inventory = last_inventory(store)
    if identity is None:
        opens = keys.opens_a_key()
        if opens is False:
            raise BadInput("the master key does not open this ledger's key store (wrong master key?): "
                           "nothing read or written")
        if opens is None and inventory is None and not _holds_sealed_data(store):
            keys.stamp()  # a new key store, on a ledger that never needed one before
            return
        if opens:
            keys.stamp()  # a store made before key stores carried a check value: it holds the keys
            identity = keys.identity()
        else:
            _lost(store, inventory, "the key store is missing or empty")
    assert identity is not None
    store_id, check = identity
    if check != mine:
        if inventory is not None and inventory.check == mine:
            _lost(store, inventory, "the key store was replaced by one made under another master key")
        raise BadInput("the master key does not match this ledger's key store (its check value differs; "
                       "wrong master key?): nothing read or written")
    if inventory is None:
        return
    if inventory.check != mine:
        raise BadInput("the master key does not match the one this ledger recorded its keys under "
                       "(wrong master key?): nothing read or written")
    if inventory.store != store_id:
        _lost(store, inventory, "the key store was replaced by another one")
    count, destroyed = keys.counts()
    if count < inventory.keys:
        _lost(store, inventory, f"the key store holds {count} keys where the ledger recorded {inventory.keys}: "
                                "it is older than the events")
    if destroyed < inventory.destroyed:
        _lost(store, inventory, f"the key store holds {destroyed} destroyed keys where the ledger recorded "
                                f"{inventory.destroyed}: it is older than the events (erased keys are back)")


def _lost(store: LedgerStore, inventory: KeyInventory | None, what: str) -> None:
    """Fail naming how many keys are missing (and whose); a key store this open made is removed again."""
    keys = store.keys
    audit = audit_keys(store)
    store.sealer.discard()  # leave no empty key store made by this check behind, to be mistaken for the real one
    lost = audit.missing + audit.destroyed_undecided
    names = account_names(store, audit.accounts.values())
    whose = f" ({audit.whose(lost, names)})" if lost else ""
    revived = sum(len(v) for v in audit.unfinished.values())
    also = f"; {revived} keys that decisions destroyed are present again" if revived else ""
    failure = VerificationFailed(
        f"{what}: {len(lost)} of the {audit.expected} keys the ledger holds data under are not there"
        f"{whose}{also}. Nothing was read as erased and nothing written; restore the key store from the "
        "backup made with the ledger (docs/operations.md) and run 'socialledger audit verify'")
    failure.audit = audit  # type: ignore[attr-defined]
    raise failure


def record_inventory(store: LedgerStore, actor: Actor) -> bool:
    """Record the key store's counts when they changed since the last inventory (after an ingest or a
    decision). False when nothing changed (nothing recorded)."""
    keys = store.keys
    identity = keys.identity() or keys.stamp()
    store_id, check = identity
    count, destroyed = keys.counts()

    def command() -> bool:
        inventory = last_inventory(store)
        values: dict[str, Any] = {"store": store_id, "check": check, "keys": count, "destroyed": destroyed}
        if inventory is None:
            if count == 0:
                return False
            store.save(KeyInventory._create(KeyInventory.KeysCounted, id=KEY_INVENTORY_ID, **values,
                                            **actor.stamp()))
            return True
        if (inventory.store, inventory.check, inventory.keys, inventory.destroyed) == tuple(values.values()):
            return False
        inventory.trigger_event(KeyInventory.KeysCountedAgain, **values, **actor.stamp())
        store.save(inventory)
        return True

    return store.decide(command)


def report_keys(store: LedgerStore, report: Any) -> None:
    """`audit verify`'s part: the keys against the events, into `report` (an `audit.Report`). A wrong master
    key is refused (BadInput); without one nothing is checked (`report.keys` stays None)."""
    if not master_key_available(store.home):
        return
    if not report.ok:
        # Damaged events cannot say which keys must exist: only the master key is checked, against the key
        # store's own check value (nothing of the events is read).
        identity = store.keys.identity()
        if identity is None:
            store.sealer.discard()  # (a key store this check made, where there was none: removed again)
            return
        if identity is not None and identity[1] != store.keys.check_value():
            raise BadInput("the master key does not match this ledger's key store (its check value differs; "
                           "wrong master key?): nothing read or written")
        return
    try:
        check_keys(store)
    except VerificationFailed as e:
        found: KeyAudit | None = getattr(e, "audit", None)
        lost = [found.first[k] for k in found.missing + found.destroyed_undecided if k in found.first] if found else []
        report.broken(min(lost, default=report.head + 1), e.message)
        return
    audit = audit_keys(store)
    report.keys = audit.expected + audit.decided
    names = account_names(store, audit.accounts.values())
    for key_id in audit.missing:
        report.broken(audit.first.get(key_id, report.head + 1),
                      f"position {audit.first.get(key_id)}: the key of {audit.whose([key_id], names)} "
                      "is missing from the key store (a key store missing, replaced or older than the events)")
    for key_id in audit.destroyed_undecided:
        report.broken(audit.first.get(key_id, report.head + 1),
                      f"position {audit.first.get(key_id)}: the key of {audit.whose([key_id], names)} was "
                      "destroyed, and no erasure or disposal decision names it")
    for position, ids in sorted(audit.unfinished.items()):
        report.broken(position, f"position {position}: the erasure or disposal decision recorded there was not "
                                f"carried out: {len(ids)} of its keys still exist ({audit.whose(ids, names)}); "
                                "run the same command again to finish it")
