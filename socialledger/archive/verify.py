"""Checking an archive package offline: structure, every checksum and size, no missing or extra files, PDF/A.

The outside validator (eark-validator) checks none of these: it never compares
a checksum or a size, does not notice a missing or an unlisted file, and reads
only the root METS.xml. `verify_package` reads every METS of the package.
Each problem is one line that names the file.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from lxml import etree

_METS = "http://www.loc.gov/METS/"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_ALGORITHMS = {"SHA-256": "sha256", "SHA-512": "sha512", "SHA-384": "sha384", "SHA-1": "sha1", "MD5": "md5"}

_PART = re.compile(rb"pdfaid:part\s*(?:=\s*[\"']\s*([1-4])\s*[\"']|>\s*([1-4])\s*<)")
_CONFORMANCE = re.compile(rb"pdfaid:conformance\s*(?:=\s*[\"']\s*([A-Za-z])\s*[\"']|>\s*([A-Za-z])\s*<)")


def verify_package(root: Path) -> list[str]:
    """The problems of the package in `root`, one line each; [] when it is whole and right."""
    root = Path(root)
    if not root.is_dir():
        return [f"{root}: not a package folder"]
    problems: list[str] = []
    mets_files = {"METS.xml"}
    listed: dict[str, str] = {}  # package path -> the METS that lists it

    entries = _entries(root, "METS.xml", problems)
    if entries is None:
        return problems
    reps_dir = root / "representations"
    if not reps_dir.is_dir():
        problems.append("representations/: missing")
    else:
        for rep in sorted(p.name for p in reps_dir.iterdir()):
            if not (reps_dir / rep).is_dir():
                problems.append(f"representations/{rep}: not a representation folder")
                continue
            rep_mets = f"representations/{rep}/METS.xml"
            mets_files.add(rep_mets)
            if not (root / rep_mets).is_file():
                problems.append(f"{rep_mets}: missing")
                continue
            entries += _entries(root, rep_mets, problems) or []
    for mptr in _mptrs(root / "METS.xml"):
        if mptr not in mets_files:
            mets_files.add(mptr)
            if not (root / mptr).is_file():
                problems.append(f"{mptr}: named as a representation METS in METS.xml but missing")
            else:
                entries += _entries(root, mptr, problems) or []

    for source, path, element in entries:
        if path is None:
            problems.append(f"{source}: a {element.tag.split('}')[1]} without a file location")
            continue
        listed.setdefault(path, source)
        problems += _check_entry(root, source, path, element)

    on_disk = _files(root, problems)
    for path in sorted(on_disk - set(listed) - mets_files):
        problems.append(f"{path}: in the package but listed in no METS")
    for path in sorted(on_disk):
        problems += _check_pdf(root, path)
    return problems


# --- METS ----------------------------------------------------------------------------------------

def _parse(root: Path, rel: str, problems: list[str]) -> etree._ElementTree | None:
    try:
        return etree.parse(str(root / rel), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as e:
        problems.append(f"{rel}: not readable as XML ({e})")
        return None


def _entries(root: Path, mets_rel: str, problems: list[str]) -> list[tuple[str, str | None, Any]] | None:
    """(the METS, package path or None, element) for every file and mdRef of one METS."""
    if not (root / mets_rel).is_file():
        problems.append(f"{mets_rel}: missing")
        return None
    tree = _parse(root, mets_rel, problems)
    if tree is None:
        return None
    base = PurePosixPath(mets_rel).parent
    out: list[tuple[str, str | None, Any]] = []
    for element in tree.iter(f"{{{_METS}}}file", f"{{{_METS}}}mdRef"):
        if element.tag == f"{{{_METS}}}file":
            locations = element.findall(f"{{{_METS}}}FLocat")
            hrefs = [loc.get(_XLINK_HREF) for loc in locations]
        else:
            hrefs = [element.get(_XLINK_HREF)]
        hrefs = [h for h in hrefs if h]
        if not hrefs:
            out.append((mets_rel, None, element))
        for href in hrefs:
            out.append((mets_rel, _resolve(base, href), element))
    return out


def _resolve(base: PurePosixPath, href: str) -> str:
    href = unquote(href)
    for prefix in ("file://./", "./"):
        href = href.removeprefix(prefix)
    parts: list[str] = []
    for part in (base / href).parts:
        if part == "..":
            if not parts:
                return "../" + href  # outside the package: reported as missing
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def _mptrs(mets: Path) -> list[str]:
    try:
        tree = etree.parse(str(mets), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError):
        return []
    return sorted({_resolve(PurePosixPath("."), h) for m in tree.iter(f"{{{_METS}}}mptr")
                   if (h := m.get(_XLINK_HREF))})


def _check_entry(root: Path, source: str, path: str, element: Any) -> list[str]:
    target = root / path
    if path.startswith("../") or not _inside(root, target):
        return [f"{path}: listed in {source} but outside the package"]
    if not target.is_file():
        return [f"{path}: listed in {source} but missing"]
    problems = []
    size, checksum, algorithm = element.get("SIZE"), element.get("CHECKSUM"), element.get("CHECKSUMTYPE")
    actual_size = target.stat().st_size
    if size is None:
        problems.append(f"{path}: no SIZE in {source}")
    elif not size.isdigit() or int(size) != actual_size:
        problems.append(f"{path}: size {actual_size} bytes, {source} says {size}")
    if checksum is None or algorithm is None:
        problems.append(f"{path}: no CHECKSUM/CHECKSUMTYPE in {source}")
    elif algorithm.upper() not in _ALGORITHMS:
        problems.append(f"{path}: unknown CHECKSUMTYPE {algorithm!r} in {source}")
    else:
        actual = _hash(target, _ALGORITHMS[algorithm.upper()])
        if actual != checksum.lower():
            problems.append(f"{path}: {algorithm} {actual}, {source} says {checksum}")
    return problems


def _inside(root: Path, target: Path) -> bool:
    try:
        target.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _hash(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _files(root: Path, problems: list[str]) -> set[str]:
    out: set[str] = set()
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        rel_folder = PurePosixPath(Path(folder).relative_to(root).as_posix())
        for name in names:
            rel = (rel_folder / name).as_posix().removeprefix("./")
            if (Path(folder) / name).is_symlink():
                problems.append(f"{rel}: a symbolic link, not a file")
            out.add(rel)
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


def _check_pdf(root: Path, rel: str) -> list[str]:
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
        return [f"{rel}: cannot identify as PDF/A ({e})"]
    if ident is None:
        return [f"{rel}: a PDF not identified as PDF/A (no pdfaid:part in its XMP metadata)"]
    return []
