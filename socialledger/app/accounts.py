"""`account ...`: the account lifecycle (R3-R8) and the register (R7).

Who may take each step is decided by the `Account` transition itself, from the
roster this service loads and hands it (the workflow table pairs every step
with who may take it); reading the register needs a role (R2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import attrs

from socialledger.app.authorisation import (
    check_keeper_holds_role,
    check_may_revise,
    check_named_keepers,
    require_any,
)
from socialledger.app.base import Service
from socialledger.archive.exports import closure_position, packages
from socialledger.core.domain.account import Account, ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.archives import check_closable
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.policy import Policy
from socialledger.core.domain.roles import Roster
from socialledger.core.domain.workflow import State
from socialledger.core.plugins import plugin_manager
from socialledger.projections import register

T = TypeVar("T")


class Accounts(Service):
    def _on_account(self, account_id: str | UUID, act: Callable[[Account, Roster], T]) -> T:
        def command() -> T:
            roster = self.store.roster()
            account = self._account(account_id)
            result = act(account, roster)
            self.store.save(account)
            return result

        return self.store.decide(command)

    def apply_account(self, actor: Actor, form: ApplicationForm) -> UUID:
        form = attrs.evolve(form, account_class=_account_class(form.account_class, self.store.policy()))
        roster = self.store.roster()
        account = Account.apply_for(form, actor, roster)  # who may apply (R2), then who may be named (R2)
        check_named_keepers(roster, account.unit, {"owner": account.owner, "deputy": account.deputy}, account.name)
        self.store.save(account)
        return account.id

    def approve(self, actor: Actor, account_id: str | UUID, level: str) -> None:
        _check_level(level)
        self._on_account(account_id, lambda a, r: a.approve(level, actor, r))

    def reject(self, actor: Actor, account_id: str | UUID, level: str, reason: str) -> None:
        _check_level(level)
        self._on_account(account_id, lambda a, r: a.reject(level, reason, actor, r))

    def revise(self, actor: Actor, account_id: str | UUID, changes: dict[str, Any]) -> None:
        changes = self._with_class(changes)

        def act(account: Account, roster: Roster) -> None:
            check_may_revise(roster, actor, account)
            account.revise(changes, actor, roster)
            check_named_keepers(roster, account.unit, _keepers_in(changes), account.name)

        self._on_account(account_id, act)

    def link(self, actor: Actor, account_id: str | UUID, platform_id: str) -> None:
        def act(account: Account, roster: Roster) -> None:
            check_keeper_holds_role(roster, actor, account, f"link {account.name}")
            account.link(platform_id, actor, roster)  # the rules first (R2, R6), then the id's form
            # activation: the owner and the deputy still hold a role in the unit (R2)
            check_named_keepers(roster, account.unit, {"owner": account.owner, "deputy": account.deputy},
                                account.name)
            problem = _platform_id_problem(account.channel, platform_id)
            if problem is not None:
                raise BadInput(f"{account.channel}: {problem}")
            for other in self.store.accounts():
                if (
                    other.id != account.id
                    and other.channel == account.channel
                    and other.platform_id == account.platform_id
                    and other.state is not State.CLOSED
                ):
                    raise RuleViolation(
                        "R6", f"{account.channel} page {account.platform_id} is already linked to account "
                              f"{other.id} ({other.name})"
                    )

        self._on_account(account_id, act)

    def set_properties(self, actor: Actor, account_id: str | UUID, changes: dict[str, Any]) -> bool:
        changes = self._with_class(changes)

        def act(account: Account, roster: Roster) -> bool:
            check_keeper_holds_role(roster, actor, account, f"change {account.name}")
            changed = account.set_properties(changes, actor, roster)
            check_named_keepers(roster, account.unit, _keepers_in(changes), account.name)
            return changed

        return self._on_account(account_id, act)

    def _with_class(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The changes with their account class checked against the policy (the default class when empty)."""
        if "account_class" not in changes:
            return changes
        return {**changes, "account_class": _account_class(changes["account_class"], self.store.policy())}

    def request_close(self, actor: Actor, account_id: str | UUID, reason: str) -> None:

        def act(account: Account, roster: Roster) -> None:
            check_keeper_holds_role(roster, actor, account, f"request the closure of {account.name}")
            account.request_close(reason, actor, roster)

        self._on_account(account_id, act)

    def close_account(self, actor: Actor, account_id: str | UUID, reason: str) -> None:
        def act(account: Account, roster: Roster) -> None:
            account.close(reason, actor, roster)  # the role and the state first
            # then R8's final archive export
            check_closable(account, closure_position(self.store, account), packages(self.store, account.id))

        self._on_account(account_id, act)

    def list_accounts(self, actor: Actor) -> list[dict[str, Any]]:
        """The register read model (R7): every account as `Account.as_dict` gives it."""
        require_any(self.store.roster(), actor, "read the account register")
        models = self._caught_up(catch_up=False)
        models.catch_up(["register"])
        return register.rows(models.store)

    def show_account(self, actor: Actor, account_id: str | UUID) -> Account:
        require_any(self.store.roster(), actor, "read the account register")
        return self._account(account_id)


def _account_class(name: str | None, policy: Policy) -> str:
    if not name:
        return policy.accounts.default_class
    if name not in policy.cadence:
        classes = ", ".join(sorted(policy.cadence))
        raise BadInput(f"account class {name!r} is not in the policy (classes: {classes})")
    return name


def _keepers_in(changes: dict[str, Any]) -> dict[str, str | None]:
    """The owner and deputy a change names (the others stay as they were, checked when they were named)."""
    return {k: changes[k] for k in ("owner", "deputy") if k in changes and isinstance(changes[k], str)}


def _check_level(level: str) -> None:
    if level not in ("manager", "information-unit"):
        raise BadInput(f"--level is 'manager' or 'information-unit', not {level!r}")


def _platform_id_problem(channel: str, platform_id: str) -> str | None:
    """The channel's objection to an account id (`Channel.check_platform_id`), None for none or no such channel."""
    channels = plugin_manager().channels
    if channel not in channels.names() or not isinstance(platform_id, str):
        return None
    return channels.get(channel).check_platform_id(platform_id.strip())
