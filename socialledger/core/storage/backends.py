"""Opening the storage backend a ledger home is configured for (`StorageConfig.kind`)."""

from __future__ import annotations

from pathlib import Path

from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.ports import Storage


def open_storage(config: StorageConfig, home: Path) -> Storage:
    """The backend for `config.kind` in `home`: "sqlite" (files in the home) or "postgresql" (a schema on a server)."""
    if config.kind == "sqlite":
        from socialledger.core.storage.sqlite.backend import SQLiteStorage  # each backend imported only when used

        return SQLiteStorage(config, home)
    if config.kind == "postgresql":
        from socialledger.core.storage.postgresql.backend import PostgreSQLStorage  # (psycopg only when used)

        return PostgreSQLStorage(config, home)
    raise ValueError(f"no storage backend {config.kind!r}")  # StorageConfig.load refuses it first


def storage_for(home: Path) -> Storage:
    """The backend of the ledger home `home`, as its config.toml (or `SOCIALLEDGER_STORE`) names it."""
    return open_storage(StorageConfig.load(home), home)
