"""Where a ledger is kept: choosing the store at `init`, and moving a ledger to another store (`store copy`).

The store is configuration (DESIGN.md, Storage): SQLite files in the ledger
home, or an organisation's schema on a PostgreSQL server. `configure_store`
writes the choice into the home's config.toml (never a password). `Stores.copy_store`
moves an organisation's ledger from the store it is on (SQLite, say) into a
PostgreSQL schema: the events at their positions, the chain (compared link by
link), the capture index and the keys; then the copy is verified and every
read model is built on it and compared, table by table, with the source's.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypedDict

from socialledger.app.authorisation import require_information_unit
from socialledger.app.base import Service
from socialledger.core.copying import copy_store
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, VerificationFailed
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.backends import open_storage
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.home import CONFIG_FILE, ensure_home, resolve_home
from socialledger.projections import NAMES, ReadModels


class StoreCopy(TypedDict):
    store: str
    events: int
    head: int
    index_rows: int
    keys: int
    verified: bool
    read_models: dict[str, int]  # rows compared per read model, all equal
    switched: bool


def configure_store(home: str | Path | None, store: str | None, organisation: str | None) -> StorageConfig:
    """The store `init` creates the ledger in: `--store` (else `SOCIALLEDGER_STORE`, else SQLite), with
    `--org`; written into the home's config.toml (the URL without its password) so later commands find it."""
    path = ensure_home(resolve_home(home))
    current = StorageConfig.load(path) if store is None else None
    if store is None:
        assert current is not None
        if organisation is not None and current.kind != "postgresql":
            raise BadInput("--org names an organisation on a PostgreSQL store: give --store postgresql://... too")
        config = current.with_store(current.url, organisation) if current.kind == "postgresql" else current
    else:
        config = StorageConfig.load(path).with_store(store, organisation)
    if config.kind == "postgresql":
        config.check()
    if (path / CONFIG_FILE).exists() and store is not None:
        before = StorageConfig.load(path)
        if (before.kind, before.url, before.organisation) != (config.kind, config.url, config.organisation) \
                and open_storage(before, path).exists():
            raise BadInput(f"the home {path} keeps a ledger on {before.describe()} already")
    if config.kind == "postgresql" or (path / CONFIG_FILE).exists():
        config.save(path)
    return config


class Stores(Service):
    def copy_store(self, actor: Actor, store: str, organisation: str, *, switch: bool = False) -> StoreCopy:
        """Copy this ledger into the organisation's schema of the PostgreSQL store `store`; verify the copy and
        compare every read model. `switch`: then the home uses the copy (its config.toml names it)."""
        require_information_unit(self.store.roster(), actor, "copy the ledger to another store")
        home = self.store.home
        target_config = StorageConfig.load(home).with_store(store, organisation)
        if target_config.kind != "postgresql":
            raise BadInput("store copy writes into a PostgreSQL store: --to postgresql://USER@HOST:PORT/DB")
        target_config.check()
        copied = copy_store(self.store.storage, open_storage(target_config, home))
        target = LedgerStore(home, config=target_config)
        try:
            report = target.verify()
            if not report.ok:
                raise VerificationFailed(f"the copy does not verify: {report.problems[0]}")
            source_models = self._caught_up()
            target_models = ReadModels(target)
            try:
                target_models.catch_up()
                compared = {name: _compare(name, source_models.store.contents(name),
                                           target_models.store.contents(name)) for name in NAMES}
            finally:
                target_models.close()
        finally:
            target.close()
        if switch:
            target_config.save(home)
        return {"store": target_config.describe(), "events": copied.events, "head": copied.head,
                "index_rows": copied.index_rows, "keys": copied.keys, "verified": report.ok,
                "read_models": compared, "switched": switch}


def _compare(name: str, source: dict[str, list[tuple[Any, ...]]], target: dict[str, list[tuple[Any, ...]]]) -> int:
    """The rows of the model `name` in both stores, equal table by table (numbers compared as numbers)."""
    rows = 0
    for table, theirs in source.items():
        a, b = sorted(map(_plain_row, theirs)), sorted(map(_plain_row, target.get(table, [])))
        if a != b:
            raise VerificationFailed(f"the copy's read model {name} differs from the source's in {table} "
                                     f"({len(a)} rows against {len(b)})")
        rows += len(a)
    return rows


def _plain_row(row: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    out = []
    for value in row:
        if value is None:
            out.append((0, ""))
        elif isinstance(value, bool | int | float):
            out.append((1, float(value)) if math.isfinite(float(value)) else (4, repr(value)))
        elif isinstance(value, bytes | memoryview):
            out.append((2, bytes(value).hex()))
        else:
            out.append((3, str(value)))
    return tuple(out)
