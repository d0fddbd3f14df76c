"""The Facebook Pages channel: detects and reads Graph API pages, webhook deliveries and account exports."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar

from socialledger.channels import (
    JSON_SUFFIXES,
    NOT_JSON,
    ApiClient,
    Channel,
    Embedded,
    InputFile,
    Kind,
    ModerationRecord,
    Peeked,
    PollResult,
    Record,
    Source,
    json_documents,
    reading,
    starts_like_json,
)
from socialledger.plugins._meta.graph import cdn_identity
from socialledger.plugins._meta.webhooks import SIGNATURE_HEADER, verify_delivery
from socialledger.plugins.facebook import polling
from socialledger.plugins.facebook.export import (
    export_kind,
    in_export_folder,
    read_export,
)
from socialledger.plugins.facebook.graph import is_insight, read_response
from socialledger.plugins.facebook.webhooks import read_deliveries

_WEBHOOK = re.compile(rb'"object"\s*:\s*"page"')
_ENTRY = re.compile(rb'"entry"\s*:\s*\[')
_CHANGES = re.compile(rb'"changes"\s*:')
_COMMENTS_V2 = re.compile(rb'"comments_v2"\s*:')
_TIMESTAMP = re.compile(rb'"timestamp"\s*:')
_DATA = re.compile(rb'"data"\s*:')
_FB_ITEM = re.compile(rb'"(created_time|permalink_url)"\s*:')
_FB_INSIGHT = re.compile(rb'"name"\s*:\s*"(page|post)_')
#: Fields of an Instagram user object (a Facebook page object has none of them).
_IG_USER_FIELDS = frozenset({"media_count", "ig_id", "biography", "profile_picture_url", "follows_count"})
_PAGE_FIELDS = frozenset({"fan_count", "followers_count", "category", "link"})


class FacebookChannel(Channel):
    """Facebook Pages: posts, comments, replies, visitor posts, moderation and metrics."""

    name = "facebook"
    title = "Facebook Pages"
    reads: ClassVar[tuple[Source, ...]] = ("api", "webhook", "export")
    founded = 2004  # platform times before it are impossible (`Channel.founded`)
    # Who wrote it (Graph's `from`, a webhook's sender), a comment's parent with its author and words,
    # the people a post tags, and, in an export, the words of the post the account commented on.
    embedded = (
        Embedded("from", "person"),
        Embedded("sender_id", "person", id=None),
        Embedded("sender_name", "person", id=None, named="name"),
        Embedded("parent", "item"),
        Embedded("message_tags", "person", name="name", shown="name"),
        Embedded("story_tags", "person"),
        Embedded("with_tags.data", "person"),
        Embedded("to.data", "person"),
        Embedded("comments.data", "item"),
        Embedded("data.post", "text"),
    )
    version = "1.1"
    signature_header = SIGNATURE_HEADER  # Meta signs its webhook deliveries
    api_base = polling.BASE  # the Graph API (configurable: api_base in the secrets)

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        return polling.poll(client, platform_id, cursor)

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        return polling.look_up(client, native_id, kind, platform_id, observed)

    def __init__(self) -> None:
        self._peeked = Peeked()  # the file `detect` decoded, for `read`

    def verify_signature(self, body: bytes, headers: Mapping[str, str], secret: bytes) -> bool:
        return verify_delivery(body, headers, secret)

    def media_identity(self, url: str) -> str:
        return cdn_identity(url)  # Meta's CDN signs each URL anew

    def detect(self, entry: InputFile) -> Source | None:
        body, doc = self._peeked.peek(entry)
        if body[:1] not in (b"{", b"["):
            return None
        source: Source | None = classify(doc, entry.path) if doc is not NOT_JSON else sniff(body, entry.path)
        if source == "export" and export_kind(entry.path) is None and in_export_folder(entry.path):
            return None  # another file of the export that happens to look like posts (reactions, ...)
        return source

    def skip(self, entry: InputFile) -> bool:
        """Media, HTML and the export's other JSON files (profile, friends, reactions, ...)."""
        if PurePosixPath(entry.path).suffix.lower() not in JSON_SUFFIXES:
            return not starts_like_json(entry)
        if export_kind(entry.path) is not None:
            return False
        if in_export_folder(entry.path):
            return self.detect(entry) is None
        return False

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        with reading(self, entry, source, "Facebook"):
            if source == "api":
                yield from read_response(self._peeked.json(entry))
            elif source == "webhook":
                yield from read_deliveries(json_documents(entry, "delivery"))
            else:
                yield from read_export(self._peeked.json(entry))


# --- detection --------------------------------------------------------------------------------

def classify(doc: Any, path: str = "") -> Source | None:
    """Which source a decoded document is, by its shape; None when it is none this channel reads."""
    if isinstance(doc, dict):
        if "object" in doc:
            return "webhook" if doc["object"] == "page" and "entry" in doc else None
        entries = doc.get("entry")
        if isinstance(entries, list) and entries and isinstance(entries[0], dict) and "changes" in entries[0]:
            return "webhook"
        if "comments_v2" in doc:
            return "export"
        if "data" in doc:
            data = doc["data"]
            if isinstance(data, list) and not data:
                return "api"  # an empty page
            if not isinstance(data, list) or not isinstance(data[0], dict):
                # Malformed Graph API data (`read` says what is wrong), if the paging or summary
                # of a Graph response is there; some other platform's `data` otherwise.
                return "api" if ("paging" in doc or "summary" in doc) else None
            first = data[0]
            if is_insight(first):
                # Facebook's Insights are named page_* and post_*; likes, comments or shares
                # could as well be another platform's.
                return "api" if first["name"].startswith(("page_", "post_")) else None
            return "api" if _looks_facebook(first) else None
        if isinstance(doc.get("error"), dict) and "message" in doc["error"]:
            return "api"
        if "id" in doc and _looks_facebook(doc):
            return "api"
        if "id" in doc and "name" in doc and _IG_USER_FIELDS.isdisjoint(doc) and not _PAGE_FIELDS.isdisjoint(doc):
            return "api"
        if "comments" in doc and export_kind(path) == "comments":
            return "export"
        return None
    if isinstance(doc, list):
        if not doc:
            return "export" if export_kind(path) == "posts" else None
        first = doc[0]
        if isinstance(first, dict):
            if first.get("object") == "page" or "entry" in first:
                return "webhook"
            if ("timestamp" in first or export_kind(path) == "posts") and all(_post_entry(e) for e in doc[:20]):
                return "export"
        return None
    return None


#: What the `data` of a posts entry holds; reactions (`{"reaction": ...}`) and other lists do not.
_POST_DATA = frozenset({"post", "update_timestamp"})


def _post_entry(entry: Any) -> bool:
    """A posts entry by its shape: a time, and `data` (if any) of post texts and update times only."""
    if not isinstance(entry, dict):
        return False
    data = entry.get("data")
    if data is None:
        return True
    return isinstance(data, list) and all(isinstance(d, dict) and set(d) <= _POST_DATA for d in data)


def _looks_facebook(item: dict[str, Any]) -> bool:
    if "created_time" in item or "message" in item:  # Instagram says "timestamp" and "text"/"caption"
        return True
    link = item.get("permalink_url")
    return isinstance(link, str) and "facebook.com" in link


def sniff(head: bytes, path: str = "") -> Source | None:
    """Which source a file is by the first bytes of a large file (or one that does not parse)."""
    if _WEBHOOK.search(head):  # Page webhooks say "object": "page"; Instagram's say "instagram"
        return "webhook"
    if _COMMENTS_V2.search(head):
        return "export"
    if head.startswith(b"[") and _TIMESTAMP.search(head):
        return "export"
    if export_kind(path) is not None:
        return "export"
    if head.startswith(b"{") and _DATA.search(head) and (_FB_ITEM.search(head) or _FB_INSIGHT.search(head)):
        return "api"
    return None


__all__ = ["FacebookChannel", "classify", "sniff"]
