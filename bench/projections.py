"""Read-model benchmark: rebuilding every read model from ~1,000,000 events, against a raw scan.

Prints, from one run:
- the rebuild rate of all read models (events per second);
- the floor: a raw sqlite3 scan of the same event rows, decoding each row's stored
  bytes the way socialledger stores them (msgspec JSON, AES-GCM per item for sealed
  fields, keys unwrapped from the key store) without the eventsourcing library;
- their ratio (target: rebuild >= 30 % of the floor);
- `sla status` and `stats` for one account and one month, as warm library calls and
  as CLI processes (target: each warm query under 200 ms).

    .venv/bin/python bench/projections.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics as stats_
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate  # noqa: E402
from ingest import machine  # noqa: E402

_decode = msgspec.json.Decoder().decode


def sealed_topics() -> dict[str, tuple[str, ...]]:
    """topic -> its sealed fields, read from the event classes (the only use of the project here)."""
    from eventsourcing.utils import get_topic

    from socialledger.core.domain.content import ContentItem
    from socialledger.core.domain.events import with_subclasses
    from socialledger.core.domain.subjects import Subject

    out = {}
    for base in (ContentItem.Captured, ContentItem.Edited, ContentItem.Moderated, Subject.SubjectIdentified,
                 Subject.SubjectIdentityChanged):
        for cls in with_subclasses(base):
            out[get_topic(cls)] = cls.sealed_fields
    return out


def floor(home: Path, master: bytes, page: int = 5000) -> tuple[int, float]:
    """Scan and decode every stored event with sqlite3, msgspec and AES-GCM alone."""
    import base64
    from uuid import UUID

    sealed = sealed_topics()
    wrap = AESGCM(master)
    events = sqlite3.connect(home / "ledger.sqlite")
    keys = sqlite3.connect(home / "keys.sqlite")
    t0 = time.perf_counter()
    n, last = 0, 0
    while True:
        rows = events.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                              "WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, page)).fetchall()
        if not rows:
            break
        ids = list({str(UUID(hex=r[1])) for r in rows if r[3] in sealed})
        ciphers = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            for key_id, wrapped in keys.execute(
                    f"SELECT id, wrapped FROM keys WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                if wrapped is not None:
                    ciphers[key_id] = AESGCM(wrap.decrypt(wrapped[:12], wrapped[12:], key_id.encode()))
        for rowid, oid, _, topic, state in rows:
            data = _decode(state)
            fields = sealed.get(topic)
            if fields:
                uid = UUID(hex=oid)
                cipher = ciphers.get(str(uid))
                for f in fields:
                    blob = data.get(f)
                    if blob is not None and cipher is not None:
                        raw = base64.b64decode(blob)
                        data[f] = _decode(cipher.decrypt(raw[:12], raw[12:], uid.bytes + f.encode()))
            n += 1
        last = rows[-1][0]
    return n, time.perf_counter() - t0


def timed(fn, repeat: int = 5) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return stats_.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000, help="records to ingest (about 1.05 events each)")
    args = parser.parse_args()

    from socialledger.core.domain.periods import parse as parse_period
    from socialledger.core.storage.sqlite.keys import load_master_key
    from socialledger.projections import GROUPS, sla, statistics
    from socialledger.testing import actor, make_ledger

    with tempfile.TemporaryDirectory(prefix="sl-bench-proj-") as tmp:
        work = Path(tmp)
        print(f"machine: {machine()}")
        generate(work / "data", args.records)
        home = work / "home"
        ledger, account = make_ledger(home, "facebook", PAGE_ID)
        t0 = time.perf_counter()
        ledger.ingest(actor("kommunikatör"), "facebook", work / "data", account)
        print(f"(set-up: ingest of {args.records:,} records took {time.perf_counter() - t0:.0f} s)")
        head = ledger.head()
        models = ledger.read_models(actor("info"), catch_up=False)
        t0 = time.perf_counter()
        models.rebuild()
        rebuild_s = time.perf_counter() - t0
        n, floor_s = floor(home, load_master_key(home))
        print(f"\nrebuild of all read models from position 0 to {head:,} (the independent read models in "
              f"{len(GROUPS)} processes): {rebuild_s:.1f} s, {head / rebuild_s:,.0f} events/s")
        print(f"floor, raw sqlite3 scan + msgspec + AES-GCM of the same {n:,} rows: {floor_s:.1f} s, "
              f"{n / floor_s:,.0f} rows/s")
        print(f"  rebuild / floor: {(head / rebuild_s) / (n / floor_s):.3f}  (target >= 0.30)")

        zone = ledger.policy().zone
        month = "2026-03"
        start, end = parse_period(month).bounds(zone)
        acc_hex = ledger.store.account(account).id.hex
        sla_s = timed(lambda: sla.status(ledger.read_models(actor("info")).store, acc_hex, None, start.timestamp(),
                                         end.timestamp()))
        stats_s = timed(lambda: statistics.account_stats(ledger.read_models(actor("info")).store, acc_hex, start.timestamp(),
                                                         end.timestamp(), zone))
        items = len(sla.status(ledger.read_models(actor("info")).store, acc_hex, None, start.timestamp(), end.timestamp()))
        print(f"\nwarm library calls, one account, {month} ({items:,} inbound items):")
        print(f"  sla status: {sla_s * 1000:.0f} ms   stats: {stats_s * 1000:.0f} ms  (target < 200 ms each)")
        # The list a communicator works from (issue 24): the same rows with each item's author and excerpt,
        # read from the items themselves (decrypted under their keys), by due time; and only the breached.
        listed_s = timed(lambda: ledger.sla_status(actor("info"), account, None, month))
        breached = ledger.sla_status(actor("info"), account, None, month, ("breached",)).rows
        breached_s = timed(lambda: ledger.sla_status(actor("info"), account, None, month, ("breached",)))
        print(f"  the application's sla status with authors and excerpts: {listed_s * 1000:.0f} ms "
              f"({listed_s / max(items, 1) * 1e6:.0f} µs an item, against {sla_s / max(items, 1) * 1e6:.0f} µs "
              f"for the read model alone); --state breached ({len(breached):,} items): {breached_s * 1000:.0f} ms")
        ledger.close()

        env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
        env.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER="info")
        cli = [sys.executable, "-m", "socialledger.cli"]
        for name, argv in [("sla status", ["sla", "status", "--account", account, "--period", month, "--json"]),
                           ("stats", ["stats", "--account", account, "--period", month, "--json"])]:
            walls = []
            for _ in range(3):
                t0 = time.perf_counter()
                proc = subprocess.run(cli + argv, env=env, capture_output=True, text=True)
                walls.append(time.perf_counter() - t0)
                assert proc.returncode == 0, proc.stderr
            json.loads(proc.stdout)
            print(f"  CLI process `{name}`: {stats_.median(walls) * 1000:.0f} ms (median of 3, start-up included)")


if __name__ == "__main__":
    main()
