"""Opening the storage backend a ledger home is configured for (`StorageConfig.kind`)."""

from __future__ import annotations

from pathlib import Path

from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.ports import Storage


def open_storage(config: StorageConfig, home: Path) -> Storage:
    """The backend for `config.kind` in `home` ("sqlite" only for now: `postgresql/` comes later)."""
    if config.kind == "sqlite":
        from socialledger.core.storage.sqlite.backend import SQLiteStorage  # each backend imported only when used

        return SQLiteStorage(config, home)
    raise ValueError(f"no storage backend {config.kind!r}")  # StorageConfig.load refuses it first


def storage_for(home: Path) -> Storage:
    """The backend of the ledger home `home`, as its config.toml names it."""
    return open_storage(StorageConfig.load(home), home)
