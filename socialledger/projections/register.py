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
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from socialledger.core.domain.account import Account
from socialledger.core.domain.workflow import State
from socialledger.projections.base import ReadModel

_json = msgspec.json.Encoder()

#: text columns, as the account has them
TEXTS = ("channel", "name", "unit", "state", "owner", "deputy", "platform_id", "purpose", "goals", "audience",
         "gdpr_handling", "answering_hours", "page_rules", "account_class")
#: JSON columns: lists and mappings (times in them as ISO 8601)
JSONS = ("submitters", "approvals", "rejections", "closure_request", "closure", "flags")
_SELECT = ("id", "version", *TEXTS, "on_call", *JSONS, "applied", "modified")


class Register(ReadModel):
    name = "register"
    version = 2  # 1 kept a pickled aggregate beside the columns
    tables = ("register_accounts",)

    def create(self, c: Any) -> None:
        c.execute(
            "CREATE TABLE IF NOT EXISTS register_accounts (id TEXT PRIMARY KEY, version INTEGER, "
            + ", ".join(f"{t} TEXT" for t in TEXTS) + ", on_call INTEGER, "
            + ", ".join(f"{j} TEXT" for j in JSONS) + ", applied TEXT, modified TEXT, position INTEGER)"
        )

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {Account.Event: self.account_event}

    def account_event(self, c: Any, event: Any, position: int) -> None:
        if isinstance(event, Account.ApplicationSubmitted):
            account = event.mutate(None)
        else:
            c.execute(f"SELECT {', '.join(_SELECT)} FROM register_accounts WHERE id=?", (event.originator_id.hex,))
            row = c.fetchone()
            if row is None:
                return
            account = _restore(row)
            event.apply(account)
        state = vars(account)
        c.execute(
            f"INSERT OR REPLACE INTO register_accounts ({', '.join(_SELECT)}, position) VALUES "
            f"({','.join('?' * (len(_SELECT) + 1))})",
            (
                account.id.hex, account.version,
                *(state[t].value if t == "state" else state[t] for t in TEXTS), int(account.on_call),
                *(_json.encode(sorted(state[j]) if j == "submitters" else
                               account.flags() if j == "flags" else state[j]).decode() for j in JSONS),
                account.created_on.isoformat(), account.modified_on.isoformat(), position,
            ),
        )


def _restore(row: Any) -> Account:
    """The account aggregate as its register row holds it."""
    values = dict(zip(_SELECT, row, strict=True))
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


def rows(store: Any) -> list[dict[str, Any]]:
    """The register, in the order accounts were applied for."""
    with store.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT {', '.join(_SELECT)} FROM register_accounts ORDER BY applied, id")
        return [_restore(r).as_dict() for r in c.fetchall()]
