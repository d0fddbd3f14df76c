"""An ingest killed at any point and run again; two ingests of overlapping data at once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID, generate  # noqa: E402

pytestmark = pytest.mark.slow
FIX = Path(__file__).parent / "fixtures" / "facebook"


def cli(home: Path, *args: str, user: str = "ingrid") -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "socialledger.cli", *args], env=env(home, user),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc


def env(home: Path, user: str = "ingrid") -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    out.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER=user)
    return out


def ledger_with_account(home: Path) -> str:
    cli(home, "init", "--admin", "ingrid")
    cli(home, "role", "grant", "maria", "manager", "--unit", "Kultur")
    cli(home, "role", "grant", "kalle", "communicator", "--unit", "Kultur")
    cli(home, "role", "grant", "sara", "communicator", "--unit", "Kultur")  # the deputy holds a role (R2)
    account = json.loads(cli(home, "account", "apply", "--channel", "facebook", "--name", "Tornet", "--unit",
                             "Kultur", "--owner", "kalle", "--deputy", "sara", "--json", user="kalle").stdout)["id"]
    cli(home, "account", "approve", account, "--level", "manager", user="maria")
    cli(home, "account", "approve", account, "--level", "information-unit")
    cli(home, "account", "link", account, "--platform-id", PAGE_ID)
    return account


def state(home: Path, account: str) -> dict:
    items = json.loads(cli(home, "content", "list", "--account", account, "--json").stdout)
    return {i["native_id"]: (i["versions"], i["state"], i["text"], i["parent"]) for i in items}


def events_by_type(home: Path) -> dict[str, int]:
    log = json.loads(cli(home, "audit", "log", "--json").stdout)
    out: dict[str, int] = {}
    for e in log:
        out[e["type"]] = out.get(e["type"], 0) + 1
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 25_000, seed=7)
    return out


def test_a_killed_ingest_run_again_ends_as_an_uninterrupted_one(tmp_path, data):
    whole_home = tmp_path / "whole"
    whole_account = ledger_with_account(whole_home)
    cli(whole_home, "ingest", "facebook", str(data), "--account", whole_account)

    home = tmp_path / "killed"
    account = ledger_with_account(home)
    before = sqlite3.connect(home / "ledger.sqlite").execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    proc = subprocess.Popen([sys.executable, "-m", "socialledger.cli", "ingest", "facebook", str(data),
                             "--account", account], env=env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Kill it once some pages are in, but not all.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        count = sqlite3.connect(home / "ledger.sqlite", timeout=30).execute(
            "SELECT COUNT(*) FROM stored_events").fetchone()[0]
        if count > before + 5000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = sqlite3.connect(home / "ledger.sqlite").execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]

    cli(home, "ingest", "facebook", str(data), "--account", account)
    finished = sqlite3.connect(home / "ledger.sqlite").execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    assert before < partial < finished
    # Ids derive from native ids, so the two ledgers agree item by item, parents included.
    assert state(home, account) == state(whole_home, whole_account)
    assert events_by_type(home) == events_by_type(whole_home)
    # The hash chain over what the killed run committed and what the second run added holds.
    assert json.loads(cli(home, "audit", "verify", "--json").stdout)["ok"]
    # And no spool of the killed run can be read: its key died with it; a later run removes it after a day.
    assert all(f.stat().st_mode & 0o077 == 0 for f in (home / "spool").glob("*"))


def test_two_overlapping_ingests_at_once_record_each_item_once(tmp_path):
    home = tmp_path / "home"
    account = ledger_with_account(home)
    inputs = [FIX / "sv", FIX / "sv"]
    procs = [subprocess.Popen([sys.executable, "-m", "socialledger.cli", "ingest", "facebook", str(p), "--account",
                               account, "--json"], env=env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in inputs]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert sum(r["new"] for r in results) == len(state(home, account))
    natives = [i["native_id"] for i in json.loads(cli(home, "content", "list", "--json").stdout)]
    assert len(natives) == len(set(natives))
