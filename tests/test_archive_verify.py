"""`archive verify` beyond checksums: the shipped schemas load offline, METS/PREMIS/Dublin Core are
validated, the SIP 2.1.0 requirements are checked, and a package verifies as a zip or tar container
as it does as a folder."""

from __future__ import annotations

import hashlib
import io
import shutil
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from test_archive_eark import KNOWN_WARNINGS, write
from test_cli import CLI

from socialledger.archive import eark
from socialledger.archive.requirements import xsd
from socialledger.archive.requirements.package import Package
from socialledger.archive.verify import pdf_findings, verify

M = {"mets": eark.METS, "csip": eark.CSIP, "xlink": eark.XLINK}
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "eark-corpus" / "CSIP"


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return write(tmp_path)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: a connection attempt fails the test instead of reaching out."""
    def refuse(*args, **kwargs):
        raise AssertionError("archive verify tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def errors(report) -> list[tuple[str, str]]:
    return [(f.requirement, f.path) for f in report.errors]


# --- the shipped schemas ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.name for p in xsd.SHIPPED.glob("*.xsd")))
def test_every_shipped_schema_loads_offline(name: str, offline: None) -> None:
    parser = etree.XMLParser(no_network=True)
    schema = etree.XMLSchema(etree.parse(str(xsd.SHIPPED / name), parser))
    assert schema is not None


def test_mets_xsd_imports_the_shipped_xlink() -> None:
    imports = etree.parse(str(xsd.SHIPPED / "mets.xsd")).getroot().findall(
        "{http://www.w3.org/2001/XMLSchema}import")
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [
        ("http://www.w3.org/1999/xlink", "xlink.xsd")]


def test_the_package_mets_premis_and_dublin_core_are_validated(package: Path, offline: None) -> None:
    validated = [doc.path for doc in Package(package).mets_documents] + xsd.metadata_documents(Package(package))
    assert validated == ["METS.xml", "representations/rep1/METS.xml", "representations/rep2/METS.xml",
                         eark.DESCRIPTIVE, eark.PRESERVATION, f"representations/rep1/{eark.REP_PRESERVATION}",
                         f"representations/rep2/{eark.REP_PRESERVATION}"]
    assert verify(package).errors == []


def _edit(path: Path, change) -> None:
    tree = etree.parse(str(path))
    change(tree.getroot())
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def test_a_mets_schema_error_is_found(package: Path) -> None:
    def swap(root):  # metsHdr must come first
        hdr = root.find("mets:metsHdr", M)
        root.remove(hdr)
        root.append(hdr)
    _edit(package / "METS.xml", swap)
    report = verify(package)
    assert ("XSD", "METS.xml") in errors(report)
    assert any("METS schema: line" in f.message for f in report.errors)


def test_a_representation_mets_schema_error_is_found(package: Path) -> None:
    _edit(package / "representations/rep1/METS.xml",
          lambda root: root.find(".//mets:FLocat", M).set("LOCTYPE", "url"))
    report = verify(package)
    found = errors(report)
    assert ("XSD", "representations/rep1/METS.xml") in found  # not one of the METS enumeration
    assert ("CSIP77", "representations/rep1/METS.xml") in found  # and not URL
    # the representation METS is listed in the package METS: its checksum changed too
    assert ("CSIP71", "representations/rep1/METS.xml") in found


def test_premis_and_dublin_core_schema_errors_are_found(package: Path) -> None:
    _edit(package / eark.PRESERVATION,
          lambda root: root.find("{http://www.loc.gov/premis/v3}event").insert(
              0, etree.Element("{http://www.loc.gov/premis/v3}eventType")))
    _edit(package / eark.DESCRIPTIVE,
          lambda root: root.append(etree.Element("{http://purl.org/dc/elements/1.1/}colour")))
    report = verify(package)
    found = errors(report)
    assert ("XSD", eark.PRESERVATION) in found and ("XSD", eark.DESCRIPTIVE) in found
    assert ("CSIP43", eark.PRESERVATION) in found and ("CSIP29", eark.DESCRIPTIVE) in found


def test_a_schema_the_package_ships_is_used(package: Path) -> None:
    # The package's own CSIP extension schema, made to refuse MIXED, decides over socialledger's copy.
    ext = package / "schemas/DILCISExtensionMETS.xsd"
    ext.write_text(ext.read_text(encoding="utf-8").replace('value="MIXED"', 'value="MIXED-NOT"'), encoding="utf-8")
    report = verify(package)
    assert ("XSD", "METS.xml") in errors(report), [f.line() for f in report.errors]


def test_a_package_without_schemas_is_validated_against_socialledgers(package: Path) -> None:
    shutil.rmtree(package / "schemas")
    report = verify(package, "e-ark-csip-2.1.0")
    assert not [f for f in report.errors if f.requirement == "XSD"]
    # the four schemas the METS lists are missing, and so is the folder the Schemas group names
    assert {f.requirement for f in report.errors} == {"CSIP79", "CSIP64"}


# --- SIP 2.1.0 ----------------------------------------------------------------------------------------

def _hdr(root):
    return root.find("mets:metsHdr", M)


@pytest.mark.parametrize(("requirement", "change"), [
    ("SIP2", lambda root: root.set("PROFILE", "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml")),
    ("SIP4", lambda root: _hdr(root).set(f"{{{eark.CSIP}}}OAISPACKAGETYPE", "AIP")),
    ("SIP3", lambda root: _hdr(root).set("RECORDSTATUS", "FINAL")),
    ("SIP15", lambda root: _hdr(root).remove(_hdr(root).findall("mets:agent", M)[2])),
    ("SIP14", lambda root: _hdr(root).findall("mets:agent", M)[1].find("mets:note", M).set(
        f"{{{eark.CSIP}}}NOTETYPE", "SOFTWARE VERSION")),
    ("SIP20", lambda root: _hdr(root).findall("mets:agent", M)[2].find("mets:note", M).set(
        f"{{{eark.CSIP}}}NOTETYPE", "SOFTWARE VERSION")),
    ("SIP5", lambda root: _hdr(root).append(etree.Element(f"{{{eark.METS}}}altRecordID", TYPE="SUPPLEMENTS"))),
])
def test_sip_requirements(package: Path, requirement: str, change) -> None:
    _edit(package / "METS.xml", change)
    sip = verify(package, "e-ark-sip-2.1.0")
    assert requirement in {f.requirement for f in sip.errors}, [f.line() for f in sip.findings]
    # The SIP requirements are not CSIP's: under the CSIP profile alone they are not reported.
    assert not [f for f in verify(package, "e-ark-csip-2.1.0").findings if f.requirement.startswith("SIP")]


@pytest.mark.parametrize(("requirement", "change"), [
    ("CSIP2", lambda root: root.set("TYPE", "Social media")),
    ("CSIP6", lambda root: root.attrib.pop("PROFILE")),
    ("CSIP9", lambda root: _hdr(root).attrib.pop(f"{{{eark.CSIP}}}OAISPACKAGETYPE")),
    ("CSIP16", lambda root: _hdr(root).find("mets:agent/mets:note", M).attrib.clear()),
    ("CSIP86", lambda root: root.find("mets:structMap/mets:div", M).set("LABEL", "something else")),
    ("CSIP91", lambda root: root.find("mets:structMap/mets:div/mets:div[@LABEL='Metadata']", M).set(
        "ADMID", "digiprov-premis")),
    ("CSIP92", lambda root: root.find("mets:structMap/mets:div/mets:div[@LABEL='Metadata']", M).attrib.pop(
        "DMDID")),
    ("CSIP104", lambda root: root.find("mets:structMap/mets:div/mets:div[@LABEL='Representations']/mets:fptr",
                                       M).set("FILEID", "filegrp-documentation")),
    ("CSIP108", lambda root: root.find("mets:structMap/mets:div/mets:div[@LABEL='Representations/rep2']/mets:mptr",
                                       M).set(f"{{{eark.XLINK}}}title", "filegrp-rep1")),
    ("CSIP109", lambda root: root.find("mets:structMap/mets:div/mets:div[@LABEL='Representations/rep1']", M).remove(
        root.find("mets:structMap/mets:div/mets:div[@LABEL='Representations/rep1']/mets:mptr", M))),
])
def test_csip_requirements_on_a_written_package(package: Path, requirement: str, change) -> None:
    _edit(package / "METS.xml", change)
    report = verify(package, "e-ark-csip-2.1.0")
    assert requirement in {f.requirement for f in report.errors}, [f.line() for f in report.findings]


def test_a_written_package_has_no_finding_but_the_known_warnings(package: Path) -> None:
    for profile in ("socialledger", "e-ark-sip-2.1.0", "e-ark-csip-2.1.0"):
        report = verify(package, profile)
        assert report.errors == [], (profile, [f.line() for f in report.errors])
        assert {f.requirement for f in report.warnings} <= KNOWN_WARNINGS


# --- the corpus's minimal package, repaired -----------------------------------------------------------

@pytest.mark.skipif(not CORPUS.is_dir(), reason="the E-ARK corpus is in ../shared/eark-corpus")
def test_the_corpus_minimal_package_passes_once_its_checksums_match(tmp_path: Path) -> None:
    # Its METS states sizes and MD5 checksums its files no longer have (the corpus's copies changed line
    # endings); with those two numbers put right, nothing else is wrong with it.
    name = "minimal_IP_with_1_representation"
    root = tmp_path / name
    shutil.copytree(CORPUS / "CSIP1" / "valid" / name, root)
    assert {f.requirement for f in verify(root, "e-ark-csip-2.1.0").errors} == {"CSIP69", "CSIP71"}

    def repair(mets):
        for f in mets.iter(f"{{{eark.METS}}}file"):
            href = f.find("mets:FLocat", M).get(f"{{{eark.XLINK}}}href")
            target = next(p for p in root.rglob("*") if p.relative_to(root).as_posix().lower() == href.lower())
            f.set("SIZE", str(target.stat().st_size))
            f.set("CHECKSUM", hashlib.md5(target.read_bytes()).hexdigest())
    _edit(root / "METS.xml", repair)
    report = verify(root, "e-ark-csip-2.1.0")
    assert report.errors == [], [f.line() for f in report.errors]


# --- containers ---------------------------------------------------------------------------------------

def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            z.write(p, (Path(folder.name) / p.relative_to(folder)).as_posix())
    return target


def _tar(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w") as t:
        t.add(folder, arcname=folder.name)
    return target


def _sha256(path: Path, text: str | None = None) -> Path:
    side = path.with_name(path.name + ".sha256")
    side.write_text(text if text is not None else f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n",
                    encoding="utf-8")
    return side


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_container_verifies_like_its_folder(package: Path, tmp_path: Path, kind: str) -> None:
    container = (_zip if kind == "zip" else _tar)(package, tmp_path / f"{package.name}.{kind}")
    _sha256(container)
    report = verify(container)
    assert report.errors == [], [f.line() for f in report.errors]
    assert sorted(f.line() for f in report.warnings) == sorted(f.line() for f in verify(package).warnings)


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_a_changed_file_in_a_container_is_found(package: Path, tmp_path: Path, kind: str) -> None:
    feed = package / "representations/rep1/data/feed.json"
    feed.write_bytes(feed.read_bytes().replace(b"items", b"itemz"))
    container = (_zip if kind == "zip" else _tar)(package, tmp_path / f"p.{kind}")
    assert ("CSIP71", "representations/rep1/data/feed.json") in errors(verify(container))


def test_a_wrong_or_misnamed_sha256_beside_the_container_is_found(package: Path, tmp_path: Path) -> None:
    container = _zip(package, tmp_path / "p.zip")
    _sha256(container, "0" * 64 + "  p.zip\n")
    assert ("CONTAINER", "p.zip") in errors(verify(container))
    _sha256(container, hashlib.sha256(container.read_bytes()).hexdigest() + "  other.zip\n")
    assert ("CONTAINER", "p.zip.sha256") in errors(verify(container))
    _sha256(container, "not a checksum\n")
    assert ("CONTAINER", "p.zip.sha256") in errors(verify(container))
    # also found as <id>.sha256
    container.with_name("p.zip.sha256").unlink()
    container.with_name("p.sha256").write_text("f" * 64 + "  p.zip\n", encoding="utf-8")
    assert ("CONTAINER", "p.zip") in errors(verify(container))


def test_a_member_outside_the_package_is_not_unpacked(package: Path, tmp_path: Path) -> None:
    container = _zip(package, tmp_path / "p.zip")
    with zipfile.ZipFile(container, "a") as z:
        z.writestr("../escaped.txt", "out")
        z.writestr("/etc/escaped.txt", "out")
    report = verify(container)
    assert ("CONTAINER", "../escaped.txt") in errors(report) and ("CONTAINER", "/etc/escaped.txt") in errors(report)
    assert not (tmp_path / "escaped.txt").exists()


def test_a_link_in_a_tar_is_refused(package: Path, tmp_path: Path) -> None:
    container = _tar(package, tmp_path / "p.tar")
    with tarfile.open(container, "a") as t:
        link = tarfile.TarInfo(f"{package.name}/documentation/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(link)
    assert ("CSIPSTR1", f"{package.name}/documentation/passwd") in errors(verify(container))


def test_a_container_must_hold_one_folder(package: Path, tmp_path: Path) -> None:
    container = _zip(package, tmp_path / "p.zip")
    with zipfile.ZipFile(container, "a") as z:
        z.writestr("README.txt", "beside the package")
    assert errors(verify(container)) == [("CSIPSTR1", "p.zip")]


def test_a_damaged_or_foreign_file_is_no_package(package: Path, tmp_path: Path) -> None:
    container = _zip(package, tmp_path / "p.zip")
    data = bytearray(container.read_bytes())
    data[len(data) // 3] ^= 0xFF
    container.write_bytes(bytes(data))
    assert [r for r, _ in errors(verify(container))][:1] in (["CONTAINER"], ["CSIP71"], ["CSIP69"])
    text = tmp_path / "notes.txt"
    text.write_text("hej", encoding="utf-8")
    assert errors(verify(text)) == [("CONTAINER", "notes.txt")]
    assert errors(verify(tmp_path / "nothing")) == [("CONTAINER", str(tmp_path / "nothing"))]


def test_the_cli_verifies_a_container(package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    container = _zip(package, tmp_path / f"{package.name}.zip")
    _sha256(container)
    cli = CLI(tmp_path / "home", monkeypatch)  # no ledger: whoever holds a package may check it
    result = cli("archive", "verify", str(container))
    assert "conforms to socialledger" in result.stdout
    report = cli.json("archive", "verify", str(container), "--profile", "e-ark-csip-2.1.0")
    assert report["ok"] and report["profile"] == "e-ark-csip-2.1.0" and report["errors"] == 0
    strict = cli("archive", "verify", str(container), "--strict", code=5)
    assert "warning:" in strict.stderr and "(--strict)" in strict.stderr
    with zipfile.ZipFile(container, "a") as z:
        z.writestr(f"{package.name}/stray.bin", io.BytesIO(b"x").getvalue())
    failed = cli("archive", "verify", str(container), code=5)
    assert "error: stray.bin: in the package but listed in no METS file [SL1]" in failed.stderr
    assert "CONTAINER" in failed.stderr  # the .sha256 no longer matches


# --- the PDF/A rendition (socialledger's delivery rules SL2, SL3) -------------------------------------

def _pdf(conformance: str, *, font: str | None) -> bytes:
    """A one-page PDF claiming PDF/A-2<conformance>; with `font`, its page uses that font: "embedded" (a
    FontFile2 in its descriptor) or "standard" (Helvetica, not embedded)."""
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
           b'<pdfaid:part>2</pdfaid:part><pdfaid:conformance>' + conformance.encode() + b'</pdfaid:conformance>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    resources = b" /Resources << /Font << /F1 5 0 R >> >>" if font else b""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]" + resources + b" >>",
               b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream" % (len(xmp), xmp)]
    if font == "standard":
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    elif font == "embedded":
        objects += [b"<< /Type /Font /Subtype /TrueType /BaseFont /SLSans /FontDescriptor 6 0 R >>",
                    b"<< /Type /FontDescriptor /FontName /SLSans /FontFile2 7 0 R >>",
                    b"<< /Length 4 >>\nstream\nfont\nendstream"]
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


@pytest.mark.parametrize(("conformance", "font", "expected"), [
    ("U", "embedded", set()),
    ("A", None, set()),
    ("B", "embedded", {("SL3", "warning")}),
    ("U", "standard", {("SL2", "error")}),
])
def test_the_rendition_is_pdfa_2u_with_its_fonts_embedded(tmp_path: Path, conformance: str, font: str | None,
                                                          expected: set) -> None:
    (tmp_path / "feed-001.pdf").write_bytes(_pdf(conformance, font=font))
    found = {(f.requirement, f.severity) for f in pdf_findings(tmp_path, "feed-001.pdf")}
    assert found == expected
    if font == "standard":
        assert "does not embed the font Helvetica" in pdf_findings(tmp_path, "feed-001.pdf")[0].message
