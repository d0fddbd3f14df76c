"""socialledger's delivery profile: E-ARK SIP 2.1.0, plus the rules of a socialledger delivery.

The E-ARK specifications leave two things to the submission agreement that a delivery of
public records from socialledger promises (DESIGN.md "Archive packages", docs/archive-package.md):

- SL1: every file of the package is referenced from a METS file (CSIP58 only says SHOULD): an
  unlisted file is an error, since nothing says what it is or whether it was meant to be there;
- SL2: every PDF is PDF/A (identified by its pdfaid XMP entries), the rendition archives accept.
"""

from __future__ import annotations

from socialledger.archive.requirements import Finding, PackageProfile, error
from socialledger.archive.requirements.package import Package


class DeliveryProfile:
    """A base profile (SIP 2.1.0) with socialledger's delivery rules on top."""

    def __init__(self, name: str, title: str, base: PackageProfile) -> None:
        self.name = name
        self.title = title
        self.base = base

    def check(self, package: Package) -> list[Finding]:
        findings = self.base.check(package)
        for f in findings:
            if f.requirement == "CSIP58":
                findings.append(error("SL1", f.path, "in the package but listed in no METS file"))
        from socialledger.archive.verify import pdf_problem  # the PDF/A reader lives with the verifier

        for rel in sorted(package.files):
            problem = pdf_problem(package.root, rel)
            if problem is not None:
                findings.append(error("SL2", rel, problem))
        return findings
