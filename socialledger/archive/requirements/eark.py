"""The E-ARK package profiles: CSIP 2.1.0 and SIP 2.1.0 (the Swedish FGS Paketstruktur 2.0).

Every check is written from the requirement's text in the specification (earkcsip.dilcis.eu,
earksip.dilcis.eu, version 2.1.0) and from the rules of the E-ARK test corpus's `testCase.xml`
for that requirement; each finding names its requirement. The severity follows the corpus rule
where there is one (an ERROR rule gives an error, a WARNING rule a warning), else the
specification's level (MUST: error; SHOULD: warning). Where the specification and the corpus
differ, the docstring of the check says so and which is followed.

A METS file here is the package METS (`METS.xml` at the root) or a representation METS
(`representations/<name>/METS.xml`). Requirements about the package as a whole (its file groups
Documentation/Schemas/Representations, the representation divisions, SIP agents) apply to the
package METS; the others to every METS file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from socialledger.archive.requirements import ERROR, Finding, error, warning
from socialledger.archive.requirements import xsd as schema_check
from socialledger.archive.requirements.package import (
    XLINK_HREF,
    XLINK_TITLE,
    XLINK_TYPE,
    MetsDocument,
    Package,
    csip,
    m,
)

CSIP_PROFILE_URL = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"
SIP_PROFILE_URL = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"

# --- the vocabularies (earkcsip.dilcis.eu/schema/CSIPVocabulary*.xml, earksip.dilcis.eu, 2.1.0) -------

CONTENT_CATEGORY = frozenset({
    "Textual works \u2013 Print", "Textual works \u2013 Digital", "Textual works \u2013 Electronic Serials",
    "Digital Musical Composition (score-based representations)", "Photographs \u2013 Print",
    "Photographs \u2013 Digital", "Other Graphic Images \u2013 Print", "Other Graphic Images \u2013 Digital",
    "Microforms", "Audio \u2013 On Tangible Medium (digital or analog)", "Audio \u2013 Media-independent (digital)",
    "Motion Pictures \u2013 Digital and Physical Media", "Video \u2013 File-based and Physical Media", "Software",
    "Datasets", "Geospatial Data", "Databases", "Websites", "Collection", "Event", "Interactive resource",
    "Physical object", "Service", "Mixed", "Other",
})
# CSIP2's text says "OTHER", its vocabulary "Other": either names the other category.
OTHER_CATEGORY = frozenset({"OTHER", "Other"})
CONTENT_INFORMATION_TYPE = frozenset({
    "ERMS", "SIARD1", "SIARD2", "SIARDDK", "GeoData", "citscarchival_v1_0", "citserms_v2_1", "citspremis_v1_0",
    "citsehpj_v1_0", "citsehcr_v1_0", "citssiard_v1_0", "citsgeospatial_v3_0", "MIXED", "OTHER",
})
OAIS_PACKAGE_TYPE = frozenset({"SIP", "AIP", "DIP", "AIU", "AIC"})
STATUS = frozenset({"SUPERSEDED", "CURRENT"})
DIVISION_LABELS = ("Documentation", "Schemas", "Representations", "Metadata")
RECORD_STATUS = frozenset({"NEW", "SUPPLEMENT", "REPLACEMENT", "REPLEACEMENT", "TEST", "VERSION", "DELETE", "OTHER"})
ALT_RECORD_ID_TYPE = frozenset({"SUBMISSIONAGREEMENT", "PREVIOUSSUBMISSIONAGREEMENT", "REFERENCECODE",
                                "PREVIOUSREFERENCECODE"})
NOTE_TYPE = frozenset({"SOFTWARE VERSION", "IDENTIFICATIONCODE"})

_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384",
               "SHA-512": "sha512"}


@cache
def iana_media_types() -> frozenset[str]:
    text = (Path(__file__).with_name("iana-media-types.txt")).read_text(encoding="ascii")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _media_type_registered(value: str) -> bool:
    base = value.split(";")[0].strip().lower()
    return base in iana_media_types()


def _empty(value: str | None) -> bool:
    return value is None or not value.strip()


def _ids(value: str | None) -> list[str]:
    return (value or "").split()


# --- the requirement ids of the metadata references, by section ------------------------------------

@dataclass(frozen=True)
class _RefIds:
    """The requirement ids of one kind of mdRef: LOCTYPE, xlink:type, href, MDTYPE, MIMETYPE, SIZE, CREATED,
    CHECKSUM, CHECKSUMTYPE."""

    section: str
    loctype: str
    type: str
    href: str
    mimetype: str
    size: str
    created: str
    checksum: str
    checksumtype: str
    status: str
    mdref: str


DMD = _RefIds("dmdSec", "CSIP22", "CSIP23", "CSIP24", "CSIP26", "CSIP27", "CSIP28", "CSIP29", "CSIP30", "CSIP20",
              "CSIP21")
DIGIPROV = _RefIds("digiprovMD", "CSIP36", "CSIP37", "CSIP38", "CSIP40", "CSIP41", "CSIP42", "CSIP43", "CSIP44",
                   "CSIP34", "CSIP35")
RIGHTS = _RefIds("rightsMD", "CSIP49", "CSIP50", "CSIP51", "CSIP53", "CSIP54", "CSIP55", "CSIP56", "CSIP57",
                 "CSIP47", "CSIP48")
# techMD and sourceMD: CSIP states no requirement of its own; their references are checked all the same
# (the file is there, with the SIZE and CHECKSUM stated), under the METS standard's own meaning: "METS".
OTHER_MD = _RefIds("amdSec", *(["METS"] * 10))
FILE = _RefIds("file", "CSIP77", "CSIP78", "CSIP79", "CSIP68", "CSIP69", "CSIP70", "CSIP71", "CSIP72", "", "CSIP76")


class EarkProfile:
    """E-ARK CSIP 2.1.0, and with `sip` the E-ARK SIP 2.1.0 requirements on top."""

    def __init__(self, name: str, title: str, *, sip: bool) -> None:
        self.name = name
        self.title = title
        self.sip = sip

    def check(self, package: Package) -> list[Finding]:
        findings = _structure(package)
        if not package.is_file("METS.xml"):
            return findings
        tree, why = package.xml("METS.xml")
        if tree is None:
            return findings + [error("CSIPSTR4", "METS.xml", f"not readable as XML ({why})")]
        if tree.getroot().tag != m("mets"):
            return findings + [error("CSIPSTR4", "METS.xml", "its root element is not a METS mets element")]
        for rep in package.representation_folders:
            rel = f"{rep}/METS.xml"
            if package.is_file(rel):
                rep_tree, why = package.xml(rel)
                if rep_tree is None:
                    findings.append(error("CSIPSTR12", rel, f"not readable as XML ({why})"))
        for doc in package.mets_documents:
            findings += _mets(package, doc)
            if doc.is_root:
                findings += _package_mets(package, doc)
                if self.sip:
                    findings += _sip(doc)
        findings += _unreferenced(package)
        findings += schema_check.check(package)
        return findings


CSIP_2_1_0 = EarkProfile("e-ark-csip-2.1.0", "E-ARK CSIP 2.1.0", sip=False)
SIP_2_1_0 = EarkProfile("e-ark-sip-2.1.0", "E-ARK SIP 2.1.0 (with CSIP 2.1.0; FGS Paketstruktur 2.0)", sip=True)


# --- the folder structure (CSIPSTR) ------------------------------------------------------------------

def _structure(package: Package) -> list[Finding]:
    out: list[Finding] = []
    if not package.is_file("METS.xml"):
        near = [f for f in package.children("")[1] if f.lower().endswith(".xml")]
        out.append(error("CSIPSTR4", "METS.xml", "missing: the package root folder must hold a file named METS.xml"
                         + (f" (found {', '.join(near)})" if near else "")))
    subs, _ = package.children("")
    if "metadata" not in subs:
        out.append(warning("CSIPSTR5", "metadata/", "the package has no folder named metadata"))
    if "representations" not in subs:
        out.append(warning("CSIPSTR9", "representations/", "the package has no folder named representations"))
    else:
        reps = package.representation_folders
        if not reps:
            out.append(warning("CSIPSTR10", "representations/", "no folder for a representation in it"))
        for rep in reps:
            rep_subs, rep_files = package.children(rep)
            if "data" not in rep_subs:
                out.append(warning("CSIPSTR11", f"{rep}/", "the representation has no folder named data"))
            if "METS.xml" not in rep_files:
                out.append(warning("CSIPSTR12", f"{rep}/", "the representation has no METS.xml"))
            if "metadata" not in rep_subs:
                out.append(warning("CSIPSTR13", f"{rep}/", "the representation has no folder named metadata"))
    for link in sorted(package.links):
        out.append(error("CSIPSTR1", link, "a symbolic link: a package holds its files itself"))
    return out


# --- every METS file ----------------------------------------------------------------------------------

def _mets(package: Package, doc: MetsDocument) -> list[Finding]:
    out: list[Finding] = []
    root, rel = doc.root, doc.path
    out += _root_attributes(package, doc)

    hdr = root.find(m("metsHdr"))
    if hdr is None:
        out.append(error("CSIP117", rel, "no metsHdr"))
    else:
        out += _header(doc, hdr)

    for dmd in root.findall(m("dmdSec")):
        out += _md_section(package, doc, dmd, DMD)
        if dmd.get("CREATED") is None:
            out.append(error("CSIP19", rel, f"dmdSec {dmd.get('ID')}: no CREATED"))
    for amd in root.findall(m("amdSec")):
        for digiprov in amd.findall(m("digiprovMD")):
            out += _md_section(package, doc, digiprov, DIGIPROV)
        for rights in amd.findall(m("rightsMD")):
            out += _md_section(package, doc, rights, RIGHTS)
        for other in (*amd.findall(m("techMD")), *amd.findall(m("sourceMD"))):
            for ref in other.findall(m("mdRef")):
                out += _reference(package, doc, ref, OTHER_MD,
                                  f"{etree.QName(other).localname} {other.get('ID') or '(no ID)'}", attributes=False)
    out += _metadata_folders(package, doc)

    file_secs = root.findall(m("fileSec"))
    for file_sec in file_secs:
        if _empty(file_sec.get("ID")):
            out.append(error("CSIP59", rel, "fileSec has no ID"))
        for group in file_sec.iter(m("fileGrp")):
            out += _file_group(package, doc, group)
    out += _struct_map(package, doc)
    return out


def _root_attributes(package: Package, doc: MetsDocument) -> list[Finding]:
    out: list[Finding] = []
    root, rel = doc.root, doc.path
    objid = root.get("OBJID")
    if objid is None:
        out.append(error("CSIP1", rel, "mets has no OBJID"))
    elif _empty(objid):
        out.append(error("CSIP1", rel, "mets/@OBJID is empty"))
    elif doc.is_root and objid != package.name:
        out.append(warning("CSIP1", rel, f"mets/@OBJID {objid!r} is not the package's folder name {package.name!r}"))
    elif not doc.is_root and objid != doc.folder.rsplit("/", 1)[-1]:
        out.append(warning("CSIP1", rel, f"mets/@OBJID {objid!r} is not the representation's folder name "
                                         f"{doc.folder.rsplit('/', 1)[-1]!r}"))

    category, other = root.get("TYPE"), root.get(csip("OTHERTYPE"))
    if category is None:
        out.append(error("CSIP2", rel, "mets has no TYPE (content category)"))
    elif category in OTHER_CATEGORY:
        if _empty(other):
            out.append(error("CSIP2", rel, f"mets/@TYPE is {category!r} but csip:OTHERTYPE is missing or empty"))
    elif category not in CONTENT_CATEGORY:
        out.append(error("CSIP2", rel, f"mets/@TYPE {category!r} is not in the content category vocabulary"))
    if other is not None and category is not None and category not in OTHER_CATEGORY:
        out.append(error("CSIP3", rel, f"csip:OTHERTYPE is given but mets/@TYPE is {category!r}, not OTHER"))
    elif other is not None and other in CONTENT_CATEGORY:
        out.append(error("CSIP3", rel, f"csip:OTHERTYPE {other!r} is a vocabulary term: use it as mets/@TYPE"))

    cit, other_cit = root.get(csip("CONTENTINFORMATIONTYPE")), root.get(csip("OTHERCONTENTINFORMATIONTYPE"))
    if cit is None:
        if doc.is_root:
            out.append(warning("CSIP4", rel, "the package METS has no csip:CONTENTINFORMATIONTYPE"))
        else:
            out.append(error("CSIP4", rel, "a representation METS must have csip:CONTENTINFORMATIONTYPE"))
    elif cit not in CONTENT_INFORMATION_TYPE:
        out.append(error("CSIP4", rel, f"csip:CONTENTINFORMATIONTYPE {cit!r} is not in the vocabulary"))
    elif cit == "OTHER" and _empty(other_cit):
        out.append(error("CSIP4", rel, "csip:CONTENTINFORMATIONTYPE is OTHER but csip:OTHERCONTENTINFORMATIONTYPE "
                                       "is missing or empty"))
    if other_cit is not None and cit is not None and cit != "OTHER":
        out.append(error("CSIP5", rel, f"csip:OTHERCONTENTINFORMATIONTYPE is given but csip:CONTENTINFORMATIONTYPE "
                                       f"is {cit!r}, not OTHER"))
    elif other_cit is not None and other_cit in CONTENT_INFORMATION_TYPE:
        out.append(error("CSIP5", rel, f"csip:OTHERCONTENTINFORMATIONTYPE {other_cit!r} is a vocabulary term"))

    profile = root.get("PROFILE")
    if profile is None:
        out.append(error("CSIP6", rel, "mets has no PROFILE"))
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", profile.strip()):
        out.append(error("CSIP6", rel, f"mets/@PROFILE {profile!r} is not a URL"))
    return out


def _header(doc: MetsDocument, hdr: Any) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    if hdr.get("CREATEDATE") is None:
        out.append(error("CSIP7", rel, "metsHdr has no CREATEDATE"))
    modified = hdr.get("LASTMODDATE")
    if modified is not None:
        when = _datetime(modified)
        if when is not None and when > datetime.now(UTC):
            out.append(error("CSIP8", rel, f"metsHdr/@LASTMODDATE {modified} is in the future"))
    package_type = hdr.get(csip("OAISPACKAGETYPE"))
    if package_type is None:
        out.append(error("CSIP9", rel, "metsHdr has no csip:OAISPACKAGETYPE"))
    elif package_type not in OAIS_PACKAGE_TYPE:
        out.append(error("CSIP9", rel, f"csip:OAISPACKAGETYPE {package_type!r} is not in the vocabulary"))
    out += _software_agent(rel, hdr.findall(m("agent")))
    return out


def _datetime(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _software_agent(rel: str, agents: list[Any]) -> list[Finding]:
    """CSIP10-16: the agent that records the software which made the package: ROLE CREATOR, TYPE OTHER,
    OTHERTYPE SOFTWARE, one name, one note typed SOFTWARE VERSION. Other agents (the SIP's archival
    creator, submitting agent, contact persons) are allowed beside it."""
    if not agents:
        return [error("CSIP10", rel, "metsHdr has no agent: one must record the software that made the package")]
    software = [a for a in agents if a.get("ROLE") == "CREATOR" and a.get("TYPE") == "OTHER"
                and a.get("OTHERTYPE") == "SOFTWARE"]
    if not software:
        out = [error("CSIP10", rel, "no agent with ROLE=CREATOR, TYPE=OTHER, OTHERTYPE=SOFTWARE records the "
                                    "software that made the package")]
        creators = [a for a in agents if a.get("ROLE") == "CREATOR"]
        if not creators:
            out.append(error("CSIP11", rel, "no agent has ROLE=CREATOR"))
            return out
        # The CREATOR agents that are not one of the SIP's organisation or person agents: how each falls short.
        candidates = [a for a in creators if a.get("TYPE") not in ("ORGANIZATION",)] or creators
        if not any(a.get("TYPE") == "OTHER" for a in candidates):
            typed = [a.get("TYPE") for a in candidates]
            out.append(error("CSIP12", rel, "the CREATOR agent has " + (
                "no TYPE" if None in typed else f"TYPE {typed[0]!r}") + ", not OTHER"))
        elif not any(a.get("OTHERTYPE") == "SOFTWARE" for a in candidates if a.get("TYPE") == "OTHER"):
            other = [a.get("OTHERTYPE") for a in candidates if a.get("TYPE") == "OTHER"]
            out.append(error("CSIP13", rel, "the CREATOR agent of TYPE OTHER has " + (
                "no OTHERTYPE" if None in other else f"OTHERTYPE {other[0]!r}") + ", not SOFTWARE"))
        if any(a.get("ROLE") != "CREATOR" and a.get("OTHERTYPE") == "SOFTWARE" for a in agents):
            out.append(error("CSIP11", rel, "the SOFTWARE agent's ROLE is not CREATOR"))
        return out
    agent = software[0]
    out = []
    names = agent.findall(m("name"))
    if len(names) != 1:
        out.append(error("CSIP14", rel, f"the software agent has {len(names)} name elements, not one"))
    elif _empty(names[0].text):
        out.append(error("CSIP14", rel, "the software agent's name is empty"))
    notes = agent.findall(m("note"))
    if not notes:
        out.append(error("CSIP15", rel, "the software agent has no note with the software's version"))
    elif len(notes) > 1:
        out.append(error("CSIP15", rel, f"the software agent has {len(notes)} notes, not one"))
    elif _empty(notes[0].text):
        out.append(error("CSIP15", rel, "the software agent's note (the software's version) is empty"))
    for note in notes[:1]:
        kind = note.get(csip("NOTETYPE"))
        if kind is None:
            out.append(error("CSIP16", rel, "the software agent's note has no csip:NOTETYPE"))
        elif kind != "SOFTWARE VERSION":
            out.append(error("CSIP16", rel, f"the software agent's note has csip:NOTETYPE {kind!r}, "
                                            f"not SOFTWARE VERSION"))
    return out


# --- metadata sections and their references ----------------------------------------------------------

def _md_section(package: Package, doc: MetsDocument, section: Any, ids: _RefIds) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    name = f"{ids.section} {section.get('ID') or '(no ID)'}"
    status = section.get("STATUS")
    if status is None:
        out.append(warning(ids.status, rel, f"{name} has no STATUS (CURRENT or SUPERSEDED)"))
    elif status not in STATUS:
        out.append(error(ids.status, rel, f"{name} has STATUS {status!r}, not CURRENT or SUPERSEDED"))
    refs = section.findall(m("mdRef"))
    if not refs:
        if ids is DMD and _metadata_files(package, doc, "descriptive"):
            out.append(error(ids.mdref, rel, f"{name} has no mdRef, while metadata/descriptive holds files"))
        else:
            out.append(warning(ids.mdref, rel, f"{name} has no mdRef to a metadata file"))
    for ref in refs:
        out += _reference(package, doc, ref, ids, name)
    return out


def _reference(package: Package, doc: MetsDocument, element: Any, ids: _RefIds, name: str, *,
               attributes: bool = True) -> list[Finding]:
    """The attributes of one mdRef or file (with its FLocat), and the file it points at: present, its size
    and checksum as stated. Without `attributes`, only the file against what is stated."""
    out: list[Finding] = []
    if not attributes:
        return [f for f in _target(package, doc, element, element, ids, name) if f.severity == ERROR]
    rel = doc.path
    if ids is FILE:
        locations = element.findall(m("FLocat"))
        if len(locations) != 1:
            out.append(error(ids.mdref, rel, f"{name} has {len(locations)} FLocat elements, not one"))
        locator = locations[0] if locations else None
    else:
        locator = element
    if locator is not None:
        loctype = locator.get("LOCTYPE")
        if loctype != "URL":
            out.append(error(ids.loctype, rel, f"{name}: LOCTYPE is {loctype!r}, not URL"))
        if locator.get(XLINK_TYPE) is None:
            out.append(error(ids.type, rel, f"{name}: no xlink:type (simple)"))
    mimetype = element.get("MIMETYPE")
    if mimetype is None:
        out.append(error(ids.mimetype, rel, f"{name}: no MIMETYPE"))
    elif _empty(mimetype):
        out.append(error(ids.mimetype, rel, f"{name}: MIMETYPE is empty"))
    elif len(mimetype) > 256:
        out.append(warning(ids.mimetype, rel, f"{name}: MIMETYPE is longer than 256 characters"))
    elif not _media_type_registered(mimetype):
        out.append(error(ids.mimetype, rel, f"{name}: MIMETYPE {mimetype!r} is not a media type registered "
                                            f"with IANA"))
    if element.get("CREATED") is None:
        out.append(error(ids.created, rel, f"{name}: no CREATED"))
    size, checksum, algorithm = element.get("SIZE"), element.get("CHECKSUM"), element.get("CHECKSUMTYPE")
    if size is None:
        out.append(error(ids.size, rel, f"{name}: no SIZE"))
    if checksum is None:
        out.append(error(ids.checksum, rel, f"{name}: no CHECKSUM"))
    if algorithm is None:
        out.append(error(ids.checksumtype, rel, f"{name}: no CHECKSUMTYPE"))

    if locator is None:
        return out
    return out + _target(package, doc, element, locator, ids, name)


def _target(package: Package, doc: MetsDocument, element: Any, locator: Any, ids: _RefIds, name: str
            ) -> list[Finding]:
    """The file a reference points at: there, with the SIZE and CHECKSUM the element states."""
    out: list[Finding] = []
    rel = doc.path
    size, checksum, algorithm = element.get("SIZE"), element.get("CHECKSUM"), element.get("CHECKSUMTYPE")
    href = locator.get(XLINK_HREF)
    if href is None:
        out.append(error(ids.href, rel, f"{name}: no xlink:href"))
        return out
    if _empty(href):
        out.append(warning(ids.href, rel, f"{name}: xlink:href is empty"))
        return out
    target = doc.resolve(href)
    if target is None:
        out.append(error(ids.href, rel, f"{name}: xlink:href {href!r} points outside the package"))
        return out
    if not package.is_file(target):
        other = package.case_insensitive(target)
        if other is None:
            out.append(error(ids.href, target, f"listed in {rel} ({name}) but missing"))
            return out
        # The corpus matches paths without regard to case (CSIP64); a file system that does not breaks the link.
        out.append(warning(ids.href, target, f"listed in {rel} ({name}); the package has it as {other} "
                                             f"(letter case differs)"))
        target = other
    actual_size = package.size(target)
    if size is not None and (not size.strip().isdigit() or int(size) != actual_size):
        out.append(error(ids.size, target, f"size {actual_size} bytes, {rel} says {size}"))
    if checksum is not None and algorithm is not None:
        hash_name = _ALGORITHMS.get(algorithm.upper())
        if hash_name is None:
            out.append(warning(ids.checksumtype, target, f"CHECKSUMTYPE {algorithm!r} in {rel} cannot be checked"))
        else:
            actual = package.digest(target, hash_name)
            if actual != checksum.strip().lower():
                out.append(error(ids.checksum, target, f"{algorithm} {actual}, {rel} says {checksum}"))
    return out


def _metadata_files(package: Package, doc: MetsDocument, kind: str) -> list[str]:
    folder = f"{doc.folder}/metadata/{kind}" if doc.folder else f"metadata/{kind}"
    return [f for f in package.files_under(folder) if not f.rsplit("/", 1)[-1].startswith(".")]


def _referenced(doc: MetsDocument, tag: str) -> set[str]:
    out = set()
    for section in doc.root.iter(m(tag)):
        for ref in section.findall(m("mdRef")):
            href = ref.get(XLINK_HREF)
            target = doc.resolve(href) if href else None
            if target:
                out.add(target)
    return out


def _metadata_folders(package: Package, doc: MetsDocument) -> list[Finding]:
    """CSIP17, CSIP31, CSIP32: metadata files in the folder a METS describes are described in it."""
    out: list[Finding] = []
    descriptive = _metadata_files(package, doc, "descriptive")
    if descriptive and doc.root.find(m("dmdSec")) is None:
        out.append(error("CSIP17", doc.path, f"metadata/descriptive holds {len(descriptive)} file(s) but there is "
                                             f"no dmdSec"))
    preservation = _metadata_files(package, doc, "preservation")
    if preservation:
        if doc.root.find(m("amdSec")) is None:
            out.append(error("CSIP31", doc.path, f"metadata/preservation holds {len(preservation)} file(s) but "
                                                 f"there is no amdSec"))
        # Described by a digiprovMD, or by another section of the amdSec (rights held in a PREMIS file).
        referenced = set().union(*(_referenced(doc, tag) for tag in ("digiprovMD", "rightsMD", "techMD", "sourceMD")))
        for f in preservation:
            if f not in referenced:
                out.append(error("CSIP32", f, f"preservation metadata without a digiprovMD in {doc.path}"))
    return out


# --- file groups --------------------------------------------------------------------------------------

def _file_group(package: Package, doc: MetsDocument, group: Any) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    use, gid = group.get("USE"), group.get("ID")
    name = f"fileGrp {gid or use or '(no ID)'}"
    if _empty(gid):
        out.append(error("CSIP65", rel, f"{name} has no ID"))
    if use is None:
        if group.getparent().tag != m("fileGrp"):
            out.append(error("CSIP64", rel, f"{name} has no USE"))
    else:
        if doc.is_root and group.getparent().tag == m("fileSec") and not any(
                use == label or use.startswith(label + "/") for label in DIVISION_LABELS):
            out.append(error("CSIP64", rel, f"{name}: USE {use!r} does not begin with Documentation, Schemas or "
                                            f"Representations"))
        folder = f"{doc.folder}/{use}" if doc.folder else use
        if folder.lower() not in {f.lower() for f in package.folders}:
            out.append(error("CSIP64", rel, f"{name}: USE {use!r} names no folder of the package"))
    cit, other_cit = group.get(csip("CONTENTINFORMATIONTYPE")), group.get(csip("OTHERCONTENTINFORMATIONTYPE"))
    if use is not None and use.startswith("Representations") and cit is None and doc.is_root:
        out.append(error("CSIP62", rel, f"{name} describes a representation but has no csip:CONTENTINFORMATIONTYPE"))
    if cit is not None and cit not in CONTENT_INFORMATION_TYPE:
        out.append(error("CSIP62", rel, f"{name}: csip:CONTENTINFORMATIONTYPE {cit!r} is not in the vocabulary"))
    if cit == "OTHER" and _empty(other_cit):
        out.append(error("CSIP63", rel, f"{name}: csip:CONTENTINFORMATIONTYPE is OTHER but "
                                        f"csip:OTHERCONTENTINFORMATIONTYPE is missing or empty"))
    if other_cit is not None and cit != "OTHER":
        out.append(error("CSIP63", rel, f"{name}: csip:OTHERCONTENTINFORMATIONTYPE is given but "
                                        f"csip:CONTENTINFORMATIONTYPE is {cit!r}, not OTHER"))
    elif other_cit is not None and other_cit in CONTENT_INFORMATION_TYPE:
        out.append(error("CSIP63", rel, f"{name}: csip:OTHERCONTENTINFORMATIONTYPE {other_cit!r} is a vocabulary "
                                        f"term"))
    admid = _ids(group.get("ADMID"))
    if admid:
        known = _administrative_ids(doc)
        for ref in admid:
            if ref not in known:
                out.append(warning("CSIP61", rel, f"{name}: ADMID {ref!r} is not an administrative metadata "
                                                  f"section"))
    files = group.findall(m("file"))
    if not list(group.iter(m("file"))):
        out.append(error("CSIP66", rel, f"{name} holds no file"))
    for f in files:
        out += _reference(package, doc, f, FILE, f"file {f.get('ID') or '(no ID)'}")
    return out


def _administrative_ids(doc: MetsDocument) -> set[str]:
    out = set()
    for amd in doc.root.findall(m("amdSec")):
        if amd.get("ID"):
            out.add(amd.get("ID"))
        for child in amd:
            if isinstance(child.tag, str) and child.get("ID"):
                out.add(child.get("ID"))
    return out


# --- the package METS: file groups and structural map ------------------------------------------------

def _package_mets(package: Package, doc: MetsDocument) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    groups = [g for fs in doc.root.findall(m("fileSec")) for g in fs.findall(m("fileGrp"))]
    uses = [g.get("USE") or "" for g in groups]
    if "Documentation" not in uses:
        # CSIP60 is a MUST in the specification; the corpus's rule reports it as a WARNING. Followed: warning.
        out.append(warning("CSIP60", rel, "no file group with USE Documentation"))
    if "Schemas" not in uses:
        out.append(warning("CSIP113", rel, "no file group with USE Schemas"))
    if not any(u.startswith("Representations") for u in uses):
        out.append(warning("CSIP114", rel, "no file group with USE Representations..."))
    return out


def _struct_map(package: Package, doc: MetsDocument) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    maps = [s for s in doc.root.findall(m("structMap")) if s.get("LABEL") == "CSIP"]
    if not maps:
        return [error("CSIP80", rel, "no structMap with LABEL CSIP")]
    if len(maps) > 1:
        out.append(error("CSIP80", rel, f"{len(maps)} structMaps with LABEL CSIP, not one"))
    smap = maps[0]
    kind = smap.get("TYPE")
    if kind is None:
        out.append(error("CSIP81", rel, "the CSIP structMap has no TYPE"))
    elif kind != "PHYSICAL":
        out.append(error("CSIP81", rel, f"the CSIP structMap has TYPE {kind!r}, not PHYSICAL"))
    if _empty(smap.get("ID")):
        out.append(error("CSIP83", rel, "the CSIP structMap has no ID"))
    tops = smap.findall(m("div"))
    if len(tops) != 1:
        out.append(error("CSIP84", rel, f"the CSIP structMap has {len(tops)} top divisions, not one"))
    if not tops:
        return out
    top = tops[0]
    if _empty(top.get("ID")):
        out.append(error("CSIP85", rel, "the CSIP structMap's division has no ID"))
    label = top.get("LABEL")
    if label is None:
        out.append(error("CSIP86", rel, "the CSIP structMap's division has no LABEL"))
    elif doc.root.get("OBJID") is not None and label != doc.root.get("OBJID"):
        out.append(error("CSIP86", rel, f"the CSIP structMap's division has LABEL {label!r}, not the OBJID "
                                        f"{doc.root.get('OBJID')!r}"))
    divs = top.findall(m("div"))
    for div in divs:
        if _empty(div.get("ID")):
            out.append(error("CSIP106", rel, f"division {div.get('LABEL')!r} has no ID"))
    by_label: dict[str, list[Any]] = {}
    for div in divs:
        by_label.setdefault(div.get("LABEL") or "", []).append(div)

    has_metadata = doc.root.find(m("dmdSec")) is not None or doc.root.find(m("amdSec")) is not None
    metadata = by_label.get("Metadata", [])
    # CSIP88/90: in the package METS always; in a representation METS when it has metadata sections.
    if not metadata and (doc.is_root or has_metadata):
        out.append(error(("CSIP88", "CSIP90"), rel, "no division with LABEL Metadata"))
    elif len(metadata) > 1:
        out.append(error(("CSIP88", "CSIP90"), rel, f"{len(metadata)} divisions with LABEL Metadata, not one"))
    if metadata:
        out += _metadata_division(doc, metadata[0])

    groups = {g.get("ID"): g for g in doc.root.iter(m("fileGrp")) if g.get("ID")}
    if doc.is_root:
        out += _division(doc, by_label, groups, "Documentation", ("CSIP93",), ("CSIP96", "CSIP116"))
        out += _division(doc, by_label, groups, "Schemas", ("CSIP97",), ("CSIP100", "CSIP118"))
        out += _representation_divisions(package, doc, by_label, groups)
    return out


def _metadata_division(doc: MetsDocument, div: Any) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    amd = [c for a in doc.root.findall(m("amdSec")) for c in a if isinstance(c.tag, str)]
    current_amd = {c.get("ID") for c in amd if c.get("ID") and c.get("STATUS", "CURRENT") == "CURRENT"}
    admid = _ids(div.get("ADMID"))
    if amd and div.get("ADMID") is None:
        out.append(error("CSIP91", rel, "the Metadata division has no ADMID, while there is administrative "
                                        "metadata"))
    else:
        known = _administrative_ids(doc)
        for missing in sorted(current_amd - set(admid)):
            out.append(error("CSIP91", rel, f"the Metadata division's ADMID does not list {missing!r}"))
        for extra in admid:
            if extra not in known:
                out.append(error("CSIP91", rel, f"the Metadata division's ADMID lists {extra!r}, which is no "
                                                f"administrative metadata section"))
    dmd = doc.root.findall(m("dmdSec"))
    current_dmd = {d.get("ID") for d in dmd if d.get("ID") and d.get("STATUS", "CURRENT") == "CURRENT"}
    dmdid = _ids(div.get("DMDID"))
    if dmd and div.get("DMDID") is None:
        out.append(error("CSIP92", rel, "the Metadata division has no DMDID, while there is descriptive metadata"))
    else:
        known_dmd = {d.get("ID") for d in dmd}
        for missing in sorted(current_dmd - set(dmdid)):
            out.append(error("CSIP92", rel, f"the Metadata division's DMDID does not list {missing!r}"))
        for extra in dmdid:
            if extra not in known_dmd:
                out.append(error("CSIP92", rel, f"the Metadata division's DMDID lists {extra!r}, which is no dmdSec"))
    return out


def _division(doc: MetsDocument, by_label: dict[str, list[Any]], groups: dict[str, Any], label: str,
              division_ids: tuple[str, ...], pointer_ids: tuple[str, ...]) -> list[Finding]:
    """The Documentation or Schemas division: at most one; every file group of that USE is pointed at from
    it (or, for a representation's own group, from that representation's division), and its pointers point
    at such groups."""
    out: list[Finding] = []
    rel = doc.path
    divs = by_label.get(label, [])
    if not divs:
        out.append(warning(division_ids, rel, f"no division with LABEL {label}"))
    elif len(divs) > 1:
        out.append(error(division_ids, rel, f"{len(divs)} divisions with LABEL {label}, not one"))
    pointed = [p.get("FILEID") for d in divs for p in d.findall(m("fptr"))]
    in_representations = {p.get("FILEID") for lab, ds in by_label.items() if lab.startswith("Representations/")
                          for d in ds for p in d.iter(m("fptr"))}
    for fileid in pointed:
        group = groups.get(fileid)
        if group is None or group.get("USE") != label:
            out.append(error(pointer_ids, rel, f"the {label} division points at {fileid!r}, which is no file group "
                                               f"with USE {label}"))
    for gid, group in groups.items():
        if group.get("USE") == label and gid not in pointed and gid not in in_representations:
            out.append(error(pointer_ids, rel, f"file group {gid!r} (USE {label}) is not pointed at from the "
                                               f"{label} division"))
    return out


def _representation_divisions(package: Package, doc: MetsDocument, by_label: dict[str, list[Any]],
                              groups: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    content = by_label.get("Representations", [])
    rep_divs = {label: divs for label, divs in by_label.items() if label.startswith("Representations/")}
    if len(content) > 1:
        out.append(error("CSIP101", rel, f"{len(content)} divisions with LABEL Representations, not one"))
    elif not content and not rep_divs and any((g.get("USE") or "").startswith("Representations")
                                               for g in groups.values()):
        out.append(warning("CSIP101", rel, "no division with LABEL Representations"))
    pointed: set[str] = set()
    for div in content:
        for p in div.findall(m("fptr")):
            fileid = p.get("FILEID")
            pointed.add(fileid)
            group = groups.get(fileid)
            if group is None or not (group.get("USE") or "").startswith("Representations"):
                out.append(error(("CSIP104", "CSIP119"), rel, f"the Representations division points at {fileid!r}, "
                                                              f"which is no file group with USE Representations..."))
    mets_of_reps = {f"{r}/METS.xml" for r in package.representation_folders if package.is_file(f"{r}/METS.xml")}
    pointed_mets: set[str] = set()
    for label, divs in rep_divs.items():
        for div in divs:
            for p in div.iter(m("fptr")):
                pointed.add(p.get("FILEID"))
            mptrs = div.findall(m("mptr"))
            folder = "representations/" + label.removeprefix("Representations/")
            if not any(f.lower() == folder.lower() for f in package.folders):
                out.append(error(("CSIP105", "CSIP107"), rel, f"division {label!r} names no representation folder"))
            if len(mptrs) != 1:
                if mptrs or f"{folder}/METS.xml" in mets_of_reps:
                    out.append(error("CSIP109", rel, f"division {label!r} has {len(mptrs)} METS pointers, not one"))
                continue
            mptr = mptrs[0]
            title = mptr.get(XLINK_TITLE)
            if title is not None:
                pointed.add(title)
                group = groups.get(title)
                if group is None or group.get("USE") != label:
                    out.append(error("CSIP108", rel, f"division {label!r}: mptr xlink:title {title!r} is no file "
                                                     f"group with USE {label!r}"))
            else:
                out.append(error("CSIP108", rel, f"division {label!r}: its mptr has no xlink:title naming the file "
                                                 f"group"))
            href = mptr.get(XLINK_HREF)
            if _empty(href):
                out.append(error("CSIP110", rel, f"division {label!r}: its mptr has no xlink:href"))
            else:
                target = doc.resolve(href or "")
                if target is None or not package.is_file(target):
                    out.append(error("CSIP110", rel, f"division {label!r}: mptr xlink:href {href!r} points at no file "
                                                     f"of the package"))
                else:
                    pointed_mets.add(target)
                    if target.lower() != f"{folder}/METS.xml".lower():
                        out.append(error("CSIP110", rel, f"division {label!r}: mptr points at {target}, not the "
                                                         f"representation's {folder}/METS.xml"))
            if mptr.get(XLINK_TYPE) is None:
                out.append(error("CSIP111", rel, f"division {label!r}: its mptr has no xlink:type (simple)"))
            if mptr.get("LOCTYPE") != "URL":
                out.append(error("CSIP112", rel, f"division {label!r}: its mptr LOCTYPE is {mptr.get('LOCTYPE')!r}, "
                                                 f"not URL"))
    for rep_mets in sorted(mets_of_reps - pointed_mets):
        out.append(warning(("CSIP105", "CSIP107"), rel, f"no division Representations/... points at {rep_mets}"))
    for gid, group in groups.items():
        if (group.get("USE") or "").startswith("Representations") and group.getparent().tag == m("fileSec") \
                and gid not in pointed:
            out.append(error(("CSIP104", "CSIP119"), rel, f"file group {gid!r} (USE {group.get('USE')}) is not pointed "
                                                          f"at from the structural map"))
    return out


# --- files the METS files do not describe ---------------------------------------------------------------

def _unreferenced(package: Package) -> list[Finding]:
    """CSIP58: references to all transferred content SHOULD be in the file sections."""
    listed: set[str] = set()
    for doc in package.mets_documents:
        listed.add(doc.path)
        for element in doc.root.iter(m("FLocat"), m("mdRef"), m("mptr")):
            href = element.get(XLINK_HREF)
            target = doc.resolve(href) if href else None
            if target:
                listed.add(target)
    listed |= {f for f in (package.case_insensitive(t) for t in listed) if f}
    return [warning("CSIP58", f, "in the package but referenced from no METS file")
            for f in sorted(package.files - listed)]


# --- SIP 2.1.0 ----------------------------------------------------------------------------------------

def _sip(doc: MetsDocument) -> list[Finding]:
    out: list[Finding] = []
    rel = doc.path
    root = doc.root
    profile = root.get("PROFILE")
    if profile is not None and profile != SIP_PROFILE_URL:
        out.append(error("SIP2", rel, f"mets/@PROFILE is {profile!r}, not {SIP_PROFILE_URL}"))
    hdr = root.find(m("metsHdr"))
    if hdr is None:
        return out
    package_type = hdr.get(csip("OAISPACKAGETYPE"))
    if package_type is not None and package_type != "SIP":
        out.append(error("SIP4", rel, f"csip:OAISPACKAGETYPE is {package_type!r}, not SIP"))
    status = hdr.get("RECORDSTATUS")
    if status is not None and status not in RECORD_STATUS:
        out.append(error("SIP3", rel, f"metsHdr/@RECORDSTATUS {status!r} is not in the SIP vocabulary"))
    for alt in hdr.findall(m("altRecordID")):
        kind = alt.get("TYPE")
        if kind not in ALT_RECORD_ID_TYPE:
            out.append(error(("SIP5", "SIP6", "SIP7", "SIP8"), rel,
                             f"altRecordID TYPE {kind!r} is not in the SIP vocabulary"))
    agents = hdr.findall(m("agent"))
    # SIP9-14: the archival creator, at most one; its note typed IDENTIFICATIONCODE.
    archivists = [a for a in agents if a.get("ROLE") == "ARCHIVIST"]
    if len(archivists) > 1:
        out.append(error("SIP9", rel, f"{len(archivists)} archival creator agents (ROLE ARCHIVIST), not at most one"))
    for agent in archivists:
        if agent.get("TYPE") not in ("ORGANIZATION", "INDIVIDUAL"):
            out.append(error("SIP11", rel, f"the archival creator agent has TYPE {agent.get('TYPE')!r}, not "
                                           f"ORGANIZATION or INDIVIDUAL"))
        out += _identification_notes(rel, agent, "SIP14", "archival creator")
    # SIP15-20: the submitting agent, exactly one organisation or person with ROLE CREATOR.
    submitters = [a for a in agents if a.get("ROLE") == "CREATOR" and a.get("TYPE") == "ORGANIZATION"] or \
                 [a for a in agents if a.get("ROLE") == "CREATOR" and a.get("TYPE") == "INDIVIDUAL"][:1]
    if not submitters:
        out.append(error("SIP15", rel, "no submitting agent (ROLE CREATOR, TYPE ORGANIZATION or INDIVIDUAL)"))
    elif len(submitters) > 1:
        out.append(error("SIP15", rel, f"{len(submitters)} submitting agents (ROLE CREATOR, TYPE ORGANIZATION), "
                                       f"not one"))
    for agent in submitters[:1]:
        if _empty(agent.findtext(m("name"))):
            out.append(error("SIP18", rel, "the submitting agent has no name"))
        out += _identification_notes(rel, agent, "SIP20", "submitting")
    # SIP21-25: contact persons (CREATOR, INDIVIDUAL) have a name.
    for agent in agents:
        if agent.get("ROLE") == "CREATOR" and agent.get("TYPE") == "INDIVIDUAL" and agent not in submitters \
                and _empty(agent.findtext(m("name"))):
            out.append(error("SIP24", rel, "a contact person agent has no name"))
    # SIP26-31: the preservation agent, at most one organisation; its note typed IDENTIFICATIONCODE.
    keepers = [a for a in agents if a.get("ROLE") == "PRESERVATION"]
    if len(keepers) > 1:
        out.append(error("SIP26", rel, f"{len(keepers)} preservation agents, not at most one"))
    for agent in keepers:
        if agent.get("TYPE") != "ORGANIZATION":
            out.append(error("SIP28", rel, f"the preservation agent has TYPE {agent.get('TYPE')!r}, not ORGANIZATION"))
        out += _identification_notes(rel, agent, "SIP31", "preservation")
    return out


def _identification_notes(rel: str, agent: Any, requirement: str, who: str) -> list[Finding]:
    out = []
    for note in agent.findall(m("note")):
        kind = note.get(csip("NOTETYPE"))
        if kind != "IDENTIFICATIONCODE":
            out.append(error(requirement, rel, f"the {who} agent's note has csip:NOTETYPE {kind!r}, not "
                                               f"IDENTIFICATIONCODE"))
    return out
