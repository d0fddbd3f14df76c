"""The channel contract suite: what every channel, built-in or third-party, must do.

Subclass `ChannelContract` in a test module (pytest collects it as `Test...`)
and describe your channel's samples::

    from socialledger.testing import ChannelContract

    class TestMyChannel(ChannelContract):
        channel = MyChannel()              # an instance of your Channel subclass
        platform_id = "1234"               # the page the samples belong to
        samples = [FIXTURES / "page1.json", FIXTURES / "export.zip"]
        unicode_text = "Välkommen på söndag 😊"   # appears exactly in some sample
        personal = ["Åsa Öberg", "När öppnar biblioteket"]  # must never be stored in plaintext
        other_page_sample = FIXTURES / "other_page.json"    # data for another page
        newer = FIXTURES / "edited.json"   # a later observation of an item in `samples`, text changed
        older = FIXTURES / "original.json" # the earlier observation of the same item

The suite builds a real ledger home with an active account linked to
`platform_id`, ingests through the same code path as `socialledger ingest`,
and checks normalisation, idempotence, ordering, Unicode, time zones,
encryption at rest, the refusal of bad input, and the accounting: every record
the channel reads is one item of the ingest summary, recorded, unchanged or
skipped with a reason (a channel yields `Skipped` for what it passes over).

A large input (`halfreader.MIN_SPLIT_BYTES`, 4 MiB, or more of files; more than
one page of records) takes another path: its second half is read by a reader
process and its pages written by a writer process. Samples are small, so
`test_the_large_input_path_records_what_one_process_records` forces that path
(`split_input=True`, `writer_process=True`, pages of `split_page_size` records)
on the samples copied into one directory, and checks that it records exactly what
one process does. The reader process rebuilds your channel from its class with no
arguments (`type(channel)()`, imported by module and name on the test's `sys.path`).

The module also ships the storage contract suite (at its end):
`EventStoreContract`, `KeyStoreContract`, `ChainContract` and
`ReadModelStoreContract`, which every storage backend subclasses
(`tests/test_storage_sqlite.py` for SQLite).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

import socialledger.core.capture.ingest as ingest_module
from socialledger.app import Ledger
from socialledger.core.audit import Report, verify
from socialledger.core.capture.channels import Channel, ChannelRegistry
from socialledger.core.capture.halfreader import HalfReader
from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.policy import default_text
from socialledger.core.domain.records import ContentRecord, ItemError, MetricsRecord, ModerationRecord, Skipped
from socialledger.core.domain.roles import Role
from socialledger.core.storage.backends import storage_for
from socialledger.core.storage.ports import ReadModelStore, Storage
from socialledger.projections import VIEWS, ReadModels, all_models, register, sla

KINDS = {"post", "comment", "reply", "visitor_post"}


def actor(name: str) -> Actor:
    return Actor(name=name, os_user="contract", host="contract-host")


def make_ledger(home: Path, channel: str, platform_id: str) -> tuple[Ledger, str]:
    """A ledger with an active `channel` account linked to `platform_id`; returns it and the account id."""
    ledger = Ledger(home)
    ledger.init("info", actor("info"), organisation_code="SE2120001234")  # archive packages need a real code
    ledger.grant_role(actor("info"), "chef", Role.MANAGER, "Enheten")
    ledger.grant_role(actor("info"), "kommunikatör", Role.COMMUNICATOR, "Enheten")
    for keeper in ("ägare", "ersättare"):  # the owner and the deputy hold a role in the unit (R2)
        ledger.grant_role(actor("info"), keeper, Role.COMMUNICATOR, "Enheten")
    account = ledger.apply_account(actor("kommunikatör"), ApplicationForm(
        channel=channel, name=f"Kontraktstest {channel}", unit="Enheten", owner="ägare", deputy="ersättare",
        answering_hours="Vardagar 8–17", page_rules="Inga påhopp"))
    ledger.approve(actor("chef"), account, "manager")
    ledger.approve(actor("info"), account, "information-unit")
    ledger.link(actor("info"), account, platform_id)
    return ledger, str(account)


class ChannelContract:
    channel: ClassVar[Channel]
    platform_id: ClassVar[str]
    samples: ClassVar[list[Path]]
    unicode_text: ClassVar[str]
    personal: ClassVar[list[str]] = []
    other_page_sample: ClassVar[Path | None] = None
    newer: ClassVar[Path | None] = None
    older: ClassVar[Path | None] = None
    #: records per page on the large input's path: small, so that the samples make several pages
    split_page_size: ClassVar[int] = 3

    # Fixtures ---------------------------------------------------------------------

    @pytest.fixture
    def contract_ledger(self, tmp_path: Path):
        ledger, account = make_ledger(tmp_path / "home", self.channel.name, self.platform_id)
        yield ledger, account
        ledger.close()

    def ingest(self, ledger: Ledger, path: Path, account: str, **options: Any) -> Any:
        registry = ChannelRegistry()
        registry.register(self.channel, "contract")
        return ledger.ingest(actor("kommunikatör"), self.channel.name, path, account, channels=registry, **options)

    def records(self, path: Path) -> list[Any]:
        out = []
        for entry in open_inputs(path):
            if self.channel.skip(entry):
                continue
            source = self.channel.detect(entry)
            if source is not None:
                out.extend(self.channel.read_for(entry, source, self.platform_id))
        return out

    # Normalisation ----------------------------------------------------------------------

    def test_samples_are_detected_and_read(self):
        for sample in self.samples:
            assert self.records(sample), f"{sample}: no records"

    def test_records_are_normalised(self):
        for sample in self.samples:
            for r in self.records(sample):
                for name in ("observed", "created", "end", "start"):
                    value = getattr(r, name, None)
                    if value is not None:
                        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), (sample, name, r)
                for name in ("native_id", "parent_native_id", "page_id"):
                    value = getattr(r, name, None)
                    assert value is None or isinstance(value, str), (sample, name, r)
                if isinstance(r, ContentRecord):
                    assert r.kind in KINDS
                    assert r.channel == self.channel.name
                if isinstance(r, (ContentRecord, ModerationRecord)):
                    assert "access_token" not in repr(r.raw), (sample, r.raw)
                    assert "paging" not in r.raw
                if isinstance(r, MetricsRecord):
                    assert isinstance(r.value, (int, float)) and r.metric

    # Ingest ------------------------------------------------------------------------------

    def test_ingest_twice_records_nothing_the_second_time(self, contract_ledger):
        ledger, account = contract_ledger
        for sample in self.samples:
            first = self.ingest(ledger, sample, account)
            assert first.records > 0, sample
        head = ledger.head()
        for sample in self.samples:
            again = self.ingest(ledger, sample, account)
            assert again.events == 0 and again.new == 0 and again.edited == 0, (sample, again)
            # Read record by record again (not passed over as a file ingested before), still nothing new.
            rechecked = self.ingest(ledger, sample, account, recheck=True)
            assert rechecked.files_skipped == 0, (sample, rechecked)
            assert rechecked.events == 0 and rechecked.new == 0 and rechecked.edited == 0, (sample, rechecked)
        assert ledger.head() == head

    def test_every_item_is_accounted_for(self, contract_ledger):
        # Every record the channel reads from a sample is one item of the ingest's accounting:
        # recorded, unchanged, or skipped with a reason; a skip or an error says what and why.
        ledger, account = contract_ledger
        for sample in self.samples:
            read = self.records(sample)
            for r in read:
                if isinstance(r, Skipped):
                    assert r.kind.strip() and r.reason.strip(), (sample, r)
                if isinstance(r, ItemError):
                    assert r.message.strip(), (sample, r)
            summary = self.ingest(ledger, sample, account, recheck=True)
            assert summary.unaccounted() == 0, (sample, summary.items)
            assert sum(t["items"] for t in summary.items.values()) == summary.records == len(read), (
                sample, summary.items, len(read))
            assert "items" in summary.as_dict()
            again = self.ingest(ledger, sample, account)
            assert again.unaccounted() == 0 and again.records == summary.records, (sample, again.items)
            assert all(t["recorded"] == 0 for t in again.items.values()), (sample, again.items)

    def test_unicode_comes_back_exactly(self, contract_ledger):
        ledger, account = contract_ledger
        for sample in self.samples:
            self.ingest(ledger, sample, account)
        texts = [i["text"] or "" for i in ledger.content(actor("info"), account)]
        assert any(self.unicode_text in t for t in texts), texts[:5]

    def test_nothing_personal_in_plaintext_at_rest(self, contract_ledger):
        ledger, account = contract_ledger
        for sample in self.samples:
            self.ingest(ledger, sample, account)
        ledger.close()
        for f in ledger.home.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                for secret in self.personal:
                    for form in {secret.encode("utf-8"), secret.encode("utf-16-le")}:
                        assert form not in data, f"{secret!r} in plaintext in {f.name}"

    def test_an_older_observation_records_no_edit_back(self, contract_ledger):
        if self.newer is None or self.older is None:
            pytest.skip("the channel gave no newer/older pair")
        ledger, account = contract_ledger
        self.ingest(ledger, self.newer, account)
        newer_texts = {i["id"]: i["text"] for i in ledger.content(actor("info"), account)}
        result = self.ingest(ledger, self.older, account)
        assert result.edited == 0
        after = {i["id"]: i["text"] for i in ledger.content(actor("info"), account)}
        assert all(after[k] == v for k, v in newer_texts.items())
        # And in the right order, the change is an edit.
        ledger2, account2 = make_ledger(ledger.home.parent / "ordered", self.channel.name, self.platform_id)
        try:
            self.ingest(ledger2, self.older, account2)
            assert self.ingest(ledger2, self.newer, account2).edited >= 1
        finally:
            ledger2.close()

    def one_input(self, tmp: Path) -> Path:
        """The samples as one directory of files, in their order; two files at least (the first again, if need be)."""
        out = tmp / "samples"
        out.mkdir()
        for i, sample in enumerate(self.samples):
            if sample.is_dir():
                shutil.copytree(sample, out / f"{i:03d}-{sample.name}")
            else:
                shutil.copyfile(sample, out / f"{i:03d}-{sample.name}")
        if len(open_inputs(out)) < 2:
            first = next(s for s in self.samples if s.is_file())
            shutil.copyfile(first, out / f"{len(self.samples):03d}-again-{first.name}")
        return out

    def test_the_large_input_path_records_what_one_process_records(self, contract_ledger, tmp_path, monkeypatch):
        # Arrange: the samples as one input of several files, and a second ledger like the first.
        data = self.one_input(tmp_path)
        ledger, account = contract_ledger
        split_ledger, split_account = make_ledger(tmp_path / "split", self.channel.name, self.platform_id)
        readers: list[HalfReader] = []

        class Watched(HalfReader):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                readers.append(self)

        monkeypatch.setattr(ingest_module, "HalfReader", Watched)
        writers: list[Any] = []
        page_writer = split_ledger.store.page_writer

        def watched_writer() -> Any:
            writers.append(page_writer())
            return writers[-1]

        monkeypatch.setattr(split_ledger.store, "page_writer", watched_writer)
        try:
            # Act: one process, and the large input's path (a reader process for the second half, a writer process).
            local = self.ingest(ledger, data, account, split_input=False, writer_process=False,
                                page_size=self.split_page_size)
            split = self.ingest(split_ledger, data, split_account, split_input=True, writer_process=True,
                                page_size=self.split_page_size)
            # Assert: the reader process ran, and the two recorded the same, in a ledger that verifies.
            assert len(readers) == 1, "the input was not split"
            assert len(writers) == 1, "the pages were not written by the bulk writer"
            assert local.records > 0 and split.as_dict() == local.as_dict()
            assert self._items(split_ledger, split_account) == self._items(ledger, account)
            assert split_ledger.verify(actor("info")).ok
        finally:
            split_ledger.close()

    @staticmethod
    def _items(ledger: Ledger, account: str) -> dict[Any, tuple[Any, ...]]:
        # Subjects' ids are keyed pseudonyms, different in each ledger: compared by what they are.
        return {(i["native_id"], i["created"], i["kind"]): (i["parent"], i["by_account"], i["text"], i["state"],
                                                            i["versions"])
                for i in ledger.content(actor("info"), account)}

    # Bad input ---------------------------------------------------------------------------

    def bad_inputs(self, tmp: Path) -> dict[str, Path]:
        sample = next(s for s in self.samples if s.is_file())
        good = sample.read_bytes()
        cases: dict[str, bytes] = {
            "empty.json": b"",
            "malformed.json": good[: max(len(good) // 2, 1)],
            "latin1.json": good.replace(b"{", b"{\xe5\xe4\xf6", 1) if b"{" in good else b"\xff\xfe\xfd",
            "unknown.json": b'{"something": ["else", 1, 2]}',
        }
        out = {}
        for name, data in cases.items():
            out[name] = tmp / name
            out[name].write_bytes(data)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("data/" + sample.name, good)
        out["truncated.zip"] = tmp / "truncated.zip"
        out["truncated.zip"].write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("../../etc/" + sample.name, good)
        out["traversal.zip"] = tmp / "traversal.zip"
        out["traversal.zip"].write_bytes(buf.getvalue())
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("/abs/" + sample.name, good)
        out["absolute.zip"] = tmp / "absolute.zip"
        out["absolute.zip"].write_bytes(buf.getvalue())
        return out

    def test_bad_input_is_refused_and_nothing_recorded(self, contract_ledger, tmp_path):
        ledger, account = contract_ledger
        head = ledger.head()
        for name, path in self.bad_inputs(tmp_path).items():
            with pytest.raises(BadInput) as e:
                self.ingest(ledger, path, account)
            assert str(path.name) in e.value.message or str(path) in e.value.message, (name, e.value.message)
            assert ledger.head() == head, name

    def test_a_zip_past_the_size_limit_is_refused(self, contract_ledger, tmp_path, monkeypatch):
        ledger, account = contract_ledger
        sample = next(s for s in self.samples if s.is_file())
        archive = tmp_path / "big.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr(sample.name, sample.read_bytes())
        monkeypatch.setenv("SOCIALLEDGER_MAX_UNPACKED_BYTES", str(sample.stat().st_size - 1))
        head = ledger.head()
        with pytest.raises(BadInput, match="size limit|more than"):
            self.ingest(ledger, archive, account)
        assert ledger.head() == head

    def test_data_for_another_page_is_refused(self, contract_ledger):
        if self.other_page_sample is None:
            pytest.skip("the channel gave no sample for another page")
        ledger, account = contract_ledger
        head = ledger.head()
        with pytest.raises(BadInput, match="page"):
            self.ingest(ledger, self.other_page_sample, account)
        assert ledger.head() == head


# The storage contract suite ==========================================================================================
#
# What every storage backend (`socialledger.core.storage.ports`) must do, as abstract test cases: a backend's
# test module subclasses each with a `storage` fixture that opens the backend in the `home` fixture's
# directory (a fresh home per test; the home's config.toml names the backend, so that a process started on
# the home opens the same store), and sets the flags for what backends legitimately differ in::
#
#     class TestSQLiteEvents(EventStoreContract):
#         @pytest.fixture
#         def storage(self, home):
#             return open_storage(StorageConfig(), home)
#
# `ChainContract` also needs the backend's ways of tampering with stored rows behind the system's back.

_CONTRACT_TOPIC = "socialledger.testing:ContractEvent"
_OTHER_TOPIC = "socialledger.testing:OtherEvent"


def _stored_events(n: int, topic: str = _CONTRACT_TOPIC, size: int = 40) -> list[Any]:
    return [StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic,
                        state=os.urandom(size)) for _ in range(n)]


def _page_rows(page: int, size: int) -> tuple[list[Any], list[Any]]:
    """The events and index rows of page `page` of a contract bulk write (the same on every run)."""
    rows, index = [], []
    for i in range(size):
        hex_ = uuid5(NAMESPACE_URL, f"socialledger-contract/{page}/{i}").hex
        rows.append((hex_, 1, _CONTRACT_TOPIC, f"page {page} item {i} ".encode() * 8))
        index.append((hex_, 1, float(page), os.urandom(16), "visible", None, "api", 1))
    return rows, index


def bulk_write_main() -> None:
    """`python -c 'from socialledger.testing import bulk_write_main; bulk_write_main()' HOME PAGES SIZE`.

    Writes PAGES pages of SIZE events through the home's bulk writer, skipping what
    the capture index already holds (as an ingest does), printing "page N" after each.
    """

    home, pages, size = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    storage = storage_for(home)
    events = storage.open_event_store()
    with storage.bulk_writer(events) as writer:
        for page in range(pages):
            rows, index = _page_rows(page, size)
            known = events.index_rows([r[0] for r in rows])
            keep = [i for i, r in enumerate(rows) if r[0] not in known]
            if keep:
                writer.send([rows[i] for i in keep], [index[i] for i in keep], [])
                writer.result()
            print(f"page {page}", flush=True)
        writer.commit("contract-account", [])
    print("done", flush=True)


def append_main() -> None:
    """`python -c 'from socialledger.testing import append_main; append_main()' HOME BATCHES SIZE`: append events."""

    home, batches, size = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    events = storage_for(home).open_event_store()
    out = []
    for _ in range(batches):
        out.extend(events.insert_events(_stored_events(size)))
    print(json.dumps(out), flush=True)


def _python(code: str, *args: object) -> list[str]:
    return [sys.executable, "-c", code, *map(str, args)]


class StorageContract:
    """The base of the storage contract suite: the fixtures a backend provides, and its flags."""

    #: Positions may skip numbers without an event deleted (PostgreSQL sequences after a rolled-back insert).
    positions_may_have_gaps: ClassVar[bool] = False

    @pytest.fixture
    def home(self, tmp_path: Path) -> Path:
        home = tmp_path / "home"
        home.mkdir(mode=0o700)
        return home

    @pytest.fixture
    def storage(self, home: Path) -> Any:
        raise NotImplementedError("a backend's contract test provides the `storage` fixture")

    def check_positions(self, positions: list[int], before: int = 0) -> None:
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        assert positions[0] > before
        if not self.positions_may_have_gaps:
            assert positions == list(range(before + 1, before + 1 + len(positions)))


class EventStoreContract(StorageContract):
    """Append and read; the chain written with the events; re-appends refused whole; concurrent writers;
    the bulk writer, and a kill in the middle of a bulk write."""

    def test_append_and_read(self, storage):
        assert not storage.exists()  # a new home holds no ledger
        events = storage.open_event_store()
        assert storage.exists()
        assert not events.max_notification_id() and events.chain_head() is None
        written = _stored_events(10) + _stored_events(5, _OTHER_TOPIC)
        positions = list(events.insert_events(written))
        self.check_positions(positions)
        head = positions[-1]
        assert events.max_notification_id() == head and events.chain_head()[0] == head
        read = events.select_notifications(0, 100, inclusive_of_start=False)
        assert [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in read] == [
            (p, e.originator_id, 1, e.topic, e.state) for p, e in zip(positions, written, strict=True)]
        only = events.select_notifications(0, 100, topics=[_OTHER_TOPIC], inclusive_of_start=False)
        assert [n.id for n in only] == positions[10:]
        rows = events.read_rows(positions[2], 4, head, [_CONTRACT_TOPIC])
        assert [(r.id, r.originator_id, r.state) for r in rows] == [
            (p, e.originator_id, e.state) for p, e in zip(positions[3:7], written[3:7], strict=True)]
        assert [r.id for r in events.read_rows(0, 100, positions[11], [_OTHER_TOPIC])] == positions[10:12]

    def test_events_of_many_aggregates_in_one_read(self, storage):
        events = storage.open_event_store()
        first = _stored_events(4)
        later = [StoredEvent(originator_id=e.originator_id, originator_version=2, topic=_OTHER_TOPIC,
                             state=os.urandom(9)) for e in first[:2]]
        positions = list(events.insert_events(first + later))
        wanted = [first[2].originator_id, first[0].originator_id, uuid4()]  # (one never stored)
        rows = events.events_of(wanted)
        by_id = {}
        for r in rows:
            by_id.setdefault(r.originator_id, []).append((r.id, r.originator_version, r.topic, r.state))
        assert by_id == {
            first[0].originator_id: [(positions[0], 1, _CONTRACT_TOPIC, first[0].state),
                                     (positions[4], 2, _OTHER_TOPIC, later[0].state)],
            first[2].originator_id: [(positions[2], 1, _CONTRACT_TOPIC, first[2].state)]}
        assert events.events_of([]) == []

    def test_the_chain_covers_what_is_written(self, storage):
        events = storage.open_event_store()
        events.insert_events(_stored_events(7))
        events.insert_events(_stored_events(3))
        report = verify(storage.chain_reader())
        assert report.ok and report.events == 10 and report.head == events.max_notification_id()

    def test_a_re_append_is_refused_whole(self, storage):
        events = storage.open_event_store()
        first = _stored_events(3)
        events.insert_events(first)
        head, link = events.max_notification_id(), events.chain_head()
        new = _stored_events(2)
        with pytest.raises(IntegrityError):
            events.insert_events([*new, first[1]])  # one already stored: nothing of the call is
        assert events.max_notification_id() == head and events.chain_head() == link
        stored = {n.originator_id for n in events.select_notifications(0, 100, inclusive_of_start=False)}
        assert stored == {e.originator_id for e in first}
        assert verify(storage.chain_reader()).ok
        self.check_positions(list(events.insert_events(new)), head)  # and the store takes new events after it
        assert verify(storage.chain_reader()).ok

    def test_a_page_with_its_index_is_written_whole_or_not_at_all(self, storage):
        events = storage.open_event_store()
        rows, index = _page_rows(0, 5)
        positions = events.insert_rows(rows, index, [("alias-1", rows[0][0])])
        self.check_positions(positions)
        found = events.index_rows([r[0] for r in rows])
        assert sorted(found) == sorted(r[0] for r in rows) and found[rows[2][0]].state == "visible"
        assert events.aliases(["alias-1", "nothing"]) == {"alias-1": rows[0][0]}
        ids = sorted(r[0] for r in rows)
        assert events.ids_with_prefix(ids[2][:8], 10) == [ids[2]]  # a short id finds its item
        assert events.ids_with_prefix(ids[2], 10) == [ids[2]] and events.ids_with_prefix("", 3) == ids[:3]
        assert events.ids_with_prefix("g", 10) == []
        more, more_index = _page_rows(1, 3)
        with pytest.raises(IntegrityError):
            events.insert_rows([*more, rows[4]], [*more_index, index[4]], [("alias-2", more[0][0])])
        assert events.index_rows([r[0] for r in more]) == {} and events.aliases(["alias-2"]) == {}
        assert events.max_notification_id() == positions[-1]
        events.record_ingested("account", [(b"digest", 5)])
        assert events.ingested_files("account") == {b"digest": 5}
        events.mark_erased([rows[1][0]], "erased")
        assert events.index_rows([rows[1][0]])[rows[1][0]].state == "erased"
        assert verify(storage.chain_reader()).ok

    def test_concurrent_writers_lose_and_repeat_no_position(self, storage, home):
        storage.open_event_store()  # the tables, before the writers race for them
        procs = [subprocess.Popen(_python("from socialledger.testing import append_main; append_main()",
                                          home, 20, 10), stdout=subprocess.PIPE, text=True) for _ in range(2)]
        threads_out: list[list[int]] = []

        def append() -> None:
            events = storage.open_event_store()
            out: list[int] = []
            for _ in range(20):
                out.extend(events.insert_events(_stored_events(10)))
            threads_out.append(out)

        threads = [threading.Thread(target=append) for _ in range(2)]
        for t in threads:
            t.start()
        outs = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
        for t in threads:
            t.join()
        assert all(p.returncode == 0 for p in procs)
        every = sorted(p for out in [*outs, *threads_out] for p in out)
        assert len(every) == 800 and len(set(every)) == 800
        for out in [*outs, *threads_out]:
            assert out == sorted(out)
        if not self.positions_may_have_gaps:
            assert every == list(range(1, 801))
        report = verify(storage.chain_reader())
        assert report.ok and report.events == 800

    def test_the_bulk_writer_writes_pages(self, storage, home):
        events = storage.open_event_store()
        with storage.bulk_writer(events) as writer:
            for page in range(3):
                writer.send(*_page_rows(page, 4), [])
                writer.result()
            rows, index = _page_rows(0, 4)
            writer.send(rows[:1], index[:1], [])  # recorded already
            with pytest.raises(IntegrityError):
                writer.result()
            writer.commit("contract-account", [(b"file", 12)])
        assert events.max_notification_id() == 12 if not self.positions_may_have_gaps else True
        assert len(events.select_notifications(0, 100, inclusive_of_start=False)) == 12
        assert events.ingested_files("contract-account") == {b"file": 12}

    def test_a_bulk_write_killed_midway_leaves_a_store_that_verifies_and_completes(self, storage, home):
        pages, size = 40, 300
        storage.open_event_store()
        code = "from socialledger.testing import bulk_write_main; bulk_write_main()"
        proc = subprocess.Popen(_python(code, home, pages, size), stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip() == "page 5":
                    break
            os.killpg(proc.pid, signal.SIGKILL)  # the writer and whatever it started, mid-transaction
        finally:
            proc.wait(timeout=60)
            if proc.stdout is not None:
                proc.stdout.close()
        reopened = storage.open_event_store()
        head = reopened.max_notification_id() or 0
        assert head < pages * size
        report = verify(storage.chain_reader())
        assert report.ok, report.problems
        written = reopened.select_notifications(0, pages * size, inclusive_of_start=False)
        assert len(written) % size == 0  # whole pages only
        assert len(reopened.index_rows([n.originator_id.hex for n in written])) == len(written)
        done = subprocess.run(_python(code, home, pages, size), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and done.stdout.strip().endswith("done"), done.stderr
        final = reopened.select_notifications(0, 2 * pages * size, inclusive_of_start=False)
        assert len(final) == pages * size and len({n.originator_id for n in final}) == pages * size
        report = verify(storage.chain_reader())
        assert report.ok and report.events == pages * size


class KeyStoreContract(StorageContract):
    """Keys made once, shared by writers, and destroyed so that no copy of them stays readable."""

    #: Whether the store's files may still hold a destroyed key's wrapped bytes (PostgreSQL: dead row versions,
    #: the write-ahead log), which must then be wrapped by a key that exists nowhere any more (`unwraps`).
    destroyed_copies_may_remain: ClassVar[bool] = False

    @pytest.fixture
    def keys(self, storage):
        storage.create_master_key()
        store = storage.open_keys()
        yield store
        store.close()

    def test_keys_are_made_once_and_kept(self, storage, keys):
        keys.ensure(["a", "b"], new=True)
        sealed = keys.cipher("a").encrypt(b"\0" * 12, b"secret", None)
        assert keys.cipher("never made") is None
        assert keys.states(["a", "b", "c"]) == {"a": "present", "b": "present"}
        other = storage.open_keys()
        try:
            assert other.cipher("a").decrypt(b"\0" * 12, sealed, None) == b"secret"
            keys.forget()
            assert keys.cipher("a").decrypt(b"\0" * 12, sealed, None) == b"secret"
        finally:
            other.close()

    def test_two_writers_making_one_key_both_use_the_one_stored_first(self, storage, keys):
        other = storage.open_keys()
        try:
            keys.ensure(["shared"], new=True)
            other.ensure(["shared"], new=True)  # made here too, but the stored one wins
            sealed = keys.cipher("shared").encrypt(b"\0" * 12, b"x", None)
            assert other.cipher("shared").decrypt(b"\0" * 12, sealed, None) == b"x"
            pending = other.ensure_in_background(["in-background"], new=True)
            assert pending is not None and pending.settle()
            keys.forget()
            assert keys.states(["in-background"]) == {"in-background": "present"}
        finally:
            other.close()

    def test_a_key_stored_first_elsewhere_wins_over_one_made_in_the_background(self, storage, keys):
        other = storage.open_keys()
        try:
            keys.ensure(["first"], new=True)
            sealed = keys.cipher("first").encrypt(b"\0" * 12, b"x", None)
            pending = other.ensure_in_background(["first", "second"], new=True)  # made here, in use at once
            assert pending is not None
            assert pending.settle() is False  # "first" was stored before: what was sealed must be sealed again
            assert other.cipher("first").decrypt(b"\0" * 12, sealed, None) == b"x"
            assert other.cipher("second") is not None
            keys.forget()
            assert keys.states(["first", "second"]) == {"first": "present", "second": "present"}
            again = keys.cipher("second").encrypt(b"\0" * 12, b"y", None)
            assert other.cipher("second").decrypt(b"\0" * 12, again, None) == b"y"
        finally:
            other.close()

    def test_a_destroyed_key_is_gone_from_every_file(self, storage, keys):
        ids = [f"key-{i}" for i in range(40)]
        keys.ensure(ids, new=True)
        wrapped = {k: keys.wrapped(k) for k in ids}
        assert all(w for w in wrapped.values())
        gone = ids[::4]
        assert keys.destroy(gone) == len(gone)
        assert all(keys.cipher(k) is None for k in gone) and keys.cipher(ids[1]) is not None
        assert keys.states(gone) == dict.fromkeys(gone, "destroyed")
        with pytest.raises(Exception):  # noqa: B017,PT011 - a destroyed key is never made again
            keys.cipher_for_new(gone[0])
        keys.ensure(gone)
        assert keys.cipher(gone[0]) is None
        kept = [k for k in ids if k not in gone]
        now = {k: keys.wrapped(k) for k in kept}  # (a backend may re-wrap the keys it keeps)
        keys.close()
        contents = self.store_contents(storage)
        assert contents, "the backend names the files it keeps data in"
        assert all(now[k] in contents for k in kept)  # (the search finds what is there)
        reopened = storage.open_keys()
        try:
            for k in gone:
                for copy in (wrapped[k], wrapped[k][12:]):
                    if copy in contents:
                        assert self.destroyed_copies_may_remain, f"the wrapped key of {k} is still in the store"
                        assert not reopened.unwraps(k, wrapped[k]), f"a copy of {k}'s key left can still be unwrapped"
            assert reopened.cipher(gone[0]) is None and reopened.wrapped(gone[0]) is None
            assert all(reopened.cipher(k) is not None for k in kept)
        finally:
            reopened.close()

    def store_contents(self, storage: Storage) -> bytes:
        """Everything the store keeps on disk, to search for copies of keys."""
        return b"".join(Path(p).read_bytes() for p in storage.store_files())


class ChainContract(StorageContract):
    """`audit verify` finds a changed, deleted, inserted and reordered event at its position, and fails on
    nothing: the backend provides the tampering, behind the system's back."""

    #: how many events the tests write
    events = 30

    def change_state(self, storage: Storage, position: int, state: bytes) -> None:
        raise NotImplementedError

    def set_column(self, storage: Storage, position: int, column: str, value: Any) -> None:
        """Set a column of a stored event (originator_id, originator_version, topic, state) to any value."""
        raise NotImplementedError

    def delete_event(self, storage: Storage, position: int) -> None:
        raise NotImplementedError

    def insert_event(self, storage: Storage, position: int, row: tuple[str, int, str, bytes]) -> None:
        raise NotImplementedError

    def swap_events(self, storage: Storage, a: int, b: int) -> None:
        """Exchange the stored events at two positions."""
        raise NotImplementedError

    @pytest.fixture
    def filled(self, storage):
        events = storage.open_event_store()
        for _ in range(3):
            events.insert_events(_stored_events(self.events // 3))
        return events

    def verify(self, storage: Storage) -> Report:
        return verify(storage.chain_reader())

    def test_an_untouched_store_verifies(self, storage, filled):
        report = self.verify(storage)
        assert report.ok and report.head == filled.max_notification_id() == self.events

    def test_a_changed_event_is_found(self, storage, filled):
        state = filled.select_notifications(12, 1)[0].state
        self.change_state(storage, 12, state[:-1] + bytes([state[-1] ^ 1]))
        report = self.verify(storage)
        assert not report.ok and report.first_broken_position == 12

    def test_a_deleted_event_is_found(self, storage, filled):
        self.delete_event(storage, 9)
        assert self.verify(storage).first_broken_position == 9

    def test_an_event_deleted_from_the_end_is_found(self, storage, filled):
        self.delete_event(storage, self.events)
        assert self.verify(storage).first_broken_position == self.events

    def test_an_inserted_event_is_found(self, storage, filled):
        n = filled.select_notifications(5, 1)[0]
        self.insert_event(storage, self.events + 1, ("f" * 32, 1, n.topic, n.state))
        assert self.verify(storage).first_broken_position == self.events + 1

    def test_reordered_events_are_found(self, storage, filled):
        self.swap_events(storage, 20, 21)
        assert self.verify(storage).first_broken_position == 20

    @pytest.mark.parametrize(("column", "value"), [
        ("originator_id", 7), ("originator_id", b"\xff\xfe"), ("originator_version", "one"),
        ("originator_version", 2 ** 62), ("topic", None), ("topic", b"\x80bytes"), ("state", "text"),
        ("state", None), ("state", 1.5)])
    def test_any_value_in_any_column_is_reported_not_raised(self, storage, filled, column, value):
        self.set_column(storage, 14, column, value)
        report = self.verify(storage)
        assert not report.ok and report.first_broken_position == 14


class ReadModelStoreContract(StorageContract):
    """Tracking positions apply each page exactly once, even with catch-ups racing; drop starts over."""

    def open_store(self, storage: Storage) -> ReadModelStore:
        models = all_models()
        return storage.read_model_store(models, views=VIEWS[storage.kind](models))

    def test_positions_are_tracked_in_the_transaction(self, storage):
        store = self.open_store(storage)
        try:
            assert store.position("register") == 0
            with store.write() as tx:
                store.track(tx, "register", 10)
            assert store.position("register") == 10 and store.position("sla") == 0
            for stale in (10, 5):
                with pytest.raises(IntegrityError), store.write() as tx:
                    store.track(tx, "register", stale)
            with pytest.raises(RuntimeError), store.write() as tx:
                store.track(tx, "register", 20)
                raise RuntimeError("the page failed")
            assert store.position("register") == 10
            store.drop(["register"])
            assert store.position("register") == 0
        finally:
            store.close()

    def test_racing_catch_ups_apply_each_page_once(self, storage):
        pages = 60
        applied: list[int] = []
        failures: list[BaseException] = []

        def catch_up() -> None:
            store = self.open_store(storage)
            try:
                while (position := store.position("sla")) < pages:
                    try:
                        with store.write() as tx:
                            store.track(tx, "sla", position + 1)
                    except IntegrityError:
                        continue  # the other one applied it first
                    applied.append(position + 1)
            except BaseException as e:  # noqa: BLE001
                failures.append(e)
            finally:
                store.close()

        self.open_store(storage).close()
        threads = [threading.Thread(target=catch_up) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not failures and sorted(applied) == list(range(1, pages + 1))

    def test_read_models_racing_over_a_ledger_apply_every_event_once(self, storage, home):
        ledger, _ = make_ledger(home, "facebook", "4711")
        try:
            for i in range(6):
                text = default_text().replace('name = "Exempelkommunen"', f'name = "Kommun {i}"', 1)
                assert ledger.set_policy(actor("info"), text)
            ledger.apply_account(actor("kommunikatör"), ApplicationForm(
                channel="facebook", name="Andra kontot", unit="Enheten", owner="ägare", deputy="ersättare"))
            errors: list[BaseException] = []

            def catch_up() -> None:
                models = ReadModels(ledger.store)
                try:
                    models.catch_up(["register", "sla"], page=2)
                except BaseException as e:  # noqa: BLE001
                    errors.append(e)
                finally:
                    models.close()

            threads = [threading.Thread(target=catch_up) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors
            models = ReadModels(ledger.store)
            try:
                assert models.store.position("register") == models.store.position("sla") == ledger.head()
                assert [r["id"] for r in register.rows(models.store)] == [str(a.id) for a in ledger.store.accounts()]
                with models.store.read() as tx:
                    assert len(models.store.view("sla", tx).policies()) == 7  # adopted once, set six times
                assert sla.status(models.store) == []
            finally:
                models.close()
        finally:
            ledger.close()
