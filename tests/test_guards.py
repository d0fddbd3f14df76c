"""Every refusal names its rule, and records nothing (R1-R8)."""

from __future__ import annotations

import uuid

import pytest
from conftest import UNIT, final_export, form, who

from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation
from socialledger.core.domain.roles import Role


def refused(ledger, rule: str, command, *args):
    """Run a command that must be refused by `rule`; prove that nothing was recorded."""
    before = ledger.head()
    with pytest.raises(RuleViolation) as refusal:
        command(*args)
    assert refusal.value.rule == rule, refusal.value.line()
    assert ledger.head() == before
    return refusal.value


# R5 ---------------------------------------------------------------------------

def test_r5_the_applicant_cannot_approve(ledger):
    # maria is a manager of the unit, but she submitted this one herself.
    ledger.grant_role(who("maria"), "nils", Role.COMMUNICATOR, UNIT)  # whoever is named holds a role (R2)
    account = ledger.apply_account(who("maria"), form(owner="nils", deputy="sara"))
    e = refused(ledger, "R5", ledger.approve, who("maria"), account, "manager")
    assert "submitted" in e.message


def test_r5_the_named_owner_cannot_approve(ledger):
    account = ledger.apply_account(who("kalle"), form(owner="maria", deputy="sara"))
    e = refused(ledger, "R5", ledger.approve, who("maria"), account, "manager")
    assert "named owner" in e.message


def test_r5_the_named_deputy_cannot_approve_at_information_unit_level(ledger):
    ledger.grant_role(who("ingrid"), "ingrid", Role.COMMUNICATOR, UNIT)  # a deputy holds a role in the unit (R2)
    account = ledger.apply_account(who("kalle"), form(owner="kalle", deputy="ingrid"))
    ledger.approve(who("maria"), account, "manager")
    e = refused(ledger, "R5", ledger.approve, who("ingrid"), account, "information-unit")
    assert "named deputy" in e.message


def test_r5_a_reviser_cannot_approve_either(ledger, applied):
    ledger.reject(who("maria"), applied, "manager", "Oklart")
    ledger.grant_role(who("ingrid"), "maria", Role.COMMUNICATOR, UNIT)
    ledger.revise(who("maria"), applied, {"goals": "Nya mål"})
    refused(ledger, "R5", ledger.approve, who("maria"), applied, "manager")


def test_r5_holds_for_rejection_too(ledger):
    ledger.grant_role(who("maria"), "nils", Role.COMMUNICATOR, UNIT)
    account = ledger.apply_account(who("maria"), form(owner="nils"))
    refused(ledger, "R5", ledger.reject, who("maria"), account, "manager", "nej")


# R4 ---------------------------------------------------------------------------

def test_r4_information_unit_before_manager(ledger, applied):
    e = refused(ledger, "R4", ledger.approve, who("ingrid"), applied, "information-unit")
    assert "after a manager" in e.message


def test_r4_manager_of_another_unit(ledger, applied):
    e = refused(ledger, "R4", ledger.approve, who("olof"), applied, "manager")
    assert "not Kulturförvaltningen" in e.message


def test_r4_no_second_manager_approval(ledger, applied):
    ledger.approve(who("maria"), applied, "manager")
    refused(ledger, "R4", ledger.approve, who("maria"), applied, "manager")


def test_r4_revise_only_a_rejected_application(ledger, applied):
    refused(ledger, "R4", ledger.revise, who("kalle"), applied, {"goals": "x"})


# R6 ---------------------------------------------------------------------------

def test_r6_link_before_approval(ledger, applied):
    refused(ledger, "R6", ledger.link, who("kalle"), applied, "123")
    ledger.approve(who("maria"), applied, "manager")
    refused(ledger, "R6", ledger.link, who("kalle"), applied, "123")


def test_r6_owner_and_deputy_the_same_person(ledger):
    account = ledger.apply_account(who("kalle"), form(owner="kalle", deputy="kalle"))
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(who("ingrid"), account, "information-unit")
    e = refused(ledger, "R6", ledger.link, who("kalle"), account, "123")
    assert "two different people" in e.message


def test_r6_no_deputy(ledger):
    account = ledger.apply_account(who("kalle"), form(deputy=None))
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(who("ingrid"), account, "information-unit")
    e = refused(ledger, "R6", ledger.link, who("kalle"), account, "123")
    assert "no deputy" in e.message


def test_r6_set_cannot_make_an_active_account_one_person(ledger, active):
    refused(ledger, "R6", ledger.set_properties, who("kalle"), active, {"deputy": "kalle"})


def test_r6_one_page_one_account(ledger, active):
    other = ledger.apply_account(who("kalle"), form(name="Dubblett"))
    ledger.approve(who("maria"), other, "manager")
    ledger.approve(who("ingrid"), other, "information-unit")
    refused(ledger, "R6", ledger.link, who("kalle"), other, "104729384756102")


# R2 and R1: roles --------------------------------------------------------------

def test_r2_no_role_no_application(ledger):
    refused(ledger, "R2", ledger.apply_account, who("stranger"), form())


def test_r2_communicator_cannot_approve(ledger, applied):
    refused(ledger, "R2", ledger.approve, who("kalle"), applied, "manager")


def test_r2_manager_cannot_approve_for_the_information_unit(ledger, applied):
    ledger.approve(who("maria"), applied, "manager")
    refused(ledger, "R2", ledger.approve, who("olof"), applied, "information-unit")


def test_r2_stranger_cannot_link_or_set(ledger, approved):
    refused(ledger, "R2", ledger.link, who("stranger"), approved, "1")
    refused(ledger, "R2", ledger.set_properties, who("stranger"), approved, {"page_rules": "x"})


def test_r2_reading_the_register_needs_a_role(ledger, applied):
    refused(ledger, "R2", ledger.list_accounts, who("stranger"))
    refused(ledger, "R2", lambda: list(ledger.audit_log(who("stranger"))))


def test_r1_only_information_unit_grants(ledger):
    refused(ledger, "R1", ledger.grant_role, who("maria"), "x", Role.AUDITOR, None)
    refused(ledger, "R1", ledger.grant_role, who("kalle"), "x", Role.COMMUNICATOR, UNIT)


def test_r1_manager_assigns_own_units_communicators_only(ledger):
    assert ledger.grant_role(who("maria"), "lisa", Role.COMMUNICATOR, UNIT)
    e = refused(ledger, "R1", ledger.grant_role, who("olof"), "lisa2", Role.COMMUNICATOR, UNIT)
    assert "manages Tekniska" in e.message
    ledger.revoke_role(who("maria"), "lisa", Role.COMMUNICATOR, UNIT)
    assert not ledger.store.roster().has("lisa", Role.COMMUNICATOR, UNIT)


def test_r1_the_last_information_unit_member_stays(ledger):
    refused(ledger, "R1", ledger.revoke_role, who("ingrid"), "ingrid", Role.INFORMATION_UNIT, None)


def test_revoked_role_no_longer_acts(ledger, applied):
    ledger.revoke_role(who("ingrid"), "maria", Role.MANAGER, UNIT)
    refused(ledger, "R2", ledger.approve, who("maria"), applied, "manager")


# R8 and the account's existence -------------------------------------------------

def test_r8_request_close_by_an_outsider(ledger, active):
    refused(ledger, "R8", ledger.request_close, who("olof"), active, "x")


def test_r8_only_the_information_unit_closes(ledger, active):
    refused(ledger, "R8", ledger.close_account, who("maria"), active, "x")


def test_r8_no_closing_without_a_final_archive_export(ledger, active):
    ledger.request_close(who("kalle"), active, "Flyttar")
    e = refused(ledger, "R8", ledger.close_account, who("ingrid"), active, "x")
    assert "socialledger archive export --account" in e.message and "--final" in e.message


def test_r8_nothing_happens_in_a_closed_account(ledger, active, tmp_path):
    final_export(ledger, active, tmp_path)
    ledger.close_account(who("ingrid"), active, "Stängt")
    for command, args in [
        (ledger.set_properties, ({"page_rules": "x"},)),
        (ledger.request_close, ("x",)),
        (ledger.close_account, ("x",)),
        (ledger.link, ("2",)),
        (ledger.approve, ("manager",)),
    ]:
        refused(ledger, "R8", command, who("ingrid"), active, *args)


def test_unknown_account(ledger):
    # Not found is its own error (exit 3, as a refusal: docs/cli.md); text that is no id is bad input (exit 4).
    before = ledger.head()
    with pytest.raises(NotFound):
        ledger.approve(who("maria"), uuid.uuid4(), "manager")
    with pytest.raises(BadInput, match="not an id"):
        ledger.approve(who("maria"), "not-an-id", "manager")
    assert ledger.head() == before


def test_an_id_of_another_aggregate_is_no_account(ledger):
    from socialledger.core.domain.roles import ROSTER_ID

    with pytest.raises(NotFound):
        ledger.approve(who("maria"), ROSTER_ID, "manager")
