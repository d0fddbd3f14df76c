"""PostgreSQL benchmark: ingest, rebuild and four organisations at once, each against its floor from the same run.

Starts a throwaway PostgreSQL cluster (`socialledger.testing_postgresql`, durable:
fsync and synchronous commit on, as a server would run) and prints its settings,
then, from one run:

- ingest of the ingest benchmark's ~100,000 records (`generate.generate`, seed 1) into a
  fresh organisation, against the floor: psycopg `COPY` of the same stored rows into a
  table of the same shape (the library's events table: uuid, bigint, text, bytea, a
  bigserial position, its primary key and unique index), one transaction.
  Target: ingest / floor >= 0.2 (time ratio);
- a rebuild of every read model from those events, against the floor: a raw paged scan of
  the same rows with psycopg, decoding each the way socialledger stores them (msgspec JSON,
  the item keys unwrapped by the generation key, AES-GCM per sealed field), no library.
  Target: rebuild / floor >= 0.3;
- the total throughput of four organisations ingesting at once (four processes, `--each`
  records each, into four schemas), against one organisation ingesting the same records
  alone, in `--rounds` rounds (one alone, then four at once; the medians: a shared
  machine's speed drifts by 10 % from one minute to the next). Every process has its
  ledger made and Python started before a timed ingest begins, and all four begin
  together. Target: four at once >= 1.5x one.

    .venv/bin/python bench/postgresql.py [--records 100000] [--each 25000] [--rounds 5] [--split auto]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate
from ingest import machine
from projections import sealed_topics

from socialledger.core.storage.config import StorageConfig
from socialledger.testing_postgresql import TemporaryServer

_decode = msgspec.json.Decoder().decode
SETTINGS = ("server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers",
            "max_wal_size", "checkpoint_timeout", "work_mem")


def configure(home: Path, server: TemporaryServer, organisation: str) -> StorageConfig:
    import attrs

    home.mkdir(parents=True, exist_ok=True)
    config = attrs.evolve(StorageConfig().with_store(server.url(), organisation),
                          password_file=str(server.password_file))
    config.save(home)
    return config


def _ingest_child(home: str, data: str, split: str = "auto") -> None:
    """In a process of its own: a ledger with an account, then the timed ingest; prints JSON."""
    from socialledger.core.capture.ingest import ingest
    from socialledger.testing import actor, make_ledger

    ledger, account = make_ledger(Path(home), "facebook", PAGE_ID)
    print("ready", flush=True)
    sys.stdin.readline()  # the parent starts every timed ingest at once (not the interpreter's start-up)
    start, t0, c0 = time.time(), time.perf_counter(), time.process_time()
    summary = ingest(ledger.store, actor("kommunikatör"), "facebook", Path(data), account,
                     split_input={"on": True, "off": False}.get(split))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    ledger.close()
    print(json.dumps({"records": summary.records, "events": summary.events, "ingest_s": elapsed, "cpu_s": cpu,
                      "start": start, "end": start + elapsed}))


def ingest_process(home: Path, data: Path, split: str = "auto") -> subprocess.Popen[str]:
    code = ("import sys; sys.path.insert(0, sys.argv[3]); import postgresql; "
            "postgresql._ingest_child(sys.argv[1], sys.argv[2], sys.argv[4])")
    return subprocess.Popen([sys.executable, "-c", code, str(home), str(data), str(HERE), split],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def started(procs: list[subprocess.Popen[str]]) -> list[subprocess.Popen[str]]:
    """Wait until every process has its ledger and is ready, then let them all ingest at once."""
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            raise SystemExit(proc.communicate()[1])
    for proc in procs:
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
    return procs


def finished(proc: subprocess.Popen[str]) -> dict:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(err)
    return json.loads(out.strip().splitlines()[-1])


def connect(config: StorageConfig) -> psycopg.Connection:
    c = config.connection()
    return psycopg.connect(host=c.host, port=c.port, user=c.user, dbname=c.dbname, password=c.password)


def ingest_floor(config: StorageConfig) -> tuple[int, float]:
    """psycopg COPY of the organisation's stored rows into a table of the library's shape, one transaction."""
    schema = config.organisation
    with connect(config) as conn:
        rows = conn.execute("SELECT originator_id, originator_version, topic, state FROM "
                            f'"{schema}".socialledger_events ORDER BY notification_id').fetchall()
        conn.execute(f'CREATE TABLE "{schema}".floor_events (originator_id uuid NOT NULL, originator_version bigint '
                     "NOT NULL, topic text, state bytea, notification_id bigserial, "
                     "PRIMARY KEY (originator_id, originator_version))")
        conn.execute(f'CREATE UNIQUE INDEX floor_events_position ON "{schema}".floor_events (notification_id)')
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f'COPY "{schema}".floor_events (originator_id, originator_version, '
                                            "topic, state) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return len(rows), time.perf_counter() - t0


def rebuild_floor(config: StorageConfig, home: Path, page: int = 5000) -> tuple[int, float]:
    """Scan and decode every stored event with psycopg, msgspec and AES-GCM alone."""
    from socialledger.core.storage.masterkey import load_master_key
    from socialledger.core.storage.postgresql.keys import KeyStore

    keystore = KeyStore(config, home, load_master_key(home))
    kek = keystore._kek(keystore.generation)  # the generation key, read from its file once
    keystore.close()
    sealed = sealed_topics()
    schema = config.organisation
    with connect(config) as conn:
        t0 = time.perf_counter()
        n, last = 0, 0
        while True:
            rows = conn.execute(f'SELECT notification_id, originator_id, originator_version, topic, state FROM '
                                f'"{schema}".socialledger_events WHERE notification_id > %s ORDER BY notification_id '
                                "LIMIT %s", (last, page)).fetchall()
            if not rows:
                break
            ids = list({str(r[1]) for r in rows if r[3] in sealed})
            ciphers = {key_id: AESGCM(kek.decrypt(bytes(w)[:12], bytes(w)[12:], key_id.encode()))
                       for key_id, w in conn.execute(f'SELECT id, wrapped FROM "{schema}".keys WHERE id = ANY(%s) '
                                                     "AND wrapped IS NOT NULL", (ids,))}
            for _, oid, _, topic, state in rows:
                data = _decode(state)
                fields = sealed.get(topic)
                if fields:
                    cipher = ciphers.get(str(oid))
                    for f in fields:
                        blob = data.get(f)
                        if blob is not None and cipher is not None:
                            raw = base64.b64decode(blob)
                            data[f] = _decode(cipher.decrypt(raw[:12], raw[12:], oid.bytes + f.encode()))
                n += 1
            last = rows[-1][0]
        conn.rollback()
        return n, time.perf_counter() - t0


def rebuild(home: Path) -> tuple[int, float]:
    from socialledger.core.ledger import LedgerStore
    from socialledger.projections import ReadModels

    ledger = LedgerStore(home)
    models = ReadModels(ledger)
    try:
        t0 = time.perf_counter()
        n = models.rebuild()
        return n, time.perf_counter() - t0
    finally:
        models.close()
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--each", type=int, default=25_000, help="records per organisation, four at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one alone, then four at once")
    parser.add_argument("--split", choices=["auto", "on", "off"], default="auto",
                        help="read large inputs in two halves: as the ingest decides (a core idle), always, never")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="socialledger-bench-pg-") as tmp, TemporaryServer(durable=True) as server:
        work = Path(tmp)
        settings = {name: server.sql(f"SHOW {name}")[0][0] for name in SETTINGS}
        print("server: " + ", ".join(f"{k}={v}" for k, v in settings.items()) + " (unix socket, same machine)")
        data = work / "data"
        generate(data, args.records, seed=1)

        # Ingest against COPY of the same rows.
        home = work / "main"
        config = configure(home, server, "main")
        run = finished(started([ingest_process(home, data)])[0])
        rows, floor_s = ingest_floor(config)
        print(f"ingest: {run['records']:,} records, {run['events']:,} events in {run['ingest_s']:.2f} s, "
              f"{run['events'] / run['ingest_s']:,.0f} events/s")
        print(f"ingest floor, psycopg COPY of the same {rows:,} stored rows into the library's table shape, one "
              f"transaction: {floor_s:.2f} s, {rows / floor_s:,.0f} rows/s")
        print(f"  ingest / floor (time ratio): {floor_s / run['ingest_s']:.3f}  (target >= 0.2)")

        # Rebuild of every read model against a raw scan.
        _, rebuild_s = rebuild(home)
        m, scan_s = rebuild_floor(config, home)
        print(f"rebuild of every read model: {m:,} events in {rebuild_s:.2f} s, {m / rebuild_s:,.0f} events/s")
        print(f"rebuild floor, psycopg paged scan + msgspec + AES-GCM of the same {m:,} events: {scan_s:.2f} s, "
              f"{m / scan_s:,.0f} events/s")
        print(f"  rebuild / floor (time ratio): {scan_s / rebuild_s:.3f}  (target >= 0.3)")

        # Four organisations at once against one, in rounds (one alone, then four at once): the medians.
        each = work / "each"
        generate(each, args.each, seed=2)
        ones, fours = [], []
        for r in range(args.rounds):
            one = finished(started([ingest_process(configure_home(work / f"one{r}", server, f"one{r}"), each,
                                                   args.split)])[0])
            procs = started([ingest_process(configure_home(work / f"four{r}_{i}", server, f"four{r}_{i}"), each,
                                            args.split) for i in range(4)])
            results = [finished(p) for p in procs]
            span = max(x["end"] for x in results) - min(x["start"] for x in results)
            ones.append((one["events"] / one["ingest_s"], one))
            fours.append((sum(x["events"] for x in results) / span, span, sum(x["events"] for x in results)))
            print(f"round {r + 1}: one organisation alone {one['events']:,} events in {one['ingest_s']:.2f} s; "
                  f"four at once {fours[-1][2]:,} events in {span:.2f} s: {fours[-1][0] / ones[-1][0]:.2f}x")
        one_rate = statistics.median(rate for rate, _ in ones)
        four_rate = statistics.median(rate for rate, _, _ in fours)
        print(f"one organisation alone (median of {args.rounds}): {one_rate:,.0f} events/s")
        print(f"four organisations at once (median of {args.rounds}): {four_rate:,.0f} events/s in total")
        print(f"  four at once / one (throughput): {four_rate / one_rate:.2f}x  (target >= 1.5x)")


def configure_home(home: Path, server: TemporaryServer, organisation: str) -> Path:
    configure(home, server, organisation)
    return home


if __name__ == "__main__":
    main()
