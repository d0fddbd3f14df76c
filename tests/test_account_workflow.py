"""Every transition of the account lifecycle, through the library API (R3-R8)."""

from __future__ import annotations

import pytest
from conftest import OTHER, UNIT, final_export, form, who

from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.roles import Role
from socialledger.core.domain.workflow import TRANSITIONS, State


def state(ledger, account_id) -> State:
    return ledger.store.account(account_id).state


def test_apply_records_every_field_of_r3(ledger, applied):
    account = ledger.store.account(applied)
    assert account.state is State.APPLIED
    assert (account.channel, account.name, account.unit) == ("facebook", "Kulturhuset Tornet", UNIT)
    assert (account.owner, account.deputy) == ("kalle", "sara")
    assert account.purpose and account.goals and account.audience and account.gdpr_handling
    assert account.answering_hours == "Vardagar 08–17"
    assert account.account_class == "standard"  # the policy's default class
    assert account.flags() == []


def test_the_happy_path_to_active(ledger, applied):
    ledger.approve(who("maria"), applied, "manager")
    assert state(ledger, applied) is State.MANAGER_APPROVED
    ledger.approve(who("ingrid"), applied, "information-unit")
    assert state(ledger, applied) is State.APPROVED
    ledger.link(who("kalle"), applied, "104729384756102")
    account = ledger.store.account(applied)
    assert account.state is State.ACTIVE
    assert account.platform_id == "104729384756102"
    assert [(a["level"], a["actor"]) for a in account.approvals] == [
        ("manager", "maria"), ("information-unit", "ingrid")]


@pytest.mark.parametrize("level, approver", [("manager", "maria"), ("information-unit", "ingrid")])
def test_reject_at_either_level_then_revise_and_start_again(ledger, applied, level, approver):
    if level == "information-unit":
        ledger.approve(who("maria"), applied, "manager")
    ledger.reject(who(approver), applied, level, "Syftet är otydligt")
    account = ledger.store.account(applied)
    assert account.state is State.REJECTED
    assert account.rejections[0]["reason"] == "Syftet är otydligt"
    # Revising submits it again: both approvals are needed anew.
    ledger.revise(who("kalle"), applied, {"purpose": "Tydligare syfte"})
    account = ledger.store.account(applied)
    assert account.state is State.APPLIED
    assert account.purpose == "Tydligare syfte"
    assert account.approvals == []
    with pytest.raises(RuleViolation) as refusal:
        ledger.approve(who("ingrid"), applied, "information-unit")
    assert refusal.value.rule == "R4"


def test_set_changes_properties_as_events(ledger, active):
    ledger.grant_role(who("maria"), "lisa", Role.COMMUNICATOR, UNIT)  # the new deputy holds a role (R2)
    before = ledger.head()
    changed = ledger.set_properties(who("kalle"), active, {
        "deputy": "lisa", "answering_hours": "Alla dagar 08–20", "page_rules": "Nya regler",
        "account_class": "campaign", "on_call": True,
    })
    assert changed and ledger.head() == before + 1
    account = ledger.store.account(active)
    assert (account.deputy, account.account_class, account.on_call) == ("lisa", "campaign", True)
    # Setting what is already so records nothing.
    assert ledger.set_properties(who("kalle"), active, {"deputy": "lisa"}) is False
    assert ledger.head() == before + 1


def test_owner_can_be_handed_over(ledger, active):
    ledger.grant_role(who("ingrid"), "nils", Role.MANAGER, UNIT)
    ledger.set_properties(who("maria"), active, {"owner": "nils"})
    assert ledger.store.account(active).owner == "nils"


def test_request_close_then_close(ledger, active, tmp_path):
    ledger.request_close(who("sara"), active, "Verksamheten flyttar")
    assert state(ledger, active) is State.CLOSING
    final_export(ledger, active, tmp_path)  # R8
    ledger.close_account(who("ingrid"), active, "Enligt begäran")
    account = ledger.store.account(active)
    assert account.state is State.CLOSED
    assert account.closure_request["actor"] == "sara"
    assert account.closure["reason"] == "Enligt begäran"


def test_information_unit_closes_on_its_own_decision(ledger, active, tmp_path):
    final_export(ledger, active, tmp_path)  # R8
    ledger.close_account(who("ingrid"), active, "Inaktivt konto (R11)")
    assert state(ledger, active) is State.CLOSED


def test_request_close_by_unit_manager(ledger, active):
    ledger.request_close(who("maria"), active, "Omorganisation")
    assert state(ledger, active) is State.CLOSING


def test_flags_r7(ledger):
    bare = ledger.apply_account(who("kalle"), form(answering_hours="", page_rules="", deputy=None))
    assert ledger.store.account(bare).flags() == ["no deputy", "no answering hours", "no page rules"]


def test_the_table_covers_every_state():
    reachable = {t.target for t in TRANSITIONS if t.target} | {s for t in TRANSITIONS for s in t.sources}
    assert reachable == set(State)


def test_events_record_actor_os_user_and_host(ledger, applied):
    entries = list(ledger.audit_log(who("ingrid"), applied))
    assert [e.type for e in entries] == ["ApplicationSubmitted"]
    assert (entries[0].actor, entries[0].os_user, entries[0].host) == ("kalle", "tester", "testhost")


def test_unknown_account_class_is_bad_input(ledger):
    with pytest.raises(BadInput, match="account class 'elit'"):
        ledger.apply_account(who("kalle"), form(account_class="elit"))


def test_accounts_lists_in_application_order(ledger):
    first = ledger.apply_account(who("kalle"), form(name="A"))
    second = ledger.apply_account(who("maria"), form(name="B"))
    third = ledger.apply_account(who("olof"), form(name="C", unit=OTHER, owner="olof", deputy=None))
    assert [a.id for a in ledger.store.accounts()] == [first, second, third]
