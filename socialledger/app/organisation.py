"""`init`, `role` and `policy`: the organisation in the ledger (R1, R2)."""

from __future__ import annotations

from socialledger.app.authorisation import require_any, require_information_unit
from socialledger.app.base import Service
from socialledger.app.results import RoleGrant
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.policy import Policy, default_policy, default_text, parse
from socialledger.core.domain.policy_record import PolicyRecord
from socialledger.core.domain.roles import Role, Roster


class Organisation(Service):
    def init(self, admin: str, actor: Actor) -> None:
        """Create the ledger with its first information-unit member (and the default policy).

        No role is checked: there is no roster yet; a ledger already initialised refuses.
        """
        if self.store.is_initialised():
            raise BadInput(f"the ledger at {self.store.home} is already initialised")
        roster = Roster.initialise(admin, actor)
        record = PolicyRecord.adopt(default_text(), default_policy(), actor)
        self.store.storage.create_master_key()
        self.store.storage.check_master_key()  # a clear error now rather than at the first capture
        self.store.save(roster, record)

    def grant_role(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> bool:
        """R1: the roster's guard decides who may grant (the information unit; a manager, their communicators)."""
        def command() -> bool:
            roster = self.store.roster()
            granted = roster.grant(actor, user, role, unit)
            self.store.save(roster)
            return granted

        return self.store.decide(command)

    def revoke_role(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> None:
        def command() -> None:
            roster = self.store.roster()
            roster.revoke(actor, user, role, unit)
            self.store.save(roster)

        self.store.decide(command)

    def roles(self, actor: Actor) -> list[RoleGrant]:
        roster = self.store.roster()
        require_any(roster, actor, "read the roles")
        return [
            {"user": u, "role": r, "unit": unit or None}
            for u, r, unit in sorted(roster.grants)
        ]

    def policy(self) -> Policy:
        """The policy in force: public (it is what the pages state), so no role is needed."""
        return self.store.policy()

    def set_policy(self, actor: Actor, text: str, source: str = "policy") -> bool:
        policy = parse(text, source)

        def command() -> bool:
            require_information_unit(self.store.roster(), actor, "set the policy")
            record = self.store.policy_record()
            changed = record.set(text, policy, actor)
            self.store.save(record)
            return changed

        return self.store.decide(command)
