"""Search benchmark: queries over the search read model of a ledger of ~1,000,000 captured items.

Prints, from one run:
- the time to build the search index from position 0 (every item decrypted, stemmed in
  Swedish and Danish, indexed), in items per second;
- per query (a common word, a word with its inflection, two words that meet rarely,
  a word with filters): the median of 7 warm runs of the read model's query alone, and of
  the whole `Ledger.search` (the query, the role check, each result read from the ledger
  with its parent, and the recorded view); target: <= 100 ms for 50 results;
- the baseline: the same query as a scan of the stored stems (`LIKE`), no full-text index;
- the time to purge one subject's items (an erasure) from the 1M-item index, down to the file bytes;
- with `--postgresql`: the same index copied into a throwaway PostgreSQL server (the PostgreSQL
  view's tables and indexes, ANALYZEd), each query's time as the view chooses (the newest
  documents in order, the older through the indexes the planner picks) and with each plan
  forced (words first: the GIN index; filters first: the btree indexes), and the plan EXPLAIN
  shows for the chosen one's last statement.

The filtered query is the one the two plans differ on: a common word in one month's
comments (words first walks every document of the word; filters first takes the month's
comments through their index and matches the word on those). Its figure from the read model
alone is printed for both plans beside the chosen one.

    .venv/bin/python bench/search.py [--records 2260000] [--keep DIR] [--postgresql]

2,260,000 generated records hold about 1,000,000 captured items (the rest are metrics and
reactions). `--keep DIR` builds the ledger in DIR and leaves it there; run again with the same
`--keep DIR`, it times the queries on that ledger without building it again.
"""

from __future__ import annotations

import argparse
import statistics as stats_
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate
from ingest import machine

QUERIES = [
    ("a common word", "söndag", {}),
    ("an inflected form", "söndagarna", {}),
    ("two words meeting rarely", "parkering rullstol", {}),
    ("a word, kind and period", "biljetten", {"kind": "comment", "period": "2026-03"}),
    ("a word no item holds", "zebrafink", {}),
]


def median_ms(fn, repeat: int = 7) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return stats_.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2_260_000)
    parser.add_argument("--keep", type=Path, help="build the ledger here and keep it (reused when it exists)")
    parser.add_argument("--postgresql", action="store_true", help="also time the queries on PostgreSQL")
    args = parser.parse_args()

    from socialledger.core.domain.periods import parse as parse_period
    from socialledger.projections import search as search_model
    from socialledger.testing import actor, make_ledger

    with tempfile.TemporaryDirectory(prefix="sl-bench-search-") as tmp:
        work = args.keep or Path(tmp)
        print(f"machine: {machine()}")
        home = work / "home"
        if (home / "ledger.sqlite").exists():
            from socialledger.app import Ledger
            ledger = Ledger(home)
            print(f"(reusing the ledger in {home})")
        else:
            generate(work / "data", args.records)
            ledger, account = make_ledger(home, "facebook", PAGE_ID)
            t0 = time.perf_counter()
            ledger.ingest(actor("kommunikatör"), "facebook", work / "data", account)
            print(f"(set-up: ingest of {args.records:,} records took {time.perf_counter() - t0:.0f} s)")
        models = ledger.read_models(actor("info"), catch_up=False)
        t0 = time.perf_counter()
        models.catch_up(["search"])
        build_s = time.perf_counter() - t0
        items, docs = search_model.counts(models.store)
        print(f"search index caught up: {items:,} items, {docs:,} versions; {build_s:.0f} s"
              + (f" ({items / build_s:,.0f} items/s, built from position 0)" if build_s > 1 else " (it was)"))
        # The other read models (a first `Ledger.search` would otherwise wait for none of them: it catches up
        # the search model only), for the purge below, which catches every model up as `gdpr erase` does.
        t0 = time.perf_counter()
        models.catch_up()
        print(f"(set-up: the other read models caught up in {time.perf_counter() - t0:.0f} s)")
        size = sum(f.stat().st_size for f in home.glob("readmodels.sqlite*"))
        print(f"read-model store with the index: {size / 2**20:,.0f} MB")

        zone = ledger.policy().zone
        print("\nquery | read model alone | Ledger.search (50 results, read from the ledger) | results | "
              "baseline: LIKE scan of the stems")
        for label, query, options in QUERIES:
            filters = {}
            if "kind" in options:
                filters["kind"] = options["kind"]
            if "period" in options:
                start, end = parse_period(options["period"]).bounds(zone)
                filters["start"], filters["end"] = start.timestamp(), end.timestamp()
            alternatives = search_model.query_stems(query)
            model_ms = median_ms(lambda a=alternatives, f=filters: search_model.find(models.store, a, f, 50))
            if filters:
                with models.store.read() as c:
                    view = models.store.view("search", c)
                    forced = {plan: median_ms(lambda a=alternatives, f=filters, p=plan: view.find(a, f, 50, plan=p))
                              for plan in ("words", "period")}
                print(f"  ({label}, read model alone: words first {forced['words']:.1f} ms, "
                      f"filters first {forced['period']:.1f} ms)")
            app_ms = median_ms(lambda q=query, o=options: ledger.search(actor("info"), q, limit=50, **o))
            n = ledger.search(actor("info"), query, limit=50, **options)["count"]
            like = " AND ".join("(" + " OR ".join("(' ' || stems || ' ') LIKE ?" for _ in alts) + ")"
                                for alts in alternatives)
            params = [f"% {a} %" for alts in alternatives for a in alts]

            def scan(like: str = like, params: list[str] = params) -> None:
                with models.store.read() as c:
                    c.execute(f"SELECT rowid FROM search_text_content WHERE {like} ORDER BY id DESC LIMIT 50"
                              .replace("stems", "c0").replace("rowid", "id"), params)
                    c.fetchall()

            base_ms = median_ms(scan, repeat=3)
            print(f"{label} ({query!r}{', ' + str(options) if options else ''}) | {model_ms:.1f} ms | "
                  f"{app_ms:.1f} ms | {n} | {base_ms:.0f} ms")

        # An erasure's purge: one subject's items out of the index, the index merged, the log emptied.
        from socialledger.projections.search import Search  # noqa: F401 (the model the purge runs in)
        with models.store.read() as c:
            c.execute("SELECT author, count(*) FROM search_items WHERE author IS NOT NULL GROUP BY author "
                      "ORDER BY count(*) LIMIT 1")
            author, count = c.fetchone()
            c.execute("SELECT item FROM search_items WHERE author = ?", (author,))
            ids = [r[0] for r in c.fetchall()]
        t0 = time.perf_counter()
        with models.store.write() as c:
            models.store.view("search", c).purge(ids)
        models.store.compact()
        purge_s = time.perf_counter() - t0
        print(f"\npurge of one subject's {count} items from the index (delete, FTS5 optimize, WAL checkpoint): "
              f"{purge_s:.1f} s")
        if args.postgresql:
            postgresql(models.store, zone)
        ledger.close()


def postgresql(store, zone) -> None:
    """The same index on PostgreSQL: copied from the SQLite read model, each query timed, its plan shown."""
    import sqlite3
    from contextlib import closing

    import psycopg

    from socialledger.core.domain.periods import parse as parse_period
    from socialledger.projections import search as search_model
    from socialledger.projections.postgresql.search import PostgreSQLSearchView
    from socialledger.testing_postgresql import SUPERUSER, TemporaryServer

    with TemporaryServer({"shared_buffers": "512MB", "maintenance_work_mem": "512MB", "work_mem": "32MB"}) as server:
        conn = psycopg.connect(host=str(server.socket_dir), user=SUPERUSER, dbname="postgres",
                               password=server.password)
        cur = conn.cursor()
        PostgreSQLSearchView.create(cur)
        t0 = time.perf_counter()
        with closing(sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)) as c:  # (the SQLite index, read)
            c = c.cursor()
            c.execute("SELECT * FROM search_items")
            with cur.copy("COPY search_items FROM STDIN") as copy:
                for row in c:
                    copy.write_row(row)
            c.execute("SELECT d.doc, d.item, d.version, d.account, d.channel, d.kind, d.author, d.occurred, t.c0 "
                      "FROM search_docs d JOIN search_text_content t ON t.id = d.doc")
            with cur.copy("COPY search_docs (doc, item, version, account, channel, kind, author, occurred, stems) "
                          "FROM STDIN") as copy:
                for row in c:
                    copy.write_row(row)
        for statement in PostgreSQLSearchView.query_indexes:
            cur.execute(statement)
        cur.execute("ANALYZE")
        conn.commit()
        print(f"\nPostgreSQL {conn.info.server_version // 10000}: the index copied, indexed and analysed in "
              f"{time.perf_counter() - t0:.0f} s")

        class Recording:  # the view's cursor, remembering the last query (for EXPLAIN)
            def __init__(self, c) -> None:
                self.c, self.last = c, None

            def execute(self, query, params=None, **options):
                self.last = (query, params)
                return self.c.execute(query, params, **options)

            def fetchall(self):
                return self.c.fetchall()

            def fetchone(self):
                return self.c.fetchone()

        print("query | chosen | words first (GIN) | filters first (btree) | results | plan chosen")
        for label, query, options in QUERIES:
            filters = {}
            if "kind" in options:
                filters["kind"] = options["kind"]
            if "period" in options:
                start, end = parse_period(options["period"]).bounds(zone)
                filters["start"], filters["end"] = start.timestamp(), end.timestamp()
            alternatives = search_model.query_stems(query)
            rec = Recording(cur)
            view = PostgreSQLSearchView(rec)
            # (filters first without a filter: every document's words checked, seconds: not timed)
            times = {plan: median_ms(lambda a=alternatives, f=filters, p=plan: view.find(a, f, 50, plan=p))
                     for plan in (None, "words", "filters") if filters or plan != "filters"}
            n = len(view.find(alternatives, filters, 50))
            sql, params = rec.last
            cur.execute("EXPLAIN " + sql, params)
            plan = [r[0].strip() for r in cur.fetchall()]
            used = ", ".join(line for line in plan if "Scan" in line)
            led = f"{times['filters']:.1f} ms" if filters else "-"
            print(f"{label} ({query!r}{', ' + str(options) if options else ''}) | {times[None]:.1f} ms | "
                  f"{times['words']:.1f} ms | {led} | {n} | {used}")
        conn.close()


if __name__ == "__main__":
    main()
