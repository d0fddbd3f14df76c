"""Files an account has already ingested unchanged are not read again; a changed byte, or --recheck, reads them."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from socialledger.core.capture import firstpass
from socialledger.core.capture.ingest import ingest
from socialledger.core.capture.ingested import IngestedFiles
from socialledger.core.capture.inputs import InputFile, open_inputs
from socialledger.core.domain.errors import BadInput
from socialledger.testing import actor, make_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID, generate


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("crawl")
    generate(out, 900, seed=5)
    return out


@pytest.fixture
def ledger(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE_ID)
    yield ledger, account
    ledger.close()


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.json"))


def run(ledger, account, data: Path, **kw):
    return ingest(ledger.store, actor("kommunikatör"), "facebook", data, account, **kw)


def count_reads(monkeypatch) -> list[str]:
    """The names of the files the channel is asked to read."""
    read: list[str] = []
    real = firstpass._records

    def spy(channel, entry, source):
        read.append(entry.path)
        return real(channel, entry, source)

    monkeypatch.setattr(firstpass, "_records", spy)
    return read


@pytest.mark.parametrize(("split", "writer"), [(False, False), (True, False), (True, True)],
                         ids=["one-process", "two-halves", "two-halves-and-the-writer-process"])
def test_the_same_input_again_reads_no_file_and_records_nothing(ledger, crawl, monkeypatch, split, writer):
    ledger, account = ledger
    # Through the writer process, the files are remembered in the transaction of its last page.
    first = run(ledger, account, crawl, split_input=split, writer_process=writer, page_size=200)
    head = ledger.head()
    read = count_reads(monkeypatch)
    again = run(ledger, account, crawl, split_input=split, writer_process=writer, page_size=200)
    assert again.events == 0 and ledger.head() == head
    assert again.files_skipped == len(data_files(crawl))
    assert (again.records, again.unchanged) == (first.records, first.records)
    assert read == []  # neither half read a file (the reader process's reads are not spied on; its count is)


def test_a_changed_file_is_read_again_and_the_rest_are_not(ledger, crawl, tmp_path, monkeypatch):
    ledger, account = ledger
    data = tmp_path / "data"
    shutil.copytree(crawl, data)
    run(ledger, account, data, split_input=False)
    # The platform now gives one comment another text: the crawler saved that page again.
    changed = next(p for p in data_files(data) if p.name.startswith("comments_"))
    page = json.loads(changed.read_text(encoding="utf-8"))
    page["data"][0]["message"] = "Tack för svaret – nu förstår jag hur det går till!"
    page["data"][0]["updated_time"] = "2026-06-30T10:00:00+0000"
    changed.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    read = count_reads(monkeypatch)
    again = run(ledger, account, data, split_input=False)
    assert read == [changed.relative_to(data).as_posix()]
    assert again.edited == 1 and again.files_skipped == len(data_files(data)) - 1


def test_recheck_reads_every_file_and_still_records_nothing(ledger, crawl, monkeypatch):
    ledger, account = ledger
    first = run(ledger, account, crawl, split_input=False)
    head = ledger.head()
    read = count_reads(monkeypatch)
    again = run(ledger, account, crawl, split_input=False, recheck=True)
    assert len(read) == len(data_files(crawl)) and again.files_skipped == 0
    assert again.events == 0 and again.unchanged == first.records and ledger.head() == head


def test_a_refused_input_remembers_no_file(ledger, crawl, tmp_path, monkeypatch):
    ledger, account = ledger
    data = tmp_path / "data"
    shutil.copytree(crawl, data)
    last = data_files(data)[-1]
    good = last.read_bytes()
    last.write_bytes(good[: len(good) // 2])  # truncated: malformed JSON
    with pytest.raises(BadInput, match="malformed JSON"):
        run(ledger, account, data, split_input=False)
    db = sqlite3.connect(ledger.home / "ledger.sqlite")
    try:
        assert db.execute("SELECT COUNT(*) FROM ingested_files").fetchone()[0] == 0
    finally:
        db.close()
    # Mended, the whole input is read and recorded.
    last.write_bytes(good)
    read = count_reads(monkeypatch)
    first = run(ledger, account, data, split_input=False)
    assert len(read) == len(data_files(data)) and first.new > 0 and first.files_skipped == 0


def test_a_files_digest_is_keyed_and_names_channel_version_account_and_path(tmp_path):
    f = tmp_path / "feed.json"
    f.write_bytes(b'{"data": []}')
    entry = open_inputs(f)[0]

    def digest(key=b"k" * 32, version="1.0", account="a", path=None):
        e = entry if path is None else InputFile(name=entry.name, path=path, size=entry.size, opener=entry.opener)
        return IngestedFiles(key, "facebook", version, account, {}).digest(e)

    base = digest()
    assert base == digest()
    others = [digest(key=b"K" * 32), digest(version="1.1"), digest(account="b"), digest(path="other/feed.json")]
    assert base not in others and len(set(others)) == len(others)
    f.write_bytes(b'{"data": [] }')
    assert digest() != base
