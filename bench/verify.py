"""`archive verify` benchmark: one account half-year (default 20,000 items) exported, then verified.

Prints, from one run: the time of a full `archive verify` (the socialledger profile: every CSIP and
SIP requirement, the METS/PREMIS/Dublin Core schemas, every checksum, PDF/A and its fonts), and
its baseline, the floor any verifier pays: reading and SHA-256-hashing every file of the package
once. Also the package's size, file count, and the verify process's peak memory; then the same
for the package zipped (unpacking included).

    .venv/bin/python bench/verify.py [--items 20000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from archive import fill  # noqa: E402
from ingest import machine, peak_rss_mb  # noqa: E402


def export(home: str, account: str, out: str) -> None:
    from socialledger.app import Ledger
    from socialledger.testing import actor

    ledger = Ledger(Path(home))
    (package,) = ledger.export_archive(actor("info"), account, "2026H1", Path(out))
    ledger.close()
    print(json.dumps({"package": str(package)}))


def check(package: str) -> None:
    from socialledger.archive.verify import verify

    t0 = time.perf_counter()
    report = verify(Path(package))
    elapsed = time.perf_counter() - t0
    print(json.dumps({"seconds": elapsed, "errors": len(report.errors), "warnings": len(report.warnings),
                      "requirements": sorted({f.requirement for f in report.findings}), "peak_rss_mb": peak_rss_mb()}))


def floor(package: Path) -> float:
    t0 = time.perf_counter()
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        h = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return time.perf_counter() - t0


def child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--export":
        export(*sys.argv[2:5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sl-bench-verify-") as tmp:
        work = Path(tmp)
        print(f"machine: {machine()}")
        account = fill(work / "home", args.items)
        package = Path(child("--export", str(work / "home"), account, str(work / "out"))["package"])
        files = [p for p in package.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"package: {len(files):,} files, {size:.1f} MB ({args.items:,} items, 2026H1)")
        base = floor(package)
        full = child("--check", str(package))
        print(f"archive verify (folder): {full['seconds']:.2f} s, {full['errors']} errors, {full['warnings']} "
              f"warnings ({', '.join(full['requirements'])}), peak memory {full['peak_rss_mb']:.0f} MB")
        print(f"baseline, SHA-256 of every file once: {base:.2f} s")
        print(f"verify / baseline: {full['seconds'] / base:.1f}")
        container = Path(shutil.make_archive(str(work / package.name), "zip", package.parent, package.name))
        zipped = child("--check", str(container))
        print(f"archive verify (zip, {container.stat().st_size / 1e6:.1f} MB, unpacking included): "
              f"{zipped['seconds']:.2f} s, {zipped['errors']} errors")


if __name__ == "__main__":
    main()
