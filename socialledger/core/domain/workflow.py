"""The account lifecycle as one table: states, commands, and the rule each obeys.

Read it as R3-R8 read: an application is approved by a manager of the unit,
then by the information unit (R4); either may reject, and a rejected
application is revised and submitted again; approval and a link to the
platform make it active (R6); a closure request leads to closing (R8).
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from socialledger.core.domain.errors import RuleViolation


class State(StrEnum):
    APPLIED = "applied"
    MANAGER_APPROVED = "manager-approved"
    APPROVED = "approved"
    ACTIVE = "active"
    REJECTED = "rejected"
    CLOSING = "closing"
    CLOSED = "closed"


@attrs.frozen
class Transition:
    command: str
    sources: frozenset[State]
    target: State | None  # None: the state stays as it is
    rule: str
    who: str


def _t(command: str, sources: tuple[State, ...], target: State | None, rule: str, who: str) -> Transition:
    return Transition(command, frozenset(sources), target, rule, who)


S = State
OPEN_STATES = (S.APPLIED, S.MANAGER_APPROVED, S.APPROVED, S.ACTIVE, S.REJECTED, S.CLOSING)

#: command                      from                            to                   rule  who may
TRANSITIONS: tuple[Transition, ...] = (
    _t("apply",                    (),                              S.APPLIED,           "R3", "communicator or manager of the unit, information unit"),
    _t("approve manager",          (S.APPLIED,),                    S.MANAGER_APPROVED,  "R4", "manager of the owning unit"),
    _t("approve information-unit", (S.MANAGER_APPROVED,),           S.APPROVED,          "R4", "information unit"),
    _t("reject manager",           (S.APPLIED,),                    S.REJECTED,          "R4", "manager of the owning unit"),
    _t("reject information-unit",  (S.MANAGER_APPROVED,),           S.REJECTED,          "R4", "information unit"),
    _t("revise",                   (S.REJECTED,),                   S.APPLIED,           "R4", "communicator or manager of the unit, information unit"),
    _t("link",                     (S.APPROVED,),                   S.ACTIVE,            "R6", "owner or deputy holding a role in the unit, information unit"),
    _t("set",                      OPEN_STATES,                     None,                "R7", "owner or deputy holding a role in the unit, manager of the unit, information unit"),
    _t("request-close",            (S.ACTIVE,),                     S.CLOSING,           "R8", "owner or deputy holding a role in the unit, manager of the unit"),
    _t("close",                    (S.ACTIVE, S.CLOSING),           S.CLOSED,            "R8", "information unit"),
)

BY_COMMAND = {t.command: t for t in TRANSITIONS}

# Why a command is refused in a state, where the plain "not in this state" would not say.
_REASONS = {
    ("approve information-unit", S.APPLIED): "the information unit approves only after a manager of the unit has approved",
    ("reject information-unit", S.APPLIED): "the information unit decides only after a manager of the unit has approved",
    ("link", S.APPLIED): "an account is linked and activated only after both approvals",
    ("link", S.MANAGER_APPROVED): "an account is linked and activated only after the information unit's approval too",
}


def check_open(state: State | None, account: str = "") -> None:
    if state is S.CLOSED:
        raise RuleViolation("R8", f"account {account} is closed; nothing more is done in it")


def transition(command: str, state: State | None, account: str = "") -> Transition:
    """The transition `command` takes from `state`, or the refusal naming its rule."""
    t = BY_COMMAND[command]
    check_open(state, account)
    if state is not None and state not in t.sources:
        reason = _REASONS.get((command, state))
        if reason is None:
            allowed = ", ".join(sorted(s.value for s in t.sources))
            reason = f"'{command}' needs an account that is {allowed}; {account} is {state.value}"
        raise RuleViolation(t.rule, reason)
    return t


def table() -> list[dict[str, str]]:
    """The transitions as rows, for `account workflow` and the docs."""
    return [
        {
            "command": t.command,
            "from": ", ".join(s.value for s in State if s in t.sources) or "(new)",
            "to": t.target.value if t.target else "(unchanged)",
            "rule": t.rule,
            "who": t.who,
        }
        for t in TRANSITIONS
    ]
