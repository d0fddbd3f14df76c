"""The ledger store: the event store of one ledger home and the lookups every service needs.

`LedgerStore` is infrastructure only: the event store and its mapper, the key
store, the notification log, the retry loop of a command, and the lookups of
the singletons (roster, policy) and of accounts and items by id. It checks no
role and decides nothing: the commands and queries, and who may run them, are
the application services in `socialledger.app`.

A command loads what it decides on, lets the aggregate apply its guards (which
raise before anything is recorded), and saves the new events in one
transaction. A concurrent writer that got there first makes the save fail on
the (aggregate, version) key; `decide` then runs the command again on fresh state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Notification

from socialledger.core.audit import Receipt, Report, verify
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.errors import BadInput, LedgerNotFound, NotFound, VerificationFailed
from socialledger.core.domain.policy import Policy
from socialledger.core.domain.policy_record import POLICY_ID, PolicyRecord
from socialledger.core.domain.roles import ROSTER_ID, Roster
from socialledger.core.domain.seals import SEALS_ID, Seals
from socialledger.core.crashpoints import crash_point
from socialledger.core.keycheck import check_keys, record_inventory
from socialledger.core.receipts import sign, signature_problem, signing_key, stored_receipts, write_receipt
from socialledger.core.storage import chain
from socialledger.core.storage.backends import open_storage
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.home import ensure_home, resolve_home
from socialledger.core.storage.mapper import MsgspecMapper
from socialledger.core.storage.ports import BulkWriter, KeyStore, Storage
from socialledger.core.storage.sealing import Sealer
from socialledger.core.storage.topics import topics_of

T = TypeVar("T")
A = TypeVar("A")

_RETRIES = 8
_PAGE = 1000


class LedgerStore(Application):  # type: ignore[type-arg]
    name = "socialledger"

    def __init__(self, home: Path, env: dict[str, str] | None = None, config: StorageConfig | None = None) -> None:
        """`config`: the store, when not the one the home's config.toml (or `SOCIALLEDGER_STORE`) names."""
        self.home = ensure_home(home)
        self.storage: Storage = open_storage(config or StorageConfig.load(self.home), self.home)
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
        self.sealer.close()
        close_reader = getattr(self.recorder, "close_reader", None)
        if close_reader is not None:
            close_reader()
        super().close()

    # Commands ----------------------------------------------------------------------

    def is_initialised(self) -> bool:
        return ROSTER_ID in self.repository

    def decide(self, command: Callable[[], T]) -> T:
        """Run `command` (load, decide, save); again on fresh state when a concurrent writer got there first."""
        for attempt in range(_RETRIES):
            try:
                return command()
            except IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def check_keys(self) -> None:
        """Refuse a wrong master key and a key store that lost keys, before anything is read or written
        (`core/keycheck.py`)."""
        check_keys(self)

    def shred_caches(self) -> None:
        """Forget everything decrypted in memory (after keys were destroyed)."""
        self.keys.forget()
        if self.repository.cache is not None:
            self.repository.cache.clear()

    # Lookups -----------------------------------------------------------------------

    def roster(self) -> Roster:
        try:
            return self.repository.get(ROSTER_ID)
        except AggregateNotFoundError:
            raise LedgerNotFound(
                f"no ledger at {self.home}: run 'socialledger init --admin NAME' first"
            ) from None

    def policy_record(self) -> PolicyRecord:
        self.roster()  # a clear error on an uninitialised ledger
        return self.repository.get(POLICY_ID)

    def policy(self) -> Policy:
        return self.policy_record().policy()

    def account(self, account_id: str | UUID) -> Account:
        account = self._aggregate(account_id, Account)
        if account is None:
            raise NotFound(f"there is no account with id {account_id}")
        return account

    def accounts(self) -> list[Account]:
        """Every account, in the order applied for."""
        ids = [n.originator_id for n in self.notifications(topics=topics_of((Account.ApplicationSubmitted,)))]
        return [self.repository.get(i) for i in ids]

    def item(self, item_id: str | UUID) -> ContentItem:
        item = self._aggregate(item_id, ContentItem)
        if item is None:
            raise NotFound(f"there is no captured item with id {item_id}")
        return item

    def aggregates(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """Many aggregates at once (one read of their events, their keys loaded together), by id; an id that
        names no aggregate is left out. What `repository.get` gives one at a time."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        rows = self.recorder.events_of(wanted)
        self.keys.preload([str(i) for i in wanted])
        out: dict[UUID, Any] = {}
        for row in rows:  # (by aggregate and version: each event applied to what the ones before made)
            out[row.originator_id] = self.mapper.to_domain_event(row).mutate(out.get(row.originator_id))
        return out

    def _aggregate(self, given: str | UUID, kind: type[A]) -> A | None:
        """The aggregate of type `kind` with the id given on a command line or in a call; None if there is none
        (on a ledger that was never initialised, the clear error that says so)."""
        aid = parse_id(given)
        try:
            found = self.repository.get(aid) if aid else None
        except AggregateNotFoundError:
            found = None
        if isinstance(found, kind):
            return found
        self.roster()
        return None

    # The notification log ------------------------------------------------------------

    def notifications(self, topics: tuple[str, ...] = (), start: int = 0) -> Iterator[Notification]:
        """Every stored event after position `start` (of the given topics), in ledger order."""
        position = start
        while True:
            page = self.recorder.select_notifications(
                position, _PAGE, topics=topics, inclusive_of_start=False
            )
            yield from page
            if len(page) < _PAGE:
                return
            position = page[-1].id

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    # Integrity -----------------------------------------------------------------------

    def verify(self, receipts: Sequence[Receipt] = (), *, public_key: Ed25519PublicKey | None = None,
               stored: bool = True) -> Report:
        """Recompute the hash chain and check every seal, the given receipts and (`stored`) those in the
        receipts directory; with `public_key`, every given receipt must carry its signature. Receipts in the
        directory are checked against the organisation's own key when this machine holds it."""
        topics = topics_of((Seals.SealRecorded, Seals.SealAdded))
        own = None
        if stored:
            try:
                key = signing_key(self.home, create=False)
            except BadInput:
                key = None
            own = key.public_key() if key is not None else None
        checked: list[Receipt] = []
        problems: list[str] = []
        for receipt in receipts:
            if public_key is not None and (why := signature_problem(receipt, public_key)) is not None:
                problems.append(f"the receipt of {receipt.time} (position {receipt.position}): {why}")
            checked.append(receipt)
        for path, found in (stored_receipts(self.home) if stored else []):
            if isinstance(found, str):
                problems.append(f"{path.name}: {found}")
                continue
            if own is not None and found.signature and (why := signature_problem(found, own)) is not None:
                problems.append(f"{path.name}: {why}")
                continue
            checked.append(found)
        report = verify(self.storage.chain_reader(), checked, topics)
        for problem in problems:
            report.broken(report.head + 1, problem)
        return report

    def record_seal(self, actor: Actor, purpose: str = "seal", *, check: bool = True, with_home: bool = True,
                    **extra: str) -> Receipt:
        """Verify (unless `check` is off: an automatic seal), then record the head of the chain as a seal;
        the receipt, signed and written into the receipts directory, to keep elsewhere too. `extra`: a
        package's fields (`package`, `mets_sha256`) for the receipt.

        Who may seal is checked by the caller (`socialledger.app.audit`).
        """
        if check:
            report = self.verify(stored=False)
            if not report.ok:
                raise VerificationFailed(f"the ledger does not verify, nothing sealed: {report.problems[0]}")

        def command() -> Receipt:
            position, digest = self.recorder.chain_head()
            try:
                seals = self.repository.get(SEALS_ID)
                seals.trigger_event(Seals.SealAdded, position=position, hash=digest.hex(), purpose=purpose,
                                    **actor.stamp())
            except AggregateNotFoundError:  # the first seal
                seals = Seals._create(Seals.SealRecorded, id=SEALS_ID, position=position, hash=digest.hex(),
                                      purpose=purpose, **actor.stamp())
            self.save(seals)
            return Receipt(algorithm=chain.ALGORITHM, position=position, hash=digest.hex(),
                           time=datetime.now(UTC).isoformat(), ledger=str(self.home) if with_home else "",
                           purpose=purpose)

        receipt = self.decide(command)
        return self.write_receipt(receipt, **extra)

    def write_receipt(self, receipt: Receipt, **extra: str) -> Receipt:
        """Sign `receipt` (with `extra` fields) and write it into the receipts directory; the signed receipt."""
        key = signing_key(self.home)
        assert key is not None
        signed = sign(msgspec.structs.replace(receipt, **extra), key)
        write_receipt(self.home, signed)
        return signed

    def seal_after(self, actor: Actor, purpose: str) -> Receipt | None:
        """After an ingest, an export or a decision: record the key inventory when it changed, then seal the
        head of the chain (without recomputing it: `audit verify` does that) unless nothing was recorded
        since the last seal. The receipt written, or None."""
        record_inventory(self, actor)
        crash_point("seal:inventory-recorded")
        head = self.recorder.chain_head()
        if head is None:
            return None
        if not self.needs_seal():
            return None
        return self.record_seal(actor, purpose, check=False)

    def needs_seal(self) -> bool:
        """Whether anything but seals was recorded since the last seal."""
        try:
            last = self.repository.get(SEALS_ID).last_position
        except AggregateNotFoundError:
            last = 0
        seal_topics = set(topics_of((Seals.SealRecorded, Seals.SealAdded)))
        since = self.recorder.select_notifications(last, 4, inclusive_of_start=False)
        return not all(n.topic in seal_topics for n in since)


def parse_id(value: str | UUID) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value).strip())
    except ValueError:
        return None


def store_path(home: str | Path | None = None, *, create: bool = False, config: StorageConfig | None = None) -> Path:
    """The ledger home `home` (else `SOCIALLEDGER_HOME`, else the per-user directory).

    Without `create`, a home that holds no ledger is an error rather than a
    new empty ledger, so that a mistyped `--home` does not pass silently.
    """
    path = resolve_home(home)
    if not create:
        config = config or StorageConfig.load(path)
        if not open_storage(config, path).exists():
            where = path if config.kind == "sqlite" else f"{path} ({config.describe()})"
            raise LedgerNotFound(f"no ledger at {where}: run 'socialledger init --admin NAME' first")
    return path
