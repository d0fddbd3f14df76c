"""Bluesky and X ingest benchmark: a Jetstream file and an X archive against the Facebook channel.

Prints, from one run, records per second ingesting into a fresh ledger:
- a Jetstream file of N events (a third the account's posts, a third replies to them by other
  accounts, a third strangers' posts and likes: skipped without being stored);
- an X archive ZIP of N/3 tweets (each with its two counts: N records), read through its manifest;
- the baseline: the Facebook channel on `generate.py`'s API pages of about N records, in the same run.

    .venv/bin/python bench/channels_bluesky_x.py [--records 30000]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate  # noqa: E402
from ingest import machine  # noqa: E402

DID = "did:plc:hvidovrekommune2kx4qa7bz"
X_ID = "1422334455667788990"


def _tid(n: int) -> str:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    out = ""
    n += 2**50
    for _ in range(13):
        out = alphabet[n % 32] + out
        n //= 32
    return out


def jetstream(path: Path, events: int) -> None:
    start = 1772361000000000
    with path.open("w", encoding="utf-8") as f:
        for i in range(events):
            t = start + i * 1000
            created = (datetime(2026, 3, 1, tzinfo=UTC) + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
            post = i - i % 3
            root = f"at://{DID}/app.bsky.feed.post/{_tid(post)}"
            if i % 3 == 0:
                did, rec = DID, {"$type": "app.bsky.feed.post", "text": f"Välkommen på söndag 😊 nr {i}",
                                 "createdAt": created}
                c = {"operation": "create", "collection": "app.bsky.feed.post", "rkey": _tid(i), "record": rec}
            elif i % 3 == 1:
                did = f"did:plc:medborgare{i:014d}"[:32]
                rec = {"$type": "app.bsky.feed.post", "text": f"När öppnar ni? fråga {i}", "createdAt": created,
                       "reply": {"root": {"uri": root, "cid": "x"}, "parent": {"uri": root, "cid": "x"}}}
                c = {"operation": "create", "collection": "app.bsky.feed.post", "rkey": _tid(i), "record": rec}
            else:
                did = f"did:plc:annan{i:019d}"[:32]
                c = {"operation": "create", "collection": "app.bsky.feed.post", "rkey": _tid(i),
                     "record": {"$type": "app.bsky.feed.post", "text": f"Något helt annat {i}", "createdAt": created}}
            f.write(json.dumps({"did": did, "time_us": t, "kind": "commit", "commit": {"rev": _tid(i), **c}},
                               ensure_ascii=False) + "\n")


def x_archive(path: Path, tweets: int) -> None:
    items = []
    for i in range(tweets):
        when = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
        tid = str(1740000000000000000 + i)
        items.append({"tweet": {"id_str": tid, "id": tid, "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                                "full_text": f"Vårens program &amp; öppettider, del {i} 📚", "favorite_count": str(i % 50),
                                "retweet_count": str(i % 7), "entities": {}, "lang": "sv"}})
    config = {"userInfo": {"accountId": X_ID, "userName": "kulturhuset", "displayName": "Kulturhuset"},
              "archiveInfo": {"generationDate": "2026-02-01T09:00:00.000Z"},
              "dataTypes": {"tweets": {"mediaDirectory": "data/tweets_media", "files": [
                  {"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0", "count": str(tweets)}]}}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/manifest.js", "window.__THAR_CONFIG = " + json.dumps(config))
        z.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(items, ensure_ascii=False))
    path.write_bytes(buf.getvalue())


def timed(channel: str, platform_id: str, data: Path, home: Path) -> tuple[int, float]:
    from socialledger.core.capture.ingest import ingest
    from socialledger.testing import actor, make_ledger

    ledger, account = make_ledger(home, channel, platform_id)
    try:
        t0 = time.perf_counter()
        summary = ingest(ledger.store, actor("kommunikatör"), channel, data, account)
        return summary.records, time.perf_counter() - t0
    finally:
        ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=30000)
    n = parser.parse_args().records
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jetstream(root / "stream.jsonl", n)
        x_archive(root / "archive.zip", n // 3)
        generate(root / "facebook", n)
        print(f"machine: {machine()}")
        rows = [("facebook (baseline)", *timed("facebook", PAGE_ID, root / "facebook", root / "h1")),
                ("bluesky jetstream", *timed("bluesky", DID, root / "stream.jsonl", root / "h2")),
                ("x archive", *timed("x", X_ID, root / "archive.zip", root / "h3"))]
        base = rows[0][1] / rows[0][2]
        for name, records, seconds in rows:
            rate = records / seconds
            print(f"{name:22s} {records:8d} records {seconds:7.2f} s {rate:9.0f} records/s  ({rate / base:.2f}x baseline)")


if __name__ == "__main__":
    main()
