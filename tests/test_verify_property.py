"""`audit verify` is total (issue 17, point 7): whatever is done to any column of any stored row of a real
ledger file (a value of another type, NULL, a truncated value, another row's value, a row deleted, moved or
added), it names the first broken position, never fails with an internal error.

Hypothesis draws the changes; each is made with plain `sqlite3` on a copy of a ledger that captured the
Facebook samples (an erasure and an export included), and the verifier runs through the Python API (and, for
a sample, the command line): the report must be broken exactly at the changed position.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import UNIT, form, who
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from socialledger.app import Ledger
from socialledger.core.domain.roles import Role

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("verify") / "ledger"
    mp.setenv("SOCIALLEDGER_RECEIPTS", str(home.parent / "receipts"))
    mp.delenv("SOCIALLEDGER_MASTER_KEY", raising=False)
    ledger = Ledger(home)
    ledger.init("ingrid", who("ingrid"))
    ledger.grant_role(who("ingrid"), "maria", Role.MANAGER, UNIT)
    ledger.grant_role(who("maria"), "kalle", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(who("maria"), "sara", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(who("ingrid"), "arvid", Role.ARCHIVIST)
    account = ledger.apply_account(who("kalle"), form())
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(who("ingrid"), account, "information-unit")
    ledger.link(who("kalle"), account, PAGE)
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(account))
    ledger.erase_subject(who("ingrid"), "facebook:10152345", "KS 1", override=True)
    ledger.close()
    mp.undo()
    return home


def _rows(db: sqlite3.Connection, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _value(kind: str, original: object, other: object, data: st.DataObject) -> object:
    if kind == "null":
        return None
    if kind == "int":
        return data.draw(st.integers(min_value=-(2**63), max_value=2**63 - 1))
    if kind == "float":
        return data.draw(st.floats(allow_nan=False))
    if kind == "text":
        return data.draw(st.text(max_size=40))
    if kind == "blob":
        return data.draw(st.binary(max_size=40))
    if kind == "as-text":  # the obvious edit: the value rewritten as TEXT by plain sqlite3
        return original.decode("utf-8", "replace") if isinstance(original, bytes) else str(original)
    if kind == "truncated":
        cut = data.draw(st.integers(min_value=0, max_value=max(len(original) - 1, 0))) \
            if isinstance(original, bytes | str) else 0
        return original[:cut] if isinstance(original, bytes | str) else None
    if kind == "flipped":
        if isinstance(original, bytes) and original:
            at = data.draw(st.integers(min_value=0, max_value=len(original) - 1))
            return original[:at] + bytes([original[at] ^ 0x01]) + original[at + 1 :]
        return original
    return other  # another row's value


KINDS = ("null", "int", "float", "text", "blob", "as-text", "truncated", "flipped", "other-row")


def _verify(home: Path):
    ledger = Ledger(home, check_keys=False)
    try:
        return ledger.verify(who("ingrid"))
    finally:
        ledger.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_any_stored_row_is_named_at_its_position(original, tmp_path_factory, data, monkeypatch):
    home = tmp_path_factory.mktemp("m") / "ledger"
    shutil.copytree(original, home)
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(original.parent / "receipts"))
    db = sqlite3.connect(home / "ledger.sqlite", isolation_level=None)
    head = _rows(db, "stored_events")
    what = data.draw(st.sampled_from(("event-column",) * 6 + ("chain-hash", "chain-position", "delete-event",
                                      "delete-link", "move-event", "extra-event", "extra-link")))
    p = data.draw(st.integers(min_value=1, max_value=head))
    expected = p
    if what == "event-column":
        column = data.draw(st.sampled_from(EVENT_COLUMNS))
        kind = data.draw(st.sampled_from(KINDS))
        (before,) = db.execute(f"SELECT {column} FROM stored_events WHERE rowid=?", (p,)).fetchone()
        q = data.draw(st.integers(min_value=1, max_value=head))
        (other,) = db.execute(f"SELECT {column} FROM stored_events WHERE rowid=?", (q,)).fetchone()
        value = _value(kind, before, other, data)
        try:
            db.execute(f"UPDATE stored_events SET {column}=? WHERE rowid=?", (value, p))
        except sqlite3.IntegrityError:  # (originator_id, version) of another row: refused by the table itself
            assume(False)
        after = db.execute(f"SELECT {column}, typeof({column}) FROM stored_events WHERE rowid=?", (p,)).fetchone()
        if after[0] == before and type(after[0]) is type(before):
            assume(False)  # no change (the column's affinity turned it back)
        what = f"{what}:{column}:{kind}"
    elif what == "chain-hash":
        kind = data.draw(st.sampled_from(KINDS))
        (before,) = db.execute("SELECT hash FROM event_chain WHERE position=?", (p,)).fetchone()
        q = data.draw(st.integers(min_value=1, max_value=head).filter(lambda q: q != p))
        (other,) = db.execute("SELECT hash FROM event_chain WHERE position=?", (q,)).fetchone()
        value = _value(kind, before, other, data)
        if value is None or value == before:
            assume(False)  # NOT NULL refuses it / no change
        db.execute("UPDATE event_chain SET hash=? WHERE position=?", (value, p))
        what = f"{what}:{kind}"
    elif what == "chain-position":
        target = data.draw(st.integers(min_value=head + 1, max_value=head + 1000))
        db.execute("UPDATE event_chain SET position=? WHERE position=?", (target, p))
    elif what == "delete-event":
        db.execute("DELETE FROM stored_events WHERE rowid=?", (p,))
        if p == head:  # the last event gone, its link left: the chain goes on beyond the events
            expected = head
    elif what == "delete-link":
        db.execute("DELETE FROM event_chain WHERE position=?", (p,))
    elif what == "move-event":
        target = data.draw(st.integers(min_value=head + 1, max_value=head + 1000))
        db.execute("UPDATE stored_events SET rowid=? WHERE rowid=?", (target, p))
    elif what == "extra-event":
        row = db.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                         "WHERE rowid=?", (p,)).fetchone()
        db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                   "VALUES (?, ?, ?, ?, ?)", (head + 1, row[0], 10_000 + p, row[2], row[3]))
        expected = head + 1
    elif what == "extra-link":
        db.execute("INSERT INTO event_chain (position, hash) VALUES (?, ?)", (head + 1, bytes(32)))
        expected = head + 1
    db.close()
    event(what.split(":")[0])
    report = _verify(home)  # never raises: any exception fails the property
    assert not report.ok, what
    assert report.first_broken_position == expected, (what, p, report.problems[:3])


@pytest.mark.parametrize("column,sql", [
    ("state as TEXT", "UPDATE stored_events SET state=CAST(state AS TEXT) WHERE rowid={p}"),
    ("state NULL", "UPDATE stored_events SET state=NULL WHERE rowid={p}"),
    ("version as TEXT", "UPDATE stored_events SET originator_version='x'||originator_version WHERE rowid={p}"),
    ("id NULL", "UPDATE stored_events SET originator_id=NULL WHERE rowid={p}"),
    ("topic truncated", "UPDATE stored_events SET topic=substr(topic, 1, 5) WHERE rowid={p}"),
    ("link as TEXT", "UPDATE event_chain SET hash=hex(hash) WHERE position={p}"),
])
@pytest.mark.parametrize("p", [1, 2, 12])
def test_the_command_line_names_the_position_with_exit_5(original, tmp_path, monkeypatch, column, sql, p):
    """The obvious edits with plain sqlite3, the roster's own events among them: exit 5 and the position."""
    from test_cli import CLI

    home = tmp_path / "ledger"
    shutil.copytree(original, home)
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(original.parent / "receipts"))
    with sqlite3.connect(home / "ledger.sqlite") as db:
        db.execute(sql.format(p=p))
    result = CLI(home, monkeypatch)("audit", "verify", user="ingrid", code=5)
    assert f"error: the ledger is broken from position {p}" in result.stderr, result.stderr


def test_a_changed_seal_is_named_at_its_own_position(original, tmp_path):
    """A seal event changed so that it still reads, but names another hash: the break is the seal's own
    position, not the earlier one it covers (found by the property above: a seal at the head, one bit flipped)."""
    home = tmp_path / "ledger"
    shutil.copytree(original, home)
    db = sqlite3.connect(home / "ledger.sqlite", isolation_level=None)
    seals = [(rowid, state) for rowid, state in
             db.execute("SELECT rowid, state FROM stored_events WHERE topic LIKE '%Seal%' ORDER BY rowid")]
    assert seals, "the ledger made for these tests records seals"
    p, state = seals[-1]
    data = json.loads(state)
    data["hash"] = ("0" if data["hash"][0] != "0" else "1") + data["hash"][1:]  # still a seal, another hash
    db.execute("UPDATE stored_events SET state=? WHERE rowid=?", (json.dumps(data).encode(), p))
    db.close()
    report = _verify(home)
    assert not report.ok and report.first_broken_position == p, report.problems[:3]
