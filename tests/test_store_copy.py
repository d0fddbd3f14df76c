"""Moving an organisation from SQLite to PostgreSQL: `store copy --to URL --org NAME` (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import who
from kill_support import cli

from socialledger.app import Ledger
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.storage.config import StorageConfig
from socialledger.projections import NAMES

FIX = Path(__file__).parent / "fixtures" / "facebook"


@pytest.fixture
def sqlite_ledger(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    ledger.erase_subject(who("ingrid"), "facebook:10152345", "KS 2026/57", override=True)  # a destroyed key to copy
    return ledger


def test_a_copy_verifies_and_every_read_model_matches(sqlite_ledger, active, pg_server, tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    home = sqlite_ledger.home
    receipt = tmp_path / "receipt.json"
    cli(home, "audit", "seal", "--out", str(receipt), user="ingrid")
    before = {"content": sqlite_ledger.content(who("ingrid"), active), "head": sqlite_ledger.head()}
    sqlite_ledger.close()

    copied = json.loads(cli(home, "store", "copy", "--to", pg_server.url(), "--org", "flyttad", "--switch",
                            "--json", user="ingrid").stdout)
    assert copied["verified"] and copied["switched"] and copied["head"] == before["head"]
    assert set(copied["read_models"]) == set(NAMES) and copied["read_models"]["sla"] > 0
    assert StorageConfig.load(home).kind == "postgresql"

    # The home now works on the copy: the receipt of a seal made on SQLite holds, the content reads the same,
    # the erased subject stays erased (its key was copied as destroyed).
    verified = json.loads(cli(home, "audit", "verify", "--seal", str(receipt), "--json").stdout)
    assert verified["ok"] and verified["seals"] >= 1 and verified["keys"] is not None  # (and the automatic seals)
    moved = Ledger(home)
    try:
        assert moved.store.storage.kind == "postgresql"
        assert moved.content(who("ingrid"), active) == before["content"]
        erased = [i for i in before["content"] if i["author"] and i["author"].startswith("subject:")]
        assert erased and all(i["text"] is None for i in erased)
    finally:
        moved.close()


def test_a_copy_needs_the_information_unit_and_an_empty_schema(sqlite_ledger, pg_server, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    with pytest.raises(RuleViolation):
        sqlite_ledger.copy_store(who("kalle"), pg_server.url(), "nej")
    sqlite_ledger.copy_store(who("ingrid"), pg_server.url(), "forsta")
    with pytest.raises(BadInput, match="holds a ledger already"):
        sqlite_ledger.copy_store(who("ingrid"), pg_server.url(), "forsta")
    assert StorageConfig.load(sqlite_ledger.home).kind == "sqlite"  # without --switch the home stays
