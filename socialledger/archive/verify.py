"""Checking an archive package offline: the E-ARK requirements, every checksum and size, no missing or
extra files, the schemas, PDF/A; a folder, or the zip or tar container it was delivered in.

`verify` opens the package (a container is unpacked into a temporary folder, refusing any member
that would land outside it), runs a package profile over it (`socialledger.archive.requirements`:
CSIP 2.1.0, SIP 2.1.0, and socialledger's delivery rules on top by default) and returns a
`Report` of findings, each naming its requirement. The outside validator (eark-validator) checks
no checksum, size or file presence and reads only the root METS.xml; this reads every METS.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from socialledger.archive.requirements import ERROR, WARNING, Finding, PackageProfile, error, warning
from socialledger.archive.requirements.eark import CSIP_2_1_0, SIP_2_1_0
from socialledger.archive.requirements.package import Package
from socialledger.core.audit import Receipt
from socialledger.core.domain.errors import BadInput
from socialledger.core.receipts import read_public_key, signature_problem

_PART = re.compile(rb"pdfaid:part\s*(?:=\s*[\"']\s*([1-4])\s*[\"']|>\s*([1-4])\s*<)")
_CONFORMANCE = re.compile(rb"pdfaid:conformance\s*(?:=\s*[\"']\s*([A-Za-z])\s*[\"']|>\s*([A-Za-z])\s*<)")


@dataclass
class Report:
    """What `verify` found in one package."""

    package: str  # the folder or container as given
    profile: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def ok(self, *, strict: bool = False) -> bool:
        """No error (and with `strict`, no warning either)."""
        return not (self.findings if strict else self.errors)

    def as_dict(self) -> dict[str, Any]:
        return {"package": self.package, "profile": self.profile, "ok": self.ok(),
                "errors": len(self.errors), "warnings": len(self.warnings),
                "findings": [f.as_dict() for f in self.findings]}


class DeliveryProfile:
    """socialledger's delivery profile: a base profile (E-ARK SIP 2.1.0) and the rules of a socialledger
    delivery, which the specifications leave to the submission agreement (DESIGN.md "Archive packages"):

    - SL1: every file of the package is listed in a METS file (CSIP58 only says SHOULD): an unlisted
      file is an error, since nothing says what it is or whether it was meant to be there;
    - SL2: every PDF is PDF/A (identified by its pdfaid XMP entries), the rendition archives accept, with
      every font it uses embedded (which PDF/A requires; a PDF that claims PDF/A without is an error);
    - SL3: the rendition is PDF/A-2u or better (part 2 or later, conformance U or A: its text can be
      extracted and searched); a PDF/A-1 or a conformance B rendition is a warning.
    """

    def __init__(self, name: str, title: str, base: PackageProfile) -> None:
        self.name = name
        self.title = title
        self.base = base

    def check(self, package: Package) -> list[Finding]:
        findings = self.base.check(package)
        findings += [error("SL1", f.path, "in the package but listed in no METS file")
                     for f in findings if f.requirement == "CSIP58"]
        for rel in sorted(package.files):
            findings += pdf_findings(package.root, rel)
        return findings


DEFAULT_PROFILE = "socialledger"
SOCIALLEDGER = DeliveryProfile(DEFAULT_PROFILE, "socialledger delivery: E-ARK SIP 2.1.0, every file listed, PDF/A",
                               SIP_2_1_0)
#: the package profiles by name (`archive verify --profile`); a second national format is added here
PROFILES: dict[str, PackageProfile] = {p.name: p for p in (SOCIALLEDGER, SIP_2_1_0, CSIP_2_1_0)}


def profile_named(name: str) -> PackageProfile:
    if name not in PROFILES:
        raise KeyError(f"no package profile {name!r}; known: {', '.join(sorted(PROFILES))}")
    return PROFILES[name]


def verify(path: Path, profile: PackageProfile | str = DEFAULT_PROFILE, *, receipt: Path | None = None,
           public_key: Path | None = None) -> Report:
    """Check the package folder or container at `path` against `profile`, and against its package receipt
    (`receipt`, else `<package>.receipt.json` beside it): the root METS.xml's checksum and the signature
    (by `public_key` when given)."""
    chosen = profile_named(profile) if isinstance(profile, str) else profile
    path = Path(path)
    report = Report(str(path), chosen.name)
    with open_package(path) as (package, findings):
        report.findings += findings
        if package is not None:
            report.findings += chosen.check(package)
            report.findings += receipt_findings(path, package, receipt, public_key)
    return report


RECEIPT_SUFFIX = ".receipt.json"
_SEAL_IN_PACKAGE = "metadata/other/audit-seal.json"


def receipt_findings(path: Path, package: Package, receipt: Path | None, public_key: Path | None) -> list[Finding]:
    """The package against its receipt: the root METS.xml cannot list its own checksum, so the receipt the
    export wrote beside the package (and into the receipts directory), signed, carries it."""
    given = receipt is not None
    receipt = receipt or path.with_name(path.name + RECEIPT_SUFFIX)
    if not receipt.is_file():
        if given:
            return [error("SL-RECEIPT", str(receipt), "no such package receipt")]
        if (package.root / _SEAL_IN_PACKAGE).is_file():
            return [warning("SL-RECEIPT", "METS.xml", "no package receipt beside the package (or --receipt): "
                                                      "the root METS.xml is checked against its schemas only")]
        return []
    try:
        found = msgspec.json.decode(receipt.read_bytes(), type=Receipt)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as e:
        return [error("SL-RECEIPT", receipt.name, f"not a package receipt ({e})")]
    out = []
    if not found.mets_sha256:
        out.append(error("SL-RECEIPT", receipt.name, "names no checksum of the root METS.xml"))
    else:
        mets = package.root / "METS.xml"
        try:
            digest = hashlib.sha256(mets.read_bytes()).hexdigest()
        except OSError:
            digest = "(none: no root METS.xml)"
        if digest != found.mets_sha256.lower():
            out.append(error("SL-RECEIPT", "METS.xml", f"SHA-256 {digest}, the package receipt says "
                                                       f"{found.mets_sha256}: the root METS.xml was changed"))
    try:
        key = read_public_key(public_key) if public_key is not None else _embedded_key(found)
    except BadInput as e:
        return [*out, error("SL-RECEIPT", str(public_key), e.message)]
    why = signature_problem(found, key) if key is not None else "it is not signed"
    if why is not None:
        out.append(error("SL-RECEIPT", receipt.name, f"the package receipt's signature: {why}"))
    return out


def _embedded_key(receipt: Receipt) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(receipt.public_key)) if receipt.public_key else None
    except ValueError:
        return None


def verify_package(root: Path) -> list[str]:
    """The errors of the package in `root` (folder or container) under socialledger's delivery profile, one
    line each; [] when it is whole and right."""
    return [f.line() for f in verify(root).errors]


# --- opening a folder or a container ------------------------------------------------------------------

@contextmanager
def open_package(path: Path) -> Iterator[tuple[Package | None, list[Finding]]]:
    """(the package, findings about how it was delivered); the package is None when it cannot be opened."""
    path = Path(path)
    if path.is_dir():
        yield Package(path), []
        return
    if not path.is_file():
        yield None, [error("CONTAINER", str(path), "no such package folder or container")]
        return
    kind = _container_kind(path)
    if kind is None:
        yield None, [error("CONTAINER", path.name, "neither a package folder nor a zip or tar container")]
        return
    findings = _sidecar(path)
    with tempfile.TemporaryDirectory(prefix="socialledger-verify-") as tmp:
        target = Path(tmp)
        try:
            findings += _extract(path, kind, target)
        except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError, zlib.error, RuntimeError,
                NotImplementedError) as e:  # damaged, encrypted or of an unknown compression
            findings.append(error("CONTAINER", path.name, f"cannot be unpacked ({e})"))
            yield None, findings
            return
        entries = [p for p in target.iterdir()]
        folders = [p for p in entries if p.is_dir() and not p.is_symlink()]
        if len(entries) != 1 or len(folders) != 1:
            names = ", ".join(sorted(p.name for p in entries)) or "nothing"
            findings.append(error("CSIPSTR1", path.name, f"a container must hold the package in one root folder; "
                                                         f"it holds {names}"))
            yield None, findings
            return
        yield Package(folders[0]), findings


def _container_kind(path: Path) -> str | None:
    with path.open("rb") as f:
        head = f.read(512)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    try:
        if tarfile.is_tarfile(path):  # also a compressed tar (.tar.gz, .tar.xz)
            return "tar"
    except (OSError, tarfile.TarError, EOFError):
        return None
    return None


_SHA256 = re.compile(r"^\s*([0-9a-fA-F]{64})(?:\s+\*?(.+?))?\s*$")


def _sidecar(path: Path) -> list[Finding]:
    """The container's SHA-256 file beside it (`<id>.zip.sha256` or `<id>.sha256`, sha256sum format), when
    there is one."""
    candidates = [path.with_name(path.name + ".sha256"), path.with_name(path.stem + ".sha256")]
    sidecar = next((c for c in candidates if c.is_file()), None)
    if sidecar is None:
        return []
    first = sidecar.read_text(encoding="utf-8", errors="replace").strip().splitlines()[:1]
    match = _SHA256.match(first[0]) if first else None
    if match is None:
        return [error("CONTAINER", sidecar.name, "not a SHA-256 checksum file (64 hex digits, then the file name)")]
    out = []
    named = match.group(2)
    if named is not None and PurePosixPath(named.replace("\\", "/")).name != path.name:
        out.append(error("CONTAINER", sidecar.name, f"names {named!r}, not {path.name!r}"))
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    if h.hexdigest() != match.group(1).lower():
        out.append(error("CONTAINER", path.name, f"SHA-256 {h.hexdigest()}, {sidecar.name} says {match.group(1)}"))
    return out


def _member_path(name: str) -> PurePosixPath | None:
    """The relative path a member unpacks to; None when it would leave the folder."""
    name = name.replace("\\", "/")
    p = PurePosixPath(name)
    if p.is_absolute() or re.match(r"^[A-Za-z]:", name) or any(part == ".." for part in p.parts):
        return None
    return p


def _extract(path: Path, kind: str, target: Path) -> list[Finding]:
    out: list[Finding] = []
    if kind == "zip":
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                rel = _member_path(info.filename)
                if rel is None:
                    out.append(error("CONTAINER", info.filename, "a member outside the package folder: not unpacked"))
                    continue
                mode = (info.external_attr >> 16) & 0o170000
                if mode == 0o120000:
                    out.append(error("CSIPSTR1", info.filename, "a symbolic link: a package holds its files itself"))
                    continue
                dest = target / rel
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, dest.open("wb") as dst:  # reading checks each member's CRC
                    shutil.copyfileobj(src, dst, 1 << 20)
        return out
    with tarfile.open(path) as t:
        for member in t:
            rel = _member_path(member.name)
            if rel is None:
                out.append(error("CONTAINER", member.name, "a member outside the package folder: not unpacked"))
                continue
            if member.issym() or member.islnk():
                out.append(error("CSIPSTR1", member.name, "a link: a package holds its files itself"))
                continue
            dest = target / rel
            if member.isdir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                out.append(error("CONTAINER", member.name, "not a regular file: not unpacked"))
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = t.extractfile(member)
            assert src is not None
            with src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    return out


# --- PDF/A ---------------------------------------------------------------------------------------

def pdfa_of(path: Path) -> tuple[str, str] | None:
    """(part, conformance) of a PDF/A file, like ("2", "B"); None when it does not claim PDF/A.

    Uses `socialledger.archive.pdf.pdfa_identification` when that module is there, else reads
    the pdfaid entries of the file's XMP metadata (PDF/A keeps its metadata stream unfiltered).
    """
    try:
        from socialledger.archive.pdf import pdfa_identification
    except ImportError:
        return _pdfa_from_xmp(Path(path))
    try:
        return _normalise(pdfa_identification(Path(path)))
    except ImportError:  # the module is there, its PDF reader is not
        return _pdfa_from_xmp(Path(path))


def _pdfa_from_xmp(path: Path) -> tuple[str, str] | None:
    data = path.read_bytes()
    part = _PART.search(data)
    if part is None:
        return None
    conformance = _CONFORMANCE.search(data)
    value = conformance and (conformance.group(1) or conformance.group(2))
    return (part.group(1) or part.group(2)).decode(), value.decode().upper() if value else ""


def _normalise(result: Any) -> tuple[str, str] | None:
    """Whatever the PDF module answers (a tuple, a string like "PDF/A-2b", a mapping or an object)."""
    if not result:
        return None
    if isinstance(result, (tuple, list)):
        part, conformance = (list(result) + ["", ""])[:2]
        return (str(part), str(conformance or "").upper()) if part else None
    if isinstance(result, str):
        m = re.search(r"(?:PDF/A-?)?([1-4])([abuAUB]?)", result)
        return (m.group(1), m.group(2).upper()) if m else None
    if isinstance(result, dict):
        part, conformance = result.get("part"), result.get("conformance")
    else:
        part, conformance = getattr(result, "part", None), getattr(result, "conformance", None)
    return (str(part), str(conformance or "").upper()) if part else None


def pdf_findings(root: Path, rel: str) -> list[Finding]:
    """SL2 and SL3 for the file `rel`, when it is a PDF: PDF/A, its fonts embedded, PDF/A-2u or better."""
    path = root / rel
    if path.is_symlink() or not path.is_file():
        return []
    if not rel.lower().endswith(".pdf"):
        with path.open("rb") as f:
            if f.read(5) != b"%PDF-":
                return []
    try:
        ident = pdfa_of(path)
    except Exception as e:  # noqa: BLE001 - any failure to read it is a problem of this file
        return [error("SL2", rel, f"cannot identify as PDF/A ({e})")]
    if ident is None:
        return [error("SL2", rel, "a PDF not identified as PDF/A (no pdfaid:part in its XMP metadata)")]
    out = [error("SL2", rel, f"claims PDF/A but does not embed the font {name}") for name in _unembedded_fonts(path)]
    part, conformance = ident
    if not (part.isdigit() and int(part) >= 2 and conformance in ("U", "A")):
        out.append(warning("SL3", rel, f"PDF/A-{part}{conformance.lower()}: the rendition should be PDF/A-2u or "
                                       f"better, so that its text can be extracted"))
    return out


def _unembedded_fonts(path: Path) -> list[str]:
    """The fonts a PDF's pages use without embedding them (Type 3 fonts draw their glyphs themselves)."""
    from pypdf import PdfReader  # here, not at the top: a command that checks no PDF does not load it
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        seen: set[Any] = set()
        missing: set[str] = set()
        for page in reader.pages:
            _fonts_of(page.get("/Resources"), seen, missing)
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError):
        return []  # unreadable beyond its XMP: the PDF/A identification said what it could
    return sorted(missing)


def _fonts_of(resources: Any, seen: set[Any], missing: set[str]) -> None:
    resources = resources.get_object() if resources is not None else None
    if not resources:
        return
    fonts = resources.get("/Font")
    for ref in (fonts.get_object().values() if fonts is not None else []):
        font = ref.get_object()
        if _key(ref, font) in seen:
            continue
        seen.add(_key(ref, font))
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            continue
        target = font["/DescendantFonts"][0].get_object() if subtype == "/Type0" else font
        descriptor = target.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else None
        if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.add(str(font.get("/BaseFont", "(unnamed)")).lstrip("/"))
    objects = resources.get("/XObject")
    for ref in (objects.get_object().values() if objects is not None else []):
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Form" and _key(ref, obj) not in seen:
            seen.add(_key(ref, obj))
            _fonts_of(obj.get("/Resources"), seen, missing)


def _key(ref: Any, obj: Any) -> Any:
    """An object's identity: its object number when it is an indirect object."""
    return ("ref", ref.idnum, ref.generation) if hasattr(ref, "idnum") else ("id", id(obj))
