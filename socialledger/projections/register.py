"""The account register (R7): every account with its state, people, approvals and flags."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import msgspec

from socialledger.core.account import Account
from socialledger.projections.base import ReadModel

_json = msgspec.json.Encoder()

COLUMNS = ("id", "channel", "name", "unit", "state", "owner", "deputy", "platform_id", "purpose", "goals",
           "audience", "gdpr_handling", "answering_hours", "page_rules", "account_class", "on_call")


class Register(ReadModel):
    name = "register"
    tables = ("register_accounts",)

    def create(self, c: Any) -> None:
        c.execute(
            "CREATE TABLE IF NOT EXISTS register_accounts ("
            "id TEXT PRIMARY KEY, channel TEXT, name TEXT, unit TEXT, state TEXT, owner TEXT, deputy TEXT, "
            "platform_id TEXT, purpose TEXT, goals TEXT, audience TEXT, gdpr_handling TEXT, answering_hours TEXT, "
            "page_rules TEXT, account_class TEXT, on_call INTEGER, applied TEXT, approvals TEXT, rejections TEXT, "
            "closure_request TEXT, closure TEXT, flags TEXT, position INTEGER, aggregate BLOB)"
        )

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {Account.Event: self.account_event}

    def account_event(self, c: Any, event: Any, position: int) -> None:
        # The account's own event handlers build the state, so the register reads as the domain does.
        if isinstance(event, Account.ApplicationSubmitted):
            account = event.mutate(None)
        else:
            c.execute("SELECT aggregate FROM register_accounts WHERE id=?", (event.originator_id.hex,))
            row = c.fetchone()
            if row is None:
                return
            account = pickle.loads(row[0])
            event.apply(account)
        account._pending_events.clear()
        view = account.as_dict()
        c.execute(
            "INSERT OR REPLACE INTO register_accounts VALUES (" + ",".join("?" * 24) + ")",
            (
                event.originator_id.hex, *(view[k] for k in COLUMNS[1:15]), int(view["on_call"]),
                view["applied"].isoformat(),
                *(_json.encode(view[k]).decode() for k in ("approvals", "rejections", "closure_request",
                                                              "closure", "flags")),
                position, pickle.dumps(account),
            ),
        )


def rows(store: Any) -> list[dict[str, Any]]:
    """The register, in the order accounts were applied for."""
    with store.datastore.transaction(commit=False) as c:
        c.execute("SELECT aggregate FROM register_accounts ORDER BY applied, id")
        return [pickle.loads(r[0]).as_dict() for r in c.fetchall()]
