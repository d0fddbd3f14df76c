"""An ingest killed at any point and run again; two ingests of overlapping data at once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from kill_support import cli, event_keys, kill_when, ledger_with_account, start, state, stored_events

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import generate  # noqa: E402

pytestmark = pytest.mark.slow
FIX = Path(__file__).parent / "fixtures" / "facebook"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    # More than the 20,000 records (4 pages of 5,000) the SQLite writer commits at once: one commit, then more.
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 25_000, seed=7)
    return out


def test_a_killed_ingest_run_again_ends_as_an_uninterrupted_one(tmp_path, data):
    whole_home = tmp_path / "whole"
    whole_account = ledger_with_account(whole_home)
    cli(whole_home, "ingest", "facebook", str(data), "--account", whole_account)

    home = tmp_path / "killed"
    account = ledger_with_account(home)
    before = stored_events(home)
    # Killed once some pages are in, but not all.
    kill_when(start(home, "ingest", "facebook", str(data), "--account", account),
              lambda: stored_events(home) > before + 5000, "the ingest")
    partial = stored_events(home)

    cli(home, "ingest", "facebook", str(data), "--account", account)
    finished = stored_events(home)
    assert before < partial < finished
    # Ids derive from native ids, so the two ledgers agree item by item, parents included.
    assert state(home, account) == state(whole_home, whole_account)
    # The same events: as many of each type, and each item's (id, version, event type) the same.
    assert event_keys(home) == event_keys(whole_home)
    # The hash chain over what the killed run committed and what the second run added holds.
    assert json.loads(cli(home, "audit", "verify", "--json").stdout)["ok"]
    # And no spool of the killed run can be read: its key died with it; a later run removes it after a day.
    assert all(f.stat().st_mode & 0o077 == 0 for f in (home / "spool").glob("*"))


def test_two_overlapping_ingests_at_once_record_each_item_once(tmp_path):
    home = tmp_path / "home"
    account = ledger_with_account(home)
    procs = [start(home, "ingest", "facebook", str(FIX / "sv"), "--account", account, "--json", text=True)
             for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    assert sum(r["new"] for r in results) == len(state(home, account))
    natives = [i["native_id"] for i in json.loads(cli(home, "content", "list", "--json").stdout)]
    assert len(natives) == len(set(natives))
