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
encryption at rest and the refusal of bad input.

A large input (`halfreader.MIN_SPLIT_BYTES`, 4 MiB, or more of files; more than
one page of records) takes another path: its second half is read by a reader
process and its pages written by a writer process. Samples are small, so
`test_the_large_input_path_records_what_one_process_records` forces that path
(`split_input=True`, `writer_process=True`, pages of `split_page_size` records)
on the samples copied into one directory, and checks that it records exactly what
one process does. The reader process rebuilds your channel from its class with no
arguments (`type(channel)()`, imported by module and name on the test's `sys.path`).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

import socialledger.core.capture.ingest as ingest_module
from socialledger.app import Ledger
from socialledger.core.capture.channels import Channel, ChannelRegistry
from socialledger.core.capture.halfreader import HalfReader
from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import ContentRecord, MetricsRecord, ModerationRecord
from socialledger.core.domain.roles import Role

KINDS = {"post", "comment", "reply", "visitor_post"}


def actor(name: str) -> Actor:
    return Actor(name=name, os_user="contract", host="contract-host")


def make_ledger(home: Path, channel: str, platform_id: str) -> tuple[Ledger, str]:
    """A ledger with an active `channel` account linked to `platform_id`; returns it and the account id."""
    ledger = Ledger(home)
    ledger.init("info", actor("info"))
    ledger.grant_role(actor("info"), "chef", Role.MANAGER, "Enheten")
    ledger.grant_role(actor("info"), "kommunikatör", Role.COMMUNICATOR, "Enheten")
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
                out.extend(self.channel.read(entry, source))
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
        try:
            # Act: one process, and the large input's path (a reader process for the second half, a writer process).
            local = self.ingest(ledger, data, account, split_input=False, writer_process=False,
                                page_size=self.split_page_size)
            split = self.ingest(split_ledger, data, split_account, split_input=True, writer_process=True,
                                page_size=self.split_page_size)
            # Assert: the reader process ran, and the two recorded the same, in a ledger that verifies.
            assert len(readers) == 1, "the input was not split"
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
