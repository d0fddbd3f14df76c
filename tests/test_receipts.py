"""Seal receipts (issue 17, point 7): written automatically after every ingest, archive export and decision
into the configured receipts directory, signed with the organisation's Ed25519 key; checked with the public
key alone; a cut-off end found whenever a later receipt exists; a package's root METS.xml checked against
the checksum its receipt carries."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from test_cli import CLI

from socialledger.core.audit import read_receipt
from socialledger.core.receipts import read_public_key, signature_problem

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"


@pytest.fixture
def loaded(home, tmp_path, monkeypatch):
    monkeypatch.delenv("SOCIALLEDGER_MASTER_KEY", raising=False)
    receipts = tmp_path / "elsewhere" / "receipts"
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(receipts))
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Kulturkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    c("role", "grant", "arvid", "archivist", user="ingrid")
    c.account = c("account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit", "Kultur",
                  "--owner", "kalle", "--deputy", "sara", "--answering-hours", "Vardagar 8-17",
                  "--page-rules", "Inga påhopp", user="kalle").stdout.strip()
    c("account", "approve", c.account, "--level", "manager", user="maria")
    c("account", "approve", c.account, "--level", "information-unit", user="ingrid")
    c("account", "link", c.account, "--platform-id", PAGE, user="kalle")
    c.receipts = receipts
    c.home_path = Path(home)
    return c


def receipts(c) -> list[Path]:
    return sorted(c.receipts.glob("receipt-*.json"))


def test_a_signed_receipt_after_every_ingest_export_and_decision(loaded, tmp_path):
    public = tmp_path / "org.pem"
    loaded("audit", "public-key", "--out", str(public), user="ingrid")
    key = read_public_key(public)
    assert receipts(loaded) == []
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    assert len(receipts(loaded)) == 1
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    assert len(receipts(loaded)) == 1  # nothing new recorded: nothing new sealed
    loaded("archive", "export", "--account", loaded.account, "--period", "2024H1", "--out",
           str(tmp_path / "out"), user="arvid")
    after_export = len(receipts(loaded))
    assert after_export == 4  # the seal the package is cut from, the package's receipt, the export recorded
    loaded("gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 1", "--override", user="ingrid")
    loaded("retention", "apply", "--as-of", "2030-01-01", "--decision", "KS 2", user="arvid")
    assert len(receipts(loaded)) == after_export + 2
    for path in receipts(loaded):
        receipt = read_receipt(path)
        assert signature_problem(receipt, key) is None, path.name
    assert (loaded.receipts / "public-key.pem").read_bytes() == public.read_bytes()
    assert "receipts match" in loaded("audit", "verify", user="ingrid").stdout


def test_the_receipts_directory_is_configured_in_the_home(loaded, monkeypatch, tmp_path):
    monkeypatch.delenv("SOCIALLEDGER_RECEIPTS")
    chosen = tmp_path / "worm-share"
    with open(loaded.home_path / "config.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[receipts]\ndirectory = "{chosen}"\n')
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    assert len(list(chosen.glob("receipt-*.json"))) == 1


def test_a_receipt_is_checked_with_the_public_key_alone(loaded, tmp_path, monkeypatch):
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    public = tmp_path / "org.pem"
    loaded("audit", "public-key", "--out", str(public), user="ingrid")
    (receipt,) = receipts(loaded)
    # An auditor's copy of the ledger: no master key, no key store, no signing key, no receipts directory.
    audit_home = tmp_path / "auditor"
    audit_home.mkdir()
    shutil.copy(loaded.home_path / "ledger.sqlite", audit_home / "ledger.sqlite")
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(audit_home))
    monkeypatch.setenv("SOCIALLEDGER_RECEIPTS", str(tmp_path / "none"))
    out = loaded("audit", "verify", "--seal", str(receipt), "--public-key", str(public), user="ingrid").stdout
    assert "1 receipt match" in out and "keys not checked" in out
    assert sorted(p.name for p in audit_home.iterdir()) == ["ledger.sqlite"]  # no secret made or needed
    # A receipt changed after it was signed, and one checked against another key: both refused.
    forged = tmp_path / "forged.json"
    forged.write_text(receipt.read_text(encoding="utf-8").replace('"position": ', '"position": 1', 1),
                      encoding="utf-8")
    result = loaded("audit", "verify", "--seal", str(forged), "--public-key", str(public), user="ingrid", code=5)
    assert "signature does not match" in result.stderr
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from socialledger.core.receipts import public_key_pem

    other = tmp_path / "other.pem"
    other.write_bytes(public_key_pem(Ed25519PrivateKey.generate()))
    result = loaded("audit", "verify", "--seal", str(receipt), "--public-key", str(other), user="ingrid", code=5)
    assert "signed by another key" in result.stderr


@pytest.mark.parametrize("cut", [2, 3, 10])
def test_deleting_the_newest_events_is_found_whenever_a_later_receipt_exists(loaded, cut):
    """The newest event is the seal itself, recorded after the head it seals: a cut that reaches below it
    reaches what the receipt covers (the seal event alone is beyond every receipt: test below)."""
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    with sqlite3.connect(loaded.home_path / "ledger.sqlite") as db:
        head = db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        db.execute("DELETE FROM stored_events WHERE rowid > ?", (head - cut,))
        db.execute("DELETE FROM event_chain WHERE position > ?", (head - cut,))
    result = loaded("audit", "verify", user="ingrid", code=5)
    assert "events were cut off" in result.stderr
    assert f"broken from position {head - cut + 1}" in result.stderr


def test_the_seal_event_alone_is_beyond_its_own_receipt(loaded):
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    with sqlite3.connect(loaded.home_path / "ledger.sqlite") as db:
        head = db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0]
        assert db.execute("SELECT topic FROM stored_events WHERE rowid=?", (head,)).fetchone()[0].endswith(
            "Seals.SealRecorded")
        db.execute("DELETE FROM stored_events WHERE rowid = ?", (head,))
        db.execute("DELETE FROM event_chain WHERE position = ?", (head,))
    loaded("audit", "verify", user="ingrid")  # what every receipt covers is whole


def test_archive_verify_notices_a_changed_root_mets(loaded, tmp_path):
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    out = tmp_path / "out"
    (package,) = [Path(p) for p in loaded.json("archive", "export", "--account", loaded.account, "--period",
                                               "2024H1", "--out", str(out), user="arvid")["packages"]]
    receipt = package.with_name(package.name + ".receipt.json")
    assert receipt.is_file()
    public = tmp_path / "org.pem"
    loaded("audit", "public-key", "--out", str(public), user="ingrid")
    verified = loaded.json("archive", "verify", str(package), "--public-key", str(public))
    assert verified["ok"] and "SL-RECEIPT" not in {f["requirement"] for f in verified["findings"]}
    # Any change to the root METS.xml: one attribute's value, one byte of whitespace.
    for change in (lambda t: t.replace('LABEL="', 'LABEL="x', 1), lambda t: t.replace("\n", "\n ", 1)):
        changed = tmp_path / f"copy{id(change)}"
        shutil.copytree(package, changed / package.name)
        shutil.copy(receipt, changed / receipt.name)
        mets = changed / package.name / "METS.xml"
        mets.write_text(change(mets.read_text(encoding="utf-8")), encoding="utf-8")
        report = loaded.json("archive", "verify", str(changed / package.name), code=5)
        assert any(f["requirement"] == "SL-RECEIPT" and "root METS.xml was changed" in f["message"]
                   for f in report["findings"]), report["findings"]
    # The receipt itself changed (another METS checksum): its signature no longer holds.
    forged = tmp_path / "forged.receipt.json"
    forged.write_text(receipt.read_text(encoding="utf-8").replace('"mets_sha256": "', '"mets_sha256": "0', 1),
                      encoding="utf-8")
    report = loaded.json("archive", "verify", str(package), "--receipt", str(forged), code=5)
    assert any("signature" in f["message"] for f in report["findings"]), report["findings"]


def test_a_container_is_checked_against_its_receipt_too(loaded, tmp_path):
    loaded("ingest", "facebook", str(FIX / "sv"), "--account", loaded.account, user="kalle")
    (container,) = [Path(p) for p in loaded.json("archive", "export", "--account", loaded.account, "--period",
                                                 "2024H1", "--out", str(tmp_path / "out"), "--container", "zip",
                                                 user="arvid")["packages"]]
    assert container.with_name(container.name + ".receipt.json").is_file()
    assert loaded.json("archive", "verify", str(container))["ok"]
