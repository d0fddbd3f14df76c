"""Who may do what: role grants and revocations as events (R1, R2)."""

from __future__ import annotations

from enum import StrEnum

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.events import LedgerAggregate, ledger_id


class Role(StrEnum):
    INFORMATION_UNIT = "information-unit"
    MANAGER = "manager"
    COMMUNICATOR = "communicator"
    ARCHIVIST = "archivist"
    AUDITOR = "auditor"


#: Roles held for a named unit; the others are organisation-wide.
UNIT_ROLES = frozenset({Role.MANAGER, Role.COMMUNICATOR})

ROSTER_ID = ledger_id("socialledger:roster")

Grant = tuple[str, str, str]  # (user, role, unit or "")


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise BadInput(f"unknown role {value!r} (one of: {names})") from None


class Roster(LedgerAggregate):
    """The organisation's role holders: one per ledger, created by `init`."""

    class Initialised(LedgerAggregate.Created):
        admin: str

        def apply(self, roster: Roster) -> None:
            roster.grants = {(self.admin, Role.INFORMATION_UNIT.value, "")}

    class RoleGranted(LedgerAggregate.Event):
        user: str
        role: str
        unit: str

        def apply(self, roster: Roster) -> None:
            roster.grants.add((self.user, self.role, self.unit))

    class RoleRevoked(LedgerAggregate.Event):
        user: str
        role: str
        unit: str

        def apply(self, roster: Roster) -> None:
            roster.grants.discard((self.user, self.role, self.unit))

    def __init__(self) -> None:
        self.grants: set[Grant] = set()

    @classmethod
    def initialise(cls, admin: str, actor: Actor) -> Roster:
        if not admin.strip():
            raise BadInput("init: --admin must name a person")
        return cls._create(cls.Initialised, id=ROSTER_ID, admin=admin.strip(), **actor.stamp())

    # Queries -----------------------------------------------------------------

    def has(self, user: str, role: Role, unit: str | None = None) -> bool:
        if role in UNIT_ROLES:
            if unit is None:
                return any(u == user and r == role for u, r, _ in self.grants)
            return (user, role.value, unit) in self.grants
        return (user, role.value, "") in self.grants

    def is_information_unit(self, user: str) -> bool:
        return self.has(user, Role.INFORMATION_UNIT)

    def units_managed(self, user: str) -> list[str]:
        return sorted(unit for u, r, unit in self.grants if u == user and r == Role.MANAGER)

    def roles_of(self, user: str) -> list[tuple[str, str]]:
        return sorted((r, unit) for u, r, unit in self.grants if u == user)

    def holds_any(self, user: str) -> bool:
        return any(u == user for u, _, _ in self.grants)

    def require_any(self, user: str, doing: str) -> None:
        """R2: anyone acting in their job needs a role."""
        if not self.holds_any(user):
            raise RuleViolation("R2", f"{user} holds no role and cannot {doing}")

    def require(self, user: str, role: Role, doing: str, unit: str | None = None) -> None:
        if not self.has(user, role, unit):
            where = f" of {unit}" if unit and role in UNIT_ROLES else ""
            raise RuleViolation("R2", f"{user} is not {role.value}{where} and cannot {doing}")

    # Commands ----------------------------------------------------------------

    def _check_may_assign(self, actor: Actor, role: Role, unit: str, verb: str) -> None:
        """R1: the information unit grants everything; a manager, their unit's communicators."""
        if self.is_information_unit(actor.name):
            return
        if role is Role.COMMUNICATOR and self.has(actor.name, Role.MANAGER, unit):
            return
        if role is Role.COMMUNICATOR and self.units_managed(actor.name):
            managed = ", ".join(self.units_managed(actor.name))
            raise RuleViolation(
                "R1", f"{actor.name} manages {managed}, not {unit}, and cannot {verb} its communicators"
            )
        raise RuleViolation(
            "R1", f"only the information unit {verb}s roles; {actor.name} cannot {verb} {role.value}"
        )

    @staticmethod
    def _unit_for(role: Role, unit: str | None) -> str:
        unit = (unit or "").strip()
        if role in UNIT_ROLES and not unit:
            raise BadInput(f"the {role.value} role is held for a unit: give --unit")
        if role not in UNIT_ROLES and unit:
            raise BadInput(f"the {role.value} role is organisation-wide: leave out --unit")
        return unit

    def grant(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> bool:
        """Grant a role; False (nothing recorded) when the user already holds it."""
        user = user.strip()
        if not user:
            raise BadInput("role grant: name the user")
        unit_ = self._unit_for(role, unit)
        self._check_may_assign(actor, role, unit_, "grant")
        if (user, role.value, unit_) in self.grants:
            return False
        self.trigger_event(self.RoleGranted, user=user, role=role.value, unit=unit_, **actor.stamp())
        return True

    def revoke(self, actor: Actor, user: str, role: Role, unit: str | None = None) -> None:
        user = user.strip()
        unit_ = self._unit_for(role, unit)
        self._check_may_assign(actor, role, unit_, "revoke")
        if (user, role.value, unit_) not in self.grants:
            where = f" of {unit_}" if unit_ else ""
            raise BadInput(f"{user} does not hold the {role.value} role{where}")
        if role is Role.INFORMATION_UNIT and sum(
            1 for _, r, _ in self.grants if r == Role.INFORMATION_UNIT
        ) == 1:
            raise RuleViolation("R1", f"{user} is the last information-unit member; grant another first")
        self.trigger_event(self.RoleRevoked, user=user, role=role.value, unit=unit_, **actor.stamp())
