"""Where the ledger lives: --home, then SOCIALLEDGER_HOME, then the per-user directory."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from socialledger.core.storage.home import resolve_home


def test_explicit_home_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(tmp_path / "env"))
    assert resolve_home(tmp_path / "flag") == tmp_path / "flag"


def test_environment_next(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(tmp_path / "env"))
    assert resolve_home(None) == tmp_path / "env"


def test_per_user_data_directory_last(monkeypatch):
    monkeypatch.delenv("SOCIALLEDGER_HOME", raising=False)
    assert resolve_home(None) == Path(platformdirs.user_data_dir("socialledger", appauthor=False))
