"""The package profile: the one interface behind which a national archival format lives.

`exports.py` chooses what a package holds (`PackageContent`) and renders the
feed (JSON, the PDF/A printout); a profile lays that out as the archive's
format wants it. E-ARK SIP (CSIP 2.1.0 / SIP 2.1.0, the Swedish FGS
Paketstruktur 2.0) is the first, in `eark.py`; another national format (the
Danish archival version, say) is a second object with the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from socialledger.archive import eark
from socialledger.archive.model import PackageContent


class PackageProfile(Protocol):
    """Writes a package of one national format."""

    name: str

    def write_package(self, root: Path, content: PackageContent, data_files: Sequence[tuple[str, Path]], *,
                      rendition_files: Sequence[tuple[str, Path]] = (), software: str, software_version: str,
                      organisation_code: str | None = None) -> None:
        """Write `content` into the new folder `root`: `data_files` are the data representation's files
        (feed.json, media), `rendition_files` the printout's volumes."""
        ...


class EarkSip:
    """E-ARK SIP: CSIP 2.1.0 and SIP 2.1.0 (FGS Paketstruktur 2.0)."""

    name = "E-ARK SIP 2.1.0"

    def write_package(self, root: Path, content: PackageContent, data_files: Sequence[tuple[str, Path]], *,
                      rendition_files: Sequence[tuple[str, Path]] = (), software: str, software_version: str,
                      organisation_code: str | None = None) -> None:
        eark.write_package(root, content, data_files, rendition_files=rendition_files, software=software,
                           software_version=software_version, organisation_code=organisation_code)


EARK: PackageProfile = EarkSip()
