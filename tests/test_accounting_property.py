"""Property: generated exports, API pages and webhook deliveries are ingested with every item accounted for.

Hypothesis makes a Facebook page's data in the three shapes the channel reads,
with random mixes of kinds (posts, comments, replies, events, notes, title-only
shares, update-only entries, empty entries), threads, edits, moderation of items
captured or never captured, reactions, and odd characters (å ä ö, emoji, quotes,
backslashes, line breaks, what looks like mojibake). The test knows what it made:
the ingest summary must account for exactly those items, each recorded,
unchanged or skipped with a reason, and a second ingest must record nothing new.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialledger.testing import actor, make_ledger

PAGE = "104729384756102"
BASE = 1709280000  # 2024-03-01
ODD = list("aåäöÅÄÖé \"'\\\n\t😊🎭–…<>&{}#@") + ["Ã¥", "\u00c3\u00a5", "line\r\nbreak", "¯\\_(ツ)_/¯"]

texts = st.lists(st.sampled_from(ODD), min_size=0, max_size=12).map("".join)
EXPORT_KINDS = ("post", "event", "note", "share", "update", "empty")


@st.composite
def page_data(draw):
    posts = []
    for p in range(draw(st.integers(0, 4))):
        comments = []
        for c in range(draw(st.integers(0, 3))):
            replies = [draw(texts) for _ in range(draw(st.integers(0, 2)))]
            comments.append((draw(texts), replies))
        posts.append({"n": p, "text": draw(texts), "edited": draw(st.booleans()), "comments": comments})
    export = [(draw(st.sampled_from(EXPORT_KINDS)), draw(texts), draw(st.integers(0, 10**6)))
              for _ in range(draw(st.integers(0, 6)))]
    moderation = [(draw(st.sampled_from(("hide", "unhide", "remove"))), draw(st.integers(0, 6)), draw(texts),
                   draw(st.booleans())) for _ in range(draw(st.integers(0, 4)))]
    reactions = draw(st.integers(0, 2))
    edits = [(draw(st.integers(0, 4)), draw(texts)) for _ in range(draw(st.integers(0, 2)))]
    return posts, export, moderation, reactions, edits


def moji(value):
    """Meta's export spelling: UTF-8 bytes as Latin-1 code points."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [moji(v) for v in value]
    if isinstance(value, dict):
        return {moji(k): moji(v) for k, v in value.items()}
    return value


def write(folder: Path, data) -> Counter:
    """The files of the generated data, and the items they hold as the test counts them."""
    posts, export, moderation, reactions, edits = data
    expected: Counter = Counter()
    feed = []
    for post in posts:
        pid = f"{PAGE}_{9000 + post['n']}"
        item = {"id": pid, "message": post["text"], "created_time": f"2024-03-0{post['n'] + 1}T10:00:00+0000",
                "updated_time": f"2024-03-0{post['n'] + 1}T1{2 if post['edited'] else 0}:00:00+0000"}
        comments = []
        for c, (text, replies) in enumerate(post["comments"]):
            cid = f"{9000 + post['n']}_{100 + c}"
            comments.append({"id": cid, "message": text, "created_time": f"2024-03-0{post['n'] + 1}T11:0{c}:00+0000",
                             "from": {"id": "10150001", "name": "Åsa Öberg"},
                             "comments": {"data": [{"id": f"{9000 + post['n']}_{200 + 10 * c + r}", "message": rt,
                                                    "created_time": f"2024-03-0{post['n'] + 1}T11:0{c}:3{r}+0000",
                                                    "from": {"id": PAGE, "name": "Tornet"}}
                                                   for r, rt in enumerate(replies)]}})
            expected["content"] += 1 + len(replies)
        item["comments"] = {"data": comments}
        feed.append(item)
        expected["content"] += 1
    (folder / "graph_feed_p1.json").write_text(json.dumps({"data": feed}, ensure_ascii=False), encoding="utf-8")

    entries = []
    for i, (kind, text, when) in enumerate(export):
        entry: dict = {"timestamp": BASE + when}
        if kind == "post":
            entry["data"] = [{"post": text or "tom"}]
        elif kind == "event":
            entry["attachments"] = [{"data": [{"event": {"name": text or "Evenemang", "start_timestamp": BASE + 99,
                                                         "end_timestamp": BASE + 199}}]}]
        elif kind == "note":
            entry["attachments"] = [{"data": [{"note": {"title": f"Anteckning {i}", "text": text}}]}]
        elif kind == "share":
            entry["title"] = f"Tornet delade en video {i}. {text}"
        elif kind == "update":
            entry["data"] = [{"update_timestamp": BASE + when + 60}]
            entry["title"] = f"Tornet uppdaterade {i}"
        else:
            entry = {"timestamp": BASE + when} if i % 2 else {}
        expected["post" if kind == "empty" else kind] += 1
        entries.append(entry)
    posts_dir = folder / "export" / "your_facebook_activity" / "posts"
    posts_dir.mkdir(parents=True)
    (posts_dir / "your_posts__check_ins__photos_and_videos_1.json").write_text(json.dumps(moji(entries)))

    lines = []
    for action, n, text, with_text in moderation:
        value = {"item": "comment", "verb": action, "comment_id": f"{9000 + n % 5}_{100 + n}",
                 "post_id": f"{PAGE}_{9000 + n % 5}", "parent_id": f"{PAGE}_{9000 + n % 5}",
                 "from": {"id": "10150002", "name": "Örjan Ärlig"}}
        if with_text:
            value["message"] = text
            value["created_time"] = BASE + 1000 + n
        lines.append({"object": "page", "entry": [{"id": PAGE, "time": BASE + 5000 + n,
                                                   "changes": [{"field": "feed", "value": value}]}]})
        expected[action] += 1
    for e, (n, text) in enumerate(edits):  # each edit delivered at a time of its own
        lines.append({"object": "page", "entry": [{"id": PAGE, "time": BASE + 9000 + 60 * e + n, "changes": [
            {"field": "feed", "value": {"item": "status", "verb": "edited", "post_id": f"{PAGE}_{9000 + n}",
                                        "message": text, "created_time": BASE + n}}]}]})
        expected["content"] += 1
    for n in range(reactions):
        lines.append({"object": "page", "entry": [{"id": PAGE, "time": BASE + 7000 + n, "changes": [
            {"field": "feed", "value": {"item": "reaction", "verb": "add", "reaction_type": "like",
                                        "post_id": f"{PAGE}_9000", "from": {"id": "1015", "name": "Eva"}}}]}]})
        expected["not kept"] += 1
    (folder / "webhooks.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines) or "\n")
    if not lines:
        (folder / "webhooks.jsonl").unlink()
    return expected


CONTENT = {"post", "comment", "reply", "visitor_post"}


def counted(items: dict) -> Counter:
    out: Counter = Counter()
    export_kinds = {"event", "note", "share", "update"}
    for kind, tally in items.items():
        if kind in ("metric", "account"):
            continue
        if kind in export_kinds or kind in ("hide", "unhide", "remove"):
            out[kind] += tally["items"]
        elif kind in CONTENT:
            out["content"] += tally["items"]
        else:
            assert tally["recorded"] == tally["unchanged"] == 0, (kind, tally)
            out["not kept"] += tally["items"]
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page_data())
def test_generated_page_data_is_accounted_for_and_twice_records_nothing(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "input"
        folder.mkdir()
        expected = write(folder, data)
        ledger, account = make_ledger(Path(tmp) / "home", "facebook", PAGE)
        try:
            first = ledger.ingest(actor("kommunikatör"), "facebook", folder, account)
            assert first.unaccounted() == 0, first.items
            # The export's posts are counted as the test made them; the API's posts and every
            # comment, reply and edit together as content (their kinds are the channel's to tell).
            got = counted(first.items)
            made = Counter({k: v for k, v in expected.items() if v})
            made["content"] += made.pop("post", 0)
            assert got == made, (first.items, expected)
            head = ledger.head()
            again = ledger.ingest(actor("kommunikatör"), "facebook", folder, account, recheck=True)
            assert again.unaccounted() == 0 and again.events == 0, again.items
            assert all(t["recorded"] == 0 for t in again.items.values()), again.items
            assert ledger.head() == head
        finally:
            ledger.close()


# A backslash right before a quote is LinkedIn's own escape (`\"` in Comments.csv): a text with one
# there cannot be told from an escaped quote, and is left out (the reader takes it as the escape).
lines_of_text = st.lists(st.lists(st.sampled_from([*ODD[:-2], '"', '""', ",", "x"]), max_size=8).map("".join)
                         .filter(lambda line: "\n" not in line and "\r" not in line and not line.endswith("\\")
                                 and '\\"' not in line), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(lines_of_text)
def test_linkedin_texts_come_back_exactly_as_written(lines):
    # Arrange: a text of several lines (empty ones, quotes at either end, commas, odd characters),
    # written as LinkedIn's export writes it: each line break quoted, the cell CSV-quoted.
    import csv
    import io

    from socialledger.core.capture.inputs import open_inputs
    from socialledger.plugins.linkedin import LinkedInChannel

    text = "\n".join(lines)
    cell = '"\n"'.join(lines)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(["Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility"])
    writer.writerow(["2024-03-18 08:15:00", "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7175415500000000001",
                     cell, "", "", "PUBLIC"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Shares.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        [entry] = open_inputs(path)
        channel = LinkedInChannel()
        [post] = channel.read(entry, channel.detect(entry))
    # Assert: the text as written (a text of blanks only is no text).
    assert post.text == (text if text.strip() else None)
