"""The E-ARK SIP writer and the offline package verifier.

A package is built from a hand-made `PackageContent` (Swedish text, a post with
comments and a reply, every kind of event), with a JSON data file and a small
PDF rendition that carries PDF/A identification in its XMP metadata.
"""

from __future__ import annotations

import hashlib

import json
import shutil
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from lxml import etree

from socialledger.archive import eark
from socialledger.archive.model import (
    AccountInfo,
    Author,
    Case,
    Item,
    Moderation,
    PackageContent,
    PremisEvent,
    Version,
)
from socialledger.archive.verify import verify, verify_package

PACKAGE_ID = "urn:uuid:6f1c2b1e-8d0a-4c55-9a51-3f0f5c2d9b10"
FIRST_ID = "urn:uuid:0b7e9c3a-1d2e-4f60-8a7b-9c0d1e2f3a4b"
POST = "1d5a8f3e-0000-4000-8000-000000000001"
COMMENT = "1d5a8f3e-0000-4000-8000-000000000002"
REPLY = "1d5a8f3e-0000-4000-8000-000000000003"
HIDDEN = "1d5a8f3e-0000-4000-8000-000000000004"

# The rules of eark-validator 1.1.3 that misfire on conformant packages (shared/eark-validator-notes.md).
MISFIRING = {"SIP14", "CSIP12", "CSIP13", "CSIP16", "CSIP63"}


def t(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def version(text: str | None, when: datetime, position: int, change: str = "captured") -> Version:
    return Version(change=change, observed=when, recorded=when + timedelta(minutes=5), source="api",
                   position=position, text=text, permalink="https://www.facebook.com/kulturhuset/posts/1")


def content(*, supplements: str | None = None, final: bool = False, seal: bool = True) -> PackageContent:
    account_author = Author(subject="facebook:1001", pseudonym="7a0c0000-0000-4000-8000-0000000000aa",
                            name="Kulturhuset Tornet", by_account=True)
    visitor = Author(subject="facebook:2002", pseudonym="7a0c0000-0000-4000-8000-0000000000bb",
                     name="Åsa Öberg", username="asa.oberg")
    items = [
        Item(id=POST, native_id="facebook:123_456", kind="post", parent=None, thread=POST, author=account_author,
             created=t(2), state="visible", erased=False, disposed=False, in_period=True,
             versions=[version("Välkommen till vårens läsecirkel på Kulturhuset!", t(2), 10),
                       version("Välkommen till vårens läsecirkel på Kulturhuset – nu även på lördagar!",
                               t(3), 14, "edited")],
             moderation=[], cases=[Case(diary_number="KUN 2026/123", system="W3D3", actor="registrator.rut",
                                        recorded=t(5), position=20)],
             metrics={"comments": 3.0, "reactions": 12.0, "shares": 2.0}),
        Item(id=COMMENT, native_id="facebook:123_456_789", kind="comment", parent=POST, thread=POST,
             author=visitor, created=t(2, 12), state="visible", erased=False, disposed=False, in_period=True,
             versions=[version("Får man ta med barn? Min son är 12 år.", t(2, 12), 11)],
             moderation=[], cases=[], metrics={"reactions": 1.0}),
        Item(id=REPLY, native_id="facebook:123_456_790", kind="reply", parent=COMMENT, thread=POST,
             author=account_author, created=t(2, 13), state="visible", erased=False, disposed=False,
             in_period=True, versions=[version("Ja, alla från 10 år är välkomna!", t(2, 13), 12)],
             moderation=[], cases=[], metrics={}),
        Item(id=HIDDEN, native_id="facebook:123_456_791", kind="comment", parent=POST, thread=POST,
             author=None, created=t(4), state="removed", erased=True, disposed=False, in_period=True,
             versions=[version(None, t(4), 15)],
             moderation=[Moderation(action="hidden", observed=t(4, 11), recorded=t(4, 11), source="ledger",
                                    actor="kalle", position=16, reason="personuppgifter om annan",
                                    rule="Regel 3"),
                         Moderation(action="unhidden", observed=t(4, 12), recorded=t(4, 12), source="ledger",
                                    actor="kalle", position=17),
                         Moderation(action="removed", observed=t(4, 13), recorded=t(4, 13), source="ledger",
                                    actor="kalle", position=18, reason="kränkande", rule="Regel 1")],
             cases=[], metrics={}),
    ]
    events = [
        PremisEvent(identifier="ledger-position-10", type="capture", time=t(2), actor="channel:facebook",
                    item=POST, detail="captured (api)"),
        PremisEvent(identifier="ledger-position-11", type="capture", time=t(2, 12), actor="channel:facebook",
                    item=COMMENT, detail="captured (api)"),
        PremisEvent(identifier="ledger-position-12", type="capture", time=t(2, 13), actor="channel:facebook",
                    item=REPLY, detail="captured (webhook)"),
        PremisEvent(identifier="ledger-position-14", type="edit", time=t(3), actor="channel:facebook",
                    item=POST, detail="edited (api)"),
        PremisEvent(identifier="ledger-position-15", type="capture", time=t(4), actor="channel:facebook",
                    item=HIDDEN, detail="captured (export)"),
        PremisEvent(identifier="ledger-position-16", type="hide", time=t(4, 11), actor="kalle", item=HIDDEN,
                    detail="hidden (ledger) under the page rule 'Regel 3': personuppgifter om annan"),
        PremisEvent(identifier="ledger-position-17", type="unhide", time=t(4, 12), actor="kalle", item=HIDDEN,
                    detail="unhidden (ledger)"),
        PremisEvent(identifier="ledger-position-18", type="removal", time=t(4, 13), actor="kalle", item=HIDDEN,
                    detail="removed (ledger) under the page rule 'Regel 1': kränkande"),
        PremisEvent(identifier="ledger-position-20", type="case registration", time=t(5),
                    actor="registrator.rut", item=POST, detail="registered as case KUN 2026/123 in W3D3"),
        PremisEvent(identifier="ledger-position-25", type="erasure", time=t(6), actor="dataskydd.dan",
                    item=HIDDEN, detail="erased under decision DSO 2026/7"),
    ]
    return PackageContent(
        package_id=PACKAGE_ID,
        account=AccountInfo(id="5b2f0000-0000-4000-8000-0000000000cc", channel="facebook",
                            name="Kulturhuset Tornet", unit="Kulturförvaltningen", platform_id="1001",
                            owner="kalle", deputy="sara", state="active"),
        period="2026H1", period_start=datetime(2025, 12, 31, 23, tzinfo=UTC),
        period_end=datetime(2026, 6, 30, 22, tzinfo=UTC), position=30,
        previous_position=22 if supplements else 0, supplements=supplements, final=final,
        created=datetime(2026, 7, 1, 6, 30, tzinfo=UTC), organisation="Exempelby kommun",
        items=items, events=events,
        seal={"algorithm": "sha256-chain-v1", "position": 30, "hash": "ab" * 32,
              "time": "2026-07-01T06:29:59+00:00", "ledger": "exempelby"} if seal else None,
    )


def pdf_bytes(*, pdfa: bool = True) -> bytes:
    """A small but well-formed one-page PDF; with PDF/A-2b identification in its XMP metadata."""
    xmp = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
           b'<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>') if pdfa else b""
    catalog = b"<< /Type /Catalog /Pages 2 0 R" + (b" /Metadata 4 0 R" if pdfa else b"") + b" >>"
    objects = [catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    if pdfa:
        objects.append(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(xmp), xmp))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sources(tmp: Path, c: PackageContent) -> dict[str, Any]:
    tmp.mkdir(parents=True, exist_ok=True)
    feed = tmp / "feed.json"
    feed.write_text(json.dumps({"package": c.package_id, "items": [i.id for i in c.items]}, ensure_ascii=False,
                               indent=2), encoding="utf-8")
    photo = tmp / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) + b"\xff\xd9")
    pdf = tmp / "feed-001.pdf"
    pdf.write_bytes(pdf_bytes())
    return {"data_files": [("feed.json", feed), (f"media/{POST}/photo 1.jpg", photo)],
            "rendition_files": [("feed-001.pdf", pdf)]}


def write(tmp_path: Path, name: str = "package", organisation_code: str | None = "ORG:2120000142",
          **kw: Any) -> Path:
    c = content(**kw)
    root = tmp_path / name / c.package_id.removeprefix("urn:uuid:")  # a package's folder is named by its id
    eark.write_package(root, c, **sources(tmp_path / f"src-{name}", c), software="socialledger",
                       software_version="0.1.0", organisation_code=organisation_code)
    return root


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write(tmp_path)


# --- the layout ---------------------------------------------------------------------------------

def test_layout(package: Path) -> None:
    files = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert files == [
        "METS.xml",
        "documentation/README.txt",
        "metadata/descriptive/dc.xml",
        "metadata/other/audit-seal.json",
        "metadata/preservation/premis.xml",
        "representations/rep1/METS.xml",
        "representations/rep1/data/feed.json",
        f"representations/rep1/data/media/{POST}/photo 1.jpg",
        "representations/rep1/metadata/preservation/premis.xml",
        "representations/rep2/METS.xml",
        "representations/rep2/data/feed-001.pdf",
        "representations/rep2/metadata/preservation/premis.xml",
        "schemas/DILCISExtensionMETS.xsd",
        "schemas/DILCISExtensionSIPMETS.xsd",
        "schemas/dc.xsd",
        "schemas/mets.xsd",
        "schemas/oai_dc.xsd",
        "schemas/premis-v3-0.xsd",
        "schemas/xlink.xsd",
        "schemas/xml.xsd",
    ]


M = {"mets": eark.METS, "xlink": eark.XLINK, "csip": eark.CSIP, "premis": eark.PREMIS, "dc": eark.DC}


def test_mets_header_and_agents(package: Path) -> None:
    mets = etree.parse(str(package / "METS.xml")).getroot()
    assert mets.get("OBJID") == PACKAGE_ID.removeprefix("urn:uuid:") == package.name  # CSIP1
    assert mets.get("TYPE") == "Mixed"
    assert mets.get(f"{{{eark.CSIP}}}CONTENTINFORMATIONTYPE") == "MIXED"
    assert mets.get("PROFILE") == "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
    hdr = mets.find("mets:metsHdr", M)
    assert hdr.get("CREATEDATE") == "2026-07-01T08:30:00+02:00"  # the organisation's time zone
    assert hdr.get("RECORDSTATUS") == "NEW"
    assert hdr.get(f"{{{eark.CSIP}}}OAISPACKAGETYPE") == "SIP"
    agents = [(a.get("ROLE"), a.get("TYPE"), a.get("OTHERTYPE"), a.findtext("mets:name", namespaces=M))
              for a in hdr.findall("mets:agent", M)]
    assert agents == [("CREATOR", "OTHER", "SOFTWARE", "socialledger"),
                      ("ARCHIVIST", "ORGANIZATION", None, "Exempelby kommun"),
                      ("CREATOR", "ORGANIZATION", None, "Exempelby kommun")]
    note = hdr.find("mets:agent/mets:note", M)
    assert (note.text, note.get(f"{{{eark.CSIP}}}NOTETYPE")) == ("0.1.0", "SOFTWARE VERSION")
    # Every file of the fileSec and every mdRef carries SIZE and a SHA-256 CHECKSUM.
    for element in mets.iterfind(".//mets:file", M):
        assert element.get("CHECKSUMTYPE") == "SHA-256" and len(element.get("CHECKSUM")) == 64
        assert element.get("SIZE").isdigit()
    refs = {r.get(f"{{{eark.XLINK}}}href"): r for r in mets.iterfind(".//mets:mdRef", M)}
    assert set(refs) == {"metadata/descriptive/dc.xml", "metadata/preservation/premis.xml",
                         "metadata/other/audit-seal.json"}
    assert all(r.get("SIZE") and r.get("CHECKSUMTYPE") == "SHA-256" for r in refs.values())
    labels = [d.get("LABEL") for d in mets.find("mets:structMap", M).iterfind("mets:div/mets:div", M)]
    assert labels == ["Metadata", "Documentation", "Schemas", "Representations",
                      "Representations/rep1", "Representations/rep2"]


def test_representation_mets_lists_its_files(package: Path) -> None:
    rep = etree.parse(str(package / "representations/rep1/METS.xml")).getroot()
    assert rep.get("OBJID") == "rep1"
    hrefs = [f.get(f"{{{eark.XLINK}}}href") for f in rep.iterfind(".//mets:FLocat", M)]
    assert hrefs == ["data/feed.json", f"data/media/{POST}/photo%201.jpg"]
    pdf = etree.parse(str(package / "representations/rep2/METS.xml")).getroot().find(".//mets:file", M)
    assert pdf.get("MIMETYPE") == "application/pdf"
    assert pdf.get(f"{{{eark.SIP}}}FILEFORMATNAME") == "PDF/A"
    assert pdf.get(f"{{{eark.SIP}}}FILEFORMATVERSION") == "2b"


def test_premis_has_one_event_per_content_event_and_the_export(package: Path) -> None:
    premis = etree.parse(str(package / eark.PRESERVATION)).getroot()
    events = premis.findall("premis:event", M)
    c = content()
    assert [e.findtext("premis:eventType", namespaces=M) for e in events] == \
        [e.type for e in c.events] + ["export"]
    first = events[0]
    assert first.findtext("premis:eventIdentifier/premis:eventIdentifierValue", namespaces=M) == "ledger-position-10"
    assert first.findtext("premis:eventDateTime", namespaces=M) == "2026-03-02T11:00:00+01:00"
    assert first.findtext("premis:linkingAgentIdentifier/premis:linkingAgentIdentifierValue",
                          namespaces=M) == "channel:facebook"
    assert first.findtext("premis:linkingObjectIdentifier/premis:linkingObjectIdentifierValue",
                          namespaces=M) == POST
    removal = events[7]
    assert "Regel 1" in removal.findtext("premis:eventDetailInformation/premis:eventDetail", namespaces=M)
    agents = [a.findtext("premis:agentIdentifier/premis:agentIdentifierValue", namespaces=M)
              for a in premis.findall("premis:agent", M)]
    assert agents == ["socialledger 0.1.0", "channel:facebook", "dataskydd.dan", "kalle", "registrator.rut"]
    # The diary number is traceable from the post (R21), and every data file has its fixity.
    values = [v.text for v in premis.iterfind(".//premis:objectIdentifierValue", M)]
    assert "KUN 2026/123 (W3D3)" in values
    # Each representation describes itself and its files, with their fixity, in its own PREMIS (CSIPSTR13).
    rep = etree.parse(str(package / "representations/rep2" / eark.REP_PRESERVATION)).getroot()
    files = {o.findtext("premis:objectIdentifier/premis:objectIdentifierValue", namespaces=M):
             o.findtext("premis:objectCharacteristics/premis:fixity/premis:messageDigest", namespaces=M)
             for o in rep.iterfind("premis:object", M)}
    pdf = package / "representations/rep2/data/feed-001.pdf"
    assert files == {"representations/rep2": None,
                     "representations/rep2/data/feed-001.pdf": hashlib.sha256(pdf.read_bytes()).hexdigest()}
    # No commenter's name in the preservation metadata.
    assert "Åsa" not in (package / eark.PRESERVATION).read_text(encoding="utf-8")


def test_supplement_and_final(tmp_path: Path) -> None:
    root = write(tmp_path, supplements=FIRST_ID, final=True)
    mets = etree.parse(str(root / "METS.xml")).getroot()
    assert mets.find("mets:metsHdr", M).get("RECORDSTATUS") == "SUPPLEMENT"
    assert "final export" in mets.get("LABEL")
    dc = etree.parse(str(root / eark.DESCRIPTIVE)).getroot()
    assert FIRST_ID in [r.text for r in dc.findall("dc:relation", M)]
    premis = (root / eark.PRESERVATION).read_text(encoding="utf-8")
    assert "<premis:relationshipSubType>supplements</premis:relationshipSubType>" in premis
    assert "<premis:significantPropertiesValue>yes</premis:significantPropertiesValue>" in premis
    assert verify_package(root) == []


def test_seal_is_a_receipt(package: Path) -> None:
    # The seal file is a receipt that `audit verify --seal` reads as it is.
    from socialledger.core.audit import read_receipt

    assert json.loads((package / eark.SEAL).read_bytes()) == content().seal
    assert read_receipt(package / eark.SEAL).position == 30


def test_no_seal_no_seal_file(tmp_path: Path) -> None:
    root = write(tmp_path, seal=False)
    assert not (root / eark.SEAL).exists()
    assert verify_package(root) == []


def test_documentation_files_are_listed(tmp_path: Path) -> None:
    c = content()
    extra = tmp_path / "om-flödet.md"
    extra.write_text("# Om flödet\n\nFältet `versions` har alla versioner.\n", encoding="utf-8")
    root = tmp_path / "docs"
    eark.write_package(root, c, **sources(tmp_path / "src-docs", c), documentation_files=[("om-flödet.md", extra)],
                       software="socialledger", software_version="0.1.0")
    mets = etree.parse(str(root / "METS.xml")).getroot()
    group = mets.find("mets:fileSec/mets:fileGrp[@USE='Documentation']", M)
    assert [f.get(f"{{{eark.XLINK}}}href") for f in group.iterfind(".//mets:FLocat", M)] == \
        ["documentation/README.txt", "documentation/om-fl%C3%B6det.md"]
    assert verify_package(root) == []
    (root / "documentation/om-flödet.md").write_text("ändrad", encoding="utf-8")
    assert [p.split(":")[0] for p in verify_package(root)] == ["documentation/om-flödet.md"] * 2


def test_control_characters_do_not_stop_an_export(tmp_path: Path) -> None:
    c = content()
    odd = msgspec.structs.replace(c.events[5], detail="dold: l\x0bänk\x00")
    c = msgspec.structs.replace(c, events=[*c.events[:5], odd, *c.events[6:]])
    root = tmp_path / "odd"
    eark.write_package(root, c, **sources(tmp_path / "src-odd", c), software="socialledger", software_version="0.1.0")
    assert "dold: l\ufffdänk\ufffd" in (root / eark.PRESERVATION).read_text(encoding="utf-8")
    assert verify_package(root) == []


def test_refuses_an_existing_package_and_bad_paths(tmp_path: Path, package: Path) -> None:
    c = content()
    with pytest.raises(FileExistsError):
        eark.write_package(package, c, **sources(tmp_path / "src2", c), software="s", software_version="1")
    feed = tmp_path / "src2" / "feed.json"
    with pytest.raises(ValueError):
        eark.write_package(tmp_path / "bad", c, [("../feed.json", feed)], software="s", software_version="1")


# --- determinism ----------------------------------------------------------------------------------

def test_writing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = write(tmp_path, "one"), write(tmp_path, "two")
    for rel in ("METS.xml", eark.PRESERVATION, eark.DESCRIPTIVE, eark.SEAL, eark.README,
                "representations/rep1/METS.xml", "representations/rep2/METS.xml"):
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


# --- verify_package -------------------------------------------------------------------------------
# Each error line names the file, what is wrong and the requirement in brackets. The writer's packages
# carry four kinds of warning (see docs/archive-package.md):
# CSIP1 (OBJID urn:uuid:<id>, folder <id>), CSIPSTR13 (no metadata/ folder in a representation) and
# CSIP113 (no PREMIS or Dublin Core schema in the package), SL3 (the rendition is PDF/A-2b, not 2u); and
# SL-RECEIPT: a package written here by the profile alone, not by an export, has no receipt beside it.
KNOWN_WARNINGS = {"SL3", "SL-RECEIPT"}


def test_verify_passes_an_untouched_package(package: Path) -> None:
    report = verify(package)
    assert report.errors == [] and verify_package(package) == []
    assert {f.requirement for f in report.warnings} <= KNOWN_WARNINGS, [f.line() for f in report.warnings]
    for profile in ("e-ark-sip-2.1.0", "e-ark-csip-2.1.0"):
        assert verify(package, profile).errors == [], profile


CHECKSUM_IDS = {"CSIP29", "CSIP43", "CSIP71", "CSIP56"}


@pytest.mark.parametrize("rel", [
    "representations/rep1/data/feed.json",
    f"representations/rep1/data/media/{POST}/photo 1.jpg",
    "representations/rep2/data/feed-001.pdf",
    eark.PRESERVATION,
    eark.SEAL,
    eark.README,
    "schemas/mets.xsd",
])
def test_verify_finds_a_changed_byte(package: Path, rel: str) -> None:
    path = package / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size, one bit different
    path.write_bytes(bytes(data))
    errors = verify(package).errors
    mine = [f for f in errors if f.path == rel]
    assert len(mine) == 1 and mine[0].line().startswith(f"{rel}: SHA-256"), [f.line() for f in errors]
    assert mine[0].requirement in CHECKSUM_IDS
    # A broken schema also stops the METS files from validating; nothing else is reported.
    assert {f.requirement for f in errors if f is not mine[0]} <= ({"XSD"} if rel.startswith("schemas/") else set())


def test_verify_finds_a_changed_size(package: Path) -> None:
    path = package / "representations/rep1/data/feed.json"
    path.write_bytes(path.read_bytes() + b" ")
    problems = verify_package(package)
    assert "representations/rep1/data/feed.json: size" in problems[0] and problems[0].endswith("[CSIP69]"), problems


def test_verify_finds_a_changed_representation_mets(package: Path) -> None:
    path = package / "representations/rep1/METS.xml"
    path.write_bytes(path.read_bytes().replace(b"Data", b"Dat\xc3\xa4", 1))
    problems = verify_package(package)
    assert any(p.startswith("representations/rep1/METS.xml: size") for p in problems), problems


@pytest.mark.parametrize(("rel", "requirement"), [
    ("representations/rep2/data/feed-001.pdf", "CSIP79"),
    (eark.PRESERVATION, "CSIP38"),
    ("documentation/README.txt", "CSIP79"),
])
def test_verify_finds_a_missing_file(package: Path, rel: str, requirement: str) -> None:
    (package / rel).unlink()
    source = "representations/rep2/METS.xml" if rel.startswith("representations") else "METS.xml"
    (problem,) = verify_package(package)
    assert problem.startswith(f"{rel}: listed in {source} (") and problem.endswith(f"but missing [{requirement}]")


def test_verify_finds_a_missing_representation_mets(package: Path) -> None:
    (package / "representations/rep2/METS.xml").unlink()
    report = verify(package)
    assert {(f.path, f.requirement) for f in report.errors} == {
        ("representations/rep2/METS.xml", "CSIP79"),  # listed in the package METS
        ("METS.xml", "CSIP110"),  # the representation division's METS pointer
        ("representations/rep2/data/feed-001.pdf", "SL1"),  # now listed nowhere
        ("representations/rep2/metadata/preservation/premis.xml", "SL1"),  # its PREMIS too
    }
    assert ("representations/rep2/", "CSIPSTR12") in {(f.path, f.requirement) for f in report.warnings}


@pytest.mark.parametrize("rel", [
    "representations/rep1/data/extra.json",
    "documentation/notes.txt",
    "stray.bin",
])
def test_verify_finds_an_unlisted_file(package: Path, rel: str) -> None:
    (package / rel).write_bytes(b"{}")
    assert verify_package(package) == [f"{rel}: in the package but listed in no METS file [SL1]"]
    # Under the E-ARK profiles alone it is CSIP58, a SHOULD: a warning.
    report = verify(package, "e-ark-sip-2.1.0")
    assert report.errors == [] and (rel, "CSIP58") in {(f.path, f.requirement) for f in report.warnings}


def test_verify_finds_a_missing_root_mets(package: Path) -> None:
    (package / "METS.xml").unlink()
    assert verify_package(package) == [
        "METS.xml: missing: the package root folder must hold a file named METS.xml [CSIPSTR4]"]


def test_verify_finds_broken_xml(package: Path) -> None:
    (package / "METS.xml").write_bytes(b"<mets")
    problems = verify_package(package)
    assert problems and problems[0].startswith("METS.xml: not readable as XML") and problems[0].endswith("[CSIPSTR4]")


@pytest.mark.parametrize("pdf_module", [True, False])
def test_verify_finds_a_pdf_that_is_not_pdfa(package: Path, monkeypatch: pytest.MonkeyPatch, pdf_module: bool
                                             ) -> None:
    if not pdf_module:  # without the PDF module, the verifier reads the XMP itself
        monkeypatch.setitem(sys.modules, "socialledger.archive.pdf", None)
    rel = "representations/rep2/data/feed-001.pdf"
    assert verify_package(package) == []
    (package / rel).write_bytes(pdf_bytes(pdfa=False))
    problems = verify_package(package)
    assert f"{rel}: a PDF not identified as PDF/A (no pdfaid:part in its XMP metadata) [SL2]" in problems


# --- the outside validator ------------------------------------------------------------------------

def _eark_validator() -> Any:
    """Import eark-validator 1.1.3 offline: it fetches four vocabularies at import that it also ships."""
    if "eark_validator.packages" in sys.modules:
        return sys.modules["eark_validator.packages"]
    import importlib.util

    spec = importlib.util.find_spec("eark_validator")
    assert spec is not None and spec.submodule_search_locations, "eark-validator==1.1.3 is in the test extra"
    vocabs = Path(next(iter(spec.submodule_search_locations))) / "ipxml" / "resources" / "vocabs"
    real = urllib.request.urlopen

    def bundled(url: Any, *args: Any, **kwargs: Any) -> Any:
        name = str(getattr(url, "full_url", url)).rsplit("/", 1)[-1]
        if (vocabs / name).is_file():
            return (vocabs / name).open("rb")
        return real(url, *args, **kwargs)

    urllib.request.urlopen = bundled  # type: ignore[assignment]
    try:
        from eark_validator import packages
    finally:
        urllib.request.urlopen = real  # type: ignore[assignment]
    return packages


@pytest.mark.parametrize("kind", ["first", "supplement", "no organisation code"])
def test_eark_validator_finds_only_its_known_misfires(tmp_path: Path, kind: str) -> None:
    packages = _eark_validator()
    from eark_validator.model import Severity, StructureStatus
    from eark_validator.specifications.specification import SpecificationVersion

    root = write(tmp_path, supplements=FIRST_ID if kind == "supplement" else None, final=kind == "supplement",
                 organisation_code=None if kind == "no organisation code" else "ORG:2120000142")
    report = packages.PackageValidator(root, SpecificationVersion.V2_1_0).validation_report
    assert report.structure.status == StructureStatus.WELLFORMED, report.structure.model_dump_json()
    messages = list(report.metadata.schema_results.messages) + list(report.metadata.schematron_results.messages)
    errors = sorted({m.rule_id for m in messages if m.severity == Severity.ERROR})
    # Without an identification code the submitting agent has no note (SIP19 makes it optional),
    # and CSIP15, which takes every CREATOR agent for the software agent, misfires on it as well.
    expected = MISFIRING | ({"CSIP15"} if kind == "no organisation code" else set())
    assert set(errors) <= expected, [m.model_dump() for m in messages if m.rule_id not in expected
                                      and m.severity == Severity.ERROR]
    # The schema validation (XSD) finds nothing at all.
    assert list(report.metadata.schema_results.messages) == []


def test_copy_of_package_verifies(tmp_path: Path, package: Path) -> None:
    # A package moved elsewhere (as an archive would) still verifies: every path in it is relative.
    moved = tmp_path / "moved"
    shutil.copytree(package, moved)
    assert verify_package(moved) == []


def test_every_mimetype_the_writer_gives_is_registered_with_iana() -> None:
    # CSIP68: a file's MIMETYPE must be an IANA media type (video/webm, for one, is not registered).
    registered = set((Path(eark.__file__).parent / "requirements" / "iana-media-types.txt")
                     .read_text(encoding="utf-8").split())
    given = {mimetype for mimetype, _, _ in eark._FORMATS.values()} | {eark._OCTET[0]}
    assert given <= registered, given - registered
