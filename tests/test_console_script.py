"""The installed `socialledger` console script, each call a new process on the same files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def script() -> str:
    found = Path(sys.executable).parent / "socialledger"
    if found.exists():
        return str(found)
    which = shutil.which("socialledger")
    assert which, "the socialledger console script is not installed"
    return which


def run(home: Path, *args: str, user: str | None = None, code: int = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env["SOCIALLEDGER_HOME"] = str(home)
    if user:
        env["SOCIALLEDGER_USER"] = user
    proc = subprocess.run([script(), *args], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def test_a_real_ledger_home_across_processes(home):
    run(home, "init", "--admin", "ingrid")
    # The home and the event store are readable by their owner only.
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "ledger.sqlite").stat().st_mode) == 0o600

    run(home, "role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    run(home, "role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    run(home, "role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role
    out = run(home, "account", "apply", "--channel", "facebook", "--name", "Tornet", "--unit", "Kultur",
              "--owner", "kalle", "--deputy", "sara", "--json", user="kalle").stdout
    account_id = json.loads(out)["id"]

    refusal = run(home, "account", "approve", account_id, "--level", "information-unit", user="ingrid", code=3)
    assert refusal.stderr.strip() == (
        "error: R4: the information unit approves only after a manager of the unit has approved")

    run(home, "account", "approve", account_id, "--level", "manager", user="maria")
    run(home, "account", "approve", account_id, "--level", "information-unit", user="ingrid")
    run(home, "account", "link", account_id, "--platform-id", "104729384756102", user="kalle")

    accounts = json.loads(run(home, "account", "list", "--json", user="ingrid").stdout)
    assert [(a["id"], a["state"]) for a in accounts] == [(account_id, "active")]
    log = json.loads(run(home, "audit", "log", "--json", user="ingrid").stdout)
    assert [e["type"] for e in log][-3:] == ["ManagerApproved", "InformationUnitApproved", "PlatformLinked"]
    assert all(e["os_user"] and e["host"] for e in log)


def test_demo_runs_with_no_arguments(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env["TMPDIR"] = str(tmp_path)
    proc = subprocess.run([script(), "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "R4:" in proc.stdout and "active" in proc.stdout


def test_concurrent_processes_each_record_once(home):
    run(home, "init", "--admin", "ingrid")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER="ingrid")
    # Eight grants at once, all on the one roster aggregate: each must land exactly once.
    procs = [
        subprocess.Popen([script(), "role", "grant", f"user{i}", "auditor"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    roles = json.loads(run(home, "role", "list", "--json", user="ingrid").stdout)
    assert sorted(r["user"] for r in roles if r["role"] == "auditor") == [f"user{i}" for i in range(8)]
