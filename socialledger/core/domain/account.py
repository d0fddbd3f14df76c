"""The Account aggregate: an application that becomes a social media account (R3-R8)."""

from __future__ import annotations

import re
from typing import Any

import attrs

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.events import LedgerAggregate
from socialledger.core.domain.roles import Role, Roster
from socialledger.core.domain.workflow import State, check_open, transition

_CHANNEL = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


@attrs.frozen
class ApplicationForm:
    """Every field of an account application (R3) and the R7 page properties."""

    channel: str
    name: str
    unit: str
    owner: str
    deputy: str | None = None
    purpose: str = ""
    goals: str = ""
    audience: str = ""
    gdpr_handling: str = ""
    answering_hours: str = ""
    page_rules: str = ""
    account_class: str | None = None  # None: the policy's default class
    on_call: bool = False

    def fields(self) -> dict[str, Any]:
        return attrs.asdict(self)


#: Fields of an application that `account revise` may change.
REVISABLE = frozenset(attrs.fields_dict(ApplicationForm)) - {"channel"}
#: Properties that `account set` may change on a live account.
SETTABLE = frozenset({"owner", "deputy", "answering_hours", "page_rules", "account_class", "on_call"})


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Trim text, turn an empty deputy into none, and check the required ones."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if key == "deputy" and value == "":
            value = None
        out[key] = value
    for required in ("channel", "name", "unit", "owner"):
        if required in out and not out[required]:
            raise BadInput(f"R3: an application names its {required.replace('_', ' ')}")
    if "channel" in out and not _CHANNEL.match(out["channel"]):
        raise BadInput(f"channel {out['channel']!r} is not a channel name (lower-case, like 'facebook')")
    return out


class Account(LedgerAggregate):
    """One social media account, from its application to its closure."""

    class ApplicationSubmitted(LedgerAggregate.Created):
        channel: str
        name: str
        unit: str
        owner: str
        deputy: str | None
        purpose: str
        goals: str
        audience: str
        gdpr_handling: str
        answering_hours: str
        page_rules: str
        account_class: str
        on_call: bool

        def apply(self, account: Account) -> None:
            for key in ApplicationForm.__attrs_attrs__:  # type: ignore[attr-defined]
                setattr(account, key.name, getattr(self, key.name))
            account.state = State.APPLIED
            account.submitters = {self.actor}
            account.approvals = []
            account.rejections = []

    class ManagerApproved(LedgerAggregate.Event):
        def apply(self, account: Account) -> None:
            account.approvals.append({"level": "manager", "actor": self.actor, "time": self.timestamp})
            account.state = State.MANAGER_APPROVED

    class InformationUnitApproved(LedgerAggregate.Event):
        def apply(self, account: Account) -> None:
            account.approvals.append(
                {"level": "information-unit", "actor": self.actor, "time": self.timestamp}
            )
            account.state = State.APPROVED

    class ApplicationRejected(LedgerAggregate.Event):
        level: str
        reason: str

        def apply(self, account: Account) -> None:
            account.rejections.append(
                {"level": self.level, "actor": self.actor, "time": self.timestamp, "reason": self.reason}
            )
            account.state = State.REJECTED

    class ApplicationRevised(LedgerAggregate.Event):
        changes: dict[str, Any]

        def apply(self, account: Account) -> None:
            for key, value in self.changes.items():
                setattr(account, key, value)
            account.submitters.add(self.actor)
            account.approvals = []
            account.state = State.APPLIED

    class PlatformLinked(LedgerAggregate.Event):
        platform_id: str

        def apply(self, account: Account) -> None:
            account.platform_id = self.platform_id
            account.state = State.ACTIVE

    class PropertiesChanged(LedgerAggregate.Event):
        changes: dict[str, Any]

        def apply(self, account: Account) -> None:
            for key, value in self.changes.items():
                setattr(account, key, value)

    class ClosureRequested(LedgerAggregate.Event):
        reason: str

        def apply(self, account: Account) -> None:
            account.closure_request = {"actor": self.actor, "time": self.timestamp, "reason": self.reason}
            account.state = State.CLOSING

    class AccountClosed(LedgerAggregate.Event):
        reason: str

        def apply(self, account: Account) -> None:
            account.closure = {"actor": self.actor, "time": self.timestamp, "reason": self.reason}
            account.state = State.CLOSED

    def __init__(self) -> None:
        self.platform_id: str | None = None
        self.closure_request: dict[str, Any] | None = None
        self.closure: dict[str, Any] | None = None

    # Attributes set by the events, declared for readers.
    channel: str
    name: str
    unit: str
    owner: str
    deputy: str | None
    purpose: str
    goals: str
    audience: str
    gdpr_handling: str
    answering_hours: str
    page_rules: str
    account_class: str
    on_call: bool
    state: State
    submitters: set[str]
    approvals: list[dict[str, Any]]
    rejections: list[dict[str, Any]]

    # Who may act ------------------------------------------------------------

    def _is_keeper(self, user: str) -> bool:
        return user in (self.owner, self.deputy)

    def _require_unit_member(self, roster: Roster, actor: Actor, doing: str) -> None:
        if roster.is_information_unit(actor.name):
            return
        if roster.has(actor.name, Role.MANAGER, self.unit) or roster.has(
            actor.name, Role.COMMUNICATOR, self.unit
        ):
            return
        raise RuleViolation("R2", f"{actor.name} holds no role in {self.unit} and cannot {doing}")

    def _require_manager_of_unit(self, roster: Roster, actor: Actor, doing: str) -> None:
        if roster.has(actor.name, Role.MANAGER, self.unit):
            return
        managed = roster.units_managed(actor.name)
        if managed:
            raise RuleViolation(
                "R4", f"{actor.name} manages {', '.join(managed)}, not {self.unit}, and cannot {doing}"
            )
        raise RuleViolation("R2", f"{actor.name} is not a manager of {self.unit} and cannot {doing}")

    def _require_information_unit(self, roster: Roster, actor: Actor, doing: str) -> None:
        if not roster.is_information_unit(actor.name):
            raise RuleViolation("R2", f"{actor.name} is not in the information unit and cannot {doing}")

    def _check_not_party(self, actor: Actor) -> None:
        """R5: nobody approves an application they submitted or are named in."""
        if actor.name in self.submitters:
            raise RuleViolation("R5", f"{actor.name} submitted this application and cannot decide on it")
        if self._is_keeper(actor.name):
            role = "owner" if actor.name == self.owner else "deputy"
            raise RuleViolation("R5", f"{actor.name} is named {role} in this application and cannot decide on it")

    def _label(self) -> str:
        return f"{self.id} ({self.name})"

    def _check_open(self) -> None:
        """Refuse any command on a closed account before anything else is checked."""
        check_open(self.state, self._label())

    # Commands ---------------------------------------------------------------

    @classmethod
    def apply_for(cls, form: ApplicationForm, actor: Actor, roster: Roster) -> Account:
        fields = clean_fields(form.fields())
        unit = fields["unit"]
        if not (
            roster.is_information_unit(actor.name)
            or roster.has(actor.name, Role.MANAGER, unit)
            or roster.has(actor.name, Role.COMMUNICATOR, unit)
        ):
            raise RuleViolation("R2", f"{actor.name} holds no role in {unit} and cannot apply for its accounts")
        transition("apply", None)
        return cls._create(cls.ApplicationSubmitted, **fields, **actor.stamp())

    def approve(self, level: str, actor: Actor, roster: Roster) -> None:
        command = f"approve {level}"
        self._check_open()
        if level == "manager":
            self._require_manager_of_unit(roster, actor, "approve at the manager level")
        else:
            self._require_information_unit(roster, actor, "approve at the information-unit level")
        self._check_not_party(actor)
        transition(command, self.state, self._label())
        event = self.ManagerApproved if level == "manager" else self.InformationUnitApproved
        self.trigger_event(event, **actor.stamp())

    def reject(self, level: str, reason: str, actor: Actor, roster: Roster) -> None:
        command = f"reject {level}"
        self._check_open()
        if level == "manager":
            self._require_manager_of_unit(roster, actor, "reject at the manager level")
        else:
            self._require_information_unit(roster, actor, "reject at the information-unit level")
        self._check_not_party(actor)
        transition(command, self.state, self._label())
        reason = _required(reason, "reason", "a rejection")
        self.trigger_event(self.ApplicationRejected, level=level, reason=reason, **actor.stamp())

    def revise(self, changes: dict[str, Any], actor: Actor, roster: Roster) -> None:
        self._check_open()
        if actor.name not in self.submitters:
            self._require_unit_member(roster, actor, "revise this application")
        transition("revise", self.state, self._label())
        unknown = set(changes) - REVISABLE
        if unknown:
            raise BadInput(f"revise cannot change {', '.join(sorted(unknown))}")
        changes = clean_fields(changes)
        self.trigger_event(self.ApplicationRevised, changes=changes, **actor.stamp())

    def link(self, platform_id: str, actor: Actor, roster: Roster) -> None:
        self._check_open()
        if not (self._is_keeper(actor.name) or roster.is_information_unit(actor.name)):
            raise RuleViolation("R2", f"{actor.name} is neither owner, deputy nor information unit and cannot link {self.name}")
        transition("link", self.state, self._label())
        platform_id = _required(platform_id, "platform id", "a link")
        self._check_keepers(self.owner, self.deputy)
        self.trigger_event(self.PlatformLinked, platform_id=platform_id, **actor.stamp())

    def set_properties(self, changes: dict[str, Any], actor: Actor, roster: Roster) -> bool:
        """Change owner, deputy, answering hours, page rules, class, on-call.

        Returns False (nothing recorded) when nothing would change.
        """
        self._check_open()
        if not (
            self._is_keeper(actor.name)
            or roster.has(actor.name, Role.MANAGER, self.unit)
            or roster.is_information_unit(actor.name)
        ):
            raise RuleViolation("R2", f"{actor.name} is neither owner, deputy, manager of {self.unit} nor information unit")
        transition("set", self.state, self._label())
        unknown = set(changes) - SETTABLE
        if unknown:
            raise BadInput(f"account set cannot change {', '.join(sorted(unknown))}")
        changes = clean_fields(changes)
        if "owner" in changes and not changes["owner"]:
            raise BadInput("R3: an account always has an owner")
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changes:
            return False
        if self.state is State.ACTIVE:
            owner = changes.get("owner", self.owner)
            deputy = changes.get("deputy", self.deputy)
            if deputy is not None and owner == deputy:
                raise RuleViolation("R6", f"owner and deputy must be two different people, not both {owner}")
        self.trigger_event(self.PropertiesChanged, changes=changes, **actor.stamp())
        return True

    def request_close(self, reason: str, actor: Actor, roster: Roster) -> None:
        self._check_open()
        if not (self._is_keeper(actor.name) or roster.has(actor.name, Role.MANAGER, self.unit)):
            raise RuleViolation("R8", f"only the owner, the deputy or a manager of {self.unit} requests closure; {actor.name} cannot")
        transition("request-close", self.state, self._label())
        reason = _required(reason, "reason", "a closure request")
        self.trigger_event(self.ClosureRequested, reason=reason, **actor.stamp())

    def close(self, reason: str, actor: Actor, roster: Roster) -> None:
        self._check_open()
        if not roster.is_information_unit(actor.name):
            raise RuleViolation("R8", f"only the information unit closes accounts; {actor.name} cannot")
        transition("close", self.state, self._label())
        reason = _required(reason, "reason", "a closure")
        self.trigger_event(self.AccountClosed, reason=reason, **actor.stamp())

    @staticmethod
    def _check_keepers(owner: str | None, deputy: str | None) -> None:
        """R6: an active account has an owner and a deputy who are two people."""
        if not owner or not deputy:
            missing = "owner" if not owner else "deputy"
            raise RuleViolation("R6", f"an account is activated only with an owner and a deputy; it has no {missing}")
        if owner == deputy:
            raise RuleViolation("R6", f"owner and deputy must be two different people, not both {owner}")

    # Views -------------------------------------------------------------------

    def flags(self) -> list[str]:
        """R7: what the public page must state and this account lacks."""
        flags = []
        if not self.deputy:
            flags.append("no deputy")
        elif self.deputy == self.owner:
            flags.append("deputy is the owner")
        if not self.answering_hours:
            flags.append("no answering hours")
        if not self.page_rules:
            flags.append("no page rules")
        return flags

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "channel": self.channel,
            "name": self.name,
            "unit": self.unit,
            "state": self.state.value,
            "owner": self.owner,
            "deputy": self.deputy,
            "platform_id": self.platform_id,
            "purpose": self.purpose,
            "goals": self.goals,
            "audience": self.audience,
            "gdpr_handling": self.gdpr_handling,
            "answering_hours": self.answering_hours,
            "page_rules": self.page_rules,
            "account_class": self.account_class,
            "on_call": self.on_call,
            "approvals": [dict(a) for a in self.approvals],
            "rejections": [dict(r) for r in self.rejections],
            "closure_request": dict(self.closure_request) if self.closure_request else None,
            "closure": dict(self.closure) if self.closure else None,
            "flags": self.flags(),
            "applied": self.created_on,
        }


def _required(value: str, what: str, of: str) -> str:
    value = (value or "").strip()
    if not value:
        raise BadInput(f"{of} needs a {what}")
    return value
