"""Many organisations on one PostgreSQL server, apart; and concurrent work on them (issue 19, point 5).

Each organisation is a schema with a home of its own (its config.toml, master
key and key directory). Nothing of one is reachable through any command of the
other; a role in one is nothing in the other; verifying one is unaffected by
writes to (or tampering with) the other. Four processes ingesting into four
organisations at once, and two into one, end with the ledgers the same work
done one at a time gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import postgres_home
from kill_support import env, event_keys
from test_backends import tamper

from socialledger.core.storage.backends import storage_for
from socialledger.testing import make_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID, generate  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "facebook"


def organisation(tmp_path: Path, server, name: str) -> tuple[Path, str]:
    """A home on a new organisation with an active Facebook account; (home, account id)."""
    home = postgres_home(tmp_path / name, server)
    ledger, account = make_ledger(home, "facebook", PAGE_ID)
    ledger.close()
    return home, account


def run(home: Path, *args: str, user: str = "info") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "socialledger.cli", *args], env=env(home, user),
                          capture_output=True, text=True, timeout=600)


def ingest(home: Path, data: Path, account: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "socialledger.cli", "ingest", "facebook", str(data), "--account",
                             account, "--json"], env=env(home, "kommunikatör"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_organisations_on_one_server_are_apart(tmp_path, pg_server):
    a, account_a = organisation(tmp_path, pg_server, "a")
    b = postgres_home(tmp_path / "b", pg_server)
    assert run(b, "init", "--admin", "bertil", user="bertil").returncode == 0
    assert run(a, "ingest", "facebook", str(FIX / "sv"), "--account", account_a, user="kommunikatör").returncode == 0
    verified = json.loads(run(b, "audit", "verify", "--json", user="bertil").stdout)
    assert verified["ok"]

    # B sees nothing of A: accounts, items, the log, a data subject, an account by its id.
    assert json.loads(run(b, "account", "list", "--json", user="bertil").stdout) == []
    assert json.loads(run(b, "content", "list", "--json", user="bertil").stdout) == []
    log_b = json.loads(run(b, "audit", "log", "--json", user="bertil").stdout)
    assert len(log_b) == 2  # its own init: the roster and the policy
    refused = run(b, "gdpr", "export", "--subject", "facebook:10152345", user="bertil")
    assert refused.returncode == 3 and "holds nothing about" in refused.stderr  # not found: 3
    shown = run(b, "account", "show", account_a, user="bertil")
    assert shown.returncode == 3 and "no account" in shown.stderr

    # A role in A is nothing in B.
    stranger = run(b, "role", "list", user="info")
    assert stranger.returncode == 3 and "R2" in stranger.stderr

    # B's key store holds none of A's keys, and cannot open them.
    keys_a, keys_b = storage_for(a).open_keys(), storage_for(b).open_keys()
    try:
        ids_a = [k for k, _ in keys_a.export_keys()]
        assert ids_a and keys_b.states(ids_a) == {} and all(keys_b.cipher(k) is None for k in ids_a[:20])
    finally:
        keys_a.close()
        keys_b.close()

    # Writes to A, and tampering with A, leave B's verification as it was.
    tamper(a, 5)
    assert json.loads(run(a, "audit", "verify", "--json").stdout)["first_broken_position"] == 5
    assert json.loads(run(b, "audit", "verify", "--json", user="bertil").stdout) == verified


def test_a_role_per_organisation_cannot_read_another_schema(tmp_path, pg_server):
    """The operator's setup of docs/operations.md: a login role per organisation that owns its schema only."""
    for name in ("kommun_x", "kommun_y"):
        pg_server.sql(f"CREATE ROLE {name} LOGIN PASSWORD '{name}-secret'")
        pg_server.sql(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
    pg_server.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    pg_server.sql("REVOKE ALL ON DATABASE postgres FROM PUBLIC")
    pg_server.sql("GRANT CONNECT ON DATABASE postgres TO kommun_x, kommun_y")
    homes = {}
    for name in ("kommun_x", "kommun_y"):
        url = pg_server.url(user=name).replace(f"{name}@", f"{name}:{name}-secret@")
        homes[name] = tmp_path / name
        done = run(homes[name], "init", "--admin", "ingrid", "--store", url, "--org", name, user="ingrid")
        assert done.returncode == 0, done.stderr
        assert f"{name}-secret" not in (homes[name] / "config.toml").read_text()  # never written
    with psycopg.connect(host=str(pg_server.socket_dir), user="kommun_x", password="kommun_x-secret",
                         dbname="postgres", autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM kommun_x.socialledger_events").fetchone()[0] == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM kommun_y.socialledger_events")
    # Without the password (it went nowhere), a command says where to give it.
    failed = run(homes["kommun_x"], "role", "list", user="ingrid")
    assert failed.returncode == 1 and "PGPASSWORD" in failed.stderr
    listed = subprocess.run([sys.executable, "-m", "socialledger.cli", "role", "list", "--json"],
                            env={**env(homes["kommun_x"], "ingrid"), "PGPASSWORD": "kommun_x-secret"},
                            capture_output=True, text=True)
    assert json.loads(listed.stdout) == [{"user": "ingrid", "role": "information-unit", "unit": None}]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 6000, seed=11)
    return out


@pytest.mark.slow
def test_four_organisations_at_once_and_two_ingests_into_one_end_as_one_at_a_time(tmp_path, pg_server, crawl):
    alone, account = organisation(tmp_path, pg_server, "alone")
    done = ingest(alone, crawl, account)
    assert done.wait(timeout=600) == 0, done.stderr.read()  # type: ignore[union-attr]
    expected = event_keys(alone)

    homes = [organisation(tmp_path, pg_server, f"org{i}") for i in range(4)]
    shared, shared_account = organisation(tmp_path, pg_server, "shared")
    procs = [ingest(home, crawl, acc) for home, acc in homes] + [ingest(shared, crawl, shared_account)
                                                                 for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0 and "error" not in err.lower(), err
    for home, _ in [*homes, (shared, shared_account)]:
        assert event_keys(home) == expected
        assert json.loads(run(home, "audit", "verify", "--json").stdout)["ok"]


def test_the_store_from_the_environment_and_no_password_in_the_home(tmp_path, pg_server):
    """`SOCIALLEDGER_STORE` and `SOCIALLEDGER_ORG` instead of `--store` and `--org`; the password from a file."""
    home = tmp_path / "home"
    settings = {**env(home, "ingrid"), "SOCIALLEDGER_STORE": pg_server.url(), "SOCIALLEDGER_ORG": "fran_miljon",
                "SOCIALLEDGER_STORE_PASSWORD_FILE": str(pg_server.password_file)}
    done = subprocess.run([sys.executable, "-m", "socialledger.cli", "init", "--admin", "ingrid", "--json"],
                          env=settings, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["store_organisation"] == "fran_miljon"
    config = (home / "config.toml").read_text()
    assert 'organisation = "fran_miljon"' in config and pg_server.password not in config
    assert pg_server.password not in "".join(p.read_text(errors="replace") for p in home.rglob("*") if p.is_file()
                                             and p.suffix != ".kek")
    listed = subprocess.run([sys.executable, "-m", "socialledger.cli", "role", "list", "--json"], env=settings,
                            capture_output=True, text=True, timeout=120)
    assert json.loads(listed.stdout) == [{"user": "ingrid", "role": "information-unit", "unit": None}]


@pytest.mark.slow
def test_the_demo_on_a_server(pg_server):
    done = subprocess.run([sys.executable, "-m", "socialledger.cli", "demo", "--store", pg_server.url()],
                          env={**env(Path("/nonexistent"), "x"),
                               "SOCIALLEDGER_STORE_PASSWORD_FILE": str(pg_server.password_file)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "The demo's store: organisation demo_" in done.stdout
    assert "the ledger verifies" in done.stdout and "BROKEN" not in done.stdout
