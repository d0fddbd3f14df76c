"""Every item accounted for: each sample and fixture, ingested, against a count the test makes itself.

For every data file of the platform samples (`../shared/platform-samples/`, the
real shapes other projects recorded) and of this suite's fixtures, the test counts
the file's items with its own small readers of the file shapes (below: they share
nothing with the channels), ingests the file through `socialledger ingest`'s path
into a fresh account linked to the page the data names, and compares: the
summary's items per kind, each recorded, unchanged or skipped with a reason, must
add up to what the file holds. Items are content (posts, comments, replies and
the platform's own kinds), moderation deliveries, error payloads, and whatever the
ledger does not keep (reactions, drafts, direct messages), which must be there as
skipped. Metric values and account objects are not items; that they too are each
counted once is checked by `Summary.unaccounted`.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.errors import BadInput
from socialledger.core.plugins import plugin_manager
from socialledger.testing import actor, make_ledger

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "platform-samples"
CONTENT_KINDS = {"post", "comment", "reply", "visitor_post", "event", "note", "share", "update", "check-in",
                 "reel", "story", "igtv"}
MODERATION = {"hide", "unhide", "remove"}
NOT_ITEMS = {"metric", "account", "in files ingested before"}
DATA_SUFFIXES = {".json", ".jsonl", ".csv"}


# --- the test's own readers ------------------------------------------------------------------------


def documents(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def deliveries(docs: list[Any]) -> list[dict]:
    out = []
    for d in docs:
        out.extend(d if isinstance(d, list) else [d])
    return out


def meta_webhooks(docs: list[Any], content_fields: set[str], content_items: set[str] | None,
                  metric_fields: set[str] = frozenset()) -> Counter:
    count: Counter = Counter()
    for delivery in deliveries(docs):
        for entry in delivery["entry"]:
            if "changes" not in entry:
                count["not kept"] += len(entry.get("messaging", [])) + len(entry.get("standby", []))
                continue
            for change in entry["changes"]:
                value = change.get("value") or {}
                if change.get("field") in metric_fields:
                    continue
                if change.get("field") not in content_fields:
                    count["not kept"] += 1
                elif content_items is None:
                    count["content"] += 1
                elif value.get("item") not in content_items:
                    count["not kept"] += 1
                elif value.get("verb") in MODERATION:
                    count[value["verb"]] += 1
                elif value.get("verb") in ("add", "edited", "edit"):
                    count["content"] += 1
                else:
                    count["not kept"] += 1
    return count


def nested(item: dict, *edges: str) -> int:
    n = 0
    for edge in edges:
        for child in (item.get(edge) or {}).get("data", []) if isinstance(item.get(edge), dict) else []:
            n += 1 + nested(child, *edges)
    return n


def is_insight(item: dict) -> bool:
    return "name" in item and ("values" in item or "total_value" in item)


def facebook_count(path: Path) -> Counter | None:
    docs = documents(path)
    first = docs[0]
    if isinstance(first, dict) and first.get("object") == "page" or isinstance(first, list) and first \
            and isinstance(first[0], dict) and "entry" in first[0]:
        return meta_webhooks(docs, {"feed", "mention"}, {"comment", "post", "status", "photo", "video", "share"})
    if isinstance(first, dict) and "comments_v2" in first:
        count: Counter = Counter()
        for entry in first["comments_v2"]:
            n = sum(1 for d in entry.get("data", []) if "comment" in d)
            count["comment"] += n or 1
        return count
    if isinstance(first, list):
        if "your_posts" not in path.name:
            return None
        count = Counter()
        for entry in first:
            attached = [d for a in entry.get("attachments", []) for d in a.get("data", [])]
            texts = [d for d in entry.get("data", []) if d.get("post")]
            if any("event" in d for d in attached):
                count["event"] += 1
            elif any("note" in d for d in attached):
                count["note"] += 1
            elif texts or any("media" in d or "external_context" in d for d in attached):
                count["post"] += 1
            elif any("place" in d for d in attached):
                count["check-in"] += 1
            elif any("update_timestamp" in d for d in entry.get("data", [])):
                count["update"] += 1
            elif entry.get("title"):
                count["share"] += 1
            else:
                count["post"] += 1  # an empty entry: there, and skipped
        return count
    if isinstance(first, dict) and "data" in first:
        count = Counter()
        for item in first["data"]:
            if not is_insight(item):
                count["content"] += 1 + nested(item, "comments")
        return count
    if isinstance(first, dict) and "error" in first:
        return Counter({"error": 1})
    if isinstance(first, dict) and ({"created_time", "permalink_url", "message"} & first.keys()):
        return Counter({"content": 1 + nested(first, "comments")})
    if isinstance(first, dict) and "id" in first and "name" in first:
        return Counter()  # the page itself: no items
    return None


def instagram_item_count(item: dict) -> Counter:
    count: Counter = Counter()
    if isinstance(item.get("error"), dict):
        count["error"] += 1
        return count
    count["content"] += 1 + nested(item, "comments", "replies")
    if isinstance(item.get("insights"), dict) and isinstance(item["insights"].get("error"), dict):
        count["error"] += 1
    return count


def instagram_response(doc: Any) -> Counter:
    count: Counter = Counter()
    if isinstance(doc, list):  # a batch
        for part in doc:
            if part is None:
                count["error"] += 1
                continue
            body = json.loads(part["body"]) if isinstance(part["body"], str) else part["body"]
            count += Counter({"error": 1}) if isinstance(body.get("error"), dict) else instagram_response(body)
        return count
    if "data" in doc:
        for item in doc["data"]:
            if not is_insight(item):
                count += instagram_item_count(item)
        return count
    if isinstance(doc.get("error"), dict):
        return Counter({"error": 1})
    if "mentioned_comment" in doc or "mentioned_media" in doc:
        for key in ("mentioned_comment", "mentioned_media"):
            if isinstance(doc.get(key), dict):
                count += instagram_item_count(doc[key])
        return count
    if {"media_type", "caption", "text", "timestamp", "media_url"} & doc.keys():
        return instagram_item_count(doc)
    for item in (doc.get("media") or {}).get("data", []):  # an account object with its media
        count += instagram_item_count(item)
    return count


IG_WRAPPERS = {"ig_reels_media": "reel", "ig_stories": "story", "ig_igtv_media": "igtv"}


def instagram_count(path: Path) -> Counter | None:
    docs = documents(path)
    first = docs[0]
    if isinstance(first, dict) and first.get("object") == "instagram":
        return meta_webhooks(docs, {"comments", "live_comments", "mentions"}, None, {"story_insights"})
    if path.suffix == ".json" and ("/content/" in path.as_posix() or any(k in str(first) for k in IG_WRAPPERS)):
        count: Counter = Counter()
        entries = [(e, None) for e in first] if isinstance(first, list) else [
            (e, IG_WRAPPERS[k]) for k, v in first.items() if k in IG_WRAPPERS for e in v]
        for entry, kind in entries:
            inner = [k for k in IG_WRAPPERS if k in entry and "media" not in entry and "uri" not in entry]
            if inner:
                for k in inner:
                    count[IG_WRAPPERS[k]] += len(entry[k])
            else:
                count[kind or "post"] += 1
        return count
    comments = first if isinstance(first, list) else next(
        (v for k, v in first.items() if k.startswith("comments_") and k.endswith("_comments")), None) \
        if isinstance(first, dict) else None
    if comments is not None and "/comments/" in path.as_posix():
        count = Counter()
        for entry in comments:
            count["comment"] += len(entry["string_list_data"]) if "string_list_data" in entry else 1
        return count
    if "/comments/" in path.as_posix() or "/likes/" in path.as_posix() or "followers" in path.name \
            or "personal_information" in path.as_posix():
        return None
    return instagram_response(first)


def linkedin_object(obj: Any) -> Counter:
    if not isinstance(obj, dict):
        return Counter()
    urn = obj.get("id")
    if isinstance(urn, str) and urn.startswith(("urn:li:share:", "urn:li:ugcPost:")) and (
            {"commentary", "author", "lifecycleState", "createdAt"} & obj.keys()):
        return Counter({"not kept" if obj.get("lifecycleState") == "DRAFT" else "content": 1})
    if "commentUrn" in obj or ("actor" in obj and isinstance(obj.get("message"), dict)):
        return Counter({"content": 1})
    if "serviceErrorCode" in obj:
        return Counter({"error": 1})
    return Counter()


def linkedin_count(path: Path) -> Counter | None:
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig").replace("\\\\", "\\\\\\\\")),
                               escapechar="\\", doublequote=True))
        header = rows[0]
        if "ShareLink" in header:
            link = header.index("ShareLink")
            seen, n = None, 0
            for row in rows[1:]:
                if not any(c.strip() for c in row):
                    continue
                if not row[link] or row[link] != seen:
                    n += 1
                seen = row[link] or None
            return Counter({"content": n})
        if "Message" in header and "Link" in header:
            return Counter({"content": sum(1 for r in rows[1:] if any(c.strip() for c in r))})
        return None
    count: Counter = Counter()
    for doc in documents(path):
        if doc.get("type") == "RECORD":
            doc = doc["record"]
        if "stream" in doc and "data" in doc:
            doc = doc["data"]
        for obj in doc.get("elements", [doc]) if isinstance(doc.get("elements", [doc]), list) else [doc]:
            count += linkedin_object(obj)
        for value in (doc.get("results") or {}).values() if isinstance(doc.get("results"), dict) else ():
            count += linkedin_object(value)
    return count


COUNTERS = {"facebook": facebook_count, "instagram": instagram_count, "linkedin": linkedin_count}


# --- the comparison ------------------------------------------------------------------------------


def as_counted(items: dict[str, dict], fine: set[str]) -> Counter:
    """The summary's items in the test's words: content kinds (each, or all as "content"), moderation,
    errors, and what the ledger does not keep (every one of which must be skipped)."""
    out: Counter = Counter()
    for kind, tally in items.items():
        if kind in NOT_ITEMS:
            continue
        if kind in CONTENT_KINDS:
            out[kind if kind in fine else "content"] += tally["items"]
        elif kind in MODERATION:
            out[kind] += tally["items"]
        elif kind == "item":
            out["error"] += tally["items"]
        else:
            assert tally["recorded"] == tally["unchanged"] == 0, (kind, tally)
            out["not kept"] += tally["items"]
    return out


def data_files(channel: str) -> list[Path]:
    roots = [HERE / "fixtures" / channel]
    if (SHARED / channel).is_dir():
        roots.append(SHARED / channel)
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)


class Accounts:
    """One ledger per channel; an active account for each page the data names, made when first met."""

    def __init__(self, home: Path, channel: str) -> None:
        self.channel = channel
        self.ledger, first = make_ledger(home, channel, "0")
        self.by_page: dict[str, str] = {"0": first}

    def account(self, page: str) -> str:
        if page not in self.by_page:
            ledger = self.ledger
            account = ledger.apply_account(actor("kommunikatör"), ApplicationForm(
                channel=self.channel, name=f"Sida {page}", unit="Enheten", owner="ägare", deputy="ersättare",
                answering_hours="Vardagar 8–17", page_rules="Inga påhopp"))
            ledger.approve(actor("chef"), account, "manager")
            ledger.approve(actor("info"), account, "information-unit")
            ledger.link(actor("info"), account, page)
            self.by_page[page] = str(account)
        return self.by_page[page]

    def ingest(self, path: Path) -> Any:
        page = "0"
        for _ in range(3):
            try:
                return self.ledger.ingest(actor("kommunikatör"), self.channel, path, self.account(page), recheck=True)
            except BadInput as e:
                if "but account" not in e.message:
                    raise
                page = e.message.split(" page ", 1)[1].split(",", 1)[0]
        raise AssertionError(f"{path}: no account for its page")


@pytest.mark.parametrize("channel", sorted(COUNTERS))
def test_every_item_of_every_sample_and_fixture_is_accounted_for(channel, tmp_path):
    registry = plugin_manager().channels
    plugin = registry.get(channel)
    accounts = Accounts(tmp_path / channel, channel)
    checked = 0
    try:
        for path in data_files(channel):
            expected = COUNTERS[channel](path)
            [entry] = open_inputs(path)
            if expected is None:  # not a file of items, by the test's reading: the channel passes it over too
                assert plugin.skip(entry) or plugin.detect(entry) is None, path
                continue
            if plugin.skip(entry) or plugin.detect(entry) is None:
                assert not +expected, (path, expected)  # nothing in it, by the test's reading either
                continue
            try:
                summary = accounts.ingest(path)
            except BadInput as e:
                assert "page" in e.message, (path, e.message)  # another organisation's data: refused whole
                continue
            fine = {k for k in expected if k in CONTENT_KINDS}
            assert summary.unaccounted() == 0, (path, summary.items)
            assert as_counted(summary.items, fine) == +expected, (path, summary.items, expected)
            checked += 1
    finally:
        accounts.ledger.close()
    assert checked >= 10
