"""Access, erasure (R23), disposal (R22) and replay, on a real ledger home."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import who

from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.events import ledger_id
from socialledger.core.domain.records import AuthorRef, ContentRecord

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
ASA = "facebook:10152345"


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


def recent_comment(ledger, active):
    when = datetime(2026, 11, 2, 10, tzinfo=UTC)
    CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page([ContentRecord(
        channel="facebook", kind="comment", source="api", observed=when, created=when, native_id="77_1",
        page_id=PAGE, parent_native_id=f"{PAGE}_1122334455667788", text="Min nya fråga om öppettider?",
        author=AuthorRef(native_id="10152345", name="Åsa Öberg"))])


def test_access_export(filled):
    data = filled.subject_export(who("ingrid"), ASA)
    assert data["identity"]["name"] == "Åsa Öberg" and not data["erased"]
    (item,) = data["items"]
    assert item["text"] == "När öppnar biblioteket på söndag? 😊"
    assert item["context"]["text"].startswith("Välkommen till Kulturhuset!")  # the post commented on
    assert item["handling"]["state"] == "answered" and item["handling"]["first_response"] is not None
    # The raw fragment names its author by the subject's pseudonym: the name lives under the subject's key.
    assert item["versions"][0]["raw"]["from"] == {"subject": data["pseudonym"]}


def test_access_needs_the_information_unit(filled):
    with pytest.raises(RuleViolation):
        filled.subject_export(who("kalle"), ASA)


def test_erasure_is_refused_while_a_retention_rule_keeps_an_item(filled, active):
    recent_comment(filled, active)
    head = filled.head()
    with pytest.raises(RuleViolation) as refusal:
        filled.erase_subject(who("ingrid"), ASA, "KS 2026/123")
    assert refusal.value.rule == "R23" and "retention rule 'comment'" in refusal.value.message
    assert filled.head() == head


def test_erasure_with_an_overriding_decision(filled, active):
    recent_comment(filled, active)
    result = filled.erase_subject(who("ingrid"), ASA, "KS 2026/123", override=True)
    assert result["items"] == 2
    listed = {i["id"]: i for i in filled.content(who("ingrid"))}
    # The ledger id is the one its platform id gives (`facebook:...`); the platform id itself is erased with it.
    erased = listed[str(ledger_id("facebook:1122334455667788_2233445566001"))]
    assert erased["author_name"] is None and erased["text"] is None and erased["erased"]
    assert erased["native_id"].startswith("facebook:keyed:")
    assert erased["author"].startswith("subject:")
    assert filled.verify(who("ingrid")).ok
    again = filled.subject_export(who("ingrid"), ASA)
    assert again["erased"] and all(i["text"] is None for i in again["items"])
    # Ingesting the same data again records nothing and seals nothing under the destroyed keys.
    assert filled.ingest(who("kalle"), "facebook", FIX / "sv", str(active)).new == 0
    filled.close()
    for f in filled.home.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in ("Åsa Öberg", "10152345", "När öppnar biblioteket", "Min nya fråga"):
                assert secret.encode() not in data, (secret, f.name)


def test_the_reply_to_an_erased_comment_stays(filled):
    filled.erase_subject(who("ingrid"), ASA, "KS 2026/124", override=True)
    listed = {i["native_id"]: i for i in filled.content(who("ingrid"))}
    assert listed["facebook:1122334455667788_2233445566002"]["text"].startswith("Hej Åsa!")  # the account's own


def test_disposal_under_the_retention_rules(filled, active, tmp_path):
    filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")  # disposal follows delivery
    plan = filled.apply_retention(who("arvid"), datetime(2027, 1, 1).date(), "KS 2027/9", dry_run=True)
    kinds = {i["kind"] for i in plan["items"]}
    assert plan["items"] and "post" not in kinds  # posts are kept for ever
    assert plan["rules"]["comment"]["keep_years"] == 2
    head = filled.head()
    assert filled.head() == head  # a dry run records nothing
    done = filled.apply_retention(who("arvid"), datetime(2027, 1, 1).date(), "KS 2027/9")
    assert len(done["items"]) == len(plan["items"])
    # One decision event for the run (then the key inventory and the automatic seal).
    assert [e.type for e in filled.audit_log(who("ingrid"))][head:] == [
        "DisposalDecided", "KeysCountedAgain", "SealAdded"]
    listed = {i["id"]: i for i in filled.content(who("ingrid"))}
    assert all(listed[i["id"]]["erased"] for i in done["items"])
    assert not filled.apply_retention(who("arvid"), datetime(2027, 1, 1).date(), "KS 2027/9")["items"]
    assert filled.verify(who("ingrid")).ok
    with pytest.raises(RuleViolation):
        filled.apply_retention(who("kalle"), datetime(2027, 1, 1).date(), "KS 2027/9")


def test_nothing_is_disposed_before_its_time(filled):
    assert filled.apply_retention(who("ingrid"), datetime(2026, 6, 30).date(), "KS 1", dry_run=True)["items"] == []


def test_replay_until_a_position(filled, monkeypatch):
    from test_cli import CLI

    c = CLI(filled.home, monkeypatch)
    log = c.json("audit", "log", user="ingrid")
    linked = next(e["position"] for e in log if e["type"] == "PlatformLinked")
    before = c.json("audit", "replay", "--until", str(linked - 1), user="ingrid")
    assert [a["state"] for a in before["register"]] == ["approved"]
    assert before["sla"] == []
    now = c.json("audit", "replay", "--until", str(filled.head()), "--period", "2024-03", user="ingrid")
    assert [a["state"] for a in now["register"]] == ["active"]
    assert now["sla"] and now["statistics"][0]["posts"] == 2
    assert not (filled.home / "replay.sqlite").exists()
    assert c.json("audit", "replay", "--until", "2000-01-01T00:00", user="ingrid")["register"] == []


def test_gdpr_from_the_cli(filled, monkeypatch, tmp_path):
    from test_cli import CLI

    c = CLI(filled.home, monkeypatch)
    out = tmp_path / "asa.json"
    c("gdpr", "export", "--subject", ASA, "--out", str(out), user="ingrid")
    assert "När öppnar biblioteket" in out.read_text(encoding="utf-8")
    c("gdpr", "erase", "--subject", ASA, "--decision", "KS 1", user="kalle", code=3)
    result = c.json("gdpr", "erase", "--subject", ASA, "--decision", "KS 1", user="ingrid")
    assert result["items"] == 1 and result["packages"] == []
    c("gdpr", "export", "--subject", "facebook:999", user="ingrid", code=3)  # not found (docs/cli.md)
    assert c.json("audit", "verify", user="ingrid")["ok"]
