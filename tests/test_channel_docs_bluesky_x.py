"""The Bluesky and X pages' shell examples run as they stand, in order, on a fresh ledger."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["bluesky.md", "x.md"])
def test_the_pages_commands_run_in_order(page, tmp_path):
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "docs" / page).read_text(encoding="utf-8"), re.DOTALL)
    assert blocks
    script = "set -euo pipefail\n" + "\n".join(blocks)
    env = {**os.environ, "SOCIALLEDGER_HOME": str(tmp_path / "ledger"), "SOCIALLEDGER_NO_ENTRY_POINTS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    # Run where the page's relative paths (tests/fixtures/...) resolve, writing nothing into the project.
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
