"""A projection process killed in the middle of catching up: the resumed read models are the same."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from kill_support import kill_when
from test_projections import dump

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID, generate  # noqa: E402

pytestmark = pytest.mark.slow


def positions(path: Path) -> list[int]:
    try:
        db = sqlite3.connect(path, timeout=30)
        rows = db.execute("SELECT notification_id FROM tracking WHERE application_name != '__migration__'").fetchall()
        return [r[0] for r in rows]
    except sqlite3.OperationalError:
        return []


def test_killed_while_catching_up_then_resumed(tmp_path):
    from socialledger.testing import actor, make_ledger

    data = tmp_path / "crawl"
    generate(data, 30_000, seed=3)
    home = tmp_path / "home"
    ledger, account = make_ledger(home, "facebook", PAGE_ID)
    ledger.ingest(actor("kommunikatör"), "facebook", data, account)
    head = ledger.head()
    ledger.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER="info")
    proc = subprocess.Popen([sys.executable, "-m", "socialledger.cli", "projections", "rebuild"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    models = home / "readmodels.sqlite"

    def caught_up_part_way() -> bool:
        got = positions(models)
        return bool(got) and 0 < max(got) < head

    kill_when(proc, caught_up_part_way, "the catch-up")
    killed_at = max(positions(models))
    assert 0 < killed_at < head

    resumed = subprocess.run([sys.executable, "-m", "socialledger.cli", "projections", "update"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert min(positions(models)) == head
    after_resume = dump(models)

    rebuilt = subprocess.run([sys.executable, "-m", "socialledger.cli", "projections", "rebuild"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert dump(models) == after_resume
