"""The ledger home: the one directory that holds everything the system writes."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "SOCIALLEDGER_HOME"
EVENT_STORE_FILE = "ledger.sqlite"
CONFIG_FILE = "config.toml"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """`--home`, else `SOCIALLEDGER_HOME`, else the per-user data directory."""
    if home:
        return Path(home).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("socialledger", appauthor=False))


def ensure_home(path: Path) -> Path:
    """Create the home readable by its owner only (it holds personal data)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 unless it exists.

    SQLite gives its -wal and -shm files the permissions of the database file,
    so creating the database file private keeps all three private.
    """
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
