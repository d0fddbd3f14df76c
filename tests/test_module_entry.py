"""`python -m socialledger` is the same command as the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env["SOCIALLEDGER_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "socialledger", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_python_m_socialledger_runs_the_cli(home):
    # Arrange: nothing but a home directory.
    # Act: the same commands a user types, through `python -m`.
    created = run(home, "--as", "ingrid", "init", "--admin", "ingrid", "--json")
    roles = run(home, "--as", "ingrid", "role", "list", "--json")
    refused = run(home, "--as", "stranger", "role", "list")
    # Assert: the CLI's output and exit codes, its name in the help.
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["admin"] == "ingrid"
    assert json.loads(roles.stdout) == [{"user": "ingrid", "role": "information-unit", "unit": None}]
    assert refused.returncode == 3 and "R2" in refused.stderr
    usage = run(home, "--help")
    assert usage.returncode == 0 and "Usage: socialledger" in usage.stdout
