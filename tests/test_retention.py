"""Disposal follows delivery (R22): nothing undelivered, nothing in a case, nothing under a legal hold;
every run names its decision; the account's own words are classed as what they are."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import who

from socialledger.core.domain.errors import BadInput, RuleViolation

FIX = Path(__file__).parent / "fixtures" / "facebook"
LATER = date(2027, 1, 1)  # the sample's comments (2024H1) are past the default two years


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


def by_native(rows: list[dict]) -> dict[str, dict]:
    return {r["native_id"]: r for r in rows}


def test_nothing_undelivered_is_disposed_of(filled, active, tmp_path):
    head = filled.head()
    plan = filled.apply_retention(who("arvid"), LATER, "KS 2027/1")
    assert plan["items"] == [] and filled.head() == head  # nothing delivered: nothing disposed, nothing recorded
    assert plan["held"] and {h["reason"] for h in plan["held"]} == {"not delivered in any archive package"}
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    done = filled.apply_retention(who("arvid"), LATER, "KS 2027/1")
    assert {i["id"] for i in done["items"]} == {h["id"] for h in plan["held"]}
    assert done["decision"] == "KS 2027/1"


def test_a_decision_may_dispose_of_undelivered_items_and_says_so(filled, active):
    items = by_native(filled.content(who("ingrid"), active))
    question = items["facebook:1122334455667788_2233445566001"]
    filled.register_case(who("arvid"), question["id"], "KS 2024/1", None)
    done = filled.apply_retention(who("arvid"), LATER, "KS 2027/8", undelivered=True)
    assert done["items"] and done["undelivered"] is True
    assert question["id"] not in {i["id"] for i in done["items"]}  # the case still keeps it
    (event,) = [e for e in filled.audit_log(who("ingrid")) if e.type == "DisposalDecided"]
    assert event.details["undelivered"] is True and event.details["decision"] == "KS 2027/8"


def test_an_edit_not_yet_delivered_holds_the_item_back(filled, active, tmp_path):
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out", position=filled.head() - 30)
    plan = filled.apply_retention(who("arvid"), LATER, "KS 2027/2", dry_run=True)
    reasons = {h["reason"] for h in plan["held"]}
    assert reasons <= {"not delivered in any archive package", "an edit is not delivered in any archive package yet"}
    assert plan["held"]


def test_cases_and_legal_holds_keep_items(filled, active, tmp_path):
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    items = by_native(filled.content(who("ingrid"), active))
    question = items["facebook:1122334455667788_2233445566001"]
    other = items["facebook:1122334455667788_2233445566005"]
    filled.register_case(who("arvid"), question["id"], "KS 2024/0815", "Ciceron")
    assert filled.place_hold(who("arvid"), item=other["id"], reason="Tvist om kommentaren")
    assert not filled.place_hold(who("arvid"), item=other["id"], reason="Igen")  # held already
    plan = filled.apply_retention(who("arvid"), LATER, "KS 2027/3", dry_run=True)
    held = {h["id"]: h["reason"] for h in plan["held"]}
    assert held[question["id"]] == "registered in a case: KS 2024/0815"
    assert held[other["id"]] == "legal hold: Tvist om kommentaren"
    assert not {question["id"], other["id"]} & {i["id"] for i in plan["items"]}

    # A hold on the account keeps every item of it; released, the run disposes of them.
    filled.place_hold(who("ingrid"), account=str(active), reason="Tillsyn av JO")
    assert filled.apply_retention(who("arvid"), LATER, "KS 2027/3")["items"] == []
    assert [h["target"] for h in filled.holds(who("arvid"))] == ["item", "account"]
    filled.release_hold(who("arvid"), account=str(active), reason="Tillsynen avslutad")
    filled.release_hold(who("arvid"), item=other["id"], reason="Tvisten avgjord")
    with pytest.raises(BadInput):
        filled.release_hold(who("arvid"), item=other["id"], reason="Igen")
    done = filled.apply_retention(who("arvid"), LATER, "KS 2027/4")
    assert other["id"] in {i["id"] for i in done["items"]} and question["id"] not in {i["id"] for i in done["items"]}
    listed = {i["id"]: i for i in filled.content(who("ingrid"), active)}  # a disposed item's platform id is gone too
    assert listed[other["id"]]["erased"] and not listed[question["id"]]["erased"]


def test_holds_need_the_information_unit_or_the_archivist_and_a_reason(filled, active):
    with pytest.raises(RuleViolation) as refused:
        filled.place_hold(who("kalle"), account=str(active), reason="x")
    assert refused.value.rule == "R22"
    with pytest.raises(BadInput):
        filled.place_hold(who("arvid"), account=str(active), reason="  ")
    with pytest.raises(BadInput):
        filled.place_hold(who("arvid"), reason="x")


def test_the_accounts_own_replies_are_its_words_not_visitors_comments(filled, active, tmp_path):
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    plan = filled.apply_retention(who("arvid"), LATER, "KS 2027/5", dry_run=True)
    disposed = {i["native_id"]: i for i in plan["items"]}
    own = "facebook:1122334455667788_2233445566002"  # the account's reply to Åsa
    assert own not in disposed  # classed as a post: kept for ever
    assert all(not i["by_account"] and i["class"] == "comment" for i in plan["items"])
    # A rule for the account's own replies classes them under it.
    filled.set_policy(who("ingrid"), "[retention.post]\nforever = true\n[retention.comment]\nkeep_years = 2\n"
                                     "[retention.own_reply]\nkeep_years = 1\n", "plan.toml")
    plan = filled.apply_retention(who("arvid"), LATER, "KS 2027/5", dry_run=True)
    assert by_native(plan["items"])[own]["class"] == "own_reply"


def test_the_decision_is_recorded_and_named_in_the_next_package(filled, active, tmp_path):
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "first")
    filled.apply_retention(who("arvid"), LATER, "KS 2027/6")
    (event,) = [e for e in filled.audit_log(who("ingrid")) if e.type == "DisposalDecided"]
    assert event.details["decision"] == "KS 2027/6" and event.actor == "arvid"
    (supplement,) = filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "second")
    events = json.loads((supplement / "representations/rep1/data/feed.json").read_text(encoding="utf-8"))["events"]
    disposals = [e for e in events if e["type"] == "disposal"]
    assert disposals and all("decision KS 2027/6" in e["detail"] for e in disposals)


def test_retention_and_holds_from_the_cli(filled, active, tmp_path, monkeypatch):
    from test_cli import CLI

    c = CLI(filled.home, monkeypatch)
    c("retention", "apply", "--as-of", "2027-01-01", user="arvid", code=2)  # --decision is required
    text = c("retention", "apply", "--as-of", "2027-01-01", "--decision", "KS 2027/7", "--dry-run", user="arvid").stdout
    assert "0 items would be disposed of" in text and "held back" in text and "not delivered" in text
    c("hold", "place", "--account", str(active), user="arvid", code=2)  # --reason is required
    c("hold", "place", "--reason", "x", user="arvid", code=2)  # on what?
    placed = c.json("hold", "place", "--account", str(active), "--reason", "Tvist", user="arvid")
    assert placed["placed"] is True
    assert c.json("hold", "list", user="ingrid")[0]["reason"] == "Tvist"
    c("hold", "place", "--account", str(active), "--reason", "Tvist", user="kalle", code=3)
    c("hold", "release", "--account", str(active), "--reason", "Klart", user="ingrid")
    c("hold", "release", "--account", str(active), "--reason", "Klart", user="ingrid", code=4)
    assert "No legal holds" in c("hold", "list", user="ingrid").stdout


def test_an_erasure_leaves_items_under_a_legal_hold_alone(filled, active):
    items = by_native(filled.content(who("ingrid"), active))
    question = items["facebook:1122334455667788_2233445566001"]  # Åsa's comment
    filled.place_hold(who("arvid"), item=question["id"], reason="Tvist")
    head = filled.head()
    with pytest.raises(RuleViolation) as refused:
        filled.erase_subject(who("ingrid"), "facebook:10152345", "KS 2027/9", override=True)
    assert refused.value.rule == "R23" and "legal hold (Tvist)" in refused.value.message
    assert filled.head() == head
    filled.release_hold(who("arvid"), item=question["id"], reason="Tvisten avgjord")
    assert filled.erase_subject(who("ingrid"), "facebook:10152345", "KS 2027/9", override=True)["items"] == 1
