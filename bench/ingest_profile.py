"""Where an ingest's time goes, phase by phase: the comment-heavy shape by default.

Times the phases of one ingest into a fresh ledger by wrapping the pipeline's
functions with clocks (nothing in the package changes; the clocks add a few
per cent):

- the first pass: reading and decoding the files, normalising them into records,
  deriving ids and fingerprints, spooling (this process's part; the second half of
  the files is read by a helper process, whose CPU time is given);
- reading the spool, planning (index reads included), preparing (making keys,
  sealing, encoding rows), the key store's inserts (a thread), handing pages to the
  writer process and waiting for it; the writer process's CPU time.

`--one-process` runs the whole ingest in this process, one step after the other
(no reader or writer process, keys stored before sealing): every phase's cost on
one core, with the SQLite writing timed directly. `--cprofile N` runs that under
cProfile and prints the N functions with the most time of their own.

    .venv/bin/python bench/ingest_profile.py [--posts 1000 --comments 99] [--one-process] [--cprofile 30]
    .venv/bin/python bench/ingest_profile.py --records 100000     # bench/generate.py's post-and-count shape
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate, generate_comment_heavy  # noqa: E402
from ingest import machine  # noqa: E402

CLOCKS: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def clocked(owner: Any, attr: str, name: str) -> None:
    """Replace owner.attr by the same function with a clock around it."""
    inner = getattr(owner, attr)
    CLOCKS[name]  # noqa: B018 - listed in the order the clocks are put in

    @functools.wraps(inner)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            clock = CLOCKS[name]
            clock[0] += time.perf_counter() - t0
            clock[1] += 1

    setattr(owner, attr, timed)


def clocked_generator(owner: Any, attr: str, name: str) -> None:
    """Replace a generator function by one that clocks each step it takes."""
    inner = getattr(owner, attr)
    CLOCKS[name]  # noqa: B018

    @functools.wraps(inner)
    def timed(*args: Any, **kwargs: Any) -> Any:
        it = inner(*args, **kwargs)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                return
            finally:
                clock = CLOCKS[name]
                clock[0] += time.perf_counter() - t0
                clock[1] += 1
            yield item

    setattr(owner, attr, timed)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def instrument() -> dict[str, float]:
    """Put the clocks in; returns where the helper processes' CPU times are noted."""
    from socialledger.core.capture import derive, firstpass, halfreader, spool, writer
    from socialledger.core.capture import ingest as ingest_mod
    from socialledger.core.storage import eventrows
    from socialledger.core.storage.sqlite import keys, pagewriter, recorder

    helpers: dict[str, float] = {}
    clocked(ingest_mod, "check_inputs", "first pass (this process's part)")
    CLOCKS["waiting for the second-half reader"]  # noqa: B018
    clocked(firstpass, "_detect", "  decoding the JSON (the channel's detect)")
    clocked(derive.Deriver, "page", "  deriving ids, fingerprints")
    clocked(spool.Spool, "write", "  spooling")
    clocked_generator(spool.Spool, "read", "reading the spool")
    clocked(writer.CaptureWriter, "_plan", "planning")
    clocked(recorder.LedgerRecorder, "aliases", "  index reads: aliases")
    clocked(recorder.LedgerRecorder, "index_rows", "  index reads: rows")
    clocked(recorder.LedgerRecorder, "index_by_fallback", "  index reads: by fallback key")
    clocked(writer.CaptureWriter, "_prepare", "preparing")
    clocked(keys.KeyStore, "_make", "  making keys")
    clocked(keys.KeyStore, "ensure", "  keys stored before sealing (ensure)")
    clocked(eventrows.PendingEvent, "seal", "  sealing")
    clocked(eventrows.PendingEvent, "row", "  encoding rows")
    clocked(keys, "_insert", "key store inserts (SQLite; as shipped, a thread)")
    clocked(keys.StoringKeys, "settle", "waiting for the key store")
    clocked(writer.CaptureWriter, "_done", "page summaries")
    clocked(recorder.LedgerRecorder, "insert_rows", "writing (SQLite, in this process)")
    clocked(recorder.LedgerRecorder, "record_ingested", "writing (SQLite, in this process)")
    clocked(pagewriter.PageWriterProcess, "send", "handing pages to the writer process")
    clocked(pagewriter.PageWriterProcess, "result", "waiting for the writer process")
    clocked(pagewriter.PageWriterProcess, "commit", "the last commit (and checkpoint)")

    result = halfreader.HalfReader.result

    def reader_result(self: Any) -> Any:
        t0 = time.perf_counter()
        before = children_cpu()
        try:
            return result(self)
        finally:
            CLOCKS["waiting for the second-half reader"][0] += time.perf_counter() - t0
            CLOCKS["waiting for the second-half reader"][1] += 1
            helpers["reader"] = children_cpu() - before

    halfreader.HalfReader.result = reader_result  # type: ignore[method-assign]
    close = pagewriter.PageWriterProcess.close

    def writer_close(self: Any) -> None:
        before = children_cpu()
        close(self)
        helpers["writer"] = children_cpu() - before

    pagewriter.PageWriterProcess.close = writer_close  # type: ignore[method-assign]
    return helpers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=99, help="comments per post")
    parser.add_argument("--commenters", type=int, default=None, help="authors drawn from this many people")
    parser.add_argument("--records", type=int, default=0,
                        help="profile bench/generate.py's post-and-count shape of about this many records instead")
    parser.add_argument("--one-process", action="store_true", help="no reader or writer process: every phase in turn")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="under cProfile (implies --one-process, no clocks); print the top N functions")
    args = parser.parse_args()
    one = args.one_process or bool(args.cprofile)

    from socialledger.core.capture.ingest import ingest
    from socialledger.testing import actor, make_ledger

    with tempfile.TemporaryDirectory(prefix="sl-profile-") as tmp:
        work = Path(tmp)
        if args.records:
            made = generate(work / "data", args.records)
        else:
            made = generate_comment_heavy(work / "data", args.posts, args.comments, commenters=args.commenters)
        print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
        print(f"input: {made}; {'one process' if one else 'as shipped (reader and writer processes)'}")
        ledger, account = make_ledger(work / "home", "facebook", PAGE_ID)
        helpers = {} if args.cprofile else instrument()
        options: dict[str, Any] = {"writer_process": False, "split_input": False} if one else {}
        cpu0, wall0 = self_cpu(), time.perf_counter()
        if args.cprofile:
            profile = cProfile.Profile()
            summary = profile.runcall(ingest, ledger, actor("kommunikatör"), "facebook", work / "data", account,
                                      **options)
        else:
            summary = ingest(ledger, actor("kommunikatör"), "facebook", work / "data", account, **options)
        wall, cpu = time.perf_counter() - wall0, self_cpu() - cpu0
        ledger.close()
        print(f"ingest of {summary.records:,} records ({summary.events:,} events): {wall:.2f} s "
              f"(this process's CPU {cpu:.2f} s)")
        if args.cprofile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.cprofile)
            print(out.getvalue())
            return
        print(f"\n{'phase':<58}{'seconds':>9}{'calls':>9}")
        for name, (seconds, calls) in CLOCKS.items():
            if calls:
                print(f"{name:<58}{seconds:>9.2f}{calls:>9,}")
        for name, seconds in helpers.items():
            print(f"{'the ' + name + ' process (CPU, user + system)':<58}{seconds:>9.2f}")


if __name__ == "__main__":
    main()
