"""The end-to-end kinds that matter for storage, on both backends (the `backend` fixture: SQLite, PostgreSQL).

Representative tests rather than every test twice: ingest and its idempotence,
an ingest killed and run again, two ingests at once, tampering found by `audit
verify`, erasure (on PostgreSQL: the server's whole data directory searched, and
every key row it still holds tried on the erased items), read models rebuilt
equal to incremental ones, an archive export that verifies, and a replay.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from conftest import postgres_home, who
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kill_support import (
    cli,
    event_keys,
    kill_when,
    ledger_with_account,
    server_connection,
    start,
    state,
    stored_events,
)

from socialledger.app import Ledger
from socialledger.app.archive import verify_archive_package
from socialledger.cli import main
from socialledger.core.storage.backends import storage_for
from socialledger.core.storage.config import StorageConfig
from socialledger.projections import NAMES, ReadModels

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import generate  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "facebook"
ASA = "facebook:10152345"


# Helpers: the CLI in a process of its own (tests/kill_support.py), and tampering behind the system's back -------------


def tamper(home: Path, position: int) -> None:
    """Change one byte of the stored event at `position` with plain SQL, as someone with the database could."""
    config = StorageConfig.load(home)
    if config.kind == "sqlite":
        with sqlite3.connect(home / "ledger.sqlite") as db:
            db.execute("UPDATE stored_events SET state = CAST(state AS BLOB) || x'20' WHERE rowid=?", (position,))
        return
    with server_connection(config) as conn:
        conn.execute(f'UPDATE "{config.organisation}".socialledger_events SET state = state || \'\\x20\'::bytea '
                     "WHERE notification_id=%s", (position,))


@pytest.fixture
def filled(ledger, active, backend):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


# Ingest, idempotence, tampering -------------------------------------------------------------------------------------


def test_ingest_twice_records_nothing_the_second_time(ledger, active, backend):
    first = ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    head = ledger.head()
    again = ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active), recheck=True)
    assert first.events > 0 and again.events == 0 and ledger.head() == head
    texts = {i["native_id"]: i["text"] for i in ledger.content(who("ingrid"), active)}
    assert "När öppnar biblioteket på söndag? 😊" in texts.values()
    assert ledger.verify(who("ingrid")).ok


def test_a_tampered_event_is_found_at_its_position(filled, backend):
    assert json.loads(cli(filled.home, "audit", "verify", "--json").stdout)["ok"]
    position = filled.head() // 2
    tamper(filled.home, position)
    report = json.loads(cli(filled.home, "audit", "verify", "--json", code=5).stdout)
    assert not report["ok"] and report["first_broken_position"] == position


def index_sql(home: Path, statement: str, *params: Any) -> None:
    """Run `statement` on the capture index's tables ({schema} is the organisation's schema on PostgreSQL)."""
    config = StorageConfig.load(home)
    if config.kind == "sqlite":
        with sqlite3.connect(home / "ledger.sqlite") as db:
            db.execute(statement.replace("{schema}.", "").replace("%s", "?"), params)
        return
    with server_connection(config) as conn:
        conn.execute(statement.replace("{schema}", f'"{config.organisation}"'), params)


def test_a_tampered_capture_index_row_is_found(filled, backend):
    # The capture index is derived (core/indexcheck.py): `audit verify` compares it with a rebuild from the events.
    assert filled.verify(who("ingrid")).ok
    item = next(i for i in filled.content(who("ingrid")) if i["native_id"] == "facebook:1122334455667788_2233445566001")
    hex_ = UUID(item["id"]).hex
    # A ledger user hides the item: the index follows the item's version (the next ingest appends after it).
    filled.moderate(who("kalle"), item["id"], "hide", "Utanför ämnet", "Kränkande inlägg tas bort")
    assert filled.verify(who("ingrid")).ok
    cases = [
        ("UPDATE {schema}.capture_index SET version = version + 5 WHERE id = %s", "version"),
        ("UPDATE {schema}.capture_index SET version = 0 WHERE id = %s", "version"),
        ("UPDATE {schema}.capture_index SET state = 'erased' WHERE id = %s", "state"),
        ("UPDATE {schema}.capture_index SET observed = observed + 86400000 WHERE id = %s", "observed"),
        ("DELETE FROM {schema}.capture_index WHERE id = %s", "is missing"),
    ]
    for statement, named in cases:
        index_sql(filled.home, "DROP TABLE IF EXISTS {schema}.index_copy")
        index_sql(filled.home, "CREATE TABLE {schema}.index_copy AS SELECT * FROM {schema}.capture_index")
        index_sql(filled.home, statement, hex_)
        report = filled.verify(who("ingrid"))
        assert not report.ok and any(named in p and str(item["id"]) in p for p in report.problems), (named, report)
        index_sql(filled.home, "DELETE FROM {schema}.capture_index")
        index_sql(filled.home, "INSERT INTO {schema}.capture_index SELECT * FROM {schema}.index_copy")
        assert filled.verify(who("ingrid")).ok
    # A row of no item the events hold.
    index_sql(filled.home, "INSERT INTO {schema}.capture_index (id, version, state, native) VALUES (%s, 1, 'visible', 1)",
              "0" * 32)
    report = filled.verify(who("ingrid"))
    assert not report.ok and any("00000000-0000-0000-0000-000000000000" in p for p in report.problems)
    index_sql(filled.home, "DELETE FROM {schema}.capture_index WHERE id = %s", "0" * 32)
    assert filled.verify(who("ingrid")).ok


# Erasure ---------------------------------------------------------------------------------------------------------


def data_directory(server: Any) -> bytes:
    server.sql("CHECKPOINT")
    out = []
    for root, _, files in os.walk(server.data):
        for name in files:
            try:
                out.append(Path(root, name).read_bytes())
            except OSError:
                pass
    return b"".join(out)


def sealed_fields(ledger: Ledger, item_ids: list[Any]) -> list[tuple[bytes, bytes]]:
    """(sealed value, its associated data) of every sealed field of the items' stored events."""
    out = []
    for item in item_ids:
        for stored in ledger.store.recorder.select_events(item):
            event = ledger.store.plain_mapper.to_domain_event(stored)
            for field in getattr(type(event), "sealed_fields", ()):
                value = getattr(event, field, None)
                if isinstance(value, bytes):
                    out.append((value, item.bytes + field.encode()))
    return out


def test_erasure_leaves_no_key_that_opens_what_was_erased(filled, backend, request):
    store = filled.store
    data = filled.subject_export(who("ingrid"), ASA)
    items = [i["id"] for i in data["items"]]
    sealed = sealed_fields(filled, [UUID(i) for i in items])
    assert sealed, "the erased items have sealed fields to try keys on"
    keys = store.keys
    ids = [str(data["pseudonym"]), *items]
    wrapped = {k: keys.wrapped(k) for k in ids}
    assert all(wrapped.values())
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    before = data_directory(server) if server else b"".join(p.read_bytes() for p in store.storage.store_files())
    assert any(w in before for w in wrapped.values())  # (the search finds the keys while they are there)

    filled.erase_subject(who("ingrid"), ASA, "KS 2026/57", override=True)
    detail = next(i for i in filled.content(who("ingrid")) if i["id"] in items)
    assert detail["text"] is None and detail["author_name"] is None

    after = data_directory(server) if server else b"".join(p.read_bytes() for p in store.storage.store_files())
    keys.forget()
    for key_id, copy in wrapped.items():
        if copy in after:  # PostgreSQL: a dead row version or a WAL record may hold it ...
            assert backend == "postgresql"
            assert not keys.unwraps(key_id, copy)  # ... wrapped by a key that exists nowhere any more
    # Every key row the store still holds, tried on every sealed field of the erased items: none opens one.
    remaining = list(keys.export_keys())
    assert len(remaining) > len(ids)
    for _key_id, key in remaining:
        if key is None:
            continue
        for value, aad in sealed:
            with pytest.raises(InvalidTag):
                AESGCM(key).decrypt(value[:12], value[12:], aad)
    assert filled.verify(who("ingrid")).ok


# Read models ------------------------------------------------------------------------------------------------------


def test_read_models_rebuilt_equal_the_incremental_ones(ledger, active, backend):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv" / "page_feed_p1.json", str(active))
    ledger.read_models(who("ingrid"))  # caught up incrementally, part by part
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    incremental = ledger.read_models(who("ingrid"))
    before = {name: incremental.store.contents(name) for name in NAMES}
    assert before["register"]["register_accounts"] and before["sla"]["sla_items"]
    incremental.rebuild()
    assert {name: incremental.store.contents(name) for name in NAMES} == before
    rebuilt = ReadModels(ledger.store)
    try:
        assert rebuilt.store.position("sla") == ledger.head()
    finally:
        rebuilt.close()


def test_an_archive_export_verifies_and_a_replay_sees_the_past(filled, active, backend, tmp_path):
    (package,) = filled.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    assert verify_archive_package(package) == []
    at = filled.head()
    filled.ingest(who("kalle"), "facebook", FIX / "sv" / "edit_newer.json", str(active))
    past = filled.replay(who("ingrid"), str(at))
    assert past["until"]["position"] == at and past["register"][0]["state"] == "active"
    assert len(past["sla"]) == len(filled.sla_status(who("ingrid"), active).rows)


# Crash and concurrency (processes) --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 8_000, seed=7)  # two pages and more: killed after the first
    return out


# On SQLite this is tests/test_ingest_crash.py (its writer commits pages in groups, so it needs a larger input).
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_killed_ingest_run_again_ends_as_an_uninterrupted_one(home, backend, crawl, tmp_path):
    account = ledger_with_account(home)
    before = stored_events(home)
    kill_when(start(home, "ingest", "facebook", str(crawl), "--account", account),
              lambda: stored_events(home) > before, "the ingest")
    partial = stored_events(home)
    cli(home, "ingest", "facebook", str(crawl), "--account", account)
    assert before < partial < stored_events(home)
    assert json.loads(cli(home, "audit", "verify", "--json").stdout)["ok"]

    whole = postgres_home(tmp_path / "whole", _server_of(StorageConfig.load(home)))  # on the same server
    whole_account = ledger_with_account(whole)
    cli(whole, "ingest", "facebook", str(crawl), "--account", whole_account)
    assert event_keys(home) == event_keys(whole)


def _server_of(config: StorageConfig) -> Any:
    class Server:  # what `postgres_home` needs of a server: its URL and password file
        password_file = config.password_file

        @staticmethod
        def url() -> str:
            return config.url

    return Server()


# On SQLite this is tests/test_ingest_crash.py's second test.
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_ingests_into_one_organisation_at_once_record_each_item_once(home, backend):
    account = ledger_with_account(home)
    procs = [start(home, "ingest", "facebook", str(FIX / "sv"), "--account", account, "--json", text=True)
             for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert sum(r["new"] for r in results) == len(state(home, account))
    natives = [i["native_id"] for i in json.loads(cli(home, "content", "list", "--json").stdout)]
    assert len(natives) == len(set(natives))
    assert json.loads(cli(home, "audit", "verify", "--json").stdout)["ok"]


def test_the_store_is_the_configured_one(home, backend):
    Ledger(home).close()
    assert storage_for(home).kind == backend


# Every command on the store --------------------------------------------------------------------------------------


def test_every_reading_and_reporting_command_runs_on_the_store(filled, active, backend, tmp_path, monkeypatch):
    """The commands the other tests here do not run, through the CLI in this process, on each backend."""
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(filled.home))
    filled.close()
    runner = CliRunner()

    def run(*args: str, user: str = "ingrid") -> str:
        result = runner.invoke(main, [*args, "--as", user])
        assert result.exit_code == 0, (args, result.output, result.stderr)
        assert "Traceback" not in result.output + result.stderr
        return result.stdout

    account = str(active)
    item = json.loads(run("content", "list", "--account", account, "--json"))[0]["id"]
    policy = tmp_path / "policy.toml"
    policy.write_text(run("policy", "show"), encoding="utf-8")
    run("policy", "set", str(policy))
    run("content", "show", item)
    run("content", "hide", item, "--reason", "Kränkande", "--rule", "Inga påhopp", user="kalle")
    run("case", "register", item, "--diary-number", "KS 2026/9")
    run("case", "list")
    run("sla", "status", "--account", account)
    run("sla", "ack", item, user="kalle")
    run("sla", "report", "--period", "2024H1")
    run("cadence", "report", "--period", "2024H1")
    run("stats", "--period", "2024-03", "--csv")
    run("projections", "status")
    run("projections", "update")
    run("projections", "rebuild")
    run("audit", "log", "--account", account)
    run("audit", "replay", "--until", "10")
    run("retention", "apply", "--as-of", "2040-01-01", "--dry-run", "--decision", "KS 2026/3")
    exported = json.loads(run("gdpr", "export", "--subject", ASA))
    assert exported["items"] and not exported["erased"]
    run("archive", "export", "--account", account, "--period", "2024H1", "--out", str(tmp_path / "out"),
        user="arvid")
    (package,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    run("archive", "verify", str(package))
    assert json.loads(run("audit", "verify", "--json"))["ok"]
