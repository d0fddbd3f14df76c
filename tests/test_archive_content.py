"""What a package says, checked as an archivist reads it: items without text, the account as author,
each item once, media with checksums, local time, the organisation's language, no path of the
exporting machine, one file to deliver, and a printout whose text can be extracted."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import who
from lxml import etree

from socialledger.archive.pdf import pdf_text, pdfa_identification
from socialledger.archive.verify import verify_package
from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.records import AuthorRef, ContentRecord, Media

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
DC = {"dc": "http://purl.org/dc/elements/1.1/"}


def feed(package: Path) -> dict:
    return json.loads((package / "representations" / "rep1" / "data" / "feed.json").read_text(encoding="utf-8"))


def printout(package: Path) -> str:
    return "\n".join(pdf_text(p) for p in sorted(package.rglob("*.pdf")))


def set_language(ledger, language: str) -> None:
    ledger.set_policy(who("ingrid"), f'[organisation]\nlanguage = "{language}"\n', "language.toml")


@pytest.fixture
def both(ledger, active, tmp_path):
    """The page's API crawl and its account export (the same posts and one reply seen twice), exported."""
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    ledger.ingest(who("kalle"), "facebook", FIX / "export_new", str(active))
    (package,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    return package


def test_an_item_without_text_prints_as_what_it_is(both):
    video = next(i for i in feed(both)["items"] if i["versions"][-1]["media"]
                 and i["versions"][-1]["media"][0]["kind"] == "video")
    assert video["versions"][-1]["text"] is None and not video["erased"]
    text = printout(both)
    assert "[en video, utan text]" in text
    assert "[raderat] (raderad)" not in text  # nothing in this package was erased


def test_photo_and_link_posts_without_text_in_english(ledger, active, tmp_path):
    set_language(ledger, "en")
    when = datetime(2024, 4, 2, 9, tzinfo=UTC)
    CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page([
        ContentRecord(channel="facebook", kind="post", source="api", observed=when, created=when,
                      native_id=f"{PAGE}_71", page_id=PAGE, author=AuthorRef(native_id=PAGE),
                      media=(Media(kind="photo", url="https://cdn.example/a.jpg", description="Vårens affisch"),)),
        ContentRecord(channel="facebook", kind="post", source="api", observed=when, created=when,
                      native_id=f"{PAGE}_72", page_id=PAGE, author=AuthorRef(native_id=PAGE),
                      media=(Media(kind="link", url="https://kultur.example/program", title="Programmet"),)),
    ])
    (package,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    text = printout(package)
    assert "[a photo, without text]" in text and "[a link, without text]" in text
    assert "“Vårens affisch”" in text and "“Programmet”" in text and "https://kultur.example/program" in text


def test_the_accounts_own_items_carry_the_account_as_author(both):
    items = feed(both)["items"]
    own = [i for i in items if i["by_account"]]
    assert own and {i["kind"] for i in own} >= {"post", "reply"}
    for item in own:
        assert item["author"]["by_account"] is True and item["author"]["name"] == "Kulturhuset Tornet"
    # An export's posts name no author: the account is the author, with no data subject behind it.
    assert any(i["author"]["subject"] == f"facebook:{PAGE}" and i["author"]["pseudonym"] is None for i in own)
    text = printout(both)
    assert text.count("kontot (Kulturhuset Tornet)") == len(own)


def test_each_item_once_with_replies_under_their_parents(both):
    items = feed(both)["items"]
    answers = [i for i in items if (i["versions"][0]["text"] or "").startswith("Hej Åsa!")]
    assert len(answers) == 1  # the API's reply and the export's copy of it: one item
    (answer,) = answers
    question = next(i for i in items if i["native_id"] == "facebook:1122334455667788_2233445566001")
    assert answer["parent"] == question["id"] and answer["kind"] == "reply"
    (copy,) = answer["duplicates"]
    assert copy["source"] == "export" and copy["delivered_here"] is True
    assert copy["id"] not in {i["id"] for i in items}
    order = [i["id"] for i in items]
    assert order.index(answer["id"]) == order.index(question["id"]) + 1  # read right under the question
    assert printout(both).count("Hej Åsa! Biblioteket öppnar kl. 11") == 1


def test_export_media_with_a_non_ascii_name_reach_the_package_with_checksums(both):
    entry = next(m for i in feed(both)["items"] for v in i["versions"] for m in (v["media"] or [])
                 if (m.get("uri") or "").endswith("konsert_ögonblick.mp4"))
    source = FIX / "export_new" / "your_facebook_activity" / "posts" / "media" / "Tidslinjefoton_xyz789" / \
        "konsert_ögonblick.mp4"
    packed = both / "representations" / "rep1" / "data" / entry["file"]
    assert packed.read_bytes() == source.read_bytes()
    assert entry["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    mets = (both / "representations" / "rep1" / "METS.xml").read_text(encoding="utf-8")
    assert entry["file"] in mets and entry["sha256"] in mets
    assert verify_package(both) == []


def test_media_descriptions_print(both):
    text = printout(both)
    assert "Kvällens höjdpunkt 🎶" in text  # the export video's description
    assert "Foajén i vårljus 🌷" in text  # the API photo's description


def test_no_path_of_the_exporting_machine_anywhere_in_the_package(ledger, active, tmp_path):
    ledger.ingest(who("kalle"), "facebook", FIX / "export_new", str(active))
    (package,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    secrets = {str(ledger.home), str(ledger.home.resolve()), os.path.expanduser("~"), str(tmp_path)}
    for f in package.rglob("*"):
        if not f.is_file():
            continue
        data = f.read_bytes()
        texts = [data.decode("utf-8", "replace")]
        if f.suffix == ".pdf":
            from pypdf import PdfReader

            reader = PdfReader(str(f))
            texts.append(pdf_text(f))
            texts.append(json.dumps({k: str(v) for k, v in (reader.metadata or {}).items()}))
            texts += [page.get_contents().get_data().decode("latin-1") for page in reader.pages
                      if page.get_contents() is not None]
        for text in texts:
            for secret in secrets:
                assert secret not in text, (secret, f.relative_to(package))


def test_periods_in_local_time_and_labels_in_the_policys_language(ledger, active, tmp_path):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    (sv,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "sv")
    readme = (sv / "documentation" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("Arkivpaket urn:uuid:") and "2024H1 (2024-01-01 till 2024-06-30, Europe/Stockholm)" in readme
    assert "SE2120001234" in readme
    dc = etree.parse(str(sv / "metadata" / "descriptive" / "dc.xml"))
    assert dc.findtext("dc:language", namespaces=DC) == "sv"
    assert dc.findtext("dc:coverage", namespaces=DC) == "2024-01-01T00:00:00+01:00/2024-07-01T00:00:00+02:00"
    assert "+00:00" not in (sv / "metadata" / "descriptive" / "dc.xml").read_text(encoding="utf-8")
    created = etree.parse(str(sv / "METS.xml")).getroot()[0].get("CREATEDATE")
    assert created.endswith(("+01:00", "+02:00"))
    assert feed(sv)["period_start"] == "2024-01-01T00:00:00+01:00"
    assert "Arkivutskrift" in printout(sv) and "Kommentar · Åsa Öberg" in printout(sv)

    set_language(ledger, "en")
    (en,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "en", position=feed(sv)["position"])
    readme = (en / "documentation" / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("Archive package urn:uuid:") and "2024-01-01 to 2024-06-30" in readme
    assert etree.parse(str(en / "metadata" / "descriptive" / "dc.xml")).findtext("dc:language", namespaces=DC) == "en"
    assert "Archive printout" in printout(en) and "Comment · Åsa Öberg" in printout(en)


def test_a_policy_language_without_labels_is_refused(ledger):
    from socialledger.core.domain.errors import BadInput

    with pytest.raises(BadInput, match="organisation.language"):
        set_language(ledger, "tlh")


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_one_file_to_deliver_with_its_sha256(ledger, active, tmp_path, kind):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    out = tmp_path / "out"
    (container,) = ledger.export_archive(who("arvid"), active, "2024H1", out, container=kind)
    assert container.suffix == f".{kind}" and container.parent == out
    package_id = container.name.removesuffix(f".{kind}")
    assert sorted(p.name for p in out.iterdir()) == [container.name, container.name + ".receipt.json",
                                                     container.name + ".sha256"]
    digest, name = (out / (container.name + ".sha256")).read_text(encoding="utf-8").split()
    assert name == container.name and digest == hashlib.sha256(container.read_bytes()).hexdigest()
    unpacked = tmp_path / "unpacked"
    if kind == "zip":
        with zipfile.ZipFile(container) as z:
            assert all(n.startswith(f"{package_id}/") for n in z.namelist())
            z.extractall(unpacked)
    else:
        with tarfile.open(container) as t:
            assert all(n == package_id or n.startswith(f"{package_id}/") for n in t.getnames())
            t.extractall(unpacked, filter="data")
    package = unpacked / package_id
    assert feed(package)["package_id"] == f"urn:uuid:{package_id}"
    assert verify_package(package) == []
    assert verify_package(container) == []  # archive verify takes the container as it is, .sha256 checked
    # The ledger records where the delivery was written.
    (row,) = [p for a in ledger.archive_status(who("arvid"), active) for h in a["periods"] for p in h["packages"]]
    assert row["path"] == str(container)


def test_the_printout_is_pdfa_2u_with_embedded_fonts_and_extractable_text(ledger, active, tmp_path):
    from pypdf import PdfReader

    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    (package,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    (pdf,) = sorted(package.rglob("*.pdf"))
    assert pdfa_identification(pdf) == (2, "U")
    assert "När öppnar biblioteket på söndag? 😊" in pdf_text(pdf)
    fonts = []
    for page in PdfReader(str(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            fonts.append(target["/FontDescriptor"].get_object())
    assert fonts and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in fonts)
    assert 'sip:FILEFORMATVERSION="2u"' in (package / "representations" / "rep2" / "METS.xml").read_text()


def test_the_outside_validator_on_a_package_with_copies_media_and_swedish_labels(both):
    from test_archive_eark import MISFIRING, _eark_validator

    packages = _eark_validator()
    from eark_validator.model import Severity
    from eark_validator.specifications.specification import SpecificationVersion

    report = packages.PackageValidator(both, SpecificationVersion.V2_1_0).validation_report
    messages = list(report.metadata.schema_results.messages) + list(report.metadata.schematron_results.messages)
    errors = {m.rule_id for m in messages if m.severity == Severity.ERROR}
    assert errors <= MISFIRING, errors
    premis = (both / "metadata" / "preservation" / "premis.xml").read_text(encoding="utf-8")
    (copy,) = [d for i in feed(both)["items"] for d in i["duplicates"]]
    assert copy["id"] in premis and "duplicates" in premis  # the copy's capture event names an object


def test_a_stored_media_file_that_cannot_be_read_is_said_not_left_out(ledger, active, tmp_path):
    ledger.ingest(who("kalle"), "facebook", FIX / "export_new", str(active))
    for f in (ledger.home / "media").rglob("*.mp4"):
        f.unlink()  # the file is gone from the ledger home (a restore without its media folder, say)
    (package,) = ledger.export_archive(who("arvid"), active, "2024H1", tmp_path / "out")
    entry = next(m for i in feed(package)["items"] for v in i["versions"] for m in (v["media"] or [])
                 if m.get("stored", "").endswith(".mp4"))
    assert "file" not in entry and entry["missing"] == "the stored file is missing from the ledger home"
    assert "hämtad, men finns inte i paketet: the stored file is missing from the ledger home" in " ".join(
        printout(package).split())
    assert verify_package(package) == []
