"""`init`, `role` and `policy`: the organisation in the ledger (R1, R2)."""

from __future__ import annotations

import msgspec
import tomli_w

from socialledger.app.authorisation import require_any, require_information_unit
from socialledger.app.base import Service
from socialledger.app.results import RoleGrant
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.policy import PLACEHOLDER_CODE, Policy, default_text, parse
from socialledger.core.domain.policy_record import PolicyRecord
from socialledger.core.domain.roles import Role, Roster


class Organisation(Service):
    def init(self, admin: str, actor: Actor, *, organisation: str | None = None,
             organisation_code: str | None = None) -> None:
        """Create the ledger with its first information-unit member (and the default policy).

        `organisation` and `organisation_code` name the organisation and its identification code
        (e.g. the Swedish organisation number SE2120001234) in the adopted policy; archive packages
        carry them. No role is checked: there is no roster yet; a ledger already initialised refuses.
        """
        if self.store.is_initialised():
            raise BadInput(f"the ledger at {self.store.home} is already initialised")
        roster = Roster.initialise(admin, actor)
        text = identified_policy_text(organisation, organisation_code)
        record = PolicyRecord.adopt(text, parse(text, "init"), actor)
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
        """The policy in force, for the software's own use (time zone, organisation): shows no one anything."""
        return self.store.policy()

    def show_policy(self, actor: Actor) -> Policy:
        """`policy show`: the policy in force, to someone with a role (R2: every read of the ledger needs one)."""
        require_any(self.store.roster(), actor, "read the policy")
        return self.store.policy()

    def set_policy(self, actor: Actor, text: str, source: str = "policy") -> bool:
        """Record a new policy; the organisation's name and identification code stay when the file leaves them out."""
        given = parse(text, source)

        def command() -> bool:
            require_information_unit(self.store.roster(), actor, "set the policy")
            record = self.store.policy_record()
            policy = keep_identity(given, text, record.policy())
            changed = record.set(text, policy, actor)
            self.store.save(record)
            return changed

        return self.store.decide(command)


def identified_policy_text(organisation: str | None, code: str | None) -> str:
    """The shipped policy text with the organisation's name and identification code put in."""
    text = default_text()
    for key, value in (("name", organisation), ("code", code)):
        if value is None:
            continue
        value = " ".join(value.split())
        if not value:
            raise BadInput(f"init: --organisation{'-code' if key == 'code' else ''} must not be empty")
        lines = text.splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = "))
        lines[at] = tomli_w.dumps({key: value})
        text = "".join(lines)
    return text


def keep_identity(policy: Policy, text: str, current: Policy) -> Policy:
    """A policy file that leaves out `[organisation] name` or `code` keeps the ones in force.

    Without this, an information unit setting new SLA hours would put the shipped placeholder
    back in place of the organisation's identification code.
    """
    import tomllib

    given = tomllib.loads(text).get("organisation", {})
    organisation = policy.organisation
    changes = {}
    if "name" not in given:
        changes["name"] = current.organisation.name
    if "code" not in given and current.organisation.code != PLACEHOLDER_CODE:
        changes["code"] = current.organisation.code
    if not changes:
        return policy
    return msgspec.structs.replace(policy, organisation=msgspec.structs.replace(organisation, **changes))
