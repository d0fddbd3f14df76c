"""The requirements an archive package is checked against: findings and package profiles.

A *profile* is one national or international package format: it takes an opened package
(`Package`) and returns its findings. Each finding names the requirement it is about (CSIP17,
SIP4, CSIPSTR4, XSD, ...), how serious it is (an error breaks a MUST; a warning a SHOULD) and the
file. `socialledger.archive.verify` opens the package (a folder, a zip or a tar) and runs a
profile over it.

Profiles here: `e-ark-csip-2.1.0` (the E-ARK Common Specification for Information Packages 2.1.0
alone, what the E-ARK test corpus tests), `e-ark-sip-2.1.0` (CSIP 2.1.0 with the E-ARK SIP 2.1.0
requirements, the Swedish FGS Paketstruktur 2.0) and `socialledger` (SIP 2.1.0 with socialledger's
delivery rules SL1-SL3: what `archive verify` checks by default). A second national format is a
second object with `name`, `title` and `check`, added to `socialledger.archive.verify.PROFILES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from socialledger.archive.requirements.package import Package

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a package. `requirements` names the requirement(s), e.g. ("CSIP96", "CSIP116")
    when the specification states one rule twice."""

    requirements: tuple[str, ...]
    severity: str  # ERROR | WARNING
    path: str  # the file of the package it is about ("" for the package as a whole)
    message: str

    @property
    def requirement(self) -> str:
        return self.requirements[0]

    def line(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message} [{'/'.join(self.requirements)}]"

    def as_dict(self) -> dict[str, object]:
        return {"requirement": "/".join(self.requirements), "requirements": list(self.requirements),
                "severity": self.severity, "path": self.path, "message": self.message}


def error(requirement: str | tuple[str, ...], path: str, message: str) -> Finding:
    ids = (requirement,) if isinstance(requirement, str) else tuple(requirement)
    return Finding(ids, ERROR, path, message)


def warning(requirement: str | tuple[str, ...], path: str, message: str) -> Finding:
    ids = (requirement,) if isinstance(requirement, str) else tuple(requirement)
    return Finding(ids, WARNING, path, message)


class PackageProfile(Protocol):
    """A package format: its name and the checks of its requirements."""

    name: str
    title: str

    def check(self, package: Package) -> list[Finding]:
        """The findings of `package` under this profile ([] when it conforms)."""
        ...
