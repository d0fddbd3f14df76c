"""Mastodon ingest benchmark: a crawl of a busy account against the Facebook channel on the same shape.

Generates, from one seed, a Mastodon crawl of `--posts` statuses of the account
(pages of 40, as `GET /api/v1/accounts/:id/statuses` gives them) and one
`/context` page per status with `--comments` replies by others (every reply by a
different person on another server; a fifth of them reply to an earlier reply),
and the Facebook comment-heavy crawl of the same numbers (`generate.generate_comment_heavy`).
Ingests each into a fresh ledger, in one process each, and prints the content
items per second of both and the ratio: the baseline is the Facebook channel,
measured in the same run on the same machine. Then the same Mastodon crawl again
with `--recheck` (every record read and compared, nothing new).

    .venv/bin/python bench/mastodon.py [--posts 200] [--comments 49]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID, generate_comment_heavy

INSTANCE = "https://social.example.se"
ME = f"{INSTANCE}/users/kommunen"
WORDS = ["Välkommen", "på", "söndag", "biblioteket", "öppnar", "kl.", "11", "när", "stänger", "badhuset", "😊",
         "Tack", "för", "svaret", "åker", "färjan", "idag", "snöröjning", "på", "gatan", "Hvornår", "åbner"]


def account(aid: str, username: str, display: str, domain: str | None = None, followers: int = 0) -> dict:
    host = INSTANCE if domain is None else f"https://{domain}"
    return {"id": aid, "username": username, "acct": username if domain is None else f"{username}@{domain}",
            "display_name": display, "url": f"{host}/@{username}", "uri": f"{host}/users/{username}",
            "followers_count": followers, "following_count": 3, "statuses_count": 1000, "fields": [], "emojis": []}


def status(sid: int, acc: dict, at: datetime, text: str, parent: tuple[int, dict] | None, mentions: list[dict]) -> dict:
    return {"id": str(sid), "created_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "in_reply_to_id": str(parent[0]) if parent else None,
            "in_reply_to_account_id": parent[1]["id"] if parent else None, "sensitive": False, "spoiler_text": "",
            "visibility": "public", "language": "sv", "uri": f"{acc['uri']}/statuses/{sid}",
            "url": f"{acc['url']}/{sid}", "replies_count": 0, "reblogs_count": 1, "favourites_count": 3,
            "quotes_count": 0, "edited_at": None, "content": f"<p>{text}</p>", "reblog": None, "account": acc,
            "media_attachments": [], "tags": [], "emojis": [], "card": None, "poll": None,
            "mentions": [{"id": m["id"], "username": m["username"], "url": m["url"], "acct": m["acct"]}
                         for m in mentions]}


def generate_mastodon(out: Path, posts: int, comments: int, seed: int = 3) -> int:
    rng = random.Random(seed)
    me = account("109000000000000001", "kommunen", "Malmö stad", followers=2318)
    (out / "contexts").mkdir(parents=True)
    (out / "statuses").mkdir()
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    page: list[dict] = []
    items = 0
    sid = 111_900_000_000_000_000
    person = 0
    for n in range(1, posts + 1):
        sid += 1
        at = start + timedelta(hours=3 * n)
        post = status(sid, me, at, " ".join(rng.choices(WORDS, k=12)), None, [])
        page.append(post)
        items += 1
        replies: list[tuple[int, dict]] = []
        descendants = []
        for c in range(comments):
            sid += 1
            person += 1
            who = account(str(200_000_000 + person), f"person{person}", f"Person {person} Öberg",
                          domain=rng.choice(["mastodon.nu", "mastodon.dk", "fosstodon.org"]))
            parent = rng.choice(replies) if replies and c % 5 == 4 else (int(post["id"]), me)
            reply = status(sid, who, at + timedelta(minutes=c + 1), " ".join(rng.choices(WORDS, k=9)), parent,
                           [parent[1]])
            descendants.append(reply)
            replies.append((sid, who))
            items += 1
        (out / "contexts" / f"context_{post['id']}.json").write_text(
            json.dumps({"ancestors": [], "descendants": descendants}, ensure_ascii=False), encoding="utf-8")
        if len(page) == 40:
            (out / "statuses" / f"statuses_{n:06d}.json").write_text(json.dumps(page[::-1], ensure_ascii=False),
                                                                    encoding="utf-8")
            page = []
    if page:
        (out / "statuses" / f"statuses_{posts:06d}.json").write_text(json.dumps(page[::-1], ensure_ascii=False),
                                                                    encoding="utf-8")
    return items


def _child(channel: str, platform_id: str, data: Path, home: Path) -> dict:
    from socialledger.core.capture.ingest import ingest
    from socialledger.testing import actor, make_ledger

    ledger, account = make_ledger(home, channel, platform_id)
    t0 = time.perf_counter()
    first = ingest(ledger.store, actor("kommunikatör"), channel, data, account)
    t1 = time.perf_counter()
    out = {"records": first.records, "new": first.new, "events": first.events, "ingest_s": t1 - t0}
    if channel == "mastodon":
        again = ingest(ledger.store, actor("kommunikatör"), channel, data, account, recheck=True)
        out.update(recheck_s=time.perf_counter() - t1, recheck_events=again.events)
    ledger.close()
    return out


def run(channel: str, platform_id: str, data: Path, home: Path) -> dict:
    code = (f"import json,sys; sys.path.insert(0, {str(HERE)!r}); from mastodon import _child; "
            f"from pathlib import Path; print(json.dumps(_child({channel!r}, {platform_id!r}, Path({str(data)!r}), "
            f"Path({str(home)!r}))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--comments", type=int, default=49)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        items = generate_mastodon(t / "mastodon", args.posts, args.comments)
        generate_comment_heavy(t / "facebook", posts=args.posts, comments_per_post=args.comments)
        m = run("mastodon", ME, t / "mastodon", t / "home-m")
        f = run("facebook", PAGE_ID, t / "facebook", t / "home-f")
    assert m["new"] == items, (m, items)
    m_rate, f_rate = m["new"] / m["ingest_s"], f["new"] / f["ingest_s"]
    print(f"shape: {args.posts} posts of the account, {args.comments} replies by others each "
          f"({items} content items)")
    print(f"mastodon: {m['records']} records ({m['new']} items, the rest counts and the profile) in "
          f"{m['ingest_s']:.2f} s: {m_rate:,.0f} items/s; {m['events']} events")
    print(f"facebook (baseline, same shape): {f['records']} records ({f['new']} items) in {f['ingest_s']:.2f} s: "
          f"{f_rate:,.0f} items/s; {f['events']} events")
    print(f"ratio mastodon/facebook (items/s): {m_rate / f_rate:.2f}")
    print(f"mastodon --recheck: {m['records']} records in {m['recheck_s']:.2f} s, "
          f"{m['records'] / m['recheck_s']:,.0f} records/s, {m['recheck_events']} events")


if __name__ == "__main__":
    main()
