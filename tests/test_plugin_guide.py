"""docs/plugins.md's example plugin, built as written and run through the contract suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)\n```", re.DOTALL)


def guide_files() -> dict[str, str]:
    files = {m.group("path"): m.group("body") + "\n" for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))}
    assert {"pyproject.toml", "socialledger_pixelfed/__init__.py", "tests/test_contract.py"} <= set(files)
    return files


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("socialledger-pixelfed")
    for rel, body in guide_files().items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    site = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(root)], check=True, capture_output=True)
    return root, site


def run(example: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess:
    root, site = example
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_guide_plugin_passes_the_contract_suite(example):
    result = run(example, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 8, result.stdout


def test_the_guide_plugin_is_found_through_its_entry_point(example):
    result = run(example, "-m", "socialledger.cli", "plugins", "--json")
    assert result.returncode == 0, result.stderr
    assert '"name": "pixelfed"' in result.stdout
