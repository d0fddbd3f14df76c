"""Which event store the ledger runs on: a setting in the home's config.toml.

SQLite in the ledger home is the embedded default. The settings are turned
into the `eventsourcing` library's environment in one place, so that the
PostgreSQL store (the library's own module) becomes one more branch here and
not a rewrite of the application.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import attrs

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.home import CONFIG_FILE, EVENT_STORE_FILE, create_private_file

SUPPORTED = ("sqlite",)


@attrs.frozen
class StorageConfig:
    kind: str = "sqlite"
    lock_timeout_seconds: int = 30

    @classmethod
    def load(cls, home: Path) -> StorageConfig:
        path = home / CONFIG_FILE
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"{path}: not valid TOML: {e}") from None
        store = data.get("store", {})
        kind = store.get("kind", "sqlite")
        if kind not in SUPPORTED:
            raise BadInput(
                f"{path}: store.kind: {kind!r} is not supported here "
                f"(supported: {', '.join(SUPPORTED)})"
            )
        timeout = store.get("lock_timeout_seconds", 30)
        if not isinstance(timeout, int) or timeout <= 0:
            raise BadInput(f"{path}: store.lock_timeout_seconds: must be a positive integer")
        return cls(kind=kind, lock_timeout_seconds=timeout)

    def event_store_env(self, home: Path) -> dict[str, str]:
        """The eventsourcing settings for this store."""
        db = home / EVENT_STORE_FILE
        create_private_file(db)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(db),
            "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
        }
