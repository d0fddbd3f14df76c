"""Ingest on two cores: the writer process and the second-half reader record what one process would."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from conftest import at_once
from eventsourcing.persistence import PersistenceError

from socialledger.app import Ledger
from socialledger.core.capture.ingest import ingest
from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.sqlite.pagewriter import PageWriterProcess
from socialledger.testing import actor, make_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID, generate

FIX = Path(__file__).parent / "fixtures" / "facebook"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 1500, seed=3)
    return out


def run(home: Path, data: Path, **kw):
    ledger, account = make_ledger(home, "facebook", PAGE_ID)
    try:
        summary = ingest(ledger.store, actor("kommunikatör"), "facebook", data, account, **kw)
        return summary, contents(ledger, account), ledger.verify(actor("info")).ok
    finally:
        ledger.close()


def contents(ledger: Ledger, account: str) -> dict:
    return {i["native_id"]: (i["kind"], i["parent"], i["text"], i["state"], i["versions"])
            for i in ledger.content(actor("info"), account)}


def stored(home: Path) -> list[tuple]:
    db = sqlite3.connect(home / "ledger.sqlite")
    try:
        return db.execute("SELECT originator_id, originator_version, topic FROM stored_events "
                          "WHERE topic NOT LIKE '%Roster%' AND topic NOT LIKE '%Account%' "
                          "AND topic NOT LIKE '%Policy%' ORDER BY rowid").fetchall()
    finally:
        db.close()


def same(rows: list[tuple]) -> list[tuple]:
    """Stored events as two ledgers can agree on them: subjects' ids are keyed pseudonyms, different in each."""
    return [(oid if "Subject" not in topic else "", version, topic) for oid, version, topic in rows]


def test_the_writer_process_records_what_the_in_process_path_records(tmp_path, crawl):
    local, local_items, local_ok = run(tmp_path / "local", crawl, page_size=200, writer_process=False)
    piped, piped_items, piped_ok = run(tmp_path / "piped", crawl, page_size=200, writer_process=True)
    assert local.as_dict() == piped.as_dict()
    assert local.events > 1500 and local_items == piped_items
    # The same events, in the same order, and a hash chain that verifies.
    assert same(stored(tmp_path / "local")) == same(stored(tmp_path / "piped"))
    assert local_ok and piped_ok


def test_a_page_planned_while_the_one_before_is_written_sees_it(tmp_path):
    # The export's post and its comments land on different pages: the second page's plan
    # must see the first page's items (not committed yet) to record no duplicates.
    summary, items, ok = run(tmp_path / "h", FIX / "sv", page_size=3, writer_process=True)
    again, same, _ = run(tmp_path / "h2", FIX / "sv", page_size=10_000, writer_process=False)
    assert items == same and summary.new == again.new and ok


def test_again_through_the_writer_process_records_nothing(tmp_path, crawl):
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        ingest(ledger.store, actor("kommunikatör"), "facebook", crawl, account, page_size=300, writer_process=True)
        head = ledger.head()
        again = ingest(ledger.store, actor("kommunikatör"), "facebook", crawl, account, page_size=300, writer_process=True)
        assert again.events == 0 and ledger.head() == head
    finally:
        ledger.close()


def test_two_pipelined_ingests_of_the_same_data_at_once_record_each_item_once(tmp_path, crawl):
    home = tmp_path / "home"
    ledger, account = make_ledger(home, "facebook", PAGE_ID)
    results, errors = [], []

    def one() -> None:
        other = Ledger(home)
        try:
            results.append(ingest(other.store, actor("kommunikatör"), "facebook", crawl, account, page_size=150,
                                  writer_process=True))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            other.close()

    at_once(one, 2)
    assert not errors
    single, single_items, _ = run(tmp_path / "single", crawl, page_size=150, writer_process=False)
    try:
        assert sum(r.new for r in results) == single.new
        assert sum(r.metrics for r in results) == single.metrics
        assert contents(ledger, account) == single_items
        assert ledger.verify(actor("info")).ok
    finally:
        ledger.close()


def test_keys_an_interrupted_ingest_left_are_the_ones_its_items_are_sealed_with(tmp_path, crawl, monkeypatch):
    # The writer process's path stores a page's new keys while the page is sealed: a key that
    # was stored before (the ingest was killed after its keys, before its events) wins, and
    # the page is sealed again under it.
    from uuid import UUID

    from socialledger.core.capture.derive import index_id
    from socialledger.core.capture.inputs import iter_inputs
    from socialledger.core.domain.records import ContentRecord
    from socialledger.core.plugins import plugin_manager
    from socialledger.core.storage.storingkeys import StoringKeys

    channel = plugin_manager().channels.get("facebook")
    texts = {r.native_id: r.text for entry in iter_inputs(crawl) if channel.detect(entry)
             for r in channel.read(entry, channel.detect(entry)) if isinstance(r, ContentRecord)}
    chosen = sorted(texts)[::97]  # spread over the pages
    settled = []
    real_settle = StoringKeys.settle
    monkeypatch.setattr(StoringKeys, "settle", lambda self: settled.append(real_settle(self)) or settled[-1])
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        key_ids = {native: str(UUID(hex=index_id(f"facebook:{native}"))) for native in chosen}
        ledger.store.keys.ensure(key_ids.values())
        left = {native: ledger.store.keys.cipher(key_id) for native, key_id in key_ids.items()}
        ledger.store.keys.forget()
        ingest(ledger.store, actor("kommunikatör"), "facebook", crawl, account, page_size=200, writer_process=True)
        assert False in settled and True in settled  # pages that met a stored key, and pages that did not
        ledger.store.keys.forget()
        for native, key_id in key_ids.items():
            probe = left[native].encrypt(bytes(12), b"x", None)
            assert ledger.store.keys.cipher(key_id).decrypt(bytes(12), probe, None) == b"x"
        items = contents(ledger, account)
        assert all(items[f"facebook:{native}"][2] == texts[native] for native in chosen)
        assert ledger.verify(actor("info")).ok
    finally:
        ledger.close()


def test_bad_input_through_the_writer_process_changes_nothing(tmp_path, crawl):
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        (crawl.parent / "bad").mkdir(exist_ok=True)
        bad = crawl.parent / "bad"
        for f in sorted(crawl.iterdir())[:5]:
            (bad / f.name).write_bytes(f.read_bytes())
        (bad / "zz_broken.json").write_text('{"data": [', encoding="utf-8")
        head = ledger.head()
        with pytest.raises(BadInput, match="zz_broken.json"):
            ingest(ledger.store, actor("kommunikatör"), "facebook", bad, account, page_size=10, writer_process=True)
        assert ledger.head() == head
    finally:
        ledger.close()


def test_a_writer_that_dies_is_a_clear_error(tmp_path):
    ledger, _ = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        writer = ledger.store.page_writer()
        writer._proc.kill()
        writer._proc.wait()
        # A store failure: the CLI's one line "the ledger store failed: ..." (exit code 1), not an internal error.
        with pytest.raises(PersistenceError, match="writer process ended unexpectedly"):
            writer.send([("0" * 32, 1, "t", b"x")], [], [])
            writer.result()
        writer.close()
        assert isinstance(writer, PageWriterProcess)
    finally:
        ledger.close()


def test_an_input_read_in_two_halves_records_what_one_reader_records(tmp_path, crawl):
    one, one_items, _ = run(tmp_path / "one", crawl, page_size=200, split_input=False, writer_process=False)
    two, two_items, ok = run(tmp_path / "two", crawl, page_size=200, split_input=True, writer_process=True)
    assert one.as_dict() == two.as_dict() and one_items == two_items and ok
    assert same(stored(tmp_path / "one")) == same(stored(tmp_path / "two"))
    assert not list((tmp_path / "two" / "spool").glob("*")), "both halves' spools are removed"


@pytest.mark.parametrize("where", ["first", "second"])
def test_a_bad_file_in_either_half_refuses_the_whole_input(tmp_path, crawl, where):
    bad = tmp_path / "bad"
    bad.mkdir()
    files = sorted(crawl.iterdir())[:40]
    for f in files:
        (bad / f.name).write_bytes(f.read_bytes())
    broken = files[3] if where == "first" else files[-3]
    (bad / broken.name).write_text('{"data": [', encoding="utf-8")
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        head = ledger.head()
        with pytest.raises(BadInput, match=broken.name):
            ingest(ledger.store, actor("kommunikatör"), "facebook", bad, account, split_input=True)
        assert ledger.head() == head
        assert not list((tmp_path / "home" / "spool").glob("*"))
    finally:
        ledger.close()


def test_data_for_another_page_in_the_second_half_is_refused(tmp_path, crawl):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for f in sorted(crawl.iterdir())[:10]:
        (mixed / f.name).write_bytes(f.read_bytes())
    last = sorted(crawl.iterdir())[9]
    (mixed / last.name).write_text(last.read_text(encoding="utf-8").replace(PAGE_ID, "999999999"), encoding="utf-8")
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    try:
        head = ledger.head()
        with pytest.raises(BadInput, match="999999999"):
            ingest(ledger.store, actor("kommunikatör"), "facebook", mixed, account, split_input=True)
        assert ledger.head() == head
    finally:
        ledger.close()


def test_an_exports_pictures_in_the_second_half_are_found_by_the_first_halfs_posts(tmp_path):
    export = FIX / "export_old"
    for name, split in (("one", False), ("two", True)):
        ledger, account = make_ledger(tmp_path / name, "facebook", "104729384756102")
        try:
            ingest(ledger.store, actor("kommunikatör"), "facebook", export, account, split_input=split)
        finally:
            ledger.close()
    kept = {name: sorted(f.stat().st_size for f in (tmp_path / name / "media").rglob("*") if f.is_file())
            for name in ("one", "two")}
    assert len(kept["one"]) == 2 and kept["one"] == kept["two"]


@pytest.mark.parametrize("idle", [True, False])
def test_a_large_input_is_read_in_two_halves_only_when_a_core_is_idle(tmp_path, crawl, monkeypatch, idle):
    import socialledger.core.capture.ingest as ingest_module

    started: list[int] = []

    class Watched(ingest_module.HalfReader):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "HalfReader", Watched)
    monkeypatch.setattr(ingest_module, "MIN_SPLIT_BYTES", 1)  # the crawl is large enough
    monkeypatch.setattr(ingest_module, "spare_core", lambda: idle)
    summary, _, ok = run(tmp_path / "home", crawl, page_size=200)
    assert ok and summary.records > 1500 and started == ([1] if idle else [])


def test_a_core_is_spare_while_fewer_threads_run_than_there_are_cores():
    from socialledger.core.capture.halfreader import spare_core

    assert spare_core("0.52 0.58 0.59 1/84 22660", cores=2)  # this ingest alone
    assert not spare_core("3.90 2.10 1.00 4/120 22660", cores=2)  # others ingesting too
    assert not spare_core("0.10 0.10 0.10 1/84 22660", cores=1)  # one core: never a second reader
    assert isinstance(spare_core(), bool)  # this machine's own
