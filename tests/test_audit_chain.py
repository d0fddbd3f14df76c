"""The hash chain: every way of tampering with the database file is found, at its position."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import who

from socialledger.core.audit import read_receipt
from socialledger.core.receipts import receipts_dir, stored_receipts

FIX = __import__("pathlib").Path(__file__).parent / "fixtures" / "facebook"


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


def db(ledger):
    return sqlite3.connect(ledger.home / "ledger.sqlite", isolation_level=None)


def test_an_untouched_ledger_verifies(filled):
    report = filled.verify(who("ingrid"))
    assert report.ok and report.head == filled.head() and report.events == filled.head()


def test_a_changed_byte_is_found_at_its_position(filled):
    with db(filled) as c:
        state = c.execute("SELECT state FROM stored_events WHERE rowid=12").fetchone()[0]
        c.execute("UPDATE stored_events SET state=? WHERE rowid=12", (state.replace(b"a", b"b", 1),))
    report = filled.verify(who("ingrid"))
    assert not report.ok and report.first_broken_position == 12


def test_a_deleted_event_is_found(filled):
    with db(filled) as c:
        c.execute("DELETE FROM stored_events WHERE rowid=9")
    assert filled.verify(who("ingrid")).first_broken_position == 9


def test_an_inserted_event_is_found(filled):
    head = filled.head()
    with db(filled) as c:
        row = c.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                        "WHERE rowid=5").fetchone()
        c.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                  "VALUES (?, ?, ?, ?, ?)", (head + 1, "f" * 32, 1, row[2], row[3]))
    assert filled.verify(who("ingrid")).first_broken_position == head + 1


def test_reordered_events_are_found(filled):
    with db(filled) as c:
        a = c.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                      "WHERE rowid=20").fetchone()
        b = c.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                      "WHERE rowid=21").fetchone()
        c.execute("DELETE FROM stored_events WHERE rowid IN (20, 21)")
        c.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                  "VALUES (20, ?, ?, ?, ?)", b)
        c.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                  "VALUES (21, ?, ?, ?, ?)", a)
    assert filled.verify(who("ingrid")).first_broken_position == 20


def test_a_rewritten_chain_is_caught_by_a_receipt(filled, tmp_path):
    receipt = filled.seal(who("ingrid"))
    (tmp_path / "r.json").write_bytes(receipt.encode())
    # Someone rewrites an event and recomputes the whole chain after it, seals included.
    with db(filled) as c:
        state = c.execute("SELECT state FROM stored_events WHERE rowid=12").fetchone()[0]
        c.execute("UPDATE stored_events SET state=? WHERE rowid=12", (state.replace(b"a", b"b", 1),))
        rows = c.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                         "ORDER BY rowid").fetchall()
        from socialledger.core.storage import chain

        previous = chain.GENESIS
        for position, oid, version, topic, st in rows:
            previous = chain.link(previous, oid, version, topic, st)
            c.execute("UPDATE event_chain SET hash=? WHERE position=?", (previous, position))
    report = filled.verify(who("ingrid"), [read_receipt(tmp_path / "r.json")])
    assert not report.ok and any("receipt" in p for p in report.problems)
    # The first receipt past the change names it: the ingest's own (written automatically), before this one.
    automatic = min(r.position for _, r in stored_receipts(filled.home) if r.position >= 12)
    assert automatic < receipt.position and report.first_broken_position == automatic


def test_the_end_cut_off_behind_a_receipt(filled, tmp_path):
    receipt = filled.seal(who("ingrid"))
    with db(filled) as c:
        c.execute("DELETE FROM stored_events WHERE rowid > ?", (receipt.position - 3,))
        c.execute("DELETE FROM event_chain WHERE position > ?", (receipt.position - 3,))
    # The receipts written automatically (the ingest's, this seal's) lie beyond the cut: it is found.
    report = filled.verify(who("ingrid"))
    assert not report.ok and report.first_broken_position == receipt.position - 2
    assert any("cut off" in p for p in report.problems)
    # Without any receipt (the receipts directory lost too), the capture index still holds the rows of
    # what the cut-off events captured, and the rebuild from the events finds them (core/indexcheck.py) ...
    shutil.rmtree(receipts_dir(filled.home))
    report = filled.verify(who("ingrid"))
    assert not report.ok and any("capture index holds a row" in p for p in report.problems)
    # ... but with those rows cut off too, a shorter log looks whole: keep receipts elsewhere.
    with db(filled) as c:
        c.execute("DELETE FROM capture_index WHERE id NOT IN (SELECT originator_id FROM stored_events)")
    assert filled.verify(who("ingrid")).ok
    report = filled.verify(who("ingrid"), [receipt])
    assert not report.ok and report.first_broken_position == receipt.position - 2


def test_seals_recorded_in_the_ledger_are_checked(filled):
    filled.seal(who("ingrid"))
    report = filled.verify(who("ingrid"))
    assert report.ok and report.seals == 2  # the ingest's automatic seal, and this one


def test_audit_verify_and_seal_from_the_cli(filled, tmp_path, monkeypatch):
    from test_cli import CLI

    c = CLI(filled.home, monkeypatch)
    out = tmp_path / "receipt.json"
    c("audit", "seal", "--out", str(out), user="ingrid")
    assert json.loads(out.read_text())["position"] == filled.head() - 1  # the seal event itself comes after
    ok = c.json("audit", "verify", "--seal", str(out), user="ingrid")
    assert ok["ok"] is True and ok["first_broken_position"] is None
    with db(filled) as con:
        con.execute("DELETE FROM stored_events WHERE rowid=7")
    broken = c.json("audit", "verify", "--seal", str(out), user="ingrid", code=5)
    assert broken["ok"] is False and broken["first_broken_position"] == 7
    result = c("audit", "verify", user="ingrid", code=5)
    assert "position 7" in result.stderr
