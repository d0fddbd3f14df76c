"""An information package opened for checking: its files, its folders and its parsed XML.

The package is a folder on disk (a container is unpacked into one first, see
`socialledger.archive.verify`). Paths are relative to the package root, POSIX style, exactly as
on disk (case matters: `METS.xml` is not `mets.xml`). XML is parsed once, offline: no network, no
external entities.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from lxml import etree

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK_HREF = f"{{{XLINK_NS}}}href"
XLINK_TYPE = f"{{{XLINK_NS}}}type"
XLINK_TITLE = f"{{{XLINK_NS}}}title"


def m(tag: str) -> str:
    """A METS element name."""
    return f"{{{METS_NS}}}{tag}"


def csip(name: str) -> str:
    return f"{{{CSIP_NS}}}{name}"


def sip(name: str) -> str:
    return f"{{{SIP_NS}}}{name}"


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass
class MetsDocument:
    """One METS file of the package: the package METS (`is_root`) or a representation's."""

    path: str  # e.g. "METS.xml", "representations/rep1/METS.xml"
    tree: Any  # the parsed etree._ElementTree
    is_root: bool

    @property
    def root(self) -> Any:
        return self.tree.getroot()

    @property
    def folder(self) -> str:
        """The folder the METS describes, "" for the package root."""
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent

    def resolve(self, href: str) -> str | None:
        """The package path an xlink:href of this METS points at; None when it leaves the package or is a URL
        with a scheme other than file."""
        return resolve(self.folder, href)


def resolve(folder: str, href: str) -> str | None:
    href = unquote(href.strip())
    if href.startswith("file://"):
        href = href.removeprefix("file://")
        if href.startswith("./"):
            pass
        elif href.startswith("/"):
            return None
    elif "://" in href or href.startswith("/"):
        return None
    parts: list[str] = [p for p in PurePosixPath(folder).parts if p not in (".", "")] if folder else []
    for part in PurePosixPath(href).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


class Package:
    """The files of one package folder, read once."""

    def __init__(self, root: Path, name: str | None = None) -> None:
        self.root = Path(root)
        self.name = name or self.root.name  # the package's folder name (for CSIP1)
        self._xml: dict[str, tuple[Any, str | None]] = {}
        self._digests: dict[tuple[str, str], str] = {}

    @cached_property
    def _walk(self) -> tuple[set[str], set[str], set[str]]:
        files: set[str] = set()
        folders: set[str] = set()
        links: set[str] = set()
        for folder, dirs, names in os.walk(self.root):
            rel_folder = Path(folder).relative_to(self.root).as_posix()
            prefix = "" if rel_folder == "." else rel_folder + "/"
            for d in list(dirs):
                if (Path(folder) / d).is_symlink():
                    links.add(prefix + d)
                    dirs.remove(d)
                else:
                    folders.add(prefix + d)
            for n in names:
                rel = prefix + n
                if (Path(folder) / n).is_symlink():
                    links.add(rel)
                else:
                    files.add(rel)
        return files, folders, links

    @property
    def files(self) -> set[str]:
        """Every regular file, relative to the root."""
        return self._walk[0]

    @property
    def folders(self) -> set[str]:
        return self._walk[1]

    @property
    def links(self) -> set[str]:
        """Symbolic links: not allowed in a package (they point outside it or nowhere)."""
        return self._walk[2]

    def is_file(self, rel: str) -> bool:
        return rel in self.files

    @cached_property
    def _lower(self) -> dict[str, str]:
        return {f.lower(): f for f in sorted(self.files)}

    def case_insensitive(self, rel: str) -> str | None:
        """The file whose path differs from `rel` only in letter case, if there is one."""
        return self._lower.get(rel.lower())

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        """(sub-folder names, file names) directly in `folder` ("" for the root)."""
        prefix = folder + "/" if folder else ""
        subs = sorted({f[len(prefix):].split("/")[0] for f in self.folders
                       if f.startswith(prefix) and "/" not in f[len(prefix):]})
        names = sorted(f[len(prefix):] for f in self.files if f.startswith(prefix) and "/" not in f[len(prefix):])
        return subs, names

    def files_under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"
        return sorted(f for f in self.files if f.startswith(prefix))

    def size(self, rel: str) -> int:
        return (self.root / rel).stat().st_size

    def digest(self, rel: str, algorithm: str) -> str:
        """The file's hex digest (hashlib's name of the algorithm), read once per algorithm."""
        key = (rel, algorithm)
        if key not in self._digests:
            h = hashlib.new(algorithm)
            with (self.root / rel).open("rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            self._digests[key] = h.hexdigest()
        return self._digests[key]

    def xml(self, rel: str) -> tuple[Any, str | None]:
        """(the parsed tree, None) or (None, why it cannot be read)."""
        if rel not in self._xml:
            try:
                tree = etree.parse(str(self.root / rel), parser())
                self._xml[rel] = (tree, None)
            except (OSError, etree.XMLSyntaxError) as e:
                self._xml[rel] = (None, str(e))
        return self._xml[rel]

    @cached_property
    def representation_folders(self) -> list[str]:
        """representations/<name> for every folder directly under representations/."""
        subs, _ = self.children("representations")
        return [f"representations/{s}" for s in subs]

    @cached_property
    def mets_documents(self) -> list[MetsDocument]:
        """The root METS.xml and every representation METS that exists and parses, root first."""
        out: list[MetsDocument] = []
        paths = ["METS.xml"] + [f"{r}/METS.xml" for r in self.representation_folders]
        root_tree, _ = self.xml("METS.xml") if self.is_file("METS.xml") else (None, None)
        if root_tree is not None:  # representation METS named by mptr elsewhere than representations/x/METS.xml
            for mptr in root_tree.iter(m("mptr")):
                href = mptr.get(XLINK_HREF)
                target = resolve("", href) if href else None
                if target and target not in paths and target.lower().endswith(".xml"):
                    paths.append(target)
        for path in paths:
            if not self.is_file(path):
                continue
            tree, _ = self.xml(path)
            if tree is not None and tree.getroot().tag == m("mets"):
                out.append(MetsDocument(path, tree, path == "METS.xml"))
        return out
