"""Offline XML Schema validation of a package's METS, PREMIS and Dublin Core files.

Each document is validated against the schemas shipped inside the package (the `schemas/`
folder of the package and of the document's representation, found by their target namespace),
and against socialledger's own copies (`socialledger/archive/schemas/`, see SOURCES.md there)
for a namespace the package ships no schema for. Nothing is fetched: an `xsd:import` or
`schemaLocation` naming a web address is resolved to a file of the same name in those folders
(`http://www.loc.gov/standards/xlink/xlink.xsd` -> `schemas/xlink.xsd`), and fails with a finding
when there is none. Compiled schemas are cached by the content of the files they were built from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from lxml import etree

from socialledger.archive.requirements import Finding, error, warning
from socialledger.archive.requirements.package import METS_NS, Package, m, resolve

SHIPPED = Path(__file__).resolve().parent.parent / "schemas"

PREMIS_V3 = "http://www.loc.gov/premis/v3"
PREMIS_V2 = "info:lc/xmlns/premis-v2"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# The document kinds validated, by the namespace of their root element.
KINDS = {METS_NS: "METS", PREMIS_V3: "PREMIS", PREMIS_V2: "PREMIS", OAI_DC: "Dublin Core", DC: "Dublin Core"}

# An offline catalog: the published addresses of the schemas socialledger ships, and its file for each.
# An import naming one of these addresses gets that document; any other address is looked up by its
# file name in the package's schema folders.
CATALOG = {
    "www.loc.gov/standards/xlink/xlink.xsd": "xlink.xsd",
    "www.loc.gov/standards/mets/xlink.xsd": "xlink.xsd",
    "www.loc.gov/standards/mets/mets.xsd": "mets.xsd",
    "www.loc.gov/standards/mets/version1121/mets.xsd": "mets.xsd",
    "www.w3.org/2001/xml.xsd": "xml.xsd",
    "www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "www.w3.org/XML/1998/namespace": "xml.xsd",
    "www.loc.gov/standards/premis/premis.xsd": "premis-v3-0.xsd",
    "www.loc.gov/standards/premis/v3/premis.xsd": "premis-v3-0.xsd",
    "www.loc.gov/standards/premis/v3/premis-v3-0.xsd": "premis-v3-0.xsd",
    "www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "dublincore.org/schemas/xmls/simpledc20021212.xsd": "dc.xsd",
    "earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd": "DILCISExtensionMETS.xsd",
    "earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd": "DILCISExtensionSIPMETS.xsd",
}

_MAX_ERRORS = 20  # schema errors reported per file; the rest are counted
_CACHE = 32  # compiled schema sets kept


@dataclass(frozen=True)
class _Schema:
    path: Path
    namespace: str | None
    digest: str


_by_path: dict[tuple[str, int, int], _Schema] = {}
_compiled: dict[tuple[Any, ...], Any] = {}


def _schema_file(path: Path) -> _Schema | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _by_path:
        data = path.read_bytes()
        namespace = None
        try:
            for _, element in etree.iterparse(path, events=("start",), resolve_entities=False, no_network=True):
                namespace = element.get("targetNamespace")
                break
        except etree.XMLSyntaxError:
            namespace = None
        _by_path[key] = _Schema(path, namespace, hashlib.sha256(data).hexdigest())
    return _by_path[key]


def _folder_schemas(folder: Path) -> list[_Schema]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() == ".xsd" and p.is_file() and not p.is_symlink():
            s = _schema_file(p)
            if s is not None:
                out.append(s)
    return out


class _Resolver(etree.Resolver):
    """Every import and include from a local file: a web address becomes the file of that name in the
    package's schema folders, then in socialledger's."""

    def __init__(self, folders: list[Path]) -> None:
        super().__init__()
        self.folders = folders

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        if not system_url:
            return None
        parsed = urlparse(system_url)
        if parsed.scheme in ("", "file"):
            local = Path(unquote(parsed.path))
            if local.is_file():
                return self.resolve_filename(str(local), context)
        known = CATALOG.get(f"{parsed.netloc}{parsed.path}")
        if known is not None:
            return self.resolve_filename(str(SHIPPED / known), context)
        name = PurePosixPath(unquote(parsed.path)).name
        for folder in self.folders:
            path = folder / name
            if path.is_file():
                return self.resolve_filename(str(path), context)
        return None  # the parser has no network: the import fails and is reported


def _compile(imports: list[_Schema], folders: list[Path]) -> Any:
    """An XMLSchema importing each namespace from its file (the document's root namespace first)."""
    # The same schema files (by name and content, in the same order of folders) give the same schema,
    # whichever package they are in: compiled once.
    key = (tuple((s.namespace, s.digest) for s in imports),
           tuple(tuple((s.path.name, s.digest) for s in _folder_schemas(f)) for f in folders))
    if key in _compiled:
        return _compiled[key]
    if len(_compiled) >= _CACHE:
        _compiled.pop(next(iter(_compiled)))
    driver = ['<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">']
    for s in imports:
        driver.append(f'<xs:import namespace="{s.namespace}" schemaLocation="{s.path.resolve().as_uri()}"/>')
    driver.append("</xs:schema>")
    p = etree.XMLParser(no_network=True, resolve_entities=False)
    p.resolvers.add(_Resolver(folders))
    try:
        doc = etree.fromstring("".join(driver).encode(), p, base_url=folders[0].resolve().as_uri() + "/")
        schema: Any = etree.XMLSchema(doc)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as e:
        schema = e
    _compiled[key] = schema
    return schema


def _namespaces(tree: Any) -> list[str]:
    """The namespaces of the document's elements and attributes, the root's first (xsi and xml left out).

    A METS file is walked element by element. A PREMIS or Dublin Core file (one element per event, tens
    of thousands in a half year) names the namespaces declared on its root: walking it would take longer
    than validating it, and what it holds in other namespaces sits in extension elements that PREMIS
    validates laxly anyway."""
    root = tree.getroot()
    root_tag = root.tag
    seen: dict[str, None] = {root_tag[1:root_tag.index("}")] if root_tag.startswith("{") else "": None}
    if root_tag != f"{{{METS_NS}}}mets":
        seen.update((ns, None) for ns in root.nsmap.values())
        return [ns for ns in seen if ns and ns not in (XSI, XML_NS)]
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        if tag.startswith("{"):
            seen.setdefault(tag[1:tag.index("}")], None)
        for name in element.attrib:
            if name.startswith("{"):
                seen.setdefault(name[1:name.index("}")], None)
    return [ns for ns in seen if ns and ns not in (XSI, XML_NS)]


def _schema_folders(package: Package, rel: str) -> list[Path]:
    """Where the schemas of a document are looked for: its representation's schemas/, the package's, ours."""
    folders = []
    parts = PurePosixPath(rel).parts
    if len(parts) > 2 and parts[0] == "representations":
        folders.append(package.root / parts[0] / parts[1] / "schemas")
    folders.append(package.root / "schemas")
    return [f for f in folders if f.is_dir()] + [SHIPPED]


def validate(package: Package, rel: str, tree: Any, namespaces: list[str] | None = None) -> list[Finding]:
    """Validate one parsed document of the package against its schemas, offline."""
    kind = KINDS.get(etree.QName(tree.getroot()).namespace or "", "XML")
    folders = _schema_folders(package, rel)
    by_namespace: dict[str, _Schema] = {}
    for folder in folders:
        for s in _folder_schemas(folder):
            if s.namespace is not None:
                by_namespace.setdefault(s.namespace, s)
    namespaces = _namespaces(tree) if namespaces is None else namespaces
    root_ns = namespaces[0] if namespaces else ""
    if root_ns not in by_namespace:
        return [warning("XSD", rel, f"{kind}: no schema for the namespace {root_ns} in the package or in "
                                    f"socialledger: not validated")]
    imports = [by_namespace[ns] for ns in namespaces if ns in by_namespace]
    schema = _compile(imports, folders)
    if isinstance(schema, Exception):
        names = ", ".join(sorted({_shown(package, s.path) for s in imports}))
        return [error("XSD", rel, f"{kind}: its schemas ({names}) cannot be loaded offline: {schema}")]
    if schema.validate(tree):
        return []
    entries = list(schema.error_log)
    out = [error("XSD", rel, f"{kind} schema: line {e.line}: {e.message}") for e in entries[:_MAX_ERRORS]]
    if len(entries) > _MAX_ERRORS:
        out.append(error("XSD", rel, f"{kind} schema: {len(entries) - _MAX_ERRORS} more errors"))
    return out


def _shown(package: Package, path: Path) -> str:
    try:
        return path.relative_to(package.root).as_posix()
    except ValueError:
        return f"socialledger's {path.name}"


def metadata_documents(package: Package) -> list[str]:
    """The PREMIS and Dublin Core files of the package: those the METS files reference and the XML files
    in any metadata/ folder, whose root element is PREMIS or Dublin Core."""
    candidates: set[str] = set()
    for doc in package.mets_documents:
        for ref in doc.root.iter(m("mdRef")):
            href = ref.get("{http://www.w3.org/1999/xlink}href")
            target = resolve(doc.folder, href) if href else None
            if target and package.is_file(target):
                candidates.add(target)
    for f in package.files:
        if f.lower().endswith(".xml") and ("metadata/" in f or f.startswith("metadata/")):
            candidates.add(f)
    out = []
    for rel in sorted(candidates):
        tree, _ = package.xml(rel)
        if tree is not None and etree.QName(tree.getroot()).namespace in (PREMIS_V3, PREMIS_V2, OAI_DC, DC):
            out.append(rel)
    return out


def check(package: Package) -> list[Finding]:
    """Every METS, PREMIS and Dublin Core file of the package against its schemas; and CSIP113: the
    package ships the schemas of the XML it holds."""
    findings: list[Finding] = []
    documents = [(doc.path, doc.tree) for doc in package.mets_documents]
    documents += [(rel, package.xml(rel)[0]) for rel in metadata_documents(package)]
    missing: dict[str, list[str]] = {}
    for rel, tree in documents:
        namespaces = _namespaces(tree)
        findings += validate(package, rel, tree, namespaces)
        shipped = {s.namespace for f in _schema_folders(package, rel) if f != SHIPPED for s in _folder_schemas(f)}
        for ns in namespaces:
            if ns not in shipped:
                missing.setdefault(ns, []).append(rel)
    for ns, files in missing.items():
        # CSIP113: "All XML schemas used in the information package must be referenced from one or more
        # file groups with USE Schemas". The corpus's rule for CSIP113 is a WARNING: a warning.
        findings.append(warning("CSIP113", "schemas/", f"the package ships no schema for the namespace {ns}, "
                                                       f"used by {', '.join(files[:3])}"
                                                       + (f" and {len(files) - 3} more" if len(files) > 3 else "")))
    return findings
