"""The SQLite backend: every storage port (`ports.py`) on files in the ledger home.

`ledger.sqlite` holds the events, the hash chain and the capture index (the
library's recorder, extended: `recorder.py`); `keys.sqlite` the wrapped keys
(`keys.py`); `readmodels.sqlite` the read models (`readmodels.py`). The
ingest's bulk writer is a process of its own (`pagewriter.py`), and an
ingest's hot loop runs with the garbage collector paused (`collecting.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from socialledger.core.collecting import collection_paused
from socialledger.core.storage.config import StorageConfig
from socialledger.core.storage.home import EVENT_STORE_FILE
from socialledger.core.storage.sqlite.chainreader import SQLiteChainReader
from socialledger.core.storage.sqlite.keys import KEYS_FILE, KeyStore, create_master_key_file, load_master_key
from socialledger.core.storage.sqlite.pagewriter import PageWriterProcess
from socialledger.core.storage.sqlite.readmodels import SQLiteReadModelStore
from socialledger.core.storage.sqlite.recorder import LedgerRecorder

RECORDER_TOPIC = "socialledger.core.storage.sqlite.recorder:LedgerRecorder"
READ_MODELS_FILE = "readmodels.sqlite"


class SQLiteStorage:
    kind = "sqlite"

    def __init__(self, config: StorageConfig, home: Path) -> None:
        self.config = config
        self.home = home
        self.db_path = home / EVENT_STORE_FILE

    def exists(self) -> bool:
        return self.db_path.exists()

    def event_store_env(self) -> dict[str, str]:
        return {**self.config.event_store_env(self.home), "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC}

    def open_event_store(self) -> LedgerRecorder:
        self.config.event_store_env(self.home)  # the file, made private
        datastore = SQLiteDatastore(db_name=str(self.db_path), lock_timeout=self.config.lock_timeout_seconds)
        recorder = LedgerRecorder(datastore)
        recorder.create_table()
        return recorder

    def open_keys(self) -> KeyStore:
        return KeyStore(self.home, load_master_key(self.home))

    def create_master_key(self) -> None:
        create_master_key_file(self.home)

    def check_master_key(self) -> None:
        load_master_key(self.home)

    def bulk_writer(self, events: Any) -> PageWriterProcess:
        return PageWriterProcess(self.db_path, events.events_table_name, self.config.lock_timeout_seconds)

    def paused(self) -> AbstractContextManager[None]:
        return collection_paused()

    def chain_reader(self) -> SQLiteChainReader:
        return SQLiteChainReader(self.db_path)

    def read_model_store(self, models: Iterable[Any], *, views: Mapping[str, Any], location: Path | None = None,
                         query_indexes: bool = True) -> SQLiteReadModelStore:
        """`views`: each model's SQLite view class, by name (`projections/sqlite/`)."""
        return SQLiteReadModelStore(location or self.home / READ_MODELS_FILE, models, views,
                                    query_indexes=query_indexes)

    def store_files(self) -> list[Path]:
        names = (EVENT_STORE_FILE, KEYS_FILE, READ_MODELS_FILE)
        return sorted(p for p in self.home.iterdir() if p.is_file() and p.name.startswith(names))
