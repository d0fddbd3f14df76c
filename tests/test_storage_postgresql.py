"""The storage contract suite (`socialledger.testing`) run against a real PostgreSQL server.

The server is the session's throwaway cluster (`pg_server`); each test has an
organisation (schema) of its own. Beside the contract: positions with gaps
(a rolled-back insert) verify, and tampering with plain SQL on a ledger with
gaps is still found at its position; the key store's erasure is checked
against the server's whole data directory, write-ahead log included.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from conftest import postgres_home
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg.sql import SQL, Identifier

from socialledger.core.audit import verify
from socialledger.core.storage.backends import storage_for
from socialledger.core.storage.ports import CaptureIndex, EventStore, KeyStore
from socialledger.testing import ChainContract, EventStoreContract, KeyStoreContract, ReadModelStoreContract

EVENTS = "socialledger_events"


def data_directory_contents(server: Any) -> bytes:
    """Every file of the server's data directory (tables, indexes, pg_wal, ...), after a checkpoint."""
    server.sql("CHECKPOINT")
    out = []
    for root, _, files in os.walk(server.data):
        for name in files:
            try:
                out.append(Path(root, name).read_bytes())
            except OSError:
                pass  # (a file removed while walking)
    return b"".join(out)


class PostgreSQL:
    positions_may_have_gaps = True
    destroyed_copies_may_remain = True

    @pytest.fixture
    def storage(self, home, pg_server):
        postgres_home(home, pg_server)
        self.server = pg_server
        return storage_for(home)

    def store_contents(self, storage):
        return data_directory_contents(self.server)


def run_sql(server: Any, storage: Any, statement: str, *params: Any) -> None:
    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="postgres", password=server.password,
                         autocommit=True) as conn:
        conn.execute(SQL(statement).format(schema=Identifier(storage.schema), table=Identifier(EVENTS)),
                     params or None)


class TestPostgreSQLEventStore(PostgreSQL, EventStoreContract):
    def test_the_recorder_implements_the_ports(self, storage):
        events = storage.open_event_store()
        assert isinstance(events, EventStore) and isinstance(events, CaptureIndex)


class TestPostgreSQLKeyStore(PostgreSQL, KeyStoreContract):
    def test_the_key_store_implements_the_port(self, keys):
        assert isinstance(keys, KeyStore)

    def test_the_server_holds_old_copies_which_nothing_unwraps(self, storage, keys):
        """The reason for generations: the WAL keeps a destroyed row's bytes; no key left unwraps them."""
        keys.ensure(["kept", "gone"], new=True)
        before = keys.wrapped("gone")
        assert before in self.store_contents(storage)
        keys.destroy(["gone"])
        assert before in self.store_contents(storage)  # the server's files still hold the old row: MVCC, WAL
        assert not keys.unwraps("gone", before) and keys.cipher("kept") is not None
        assert len(list(keys.key_dir.glob("*.kek"))) == 1  # the current generation's file only

    def test_a_missing_key_directory_is_a_clear_error(self, storage, keys, monkeypatch, tmp_path):
        keys.ensure(["a"], new=True)
        monkeypatch.setenv("SOCIALLEDGER_KEY_DIR", str(tmp_path / "elsewhere"))
        other = storage_for(storage.home).open_keys()
        try:
            with pytest.raises(Exception, match="key-encryption key of generation 1 is not at"):
                other.cipher("a")
        finally:
            other.close()


class TestPostgreSQLReadModelStore(PostgreSQL, ReadModelStoreContract):
    pass


class TestPostgreSQLChain(PostgreSQL, ChainContract):
    def change_state(self, storage, position, state):
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET state=%s WHERE notification_id=%s", state, position)

    def set_column(self, storage, position, column, value):
        # A tamperer with plain SQL can drop the constraints too (the key, NOT NULL) before writing.
        run_sql(self.server, storage, "ALTER TABLE {schema}.{table} DROP CONSTRAINT IF EXISTS socialledger_events_pkey")
        run_sql(self.server, storage, f"ALTER TABLE {{schema}}.{{table}} ALTER COLUMN {column} DROP NOT NULL")
        run_sql(self.server, storage, f"UPDATE {{schema}}.{{table}} SET {column}=%s WHERE notification_id=%s",
                value, position)

    def delete_event(self, storage, position):
        run_sql(self.server, storage, "DELETE FROM {schema}.{table} WHERE notification_id=%s", position)

    def insert_event(self, storage, position, row):
        run_sql(self.server, storage, "INSERT INTO {schema}.{table} (notification_id, originator_id, "
                "originator_version, topic, state) VALUES (%s, %s::uuid, %s, %s, %s)", position, *row)

    def swap_events(self, storage, a, b):
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id = -1 WHERE notification_id=%s", a)
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id = %s WHERE notification_id=%s",
                a, b)
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id = %s WHERE notification_id = -1",
                b)

    # A PostgreSQL column holds values of its type (or NULL, once NOT NULL is dropped): those are what a tamperer
    # can write with plain SQL, and what the verifier must report rather than fail on.
    @pytest.mark.parametrize(("column", "value"), [
        ("originator_id", None), ("originator_id", "00000000-0000-0000-0000-000000000000"),
        ("originator_version", None), ("originator_version", 2 ** 62), ("originator_version", -1),
        ("topic", None), ("topic", ""), ("topic", "ä" * 300), ("state", None), ("state", b"")])
    def test_any_value_in_any_column_is_reported_not_raised(self, storage, filled, column, value):
        self.set_column(storage, 14, column, value)
        report = self.verify(storage)
        assert not report.ok and report.first_broken_position == 14


def _events(n: int) -> list[StoredEvent]:
    return [StoredEvent(originator_id=uuid4(), originator_version=1, topic="socialledger.testing:ContractEvent",
                        state=os.urandom(30)) for _ in range(n)]


class TestGapsAreNotTampering(PostgreSQL):
    """Sequences leave gaps after a rolled-back insert (ingest retries on conflicts by design)."""

    @pytest.fixture
    def gapped(self, storage):
        events = storage.open_event_store()
        first = _events(5)
        events.insert_events(first)
        for _ in range(3):
            with pytest.raises(IntegrityError):
                events.insert_events([*_events(4), first[0]])  # rolled back: four positions skipped
            events.insert_events(_events(5))
        positions = [n.id for n in events.select_notifications(0, 100, inclusive_of_start=False)]
        assert len(positions) == 20 and positions[-1] > 20  # there are gaps
        return positions

    def test_a_ledger_with_gaps_verifies(self, storage, gapped):
        report = verify(storage.chain_reader())
        assert report.ok and report.events == 20 and report.head == gapped[-1]

    def test_a_changed_event_after_a_gap_is_found(self, storage, gapped):
        at = gapped[12]
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET state = state || 'x'::bytea "
                "WHERE notification_id=%s", at)
        assert verify(storage.chain_reader()).first_broken_position == at

    def test_a_deleted_event_next_to_a_gap_is_found(self, storage, gapped):
        at = next(p for i, p in enumerate(gapped) if i and gapped[i - 1] != p - 1)  # the first one after a gap
        run_sql(self.server, storage, "DELETE FROM {schema}.{table} WHERE notification_id=%s", at)
        assert verify(storage.chain_reader()).first_broken_position == at

    def test_an_event_inserted_into_a_gap_is_found(self, storage, gapped):
        hole = next(p for p in range(1, gapped[-1]) if p not in gapped)
        run_sql(self.server, storage, "INSERT INTO {schema}.{table} (notification_id, originator_id, "
                "originator_version, topic, state) VALUES (%s, %s::uuid, 1, 'x', 'y'::bytea)", hole, uuid4().hex)
        assert verify(storage.chain_reader()).first_broken_position == hole

    def test_reordered_events_across_a_gap_are_found(self, storage, gapped):
        i = next(i for i in range(1, len(gapped)) if gapped[i] != gapped[i - 1] + 1)
        a, b = gapped[i - 1], gapped[i]
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id = -1 WHERE notification_id=%s", a)
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id=%s WHERE notification_id=%s", a, b)
        run_sql(self.server, storage, "UPDATE {schema}.{table} SET notification_id=%s WHERE notification_id=-1", b)
        assert verify(storage.chain_reader()).first_broken_position == a
