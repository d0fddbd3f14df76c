"""The account register (R7): every account with its state, people, approvals and flags.

Each account is one row of plain columns (lists and mappings as JSON text), so
that the register reads in any SQLite tool. The row holds the whole state of the
account aggregate, so an event is applied to the account restored from its row
(through the library's snapshot, the public way to restore an aggregate from its
state) by the aggregate's own event handlers: the register reads as the domain does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import msgspec
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from socialledger.core.domain.account import Account
from socialledger.core.domain.workflow import State
from socialledger.core.storage.ports import ReadModelStore
from socialledger.projections.base import ReadModel

_json = msgspec.json.Encoder()

#: text columns, as the account has them
TEXTS = ("channel", "name", "unit", "state", "owner", "deputy", "platform_id", "purpose", "goals", "audience",
         "gdpr_handling", "answering_hours", "page_rules", "account_class")
#: JSON columns: lists and mappings (times in them as ISO 8601)
JSONS = ("submitters", "approvals", "rejections", "closure_request", "closure", "flags")
#: every column of a row, in order
COLUMNS = ("id", "version", *TEXTS, "on_call", *JSONS, "applied", "modified")


class RegisterView(Protocol):
    """What the register reads and writes: one row per account, its columns named as in `COLUMNS`
    (its SQLite implementation: `projections/sqlite/register.py`)."""

    def account(self, account_id: str) -> dict[str, Any] | None:
        """The row of the account with id `account_id` (32 hex digits), if there is one."""

    def upsert_account(self, row: dict[str, Any], position: int) -> None:
        """Write the account's row (all of `COLUMNS`), as it stands after the event at `position`."""

    def accounts(self) -> list[dict[str, Any]]:
        """Every row, in the order the accounts were applied for."""


class Register(ReadModel):
    name = "register"
    version = 2  # 1 kept a pickled aggregate beside the columns

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {Account.Event: self.account_event}

    def account_event(self, view: RegisterView, event: Any, position: int) -> None:
        if isinstance(event, Account.ApplicationSubmitted):
            account = event.mutate(None)
        else:
            row = view.account(event.originator_id.hex)
            if row is None:
                return
            account = _restore(row)
            event.apply(account)
        state = vars(account)
        values = (
            account.id.hex, account.version,
            *(state[t].value if t == "state" else state[t] for t in TEXTS), int(account.on_call),
            *(_json.encode(sorted(state[j]) if j == "submitters" else
                           account.flags() if j == "flags" else state[j]).decode() for j in JSONS),
            account.created_on.isoformat(), account.modified_on.isoformat(),
        )
        view.upsert_account(dict(zip(COLUMNS, values, strict=True)), position)


def _restore(values: dict[str, Any]) -> Account:
    """The account aggregate as its register row holds it."""
    state: dict[str, Any] = {t: values[t] for t in TEXTS}
    state["state"] = State(values["state"])
    state["on_call"] = bool(values["on_call"])
    state["submitters"] = set(msgspec.json.decode(values["submitters"]))
    for name in ("approvals", "rejections", "closure_request", "closure"):
        state[name] = _times(msgspec.json.decode(values[name]))
    state["_created_on"] = datetime.fromisoformat(values["applied"])
    state["_modified_on"] = datetime.fromisoformat(values["modified"])
    snapshot = Snapshot(originator_id=UUID(values["id"]), originator_version=values["version"],
                        timestamp=state["_modified_on"], topic=get_topic(Account), state=state)
    return snapshot.mutate(None)  # type: ignore[return-value]


def _times(value: Any) -> Any:
    """Approvals, rejections and closures with their `time` as a datetime again."""
    if isinstance(value, list):
        return [_times(v) for v in value]
    if isinstance(value, dict):
        return {k: datetime.fromisoformat(v) if k == "time" else v for k, v in value.items()}
    return value


def rows(store: ReadModelStore) -> list[dict[str, Any]]:
    """The register, in the order accounts were applied for."""
    with store.read() as tx:
        return [_restore(r).as_dict() for r in store.view("register", tx).accounts()]
