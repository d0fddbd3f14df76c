"""Capture service benchmark (issue 20): 5,000 signed webhook deliveries over loopback, 8 connections.

Starts `socialledger serve` on a fresh ledger (one linked Facebook page), sends
5,000 signed Page webhook deliveries (each a new comment in Swedish) as fast as the
service takes them over 8 keep-alive connections, and prints, from one run:
- deliveries acknowledged (200) per second, p50 / p99 / max acknowledgement latency;
- the time from the last acknowledgement until every delivery is in the ledger;
- lost (acknowledged, not in the ledger) and duplicated (an item with more than one version
  or recorded twice) deliveries, counted in the ledger itself;
and the baselines measured in the same run:
- fsync: one 600-byte append + fsync at a time, on the same disk (the bound of a store
  that syncs every delivery alone; the inbox syncs a group of them at once);
- ingest floor: the same 5,000 deliveries ingested as one file by `ingest` (what the worker
  costs at best).

Targets on the 2-core machine: >= 500/s acknowledged, p99 < 50 ms, all ingested within 30 s
of the last acknowledgement, 0 lost, 0 duplicated.

    .venv/bin/python bench/service.py [--deliveries 5000] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PAGE = "104815942332364"
SECRET = b"bench-app-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return None


def fsync_rate(folder: Path, n: int = 300) -> float:
    path = folder / "fsync.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    t0 = time.perf_counter()
    for _ in range(n):
        os.write(fd, b"x" * 600)
        os.fsync(fd)
    dt = time.perf_counter() - t0
    os.close(fd)
    path.unlink()
    return n / dt


def count_in_ledger(home: Path, account: str) -> tuple[int, int, int]:
    """(items, items with more than one version, content events) in the account."""
    from socialledger.app import Ledger
    from socialledger.testing import actor

    ledger = Ledger(home)
    try:
        rows = ledger.content(actor("kommunikatör"), account)
        native = [r["native_id"] for r in rows]
        multi = sum(1 for r in rows if r["versions"] != 1)
        return len(set(native)), multi + (len(native) - len(set(native))), len(rows)
    finally:
        ledger.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deliveries", type=int, default=5000)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()

    from socialledger.service.loadgen import comment_delivery, send_all
    from socialledger.testing import actor, make_ledger

    n = args.deliveries
    bodies = [comment_delivery(PAGE, i) for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="sl-bench-service-") as tmp:
        tmp_path = Path(tmp)
        fsyncs = fsync_rate(tmp_path)

        # The ingest floor: the same deliveries as one file, one ingest.
        floor_home = tmp_path / "floor"
        ledger, account = make_ledger(floor_home, "facebook", PAGE)
        batch = tmp_path / "deliveries.json"
        batch.write_bytes(b"[" + b",\n".join(bodies) + b"]")
        t0 = time.perf_counter()
        ledger.ingest(actor("kommunikatör"), "facebook", batch, account)
        floor_s = time.perf_counter() - t0
        ledger.close()

        home = tmp_path / "home"
        ledger, account = make_ledger(home, "facebook", PAGE)
        ledger.close()
        port = free_port()
        env = {**os.environ, "SOCIALLEDGER_FACEBOOK_APP_SECRET": SECRET.decode(), "SOCIALLEDGER_USER": "kommunikatör"}
        exe = Path(sys.executable).with_name("socialledger")
        proc = subprocess.Popen([str(exe), "--home", str(home), "serve", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(tmp_path / "serve.log", "w"))
        try:
            deadline = time.monotonic() + 60
            while health(port) is None:
                if time.monotonic() > deadline or proc.poll() is not None:
                    sys.exit("the service did not start:\n" + (tmp_path / "serve.log").read_text())
                time.sleep(0.2)
            t0 = time.perf_counter()
            results = asyncio.run(send_all("127.0.0.1", port, "/webhooks/facebook", bodies, SECRET,
                                           connections=args.connections))
            t_last = time.perf_counter()
            acked = [r for r in results if r.status == 200]
            lat = sorted(r.latency for r in acked)
            # Until every acknowledged delivery is in the ledger (the worker's counters, then the ledger itself).
            while True:
                h = health(port) or {}
                if h.get("inbox_depth") == 0:
                    break
                if time.perf_counter() - t_last > 300:
                    break
                time.sleep(0.05)
            all_in_s = time.perf_counter() - t_last
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        items, duplicated, rows = count_in_ledger(home, account)

    elapsed = t_last - t0
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          "load average %.2f, %.2f, %.2f at the start" % os.getloadavg())
    print(f"deliveries sent: {n} over {args.connections} connections; acknowledged 200: {len(acked)}; "
          f"other answers: {len(results) - len(acked)}")
    print(f"acknowledged per second: {len(acked) / elapsed:.0f} ({elapsed:.2f} s for all)  [target >= 500]")
    print(f"acknowledgement latency: p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms  "
          f"[target p99 < 50]")
    print(f"all in the ledger {all_in_s:.1f} s after the last acknowledgement  [target <= 30]")
    print(f"in the ledger: {items} items; lost {len(acked) - items}, duplicated {duplicated}  [target 0, 0]")
    print(f"baseline fsync, one append at a time: {fsyncs:.0f}/s ({1000 / fsyncs:.1f} ms each)")
    print(f"baseline ingest floor, the {n} deliveries as one file: {floor_s:.1f} s ({n / floor_s:.0f}/s)")


if __name__ == "__main__":
    main()
