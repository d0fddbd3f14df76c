"""`Ledger`: the application, every command and query of the CLI as one Python API.

Each topic's services are a class of their own module (`organisation`,
`accounts`, `content`, `reports`, `archive`, `audit`, `gdpr`, `retention`, `search`, `ingest`, `planning`, `interim`, `alerts`); the
`Ledger` combines them over one `LedgerStore`. Every method that acts for a
user takes that user (`actor`) first and checks their role before it records
or reads anything (`authorisation.py`, or the guard of the aggregate it changes).
"""

from __future__ import annotations

from pathlib import Path

from socialledger.app.accounts import Accounts
from socialledger.app.alerts import Alerts
from socialledger.app.archive import Archives
from socialledger.app.audit import Audit
from socialledger.app.backup import Backups
from socialledger.app.content import Content
from socialledger.app.gdpr import Gdpr
from socialledger.app.ingest import Ingest
from socialledger.app.interim import InterimReports
from socialledger.app.organisation import Organisation
from socialledger.app.reports import Reports
from socialledger.app.requests import Requests
from socialledger.app.retention import Retention
from socialledger.app.search import Search
from socialledger.app.signin import SignIns
from socialledger.app.stores import Stores
from socialledger.core.ledger import LedgerStore, store_path
from socialledger.core.storage.config import StorageConfig


class Ledger(Organisation, Accounts, Content, Reports, Archives, Audit, Gdpr, Retention, Ingest, InterimReports, Alerts,
             Stores, Search, Requests, SignIns, Backups):
    """The ledger in `home`: commands and queries, each checking who acts (R1, R2 and each command's rule)."""

    def __init__(self, home: Path, env: dict[str, str] | None = None, config: StorageConfig | None = None, *,
                 check_keys: bool = True) -> None:
        """`check_keys`: refuse a wrong master key (exit 4) and a key store that lost keys (exit 5) now, before
        anything is read or written (`core/keycheck.py`); `audit verify` checks them in its own report."""
        self.store = LedgerStore(home, env, config)
        self.home = self.store.home
        if check_keys:
            try:
                self.store.check_keys()
            except BaseException:
                self.store.close()
                raise

    def head(self) -> int:
        """The position of the last event recorded (0 on an empty ledger)."""
        return self.store.head()

    def close(self) -> None:
        if self._models is not None:
            self._models.close()
            self._models = None
        self.store.close()


def open_ledger(home: str | Path | None = None, *, create: bool = False, config: StorageConfig | None = None,
                check_keys: bool = True) -> Ledger:
    """The ledger in `home` (else `SOCIALLEDGER_HOME`, else the per-user directory).

    Without `create`, a home that holds no ledger is an error rather than a
    new empty ledger, so that a mistyped `--home` does not pass silently.
    """
    return Ledger(store_path(home, create=create, config=config), config=config, check_keys=check_keys)
