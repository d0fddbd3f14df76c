"""The ledger application: every command and query of the CLI, as a Python API.

Each command loads what it decides on, lets the aggregate apply its guards
(which raise before anything is recorded), and saves the new events in one
transaction. A concurrent writer that got there first makes the save fail on
the (aggregate, version) key; the command is then decided again on fresh state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import attrs
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from socialledger.core.domain.account import Account, ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, LedgerNotFound, RuleViolation
from socialledger.core.domain.events import event_type
from socialledger.core.domain.policy import Policy, default_policy, default_text, parse
from socialledger.core.domain.policy_record import POLICY_ID, PolicyRecord
from socialledger.core.domain.roles import ROSTER_ID, Role, Roster
from socialledger.core.domain.workflow import State
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.home import ensure_home, resolve_home
from socialledger.core.storage.mapper import MsgspecMapper
from socialledger.core.storage.backends import open_storage
from socialledger.core.storage.ports import BulkWriter, KeyStore, ReadModelStore, Storage
from socialledger.core.storage.sealing import Sealer
from socialledger.core.storage.topics import topics_of

T = TypeVar("T")

_RETRIES = 8
_PAGE = 1000
_BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "os_user", "host"}


@attrs.frozen
class LogEntry:
    """One stored event as the audit log shows it."""

    position: int
    time: datetime
    actor: str
    os_user: str
    host: str
    aggregate: UUID
    aggregate_type: str
    type: str
    version: int
    details: dict[str, Any]


class Ledger(Application):  # type: ignore[type-arg]
    name = "socialledger"

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = ensure_home(home)
        self.storage: Storage = open_storage(StorageConfig.load(self.home), self.home)
        settings = self.storage.event_store_env()
        self.sealer = Sealer(self.storage.open_keys)
        self.plain_mapper = MsgspecMapper()
        super().__init__(env={**settings, **(env or {})})

    def construct_mapper(self) -> MsgspecMapper:
        return MsgspecMapper(sealer=self.sealer)

    def decode_plain(self, notification: Any) -> Any:
        """A stored event with its sealed fields left sealed: for reading its plain fields cheaply."""
        return self.plain_mapper.to_domain_event(notification)

    def page_writer(self) -> BulkWriter:
        """The bulk writer of an ingest's planned pages into this ledger's event store (SQLite: a process)."""
        return self.storage.bulk_writer(self.recorder)

    @property
    def keys(self) -> KeyStore:
        """The key store (opened on first use: it needs the master key)."""
        return self.sealer.keys

    def close(self) -> None:
        models = self.__dict__.pop("_read_models", None)
        if models is not None:
            models.close()
        self.sealer.close()
        close_reader = getattr(self.recorder, "close_reader", None)
        if close_reader is not None:
            close_reader()
        super().close()

    # Infrastructure ------------------------------------------------------------

    def is_initialised(self) -> bool:
        return ROSTER_ID in self.repository

    def _decide(self, command: Callable[[], T]) -> T:
        for attempt in range(_RETRIES):
            try:
                return command()
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    # Organisation ----------------------------------------------------------------

    def init(self, admin: str, actor: Actor) -> None:
        """Create the ledger with its first information-unit member (and the default policy)."""
        if self.is_initialised():
            raise BadInput(f"the ledger at {self.home} is already initialised")
        roster = Roster.initialise(admin, actor)
        record = PolicyRecord.adopt(default_text(), default_policy(), actor)
        self.storage.create_master_key()
        self.storage.check_master_key()  # a clear error now rather than at the first capture
        self.save(roster, record)

    def roster(self) -> Roster:
        try:
            return self.repository.get(ROSTER_ID)
        except AggregateNotFoundError:
            raise LedgerNotFound(
                f"no ledger at {self.home}: run 'socialledger init --admin NAME' first"
            ) from None

    def grant_role(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> bool:
        def command() -> bool:
            roster = self.roster()
            granted = roster.grant(actor, user, role, unit)
            self.save(roster)
            return granted

        return self._decide(command)

    def revoke_role(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> None:
        def command() -> None:
            roster = self.roster()
            roster.revoke(actor, user, role, unit)
            self.save(roster)

        self._decide(command)

    def roles(self, actor: Actor) -> list[dict[str, str]]:
        roster = self.roster()
        roster.require_any(actor.name, "read the roles")
        return [
            {"user": u, "role": r, "unit": unit or None}
            for u, r, unit in sorted(roster.grants)
        ]

    # Policy ------------------------------------------------------------------------

    def policy(self) -> Policy:
        return self._policy_record().policy()

    def _policy_record(self) -> PolicyRecord:
        self.roster()  # a clear error on an uninitialised ledger
        return self.repository.get(POLICY_ID)

    def set_policy(self, actor: Actor, text: str, source: str = "policy") -> bool:
        policy = parse(text, source)

        def command() -> bool:
            roster = self.roster()
            roster.require(actor.name, Role.INFORMATION_UNIT, "set the policy")
            record = self._policy_record()
            changed = record.set(text, policy, actor)
            self.save(record)
            return changed

        return self._decide(command)

    # Accounts ----------------------------------------------------------------------

    def account(self, account_id: str | UUID) -> Account:
        aid = _parse_id(account_id)
        try:
            account = self.repository.get(aid) if aid else None
        except AggregateNotFoundError:
            account = None
        if not isinstance(account, Account):
            self.roster()
            raise RuleViolation("R3", f"there is no account application with id {account_id}")
        return account

    def _on_account(self, account_id: str | UUID, act: Callable[[Account, Roster], T]) -> T:
        def command() -> T:
            roster = self.roster()
            account = self.account(account_id)
            result = act(account, roster)
            self.save(account)
            return result

        return self._decide(command)

    def apply_account(self, actor: Actor, form: ApplicationForm) -> UUID:
        form = attrs.evolve(form, account_class=self._account_class(form.account_class, self.policy()))
        roster = self.roster()
        account = Account.apply_for(form, actor, roster)
        self.save(account)
        return account.id

    @staticmethod
    def _account_class(name: str | None, policy: Policy) -> str:
        if not name:
            return policy.accounts.default_class
        if name not in policy.cadence:
            classes = ", ".join(sorted(policy.cadence))
            raise BadInput(f"account class {name!r} is not in the policy (classes: {classes})")
        return name

    def approve(self, actor: Actor, account_id: str | UUID, level: str) -> None:
        _check_level(level)
        self._on_account(account_id, lambda a, r: a.approve(level, actor, r))

    def reject(self, actor: Actor, account_id: str | UUID, level: str, reason: str) -> None:
        _check_level(level)
        self._on_account(account_id, lambda a, r: a.reject(level, reason, actor, r))

    def revise(self, actor: Actor, account_id: str | UUID, changes: dict[str, Any]) -> None:
        if "account_class" in changes:
            changes = {**changes, "account_class": self._account_class(changes["account_class"], self.policy())}
        self._on_account(account_id, lambda a, r: a.revise(changes, actor, r))

    def link(self, actor: Actor, account_id: str | UUID, platform_id: str) -> None:
        def act(account: Account, roster: Roster) -> None:
            account.link(platform_id, actor, roster)
            for other in self.accounts():
                if (
                    other.id != account.id
                    and other.channel == account.channel
                    and other.platform_id == account.platform_id
                    and other.state is not State.CLOSED
                ):
                    raise RuleViolation(
                        "R6", f"{account.channel} page {account.platform_id} is already linked to account {other.id} ({other.name})"
                    )

        self._on_account(account_id, act)

    def set_properties(self, actor: Actor, account_id: str | UUID, changes: dict[str, Any]) -> bool:
        if "account_class" in changes:
            changes = {**changes, "account_class": self._account_class(changes["account_class"], self.policy())}
        return self._on_account(account_id, lambda a, r: a.set_properties(changes, actor, r))

    def request_close(self, actor: Actor, account_id: str | UUID, reason: str) -> None:
        self._on_account(account_id, lambda a, r: a.request_close(reason, actor, r))

    def close_account(self, actor: Actor, account_id: str | UUID, reason: str) -> None:
        from socialledger.archive.exports import check_closable

        def act(account: Account, roster: Roster) -> None:
            account.close(reason, actor, roster)  # the role and the state first
            check_closable(self, account)  # then R8's final archive export

        self._on_account(account_id, act)

    def accounts(self) -> list[Account]:
        """Every account, in the order applied for."""
        ids = [n.originator_id for n in self._notifications(topics=topics_of((Account.ApplicationSubmitted,)))]
        return [self.repository.get(i) for i in ids]

    def list_accounts(self, actor: Actor) -> list[dict[str, Any]]:
        """The register read model (R7): every account as `Account.as_dict` gives it."""
        from socialledger.projections import register

        self.roster().require_any(actor.name, "read the account register")
        return register.rows(self._register_store())

    def _register_store(self) -> ReadModelStore:
        models = self.read_models(catch_up=False)
        models.catch_up(["register"])
        return models.store

    def show_account(self, actor: Actor, account_id: str | UUID) -> Account:
        self.roster().require_any(actor.name, "read the account register")
        return self.account(account_id)

    # Audit ---------------------------------------------------------------------------

    def _notifications(self, topics: tuple[str, ...] = (), start: int = 0) -> Iterator[Any]:
        position = start
        while True:
            page = self.recorder.select_notifications(
                position, _PAGE, topics=topics, inclusive_of_start=False
            )
            yield from page
            if len(page) < _PAGE:
                return
            position = page[-1].id

    def audit_log(self, actor: Actor, account: str | UUID | None = None) -> Iterator[LogEntry]:
        roster = self.roster()
        roster.require_any(actor.name, "read the audit log")
        only = self.account(account).id if account else None
        for n in self._notifications():
            if only is not None and n.originator_id != only:
                continue
            event = self.mapper.to_domain_event(n)
            agg_type, etype = event_type(n.topic)
            state = vars(event)
            yield LogEntry(
                position=n.id,
                time=event.timestamp,
                actor=state.get("actor", ""),
                os_user=state.get("os_user", ""),
                host=state.get("host", ""),
                aggregate=n.originator_id,
                aggregate_type=agg_type,
                type=etype,
                version=n.originator_version,
                details={k: v for k, v in state.items() if k not in _BASE_FIELDS},
            )

    # Captured content ----------------------------------------------------------------

    def content(self, actor: Actor, account: str | UUID | None = None) -> list[dict[str, Any]]:
        from socialledger.core.content_views import ContentReader

        self.roster().require_any(actor.name, "read captured content")
        only = self.account(account).id if account else None
        reader = ContentReader(self)
        return [reader.summary(self.repository.get(i)) for i in reader.item_ids(only)]

    def content_item(self, actor: Actor, item_id: str | UUID) -> dict[str, Any]:
        from socialledger.core.content_views import ContentReader
        from socialledger.core.domain.content import ContentItem

        self.roster().require_any(actor.name, "read captured content")
        iid = _parse_id(item_id)
        try:
            item = self.repository.get(iid) if iid else None
        except AggregateNotFoundError:
            item = None
        if not isinstance(item, ContentItem):
            raise BadInput(f"there is no captured item with id {item_id}")
        return ContentReader(self).detail(item)

    def ingest(self, actor: Actor, channel: str, path: Any, account: str, **options: Any) -> Any:
        from socialledger.core.capture.ingest import ingest

        return ingest(self, actor, channel, path, account, **options)

    # Read models ------------------------------------------------------------------------

    def read_models(self, *, catch_up: bool = True) -> Any:
        """The read models (`readmodels.sqlite`), caught up with the ledger unless told not to."""
        from socialledger.projections import ReadModels

        models = self.__dict__.get("_read_models")
        if models is None:
            models = self._read_models = ReadModels(self)
        if catch_up:
            models.catch_up()
        return models

    def _item(self, item_id: str | UUID) -> Any:
        from socialledger.core.domain.content import ContentItem

        iid = _parse_id(item_id)
        try:
            item = self.repository.get(iid) if iid else None
        except AggregateNotFoundError:
            item = None
        if not isinstance(item, ContentItem):
            self.roster()
            raise BadInput(f"there is no captured item with id {item_id}")
        return item

    def _check_may_answer(self, actor: Actor, item: Any) -> None:
        account = self.account(item.account)
        roster = self.roster()
        if not (actor.name in (account.owner, account.deputy) or roster.is_information_unit(actor.name)
                or roster.has(actor.name, Role.MANAGER, account.unit)
                or roster.has(actor.name, Role.COMMUNICATOR, account.unit)):
            raise RuleViolation("R2", f"{actor.name} holds no role in {account.unit} and cannot answer for "
                                      f"{account.name}")

    def moderate(self, actor: Actor, item_id: str | UUID, action: str, reason: str, rule: str) -> bool:
        """R18: hide or remove an item under a page rule; the captured content stays. False if it already was."""
        from socialledger.core.domain.content import MODERATED

        reason, rule = (reason or "").strip(), (rule or "").strip()
        if not reason or not rule:
            raise BadInput("R18: a moderation names its reason (--reason) and the page rule it applies (--rule)")

        def command() -> bool:
            item = self._item(item_id)
            account = self.account(item.account)
            roster = self.roster()
            if not (actor.name in (account.owner, account.deputy) or roster.is_information_unit(actor.name)):
                raise RuleViolation("R18", f"only the owner, the deputy or the information unit moderates "
                                           f"{account.name}; {actor.name} cannot")
            target = {"hide": "hidden", "remove": "removed"}[action]
            if item.state == target or item.state == "removed":
                return False
            now = datetime.now(UTC)
            item.trigger_event(MODERATED[action], observed=now, source="ledger", by=actor.name, reason=reason,
                               rule=rule, raw=None, **actor.stamp())
            self.save(item)
            return True

        return self._decide(command)

    def register_case(self, actor: Actor, item_id: str | UUID, diary_number: str, system: str | None) -> None:
        """R21: link an item to its case in the case management system."""
        diary_number = (diary_number or "").strip()
        if not diary_number:
            raise BadInput("R21: a case registration names its diary number (--diary-number)")

        def command() -> None:
            item = self._item(item_id)
            if not self.roster().has(actor.name, Role.ARCHIVIST):
                self._check_may_answer(actor, item)
            if any(c["diary_number"] == diary_number for c in item.cases):
                raise BadInput(f"item {item_id} is already registered in case {diary_number}")
            item.trigger_event(item.CaseRegistered, diary_number=diary_number, system=(system or "").strip() or None,
                               **actor.stamp())
            self.save(item)

        self._decide(command)

    def cases(self, actor: Actor, diary_number: str | None = None, item_id: str | None = None) -> list[dict[str, Any]]:
        """Case registrations, found from the item or from the diary number (R21)."""
        from socialledger.core.domain.content import ContentItem

        self.roster().require_any(actor.name, "read case registrations")
        only = self._item(item_id).id if item_id else None
        out = []
        for n in self._notifications(topics=topics_of((ContentItem.CaseRegistered,))):
            event = self.mapper.to_domain_event(n)
            if diary_number and event.diary_number != diary_number:
                continue
            if only is not None and n.originator_id != only:
                continue
            item = self.repository.get(n.originator_id)
            out.append({"diary_number": event.diary_number, "system": event.system, "item": str(item.id),
                        "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None,
                        "kind": item.kind, "account": str(item.account), "actor": event.actor,
                        "time": event.timestamp, "position": n.id})
        return out

    def acknowledge(self, actor: Actor, item_id: str | UUID) -> bool:
        """R15: record that the item has been seen and will be answered; False if it already was."""
        def command() -> bool:
            item = self._item(item_id)
            self._check_may_answer(actor, item)
            if item.acknowledged is not None:
                return False
            item.trigger_event(item.ItemAcknowledged, **actor.stamp())
            self.save(item)
            return True

        return self._decide(command)

    def mark_final_answer(self, actor: Actor, item_id: str | UUID, answer: str | None = None) -> None:
        def command() -> None:
            item = self._item(item_id)
            self._check_may_answer(actor, item)
            reply = self._item(answer).id if answer else None
            item.trigger_event(item.FinalAnswerMarked, answer=reply, **actor.stamp())
            self.save(item)

        self._decide(command)

    # Integrity ---------------------------------------------------------------------------

    def verify(self, receipts: list[Any] = ()) -> Any:
        """Recompute the hash chain and check every seal and the given receipts (`audit verify`)."""
        from socialledger.core import audit

        topics = topics_of((audit.Seals.SealRecorded, audit.Seals.SealAdded))
        return audit.verify(self.storage.chain_reader(), list(receipts), topics)

    def seal(self, actor: Actor, purpose: str = "seal") -> Any:
        from socialledger.core import audit

        self.roster().require_any(actor.name, "seal the ledger")
        return audit.seal(self, actor, purpose)

    def shred_caches(self) -> None:
        """Forget everything decrypted in memory (after keys were destroyed)."""
        self.keys.forget()
        if self.repository.cache is not None:
            self.repository.cache.clear()

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0


def _check_level(level: str) -> None:
    if level not in ("manager", "information-unit"):
        raise BadInput(f"--level is 'manager' or 'information-unit', not {level!r}")


def _parse_id(value: str | UUID) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value).strip())
    except ValueError:
        return None


def open_ledger(home: str | Path | None = None, *, create: bool = False) -> Ledger:
    """The ledger in `home` (else `SOCIALLEDGER_HOME`, else the per-user directory).

    Without `create`, a home that holds no ledger is an error rather than a
    new empty ledger, so that a mistyped `--home` does not pass silently.
    """
    path = resolve_home(home)
    if not create and not open_storage(StorageConfig.load(path), path).exists():
        raise LedgerNotFound(f"no ledger at {path}: run 'socialledger init --admin NAME' first")
    return Ledger(path)
