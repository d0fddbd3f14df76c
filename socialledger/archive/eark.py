"""The E-ARK SIP package profile: CSIP 2.1.0 / SIP 2.1.0 (what the Swedish FGS Paketstruktur 2.0 is).

Everything E-ARK-specific lives in this module, so that another national
format can be added as a second profile beside it. The layout it writes:

    <package>/
      METS.xml                               the package METS (CSIP 2.1.0, SIP 2.1.0 profile)
      metadata/descriptive/dc.xml            Dublin Core (oai_dc): account, period, cases, supplements
      metadata/preservation/premis.xml       PREMIS 3.0: the package, items, files, agents, events
      metadata/other/audit-seal.json         the audit seal receipt the package was cut from
      documentation/README.txt               what the package is, for people (plus any given files)
      schemas/*.xsd                          the METS, xlink and DILCIS extension schemas used
      representations/rep1/METS.xml          the JSON representation: feed.json and captured media
      representations/rep1/data/...
      representations/rep2/METS.xml          the PDF/A rendition (the "printout"), when given
      representations/rep2/data/...

Mapping decisions (docs/archive-package.md explains them for archivists):
- `metsHdr/@RECORDSTATUS` is "NEW" for a first package and "SUPPLEMENT" for a
  supplementary one (both from the SIP RECORDSTATUS vocabulary). Which package
  a supplement completes is stated in the descriptive metadata (`dc:relation`)
  and as a PREMIS relationship of the package object; the SIP's altRecordID
  types (submission agreements, reference codes) have no term for it.
- A final package (the closing export of R8) keeps RECORDSTATUS; it says
  "final" in the METS LABEL, in the descriptive metadata and as a significant
  property of the package in PREMIS.
- `mets/@TYPE` is "Mixed" (posts, comments, images and video);
  `@csip:CONTENTINFORMATIONTYPE` is "MIXED", and each representation's file
  group declares "OTHER" with its own OTHERCONTENTINFORMATIONTYPE.
- Every time in the METS and PREMIS comes from the content (its `created`
  time, the events' times); element order is fixed; the output of the same
  content and files is byte-identical.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from lxml import etree

from socialledger.archive.labels import labels
from socialledger.archive.model import PackageContent, PremisEvent
from socialledger.archive.verify import pdfa_of

PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
PREMIS = "http://www.loc.gov/premis/v3"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"

_METS_NS = {"mets": METS, "xlink": XLINK, "xsi": XSI, "csip": CSIP, "sip": SIP}

# The schemas a package carries (public: METS and xlink from the Library of Congress, the CSIP and
# SIP extensions from the DILCIS Board). Looked up in socialledger/archive/schemas/ first, then in
# the eark-validator distribution's resources. PREMIS 3.0 (Library of Congress), oai_dc and simple Dublin
# Core (written from the OAI-PMH and DCMES texts) and xml.xsd (W3C) travel too, so that every namespace the
# package's XML uses has its schema inside it (CSIP113); their files name them by their public locations.
SCHEMA_FILES = ("mets.xsd", "xlink.xsd", "DILCISExtensionMETS.xsd", "DILCISExtensionSIPMETS.xsd",
                "premis-v3-0.xsd", "oai_dc.xsd", "dc.xsd", "xml.xsd")
_SCHEMA_LOCATIONS = (
    (METS, "mets.xsd"), (XLINK, "xlink.xsd"), (CSIP, "DILCISExtensionMETS.xsd"), (SIP, "DILCISExtensionSIPMETS.xsd"),
)
PREMIS_XSD = "http://www.loc.gov/standards/premis/v3/premis.xsd"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

DESCRIPTIVE = "metadata/descriptive/dc.xml"
PRESERVATION = "metadata/preservation/premis.xml"
REP_PRESERVATION = "metadata/preservation/premis.xml"  # inside each representation's folder (CSIPSTR13)
SEAL = "metadata/other/audit-seal.json"
README = "documentation/README.txt"

# Content categories (mets/@TYPE) from the CSIP vocabulary.
CATEGORY_PACKAGE = "Mixed"
CATEGORY_DATA = "Datasets"
CATEGORY_MIXED = "Mixed"
CATEGORY_RENDITION = "Textual works \u2013 Digital"  # the vocabulary's term has an en dash

# The content information type each representation declares (there is no CITS for social media).
CIT_DATA = "socialledger feed JSON 1.0"
CIT_RENDITION = "socialledger feed PDF/A rendition 1.0"

# Extension -> (MIME type, format name, PRONOM id). A fixed table, not the mimetypes module, so
# that every machine writes the same METS. PDF/A versions are identified from the file.
_FORMATS: dict[str, tuple[str, str | None, str | None]] = {
    ".json": ("application/json", "JSON", "fmt/817"),
    ".pdf": ("application/pdf", "PDF", None),
    ".jpg": ("image/jpeg", "JPEG", None),
    ".jpeg": ("image/jpeg", "JPEG", None),
    ".png": ("image/png", "PNG", None),
    ".gif": ("image/gif", "GIF", None),
    ".webp": ("image/webp", "WebP", None),
    ".heic": ("image/heic", "HEIC", None),
    ".tif": ("image/tiff", "TIFF", None),
    ".tiff": ("image/tiff", "TIFF", None),
    ".mp4": ("video/mp4", "MPEG-4", None),
    ".m4v": ("video/mp4", "MPEG-4", None),
    ".mov": ("video/quicktime", "QuickTime", None),
    # video/webm is not in IANA's registry (CSIP68 wants a registered MIMETYPE): the file is described
    # as octet-stream, its format named and identified by PRONOM instead.
    ".webm": ("application/octet-stream", "WebM", "fmt/573"),
    ".mp3": ("audio/mpeg", "MP3", None),
    ".m4a": ("audio/mp4", "MPEG-4 audio", None),
    ".txt": ("text/plain", "Plain text", None),
    ".md": ("text/markdown", "Markdown", None),
    ".csv": ("text/csv", "CSV", None),
    ".html": ("text/html", "HTML", None),
    ".xml": ("text/xml", "XML", None),
    ".xsd": ("text/xml", "XML Schema Definition", "x-fmt/280"),
}
_PDFA_PRONOM = {"1a": "fmt/95", "1b": "fmt/354", "2a": "fmt/476", "2b": "fmt/477", "2u": "fmt/478",
                "3a": "fmt/479", "3b": "fmt/480", "3u": "fmt/481"}
_OCTET = ("application/octet-stream", None, None)


@dataclass(frozen=True)
class _File:
    """One file as the package holds it."""

    path: str  # relative to the package root, POSIX
    size: int
    sha256: str
    mimetype: str
    format_name: str | None = None
    format_version: str | None = None
    pronom: str | None = None


@dataclass
class _Representation:
    name: str  # rep1, rep2
    role: str  # data | rendition
    files: list[_File] = field(default_factory=list)
    mets: _File | None = None
    premis: _File | None = None  # the representation's own preservation metadata: it and its files

    @property
    def folder(self) -> str:
        return f"representations/{self.name}"

    @property
    def use(self) -> str:
        return f"Representations/{self.name}"

    @property
    def content_information_type(self) -> str:
        return CIT_DATA if self.role == "data" else CIT_RENDITION

    @property
    def category(self) -> str:
        if self.role == "rendition":
            return CATEGORY_RENDITION
        if any(f.mimetype != "application/json" for f in self.files):
            return CATEGORY_MIXED
        return CATEGORY_DATA

    @property
    def label(self) -> str:
        return ("The feed as data: every item with all its versions (JSON) and captured media"
                if self.role == "data" else "The feed as a human-readable PDF/A rendition (the printout)")


def write_package(
    root: Path,
    content: PackageContent,
    data_files: Sequence[tuple[str, Path]],
    *,
    rendition_files: Sequence[tuple[str, Path]] = (),
    documentation_files: Sequence[tuple[str, Path]] = (),
    software: str,
    software_version: str,
    organisation_code: str | None = None,
) -> None:
    """Write `content` as an E-ARK SIP in the new folder `root`.

    `data_files` are (path inside representations/rep1/data/, source) pairs for the data
    representation; `rendition_files` the same for representations/rep2/data/ (the PDF/A
    volumes); `documentation_files` go to documentation/ beside the generated README.txt.
    `organisation_code` identifies the organisation (FGS style "ORG:2120000142", the Swedish
    organisationsnummer): given, the archival creator and submitting agents carry it as their
    IDENTIFICATIONCODE note (SIP13/14, SIP19/20).
    """
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(f"{root}: the package folder exists already and is not empty")
    if not data_files:
        raise ValueError("a package needs at least one data file (feed.json)")
    data = _checked(data_files, "data_files")
    rendition = _checked(rendition_files, "rendition_files")
    docs = _checked(documentation_files, "documentation_files")
    if "README.txt" in {rel for rel, _ in docs}:
        raise ValueError("documentation_files: README.txt is written by the package writer")
    schemas = _schema_sources()
    content = _localised(content)
    created = _time(content.created)
    agents = _Agents(software, software_version, content.organisation, organisation_code)
    root.mkdir(parents=True, exist_ok=True)

    # The representations: data copied in, then each one's METS.
    reps = [_Representation("rep1", "data")]
    if rendition:
        reps.append(_Representation("rep2", "rendition"))
    for rep, files in zip(reps, (data, rendition), strict=False):
        for rel, source in files:
            rep.files.append(_copy(root, f"{rep.folder}/data/{rel}", source))
        rep.premis = _write_premis(root, f"{rep.folder}/{REP_PRESERVATION}", _representation_premis(content, rep))
        rep.mets = _write(root, f"{rep.folder}/METS.xml",
                          _representation_mets(content, rep, created, agents))

    # Documentation and schemas.
    documentation = [_write(root, README, _readme(content, reps, organisation_code).encode("utf-8"))]
    documentation += [_copy(root, f"documentation/{rel}", source) for rel, source in docs]
    documentation.sort(key=lambda f: f.path)
    schema_files = [_copy(root, f"schemas/{name}", schemas[name]) for name in SCHEMA_FILES]

    # Metadata: descriptive, preservation, the seal.
    descriptive = _write(root, DESCRIPTIVE, _descriptive(content, created))
    preservation = _write_premis(root, PRESERVATION, _premis_elements(content, software, software_version))
    seal = None
    if content.seal is not None:
        seal = _write(root, SEAL, _seal_bytes(content.seal))

    # CSIP1: the package METS's OBJID is the package's folder name: the package id without "urn:uuid:",
    # which is what `archive export` names the folder (and its container's root folder).
    _write(root, "METS.xml", _package_mets(content.package_id.removeprefix("urn:uuid:"), content, reps, documentation, schema_files, descriptive,
                                           preservation, seal, created, agents))


# --- files ---------------------------------------------------------------------------------------

def _checked(pairs: Iterable[tuple[str, Path]], what: str) -> list[tuple[str, Path]]:
    """Relative POSIX paths that stay inside their folder, no duplicates, sorted (fixed order)."""
    out: dict[str, Path] = {}
    for rel, source in pairs:
        p = PurePosixPath(rel)
        if not rel or rel != p.as_posix() or p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) \
                or "\\" in rel:
            raise ValueError(f"{what}: {rel!r} is not a plain relative path")
        if rel in out:
            raise ValueError(f"{what}: {rel!r} is given twice")
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"{what}: {source} is not a file")
        out[rel] = source
    return sorted(out.items())


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _describe(root: Path, rel: str) -> _File:
    path = root / rel
    size, sha = _digest(path)
    mimetype, name, pronom = _FORMATS.get(PurePosixPath(rel).suffix.lower(), _OCTET)
    version = None
    if mimetype == "application/pdf":

        try:
            ident = pdfa_of(path)
        except Exception:  # noqa: BLE001 - an unidentifiable PDF is described as plain PDF; verify says why
            ident = None
        if ident is not None:
            part, conformance = ident
            name, version = "PDF/A", f"{part}{conformance.lower()}"
            pronom = _PDFA_PRONOM.get(version)
    return _File(rel, size, sha, mimetype, name, version, pronom)


def _copy(root: Path, rel: str, source: Path) -> _File:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return _describe(root, rel)


def _write(root: Path, rel: str, data: bytes) -> _File:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return _describe(root, rel)


def _schema_sources() -> dict[str, Path]:
    folders = [Path(__file__).with_name("schemas")]
    spec = importlib.util.find_spec("eark_validator")  # finds it without importing it (its import goes online)
    if spec is not None and spec.submodule_search_locations:
        folders += [Path(loc) / "ipxml" / "resources" / "schema" for loc in spec.submodule_search_locations]
    found: dict[str, Path] = {}
    for name in SCHEMA_FILES:
        for folder in folders:
            if (folder / name).is_file():
                found[name] = folder / name
                break
    missing = [n for n in SCHEMA_FILES if n not in found]
    if missing:
        raise FileNotFoundError(
            f"the package schemas {', '.join(missing)} are missing: put them in {folders[0]} "
            f"(or install eark-validator, which ships them)")
    return found


def _href(rel: str) -> str:
    return quote(rel, safe="/")


def _time(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _localised(content: PackageContent) -> PackageContent:
    """The content with every time in the organisation's time zone (same instants, local offsets):
    what people read in README.txt, dc.xml, METS and PREMIS is local time, as in the printout."""
    try:
        zone = ZoneInfo(content.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return content

    def local(value: datetime) -> datetime:
        return _time(value).astimezone(zone)

    events = [msgspec.structs.replace(e, time=local(e.time)) for e in content.events]
    return msgspec.structs.replace(content, created=local(content.created), period_start=local(content.period_start),
                                   period_end=local(content.period_end), events=events)


def _iso(value: datetime | None) -> str:
    return _time(value).isoformat() if value is not None else ""


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _seal_bytes(seal: dict) -> bytes:
    """The receipt as `audit verify --seal` reads it; keys sorted so the bytes never depend on dict order."""
    return msgspec.json.format(msgspec.json.Encoder(order="sorted").encode(seal), indent=2) + b"\n"


# --- METS ----------------------------------------------------------------------------------------

def _m(tag: str) -> str:
    return f"{{{METS}}}{tag}"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text as XML 1.0 can hold it: a control character typed into a reason must not stop an export."""
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: etree._Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
         ) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: _clean(v) for k, v in (attrib or {}).items()})
    if text is not None:
        element.text = _clean(text)
    return element


def _xl(name: str) -> str:
    return f"{{{XLINK}}}{name}"


def _period(content: PackageContent) -> str:
    """The period as people name it: `2026H1`, or for a final package the days its items span."""
    if content.final and content.period == "final":
        last = (content.period_end - timedelta(microseconds=1)).date()
        return f"{content.period_start.date().isoformat()}..{last.isoformat()}"
    return content.period


def _label(content: PackageContent) -> str:
    a = content.account
    label = f"{a.name} ({a.channel}), {_period(content)}"
    if content.supplements:
        label += f", supplement to {content.supplements}"
    if content.final:
        label += ", final export"
    return label


def _mets_root(objid: str, label: str, category: str, cit: str, other_cit: str | None, schema_prefix: str
               ) -> etree._Element:
    root = etree.Element(_m("mets"), nsmap=_METS_NS)
    root.set("OBJID", _clean(objid))
    root.set("LABEL", _clean(label))
    root.set("TYPE", category)
    root.set(f"{{{CSIP}}}CONTENTINFORMATIONTYPE", cit)
    if other_cit is not None:
        root.set(f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE", other_cit)
    root.set("PROFILE", PROFILE)
    root.set(f"{{{XSI}}}schemaLocation",
             " ".join(f"{ns} {schema_prefix}schemas/{name}" for ns, name in _SCHEMA_LOCATIONS))
    return root


@dataclass(frozen=True)
class _Agents:
    software: str
    version: str
    organisation: str
    code: str | None


def _header(mets: etree._Element, content: PackageContent, created: datetime, agents: _Agents) -> None:
    hdr = _sub(mets, _m("metsHdr"), {
        "CREATEDATE": _iso(created), "LASTMODDATE": _iso(created),
        "RECORDSTATUS": "SUPPLEMENT" if content.supplements else "NEW",
        f"{{{CSIP}}}OAISPACKAGETYPE": "SIP",
    })
    # CSIP10-16: the software that made the package.
    agent = _sub(hdr, _m("agent"), {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"})
    _sub(agent, _m("name"), text=agents.software)
    _sub(agent, _m("note"), {f"{{{CSIP}}}NOTETYPE": "SOFTWARE VERSION"}, text=agents.version)
    # SIP9-14: the archival creator (arkivbildare), the organisation whose records these are;
    # SIP15-20: the submitting agent, the same organisation, which exports the package.
    for role in ("ARCHIVIST", "CREATOR"):
        agent = _sub(hdr, _m("agent"), {"ROLE": role, "TYPE": "ORGANIZATION"})
        _sub(agent, _m("name"), text=agents.organisation)
        if agents.code:
            _sub(agent, _m("note"), {f"{{{CSIP}}}NOTETYPE": "IDENTIFICATIONCODE"}, text=agents.code)


def _file_element(group: etree._Element, file_id: str, f: _File, created: datetime, href: str) -> None:
    attrib = {"ID": file_id, "MIMETYPE": f.mimetype, "SIZE": str(f.size), "CREATED": _iso(created),
              "CHECKSUM": f.sha256, "CHECKSUMTYPE": "SHA-256"}
    if f.format_name:
        attrib[f"{{{SIP}}}FILEFORMATNAME"] = f.format_name
    if f.format_version:
        attrib[f"{{{SIP}}}FILEFORMATVERSION"] = f.format_version
    element = _sub(group, _m("file"), attrib)
    _sub(element, _m("FLocat"), {"LOCTYPE": "URL", _xl("type"): "simple", _xl("href"): _href(href)})


def _md_ref(parent: etree._Element, f: _File, created: datetime, mdtype: str, *, other: str | None = None,
            version: str | None = None, href: str | None = None) -> None:
    attrib = {"LOCTYPE": "URL", _xl("type"): "simple", _xl("href"): _href(href or f.path), "MDTYPE": mdtype}
    if other:
        attrib["OTHERMDTYPE"] = other
    if version:
        attrib["MDTYPEVERSION"] = version
    attrib.update({"MIMETYPE": f.mimetype, "SIZE": str(f.size), "CREATED": _iso(created),
                   "CHECKSUM": f.sha256, "CHECKSUMTYPE": "SHA-256"})
    _sub(parent, _m("mdRef"), attrib)


def _package_mets(objid: str, content: PackageContent, reps: list[_Representation], documentation: list[_File],
                  schemas: list[_File], descriptive: _File, preservation: _File, seal: _File | None,
                  created: datetime, agents: _Agents) -> bytes:
    mets = _mets_root(objid, _label(content), CATEGORY_PACKAGE, "MIXED", None, "")
    _header(mets, content, created, agents)

    dmd = _sub(mets, _m("dmdSec"), {"ID": "dmd-dc", "CREATED": _iso(created), "STATUS": "CURRENT"})
    _md_ref(dmd, descriptive, created, "DC")

    amd = _sub(mets, _m("amdSec"), {"ID": "amd"})
    digiprov = _sub(amd, _m("digiprovMD"), {"ID": "digiprov-premis", "CREATED": _iso(created), "STATUS": "CURRENT"})
    _md_ref(digiprov, preservation, created, "PREMIS", version="3.0")
    admids = ["digiprov-premis"]
    if seal is not None:
        digiprov = _sub(amd, _m("digiprovMD"), {"ID": "digiprov-seal", "CREATED": _iso(created), "STATUS": "CURRENT"})
        _md_ref(digiprov, seal, created, "OTHER", other="SOCIALLEDGER AUDIT SEAL RECEIPT")
        admids.append("digiprov-seal")

    file_sec = _sub(mets, _m("fileSec"), {"ID": "filesec"})
    group = _sub(file_sec, _m("fileGrp"), {"ID": "filegrp-documentation", "USE": "Documentation"})
    for n, f in enumerate(documentation, 1):
        _file_element(group, f"file-documentation-{n}", f, created, f.path)
    group = _sub(file_sec, _m("fileGrp"), {"ID": "filegrp-schemas", "USE": "Schemas"})
    for n, f in enumerate(schemas, 1):
        _file_element(group, f"file-schema-{n}", f, created, f.path)
    for rep in reps:
        assert rep.mets is not None
        group = _sub(file_sec, _m("fileGrp"), {
            "ID": f"filegrp-{rep.name}", "USE": rep.use, f"{{{CSIP}}}CONTENTINFORMATIONTYPE": "OTHER",
            f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE": rep.content_information_type,
        })
        _file_element(group, f"file-{rep.name}-mets", rep.mets, created, rep.mets.path)

    smap = _sub(mets, _m("structMap"), {"ID": "structmap-csip", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = _sub(smap, _m("div"), {"ID": "div-package", "LABEL": objid})  # CSIP86: the OBJID
    _sub(top, _m("div"), {"ID": "div-metadata", "LABEL": "Metadata", "ADMID": " ".join(admids), "DMDID": "dmd-dc"})
    div = _sub(top, _m("div"), {"ID": "div-documentation", "LABEL": "Documentation"})
    _sub(div, _m("fptr"), {"FILEID": "filegrp-documentation"})
    div = _sub(top, _m("div"), {"ID": "div-schemas", "LABEL": "Schemas"})
    _sub(div, _m("fptr"), {"FILEID": "filegrp-schemas"})
    # CSIP101-104 as eark-validator checks them: a content division pointing at the representation groups.
    div = _sub(top, _m("div"), {"ID": "div-representations", "LABEL": "Representations"})
    for rep in reps:
        _sub(div, _m("fptr"), {"FILEID": f"filegrp-{rep.name}"})
    # CSIP105-110: one division per representation, pointing at its METS.
    for rep in reps:
        assert rep.mets is not None
        div = _sub(top, _m("div"), {"ID": f"div-{rep.name}", "LABEL": rep.use})
        _sub(div, _m("mptr"), {"LOCTYPE": "URL", _xl("type"): "simple", _xl("href"): _href(rep.mets.path),
                               _xl("title"): f"filegrp-{rep.name}"})
    return _xml(mets)


def _representation_mets(content: PackageContent, rep: _Representation, created: datetime, agents: _Agents
                         ) -> bytes:
    mets = _mets_root(rep.name, rep.label, rep.category, "OTHER", rep.content_information_type, "../../")
    _header(mets, content, created, agents)
    assert rep.premis is not None
    amd = _sub(mets, _m("amdSec"), {"ID": f"amd-{rep.name}"})
    digiprov = _sub(amd, _m("digiprovMD"), {"ID": f"digiprov-{rep.name}-premis", "CREATED": _iso(created),
                                            "STATUS": "CURRENT"})
    _md_ref(digiprov, rep.premis, created, "PREMIS", version="3.0", href=rep.premis.path.removeprefix(rep.folder + "/"))
    file_sec = _sub(mets, _m("fileSec"), {"ID": f"filesec-{rep.name}"})
    group = _sub(file_sec, _m("fileGrp"), {
        "ID": f"filegrp-{rep.name}-data", "USE": "Data", f"{{{CSIP}}}CONTENTINFORMATIONTYPE": "OTHER",
        f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE": rep.content_information_type,
    })
    prefix = rep.folder + "/"
    for n, f in enumerate(rep.files, 1):
        _file_element(group, f"file-{rep.name}-{n}", f, created, f.path.removeprefix(prefix))
    smap = _sub(mets, _m("structMap"), {"ID": f"structmap-{rep.name}", "TYPE": "PHYSICAL", "LABEL": "CSIP"})
    top = _sub(smap, _m("div"), {"ID": f"div-{rep.name}", "LABEL": rep.name})
    _sub(top, _m("div"), {"ID": f"div-{rep.name}-metadata", "LABEL": "Metadata",
                          "ADMID": f"digiprov-{rep.name}-premis"})
    div = _sub(top, _m("div"), {"ID": f"div-{rep.name}-data", "LABEL": "Data"})
    _sub(div, _m("fptr"), {"FILEID": f"filegrp-{rep.name}-data"})
    return _xml(mets)


# --- descriptive metadata (Dublin Core) ---------------------------------------------------------

def _descriptive(content: PackageContent, created: datetime) -> bytes:
    a = content.account
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_XSD}")

    def dc(tag: str, text: str) -> None:
        _sub(root, f"{{{DC}}}{tag}", text=text)

    dc("title", f"{a.name} ({a.channel}): posts and comments, {_period(content)}"
       + (" (supplement)" if content.supplements else "") + (" (final export)" if content.final else ""))
    dc("creator", content.organisation)
    dc("contributor", a.unit)
    dc("identifier", content.package_id)
    dc("identifier", f"socialledger account {a.id}")
    if a.platform_id:
        dc("source", f"{a.channel}:{a.platform_id}")
    dc("type", "Collection")
    dc("language", content.language)
    dc("date", _iso(created))
    dc("coverage", f"{_iso(content.period_start)}/{_iso(content.period_end)}")
    dc("description",
       f"The {a.channel} account {a.name} of {a.unit}: the items created in {content.period} "
       f"({_iso(content.period_start)} up to, not including, {_iso(content.period_end)}) with every version, "
       f"and the period's events on older items, as recorded at ledger positions "
       f"{content.previous_position + 1} to {content.position}. {len(content.items)} items, "
       f"{len(content.events)} events.")
    if content.supplements:
        dc("description",
           f"Supplementary package: it holds what was recorded for {content.period} after package "
           f"{content.supplements} (which covers ledger positions up to {content.previous_position}). "
           f"Read the two together.")
        dc("relation", content.supplements)
    if content.final:
        dc("description", "Final export of the account, made when its closure was requested (R8).")
    for item in content.items:
        for case in item.cases:
            dc("relation", f"{case.diary_number}" + (f" ({case.system})" if case.system else "")
               + f": case registered from {item.kind} {item.id}")
    return _xml(root)


# --- PREMIS --------------------------------------------------------------------------------------

def _p(tag: str) -> str:
    return f"{{{PREMIS}}}{tag}"


def _pp(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    return _sub(parent, _p(tag), text=text)


_PREMIS_NS = {"premis": PREMIS, "xsi": XSI}


def _top(tag: str, attrib: dict[str, str] | None = None) -> etree._Element:
    """A top-level PREMIS element (object, event, agent), written out on its own."""
    return etree.Element(_p(tag), attrib or {}, nsmap=_PREMIS_NS)


def _object(kind: str, identifiers: list[tuple[str, str]]) -> etree._Element:
    obj = _top("object", {f"{{{XSI}}}type": f"premis:{kind}"})
    for id_type, value in identifiers:
        ident = _pp(obj, "objectIdentifier")
        _pp(ident, "objectIdentifierType", id_type)
        _pp(ident, "objectIdentifierValue", value)
    return obj


def _significant(obj: etree._Element, kind: str, value: str) -> None:
    prop = _pp(obj, "significantProperties")
    _pp(prop, "significantPropertiesType", kind)
    _pp(prop, "significantPropertiesValue", value)


def _relationship(obj: etree._Element, kind: str, subtype: str, id_type: str, value: str) -> None:
    rel = _pp(obj, "relationship")
    _pp(rel, "relationshipType", kind)
    _pp(rel, "relationshipSubType", subtype)
    related = _pp(rel, "relatedObjectIdentifier")
    _pp(related, "relatedObjectIdentifierType", id_type)
    _pp(related, "relatedObjectIdentifierValue", value)


ID_PACKAGE = "URN"
ID_ITEM = "socialledger item"
ID_NATIVE = "platform id"
ID_CASE = "diary number"
ID_FILE = "package path"
ID_ACTOR = "socialledger actor"
ID_SOFTWARE = "software"
ID_EVENT = "socialledger event"


def _representation_premis(content: PackageContent, rep: _Representation) -> Iterator[etree._Element]:
    """A representation's preservation metadata: the representation, and each of its files with its fixity,
    size and format (PRONOM where known)."""
    obj = _object("representation", [(ID_FILE, rep.folder)])
    _significant(obj, "content", rep.label)
    _relationship(obj, "structural", "is included in", ID_PACKAGE, content.package_id)
    yield obj
    for f in rep.files:
        obj = _object("file", [(ID_FILE, f.path)])
        chars = _pp(obj, "objectCharacteristics")
        _pp(chars, "compositionLevel", "0")
        fixity = _pp(chars, "fixity")
        _pp(fixity, "messageDigestAlgorithm", "SHA-256")
        _pp(fixity, "messageDigest", f.sha256)
        _pp(chars, "size", str(f.size))
        fmt = _pp(chars, "format")
        designation = _pp(fmt, "formatDesignation")
        _pp(designation, "formatName", f.format_name or f.mimetype)
        if f.format_version:
            _pp(designation, "formatVersion", f.format_version)
        if f.pronom:
            registry = _pp(fmt, "formatRegistry")
            _pp(registry, "formatRegistryName", "PRONOM")
            _pp(registry, "formatRegistryKey", f.pronom)
        _pp(obj, "originalName", PurePosixPath(f.path).name)
        _relationship(obj, "structural", "is included in", ID_FILE, rep.folder)
        yield obj


def _write_premis(root: Path, rel: str, elements: Iterable[etree._Element]) -> _File:
    """Write a PREMIS file one top-level element at a time: a half year of a busy account has tens of
    thousands of items and events, and the whole tree need never be in memory at once."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shell = etree.Element(_p("premis"), nsmap=_PREMIS_NS)
    shell.set("version", "3.0")
    shell.set(f"{{{XSI}}}schemaLocation", f"{PREMIS} {PREMIS_XSD}")
    shell.text = "|"
    head, tail = etree.tostring(shell, encoding="UTF-8").split(b">|</")
    head, tail = head + b">", b"</" + tail
    declarations = [f' xmlns:{prefix}="{uri}"'.encode() for prefix, uri in _PREMIS_NS.items()]
    with target.open("wb") as out:
        out.write(b"<?xml version='1.0' encoding='UTF-8'?>\n" + head + b"\n")
        for element in elements:
            etree.indent(element, space="  ", level=1)
            chunk = etree.tostring(element, encoding="UTF-8")
            end = chunk.index(b">")
            start_tag = chunk[:end]
            for declaration in declarations:  # declared once, on the root
                start_tag = start_tag.replace(declaration, b"")
            out.write(b"  " + start_tag + chunk[end:] + b"\n")
        out.write(tail + b"\n")
    return _describe(root, rel)


def _premis_elements(content: PackageContent, software: str, version: str) -> Iterator[etree._Element]:
    """The package's preservation metadata: the package and its items as entities, the events, the agents.
    Each representation describes itself and its files in its own PREMIS file (`_representation_premis`)."""
    a = content.account

    # The package as an intellectual entity.
    obj = _object("intellectualEntity", [(ID_PACKAGE, content.package_id)])
    _significant(obj, "account", f"{a.name} ({a.channel}, socialledger account {a.id})")
    _significant(obj, "period", content.period)
    _significant(obj, "ledger positions", f"{content.previous_position + 1}-{content.position}")
    _significant(obj, "final export", "yes" if content.final else "no")
    if content.supplements:
        _relationship(obj, "reference", "supplements", ID_PACKAGE, content.supplements)
    yield obj

    # Each item (post, comment, reply) as an intellectual entity, so that events can point at it.
    for item in content.items:
        ids = [(ID_ITEM, item.id)]
        if item.native_id:
            ids.append((ID_NATIVE, item.native_id))
        ids += [(ID_CASE, c.diary_number + (f" ({c.system})" if c.system else "")) for c in item.cases]
        obj = _object("intellectualEntity", ids)
        _significant(obj, "kind", item.kind)
        _significant(obj, "state", item.state + (" (erased)" if item.erased else ""))
        _significant(obj, "versions", str(len(item.versions)))
        if item.parent:
            _relationship(obj, "structural", "is part of", ID_ITEM, item.parent)
        yield obj
        # An export's copy of the item (the same platform item captured twice): its events name it.
        for copy in item.duplicates:
            obj = _object("intellectualEntity", [(ID_ITEM, copy.id)])
            _significant(obj, "kind", item.kind)
            _significant(obj, "captured from", copy.source)
            _relationship(obj, "reference", "duplicates", ID_ITEM, item.id)
            yield obj

    # The events: what happened to the items, then the making of this package.
    events = list(content.events)
    if not any(e.type == "export" for e in events):
        events.append(PremisEvent(
            identifier=f"export-{content.package_id}", type="export", time=content.created,
            actor=f"{software} {version}", item=None,
            detail=f"package made: {_label(content)}; ledger positions {content.previous_position + 1} "
                   f"to {content.position}"))
    software_id = f"{software} {version}"
    for e in events:
        ev = _top("event")
        ident = _pp(ev, "eventIdentifier")
        _pp(ident, "eventIdentifierType", ID_EVENT)
        _pp(ident, "eventIdentifierValue", e.identifier)
        _pp(ev, "eventType", e.type)
        _pp(ev, "eventDateTime", _iso(e.time))
        _pp(_pp(ev, "eventDetailInformation"), "eventDetail", e.detail)
        _pp(_pp(ev, "eventOutcomeInformation"), "eventOutcome", e.outcome)
        agent_type = ID_SOFTWARE if e.actor == software_id else ID_ACTOR
        link = _pp(ev, "linkingAgentIdentifier")
        _pp(link, "linkingAgentIdentifierType", agent_type)
        _pp(link, "linkingAgentIdentifierValue", e.actor)
        _pp(link, "linkingAgentRole", "executing program" if _is_software(e.actor, software_id) else "implementer")
        link = _pp(ev, "linkingObjectIdentifier")
        if e.item is not None:
            _pp(link, "linkingObjectIdentifierType", ID_ITEM)
            _pp(link, "linkingObjectIdentifierValue", e.item)
        else:
            _pp(link, "linkingObjectIdentifierType", ID_PACKAGE)
            _pp(link, "linkingObjectIdentifierValue", content.package_id)
        yield ev

    # The agents: the software, then every actor of the events (ledger users and channels).
    agent = _top("agent")
    ident = _pp(agent, "agentIdentifier")
    _pp(ident, "agentIdentifierType", ID_SOFTWARE)
    _pp(ident, "agentIdentifierValue", software_id)
    _pp(agent, "agentName", software)
    _pp(agent, "agentType", "software")
    _pp(agent, "agentVersion", version)
    yield agent
    for actor in sorted({e.actor for e in events} - {software_id}):
        agent = _top("agent")
        ident = _pp(agent, "agentIdentifier")
        _pp(ident, "agentIdentifierType", ID_ACTOR)
        _pp(ident, "agentIdentifierValue", actor)
        if actor.startswith("channel:"):
            _pp(agent, "agentName", actor.removeprefix("channel:"))
            _pp(agent, "agentType", "software")
            _pp(agent, "agentNote", f"the {actor.removeprefix('channel:')} channel: data captured from the platform")
        else:
            _pp(agent, "agentName", actor)
            _pp(agent, "agentType", "person")
            _pp(agent, "agentNote", f"a ledger user of {content.organisation} (the name given to --as)")
        yield agent



def _is_software(actor: str, software_id: str) -> bool:
    return actor == software_id or actor.startswith("channel:")


# --- documentation -------------------------------------------------------------------------------

_README_FILES = 50  # files listed by name per representation; the METS lists them all

def _readme(content: PackageContent, reps: list[_Representation], code: str | None = None) -> str:
    a = content.account
    t = labels(content.language)
    cases = sum(len(i.cases) for i in content.items)
    title = t("readme.title", package=content.package_id)
    last_day = (content.period_end - timedelta(microseconds=1)).date().isoformat()
    rows = [
        (t("readme.organisation"), content.organisation),
        *([(t("readme.code"), code)] if code else []),
        (t("readme.account"), f"{a.name} ({a.channel}{', ' + a.platform_id if a.platform_id else ''})"),
        (t("readme.unit"), a.unit),
        (t("readme.period"), t("readme.period.range", period=content.period,
                               first=content.period_start.date().isoformat(), last=last_day,
                               zone=content.time_zone)),
        (t("readme.ledger"), t("readme.ledger.positions", first=content.previous_position + 1,
                               last=content.position)),
        (t("readme.created"), _iso(content.created)),
        (t("readme.kind"), t("readme.kind.supplement" if content.supplements else "readme.kind.first")
         + (t("readme.kind.final") if content.final else "")),
    ]
    if content.supplements:
        rows.append((t("readme.supplements"), t("readme.supplements.read", package=content.supplements)))
    rows.append((t("readme.contents"), t("readme.contents.counts", items=len(content.items),
                                         events=len(content.events), cases=cases)))
    width = max(len(k) for k, _ in rows) + 2
    lines = [title, "=" * len(title), ""]
    lines += [f"{k + ':':<{width}}{v}" for k, v in rows]
    lines += ["", t("readme.about"), "", t("readme.layout"), "-" * len(t("readme.layout")),
              f"{'METS.xml':<34}{t('readme.mets')}",
              f"{DESCRIPTIVE:<34}{t('readme.dc')}",
              f"{PRESERVATION:<34}{t('readme.premis')}"]
    if content.seal is not None:
        lines.append(f"{SEAL:<34}{t('readme.seal')}")
    lines.append(f"{README:<34}{t('readme.this')}")
    lines.append(f"{'schemas/':<34}{t('readme.schemas')}")
    for rep in reps:
        lines.append(f"{rep.folder + '/':<34}{t('readme.rep.' + rep.role)}")
        for f in rep.files[:_README_FILES]:
            lines.append(f"  {f.path.removeprefix(rep.folder + '/')}  ({t('readme.bytes', size=f.size)})")
        if len(rep.files) > _README_FILES:
            lines.append("  " + t("readme.more", count=len(rep.files) - _README_FILES, mets=f"{rep.folder}/METS.xml"))
    lines += ["", t("readme.checking"), "-" * len(t("readme.checking")), t("readme.check", seal=SEAL), ""]
    return "\n".join(lines)
