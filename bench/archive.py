"""Archive export benchmark: an account half-year of 20,000 items into one E-ARK SIP.

Prints, from one run: the total export time (selection, JSON, PDF/A rendition,
METS/PREMIS, checksums, seal), the PDF pages per second, and the peak memory
of the exporting process (target: under 1 GB however large the period; the
rendition is split into volumes).

    .venv/bin/python bench/archive.py [--items 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import ANSWERS, COMMENTS, ENDINGS, FIRST, LAST, OPENINGS, PAGE_ID, QUESTIONS, THINGS  # noqa: E402
from ingest import machine, peak_rss_mb  # noqa: E402


def fill(home: Path, items: int, seed: int = 5) -> str:
    """A ledger whose account has `items` items in 2026H1: posts with threads, edits and removals."""
    from socialledger.core.capture.writer import CaptureWriter
    from socialledger.core.domain.records import AuthorRef, ContentRecord, ModerationRecord
    from socialledger.testing import actor, make_ledger

    rng = random.Random(seed)
    ledger, account = make_ledger(home, "facebook", PAGE_ID)
    writer = CaptureWriter(ledger.store, ledger.store.account(account), "facebook", actor("kommunikatör"))
    start = datetime(2026, 1, 1, 7, tzinfo=UTC)
    span = (datetime(2026, 6, 30, 18, tzinfo=UTC) - start).total_seconds()
    page, made, post_no = [], 0, 0
    page_author = AuthorRef(native_id=PAGE_ID, name="Kulturhuset Tornet")
    while made < items:
        post_no += 1
        created = start + timedelta(seconds=span * made / items)
        post_id = f"{PAGE_ID}_{post_no}"
        text = f"{rng.choice(OPENINGS)} {rng.choice(THINGS)}! {rng.choice(ENDINGS)}"
        page.append(ContentRecord(channel="facebook", kind="post", source="api", observed=created,
                                  created=created, native_id=post_id, page_id=PAGE_ID, text=text, author=page_author))
        made += 1
        for c in range(rng.choice([2, 4, 6, 8, 12])):
            when = created + timedelta(minutes=10 + 17 * c)
            cid = f"{post_no}_{c}"
            by_page = c % 3 == 2
            page.append(ContentRecord(
                channel="facebook", kind="reply" if by_page else "comment", source="api", observed=when,
                created=when, native_id=cid, page_id=PAGE_ID,
                parent_native_id=f"{post_no}_{c - 1}" if by_page else post_id,
                text=rng.choice(ANSWERS) if by_page else rng.choice(QUESTIONS + COMMENTS),
                author=page_author if by_page else AuthorRef(native_id=str(10_000 + rng.randint(0, 3000)),
                                                             name=f"{rng.choice(FIRST)} {rng.choice(LAST)}")))
            made += 1
            if rng.random() < 0.05:  # an edit an hour later
                page.append(ContentRecord(
                    channel="facebook", kind="comment", source="api", observed=when + timedelta(hours=1),
                    created=when, native_id=cid, page_id=PAGE_ID, parent_native_id=post_id,
                    text=rng.choice(COMMENTS) + " (ändrad)",
                    author=AuthorRef(native_id="10999", name="Åsa Öberg")))
            if rng.random() < 0.02:
                page.append(ModerationRecord(channel="facebook", kind="comment", source="webhook", action="remove",
                                             native_id=cid, observed=when + timedelta(hours=2), page_id=PAGE_ID))
        if len(page) > 4000:
            writer.write_page(page)
            page = []
    if page:
        writer.write_page(page)
    ledger.close()
    return account


def child(home: str, account: str, out: str) -> None:
    from socialledger.app import Ledger
    from socialledger.testing import actor

    ledger = Ledger(Path(home))
    t0 = time.perf_counter()
    (package,) = ledger.export_archive(actor("info"), account, "2026H1", Path(out))  # the information unit

    elapsed = time.perf_counter() - t0
    ledger.close()
    print(json.dumps({"seconds": elapsed, "package": str(package), "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="sl-bench-archive-") as tmp:
        work = Path(tmp)
        print(f"machine: {machine()}")
        account = fill(work / "home", args.items)
        proc = subprocess.run([sys.executable, __file__, "--child", str(work / "home"), account, str(work / "out")],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        package = Path(result["package"])
        pdfs = sorted(package.rglob("*.pdf"))
        pages = sum(len(PdfReader(p).pages) for p in pdfs)
        items = len(json.loads(next(package.rglob("feed.json")).read_text())["items"])
        print(f"\nexport of {items:,} items (2026H1): {result['seconds']:.1f} s in all")
        print(f"PDF/A rendition: {pages:,} pages in {len(pdfs)} volume(s), "
              f"{pages / result['seconds']:.1f} pages/s over the whole export")
        print(f"peak memory of the exporting process: {result['peak_rss_mb']:.0f} MB  (target < 1024 MB)")


if __name__ == "__main__":
    main()
