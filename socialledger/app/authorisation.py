"""Who may run a command or a query that no aggregate guards itself (R2, R8, R18, R20-R23).

Every application service asks here, or asks the aggregate it changes (whose
guards take the roster: R1 in `Roster.grant`, R2/R4/R5/R8 in `Account`'s
transitions), before it records or reads anything. Those guards know an owner
and a deputy by name; whether they still hold a role in the unit (and whether
whoever is named owner or deputy holds one) is decided here, before them.
Nothing above `app/` checks roles: the CLI, and any other caller, gets the same
answer from the same place.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.roles import Role, Roster


def require_any(roster: Roster, actor: Actor, doing: str) -> None:
    """R2: reading the register, content, cases, the audit log and every report needs a role."""
    roster.require_any(actor.name, doing)


def require_information_unit(roster: Roster, actor: Actor, doing: str) -> None:
    roster.require(actor.name, Role.INFORMATION_UNIT, doing)


def _holds_unit_role(roster: Roster, name: str, unit: str) -> bool:
    """A manager or a communicator of `unit`: what an owner or a deputy must be (R2)."""
    return roster.has(name, Role.MANAGER, unit) or roster.has(name, Role.COMMUNICATOR, unit)


def _keeps(roster: Roster, name: str, account: Account) -> bool:
    """R2: the owner or the deputy acts as such only while they hold a role in the account's unit."""
    return name in (account.owner, account.deputy) and _holds_unit_role(roster, name, account.unit)


def _acts_in(roster: Roster, name: str, account: Account) -> bool:
    """R2: the owner, the deputy, the information unit, or a manager or communicator of the account's unit
    (an owner or deputy whose role was revoked no longer acts in it)."""
    return roster.is_information_unit(name) or _holds_unit_role(roster, name, account.unit)


def check_keeper_holds_role(roster: Roster, actor: Actor, account: Account, doing: str) -> None:
    """R2: an owner or deputy loses the account's powers (link, set, request-close, moderate) with their role.

    Asked before the `Account` transition, whose own guard knows the keepers by name only.
    """
    name = actor.name
    if name not in (account.owner, account.deputy) or roster.is_information_unit(name):
        return
    if not _holds_unit_role(roster, name, account.unit):
        named = "owner" if name == account.owner else "deputy"
        raise RuleViolation("R2", f"{name} is named {named} of {account.name} but holds no role in {account.unit} "
                                  f"and cannot {doing}")


def check_may_revise(roster: Roster, actor: Actor, account: Account) -> None:
    """R2: revising an application needs a role in its unit (or the information unit's), submitter or not."""
    if not (_holds_unit_role(roster, actor.name, account.unit) or roster.is_information_unit(actor.name)):
        raise RuleViolation("R2", f"{actor.name} holds no role in {account.unit} and cannot revise this application")


def check_named_keepers(roster: Roster, unit: str, named: dict[str, str | None], account: str) -> None:
    """R2, R3: whoever is named owner or deputy (at apply, revise, set and link) holds a role in the account's
    unit: a manager or a communicator of it. `named` maps "owner"/"deputy" to the person (None: nobody)."""
    for what in ("owner", "deputy"):
        person = (named.get(what) or "").strip()
        if person and not _holds_unit_role(roster, person, unit):
            raise RuleViolation("R2", f"{person} holds no role in {unit} and cannot be named {what} of {account} "
                                      f"(grant them communicator --unit {unit} first)")


def check_may_answer(roster: Roster, actor: Actor, account: Account) -> None:
    """R2, R15: the owner, the deputy, the information unit, or a manager or communicator of the account's unit."""
    if not _acts_in(roster, actor.name, account):
        raise RuleViolation("R2", f"{actor.name} holds no role in {account.unit} and cannot answer for "
                                  f"{account.name}")


def check_may_register_case(roster: Roster, actor: Actor, account: Account) -> None:
    """R21: the archivist, or whoever may answer for the account."""
    if not roster.has(actor.name, Role.ARCHIVIST):
        check_may_answer(roster, actor, account)


def check_may_moderate(roster: Roster, actor: Actor, account: Account) -> None:
    """R18: the owner, the deputy or the information unit hides and removes."""
    check_keeper_holds_role(roster, actor, account, f"moderate {account.name}")
    if not (_keeps(roster, actor.name, account) or roster.is_information_unit(actor.name)):
        raise RuleViolation("R18", f"only the owner, the deputy or the information unit moderates "
                                   f"{account.name}; {actor.name} cannot")


def check_may_ingest(roster: Roster, actor: Actor, account: Account) -> None:
    """R2: capturing into an account needs a role in its unit (or the archivist's)."""
    if not (_acts_in(roster, actor.name, account) or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R2", f"{actor.name} holds no role in {account.unit} and cannot capture its content")


def check_may_export_archive(roster: Roster, actor: Actor) -> None:
    """R20: the archivist or the information unit exports archive packages."""
    if not (roster.has(actor.name, Role.ARCHIVIST) or roster.is_information_unit(actor.name)):
        raise RuleViolation("R20", f"the archivist or the information unit exports archive packages; "
                                   f"{actor.name} cannot")


def check_may_read_archive_status(roster: Roster, actor: Actor) -> None:
    """R20: the archivist and the information unit follow what is due and what was delivered."""
    if not (roster.has(actor.name, Role.ARCHIVIST) or roster.is_information_unit(actor.name)):
        raise RuleViolation("R20", f"the archivist or the information unit reads the archive status; "
                                   f"{actor.name} cannot")


def check_may_hold(roster: Roster, actor: Actor) -> None:
    """R22, R23: the information unit or the archivist places and releases a legal hold."""
    if not (roster.is_information_unit(actor.name) or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R22", f"only the information unit or the archivist places or releases a legal hold; "
                                   f"{actor.name} cannot")


def check_may_answer_access_request(roster: Roster, actor: Actor) -> None:
    """R23: the information unit (or the auditor or archivist helping it) answers a subject's access request."""
    if not (roster.is_information_unit(actor.name) or roster.has(actor.name, Role.AUDITOR)
            or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R23", f"{actor.name} cannot answer access requests: the information unit does")


def check_may_erase(roster: Roster, actor: Actor) -> None:
    """R23: only the information unit erases a data subject."""
    if not roster.is_information_unit(actor.name):
        raise RuleViolation("R23", f"only the information unit erases a data subject; {actor.name} cannot")


def check_may_dispose(roster: Roster, actor: Actor) -> None:
    """R22: the archivist or the information unit applies the retention rules."""
    if not (roster.is_information_unit(actor.name) or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R22", f"{actor.name} cannot dispose of records: the archivist or the information "
                                   "unit does")


def check_may_plan(roster: Roster, actor: Actor, account: Account) -> None:
    """R2: the publication calendar of an account is kept by its unit's communicators and managers, its owner and
    deputy, and the information unit."""
    if not _acts_in(roster, actor.name, account):
        raise RuleViolation("R2", f"{actor.name} holds no role in {account.unit} and cannot plan posts for "
                                  f"{account.name}")


def check_may_be_responsible(roster: Roster, user: str, account: Account) -> None:
    """R2: the communicator responsible for a planned post acts in the account, so holds a role in its unit."""
    if not _acts_in(roster, user, account):
        raise RuleViolation("R2", f"{user} holds no role in {account.unit} and cannot be responsible for a post on "
                                  f"{account.name}")


def check_may_run_alerts(roster: Roster, actor: Actor) -> None:
    """R2, R12: the information unit runs the alerts (from cron, as a member of the unit)."""
    roster.require(actor.name, Role.INFORMATION_UNIT, "run the SLA alerts")


def readable_accounts(roster: Roster, actor: Actor, accounts: Callable[[], list[Account]]) -> list[Account] | None:
    """R2: whose captured content a user may search and read: every account for the information unit, the
    archivist and the auditor (None); otherwise the accounts they act in. Refused without any role."""
    roster.require_any(actor.name, "search or read captured content")
    if roster.is_information_unit(actor.name) or roster.has(actor.name, Role.ARCHIVIST) \
            or roster.has(actor.name, Role.AUDITOR):
        return None
    return [a for a in accounts() if _acts_in(roster, actor.name, a)]


def check_may_handle_records_request(roster: Roster, actor: Actor) -> None:
    """The information unit and the archivist (the records officers) open, decide and release records requests
    (the Public Access to Information and Secrecy Act, OSL; aktindsigt in Denmark)."""
    if not (roster.is_information_unit(actor.name) or roster.has(actor.name, Role.ARCHIVIST)):
        raise RuleViolation("R2", f"the information unit or the archivist handles records requests; "
                                  f"{actor.name} cannot")
