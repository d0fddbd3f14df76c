"""Keys are never lost silently (issue 17, point 1): a wrong master key is refused by every command before
anything is read or written (exit 4); a key store that is missing, empty, replaced or older than the events
is a failed verification (exit 5) naming how many keys and whose, never read as erasure; a backup of the
event store and the key store, made together, restores and verifies."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import UNIT, who
from test_cli import CLI
from test_first_hour import EVERY_COMMAND, QUESTION, _fill

from socialledger.app import Ledger
from socialledger.core.domain.errors import BadInput, VerificationFailed
from socialledger.core.domain.roles import Role

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
WRONG = "ab" * 32
#: commands that open no ledger: nothing of it to refuse
NO_LEDGER = {"plugins", "account workflow", "archive verify", "demo"}


@pytest.fixture
def loaded(home, monkeypatch):
    monkeypatch.delenv("SOCIALLEDGER_MASTER_KEY", raising=False)
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Kulturkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    c.account = c("account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit", "Kultur",
                  "--owner", "kalle", "--deputy", "sara", "--answering-hours", "Vardagar 8-17",
                  "--page-rules", "Inga påhopp", user="kalle").stdout.strip()
    c("account", "approve", c.account, "--level", "manager", user="maria")
    c("account", "approve", c.account, "--level", "information-unit", user="ingrid")
    c("account", "link", c.account, "--platform-id", PAGE, user="kalle")
    c("ingest", "facebook", str(FIX / "sv"), "--account", c.account, user="kalle")
    c.home_path = Path(home)
    return c


def counts(home: Path) -> tuple[int, int, int]:
    """(events, key rows, destroyed keys), read straight from the files."""
    with sqlite3.connect(home / "ledger.sqlite") as db:
        events = db.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    if not (home / "keys.sqlite").exists():
        return events, -1, -1
    with sqlite3.connect(home / "keys.sqlite") as db:
        keys, destroyed = db.execute("SELECT count(*), count(*) - count(wrapped) FROM keys").fetchone()
    return events, keys, destroyed


# A wrong master key --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(EVERY_COMMAND) - NO_LEDGER))
def test_a_wrong_master_key_is_refused_4_by_every_command(loaded, name, tmp_path, monkeypatch):
    (tmp_path / "policy.toml").write_text("[sla]\nhours = 12\n", encoding="utf-8")
    before = counts(loaded.home_path)
    monkeypatch.setenv("SOCIALLEDGER_MASTER_KEY", WRONG)
    result = loaded(*_fill(EVERY_COMMAND[name][0], loaded, tmp_path), user="ingrid", code=4)
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    if name != "init":
        assert "master key" in result.stderr, result.stderr
    assert counts(loaded.home_path) == before


def test_the_right_master_key_reads_everything_after_a_refused_ingest(loaded, monkeypatch):
    monkeypatch.setenv("SOCIALLEDGER_MASTER_KEY", WRONG)
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle", code=4)
    monkeypatch.delenv("SOCIALLEDGER_MASTER_KEY")
    items = loaded.json("content", "list", user="ingrid")
    assert len(items) == 12 and all(i["text"] for i in items if not i["erased"])
    loaded("audit", "verify", user="ingrid")


# A key store that lost keys ----------------------------------------------------------------------------


def _older(home: Path, loaded) -> None:
    """An older copy of the key store, restored after more was captured."""
    older = home.parent / "older-keys.sqlite"
    shutil.copy(home / "keys.sqlite", older)
    loaded("ingest", "facebook", str(FIX / "export_new"), "--account", loaded.account, user="kalle")
    shutil.copy(older, home / "keys.sqlite")


def _replaced(home: Path, loaded) -> None:
    """Another ledger's key store, under the same master key."""
    other = home.parent / "other"
    other.mkdir()
    shutil.copy(home / "master.key", other / "master.key")
    c = CLI(other, pytest.MonkeyPatch())
    c("init", "--admin", "ingrid")
    c.home = str(other)
    led = Ledger(other)
    led.store.keys.ensure(["00000000-0000-0000-0000-0000000000%02d" % i for i in range(30)])
    led.close()
    shutil.copy(other / "keys.sqlite", home / "keys.sqlite")


def _emptied(home: Path, loaded) -> None:
    with sqlite3.connect(home / "keys.sqlite") as db:
        db.execute("DELETE FROM keys")


LOSSES = {
    "missing": lambda home, loaded: (home / "keys.sqlite").unlink(),
    "empty": _emptied,
    "older": _older,
    "replaced": _replaced,
}


@pytest.mark.parametrize("how", sorted(LOSSES))
def test_a_key_store_that_lost_keys_is_a_failed_verification_never_an_erasure(loaded, how, monkeypatch):
    home = loaded.home_path
    LOSSES[how](home, loaded)
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(home))
    before = counts(home)
    for argv, user in ((["content", "list"], "ingrid"), (["content", "show", QUESTION], "ingrid"),
                       (["gdpr", "export", "--subject", "facebook:10152345"], "ingrid"),
                       (["ingest", "facebook", str(FIX / "sv"), "--account", loaded.account], "kalle"),
                       (["archive", "export", "--account", loaded.account, "--period", "2024H1", "--out",
                         str(home.parent / "out")], "ingrid"),
                       (["audit", "verify"], "ingrid")):
        result = loaded(*argv, user=user, code=5)
        lines = result.stderr.splitlines()
        line = lines[-1] if argv[0] != "audit" else lines[0]
        assert "keys the ledger holds data under are not there" in line, (argv, result.stderr)
        assert "Kulturhuset Tornet" in line and "items of" in line, line
        assert counts(home) == before, argv  # nothing recorded, no key made, no empty store left behind
    assert not (home.parent / "out").exists()


def test_ingest_never_makes_a_new_key_for_an_item_that_has_events(ledger, active):
    """Below the command's check: the writer itself refuses to seal an edit under a new key for an item
    whose key is gone (what used to record "edits" on top of a lost key store)."""
    from datetime import UTC, datetime

    from socialledger.core.capture.writer import CaptureWriter
    from socialledger.core.domain.records import AuthorRef, ContentRecord

    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    with sqlite3.connect(ledger.home / "keys.sqlite") as db:
        db.execute("DELETE FROM keys")
    ledger.store.keys.forget()
    head = ledger.head()
    when = datetime(2026, 11, 2, 10, tzinfo=UTC)
    edited = ContentRecord(
        channel="facebook", kind="comment", source="api", observed=when, created=datetime(2024, 3, 1, 10, 2, tzinfo=UTC),
        native_id="1122334455667788_2233445566001", page_id=PAGE, parent_native_id=f"{PAGE}_1122334455667788",
        text="När öppnar biblioteket på lördag?", author=AuthorRef(native_id="10152345", name="Åsa Öberg"))
    with pytest.raises(VerificationFailed, match="lacks the keys"):
        CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page([edited])
    assert ledger.head() == head


def test_a_key_store_under_another_master_key_is_named_replaced(loaded, monkeypatch):
    """The events recorded this master key's check value: a key store stamped under another is replaced."""
    home = loaded.home_path
    other = home.parent / "elsewhere"
    other.mkdir()
    c = CLI(other, monkeypatch)
    c("init", "--admin", "ingrid")
    c("role", "list", user="ingrid")  # the first command after init stamps the new key store
    shutil.copy(other / "keys.sqlite", home / "keys.sqlite")
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(home))
    result = loaded("content", "list", user="ingrid", code=5)
    assert "replaced" in result.stderr and "Kulturhuset Tornet" in result.stderr


# Both backends, through the Python API ----------------------------------------------------------------


def test_both_backends_refuse_a_wrong_master_key_and_a_lost_key_store(backend, home, monkeypatch):
    monkeypatch.delenv("SOCIALLEDGER_MASTER_KEY", raising=False)
    from conftest import form

    ledger = Ledger(home)
    ledger.init("ingrid", who("ingrid"))
    ledger.grant_role(who("ingrid"), "maria", Role.MANAGER, UNIT)
    ledger.grant_role(who("maria"), "kalle", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(who("maria"), "sara", Role.COMMUNICATOR, UNIT)
    account = ledger.apply_account(who("kalle"), form())
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(who("ingrid"), account, "information-unit")
    ledger.link(who("kalle"), account, PAGE)
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(account))
    head = ledger.head()
    ledger.close()
    monkeypatch.setenv("SOCIALLEDGER_MASTER_KEY", WRONG)
    with pytest.raises(BadInput, match="master key"):
        Ledger(home)
    monkeypatch.delenv("SOCIALLEDGER_MASTER_KEY")
    # The key store loses its keys (SQLite: the rows deleted; PostgreSQL: the table emptied).
    ledger = Ledger(home)
    keys = ledger.store.keys
    if backend == "sqlite":
        keys.db.execute("DELETE FROM keys")
    else:
        keys.db.execute(keys._sql("DELETE FROM {schema}.keys"))
        keys.db.commit()
    ledger.close()
    with pytest.raises(VerificationFailed, match=r"12 items of Kulturhuset Tornet"):
        Ledger(home)
    ledger = Ledger(home, check_keys=False)
    report = ledger.verify(who("ingrid"))
    assert not report.ok and report.head == head
    ledger.close()


# Backups -----------------------------------------------------------------------------------------------


def test_a_backup_of_both_stores_restores_and_verifies(loaded, monkeypatch):
    home = loaded.home_path
    backup = home.parent / "backup"
    made = json.loads(loaded("store", "backup", "--out", str(backup), "--json", user="ingrid").stdout)
    assert {p.name for p in backup.iterdir()} == {"ledger.sqlite", "keys.sqlite", "backup.json"}
    # The ledger goes on: an erasure destroys keys, more is captured.
    loaded("gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 1", "--override", user="ingrid")
    loaded("ingest", "facebook", str(FIX / "export_new"), "--account", loaded.account, user="kalle")
    # The machine is lost: the backup, the master key and the signing key (kept apart) make a new home.
    restored = home.parent / "restored"
    restored.mkdir()
    for name in ("ledger.sqlite", "keys.sqlite"):
        shutil.copy(backup / name, restored / name)
    for name in ("master.key", "signing.key", "config.toml"):
        if (home / name).exists():
            shutil.copy(home / name, restored / name)
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(restored))
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(restored / "receipts"))  # a fresh receipts directory
    out = loaded("audit", "verify", user="ingrid").stdout
    assert f"up to position {made['head']}" in out
    items = loaded.json("content", "list", user="ingrid")
    assert len(items) == 12 and all(i["text"] for i in items)  # the erasure came after the backup
    # With the receipts written since (kept outside the home), the restore is seen to lack the later events.
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(home / "receipts"))
    result = loaded("audit", "verify", user="ingrid", code=5)
    assert "cut off" in result.stderr
    # The key store of the backup with the newer event store: older than the events, refused.
    shutil.copy(backup / "keys.sqlite", home / "keys.sqlite")
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(home))
    result = loaded("content", "list", user="ingrid", code=5)
    assert "older than the events" in result.stderr
