"""The Instagram channel: detects and reads Graph API responses, webhook deliveries and account exports.

Detection never claims Facebook data: a Facebook item says `created_time`,
`message` or `permalink_url` and has an id `<page>_<post>`, a Facebook
delivery says `"object":"page"`, Facebook Insights are named `page_*`/`post_*`
and the Facebook export says `comments_v2` and `your_posts_*.json`; an
Instagram item says `timestamp`, `text`/`caption`, `media_type`, `permalink`,
a delivery `"object":"instagram"`, and its export files are named
`posts_N.json`, `reels.json`, `stories.json` and `post_comments_N.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar

import msgspec

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
from socialledger.plugins.instagram import polling
from socialledger.plugins.instagram.export import (
    COMMENT_LABELS,
    comment_entries,
    export_kind,
    has_content_list,
    in_export_folder,
    posts_entries,
    read_export,
)
from socialledger.plugins.instagram.graph import MEDIA_FIELDS, is_insight, read_response
from socialledger.plugins.instagram.metrics import ACCOUNT_METRICS, METRICS
from socialledger.plugins.instagram.webhooks import read_deliveries

_decode = msgspec.json.Decoder().decode

#: Fields only an Instagram user object has (a Facebook page object has none of them) ...
IG_USER_FIELDS = frozenset({"media_count", "ig_id", "biography", "profile_picture_url", "follows_count"})
#: ... and fields only a Facebook page object has.
FB_PAGE_FIELDS = frozenset({"fan_count", "category", "link", "about"})
#: Fields of a Facebook post or comment.
FB_ITEM_FIELDS = frozenset({"created_time", "updated_time", "message", "permalink_url", "is_hidden", "parent"})
#: Fields of an Instagram comment (beside `id`).
IG_COMMENT_FIELDS = frozenset({"text", "timestamp", "hidden", "parent_id", "replies", "user", "username"})

_IG_INSIGHT_ID = re.compile(r"^\d+/insights/")
_WEBHOOK = re.compile(rb'"object"\s*:\s*"instagram"')
_FB_MARKS = re.compile(rb'"(created_time|permalink_url|comments_v2)"\s*:|"object"\s*:\s*"page"')
_IG_ITEM = re.compile(rb'\\?"(media_type|media_product_type|media_url|like_count|comments_count)\\?"\s*:'
                      rb'|\\?"timestamp\\?"\s*:\s*\\?"\d{4}-'
                      rb'|\\?"id\\?"\s*:\s*\\?"\d+/insights/')
_FB_ESCAPED = re.compile(rb'\\"(created_time|permalink_url|message)\\"\s*:')  # inside a batch body string
_DATA = re.compile(rb'"data"\s*:')
_BATCH = re.compile(rb'"body"\s*:')
_EXPORT_POSTS = re.compile(rb'"media"\s*:\s*\[')
_CREATION = re.compile(rb'"creation_timestamp"\s*:')
_EXPORT_COMMENTS = re.compile(rb'"comments_\w+_comments"\s*:\s*\[')
_EXPORT_WRAPPED = re.compile(rb'"ig_(reels_media|stories|igtv_media)"\s*:\s*\[')


class InstagramChannel(Channel):
    """Instagram professional accounts: media (posts, reels, stories), comments, replies and metrics."""

    name = "instagram"
    title = "Instagram"
    reads: ClassVar[tuple[Source, ...]] = ("api", "webhook", "export")
    founded = 2010  # platform times before it are impossible (`Channel.founded`)
    # Who wrote it, the media a mention or comment is on (another account's, for a mention) and the
    # replies a comment embeds; in an export, the owner of the media the account commented on.
    embedded = (
        Embedded("from", "person"),
        Embedded("user", "person"),
        Embedded("username", "person", id=None, named="username"),
        Embedded("media", "item"),
        Embedded("replies.data", "item"),
        Embedded("string_map_data.Media Owner.value", "person", id=None, named="username"),
        Embedded("string_map_data.Medieägare.value", "person", id=None, named="username"),
    )
    #: "@anna.berg" in a caption or comment: Instagram gives no structure for it
    handles = r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9._]{0,28}[A-Za-z0-9_])?)(?![A-Za-z0-9_@])"
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
        if source == "export" and export_kind(entry.path) is None and in_export_folder(entry.path) \
                and not has_content_list(doc) and not (doc is NOT_JSON and _EXPORT_WRAPPED.search(body)):
            return None  # another file of the export that happens to look like posts (archived, liked, ...)
        return source

    def skip(self, entry: InputFile) -> bool:
        """Media, HTML and the export's other JSON files (followers, likes, messages, ...)."""
        if PurePosixPath(entry.path).suffix.lower() not in JSON_SUFFIXES:
            return not starts_like_json(entry)
        if export_kind(entry.path) is not None:
            return False
        if in_export_folder(entry.path):
            return self.detect(entry) is None
        return False

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        with reading(self, entry, source, "Instagram"):
            if source == "api":
                yield from read_response(self._peeked.json(entry), entry.path)
            elif source == "webhook":
                yield from read_deliveries(json_documents(entry, "delivery"))
            else:
                yield from read_export(self._peeked.json(entry), export_kind(entry.path))


# --- detection --------------------------------------------------------------------------------

def classify(doc: Any, path: str = "") -> Source | None:
    """Which source a decoded document is, by its shape (then its path); None when this channel reads none."""
    if isinstance(doc, dict):
        if "object" in doc:
            return "webhook" if doc["object"] == "instagram" and "entry" in doc else None
        if "data" in doc:
            data = doc["data"]
            if not isinstance(data, list) or not data or not isinstance(data[0], dict):
                return "api"  # empty (no data is an empty list), or malformed: `read` says what is wrong
            first = data[0]
            if isinstance(first.get("error"), dict):
                return "api"
            if is_insight(first):
                return "api" if is_instagram_insight(first) else None
            return "api" if looks_instagram(first) else None
        if isinstance(doc.get("error"), dict) and "message" in doc["error"]:
            return "api"  # a Graph API error payload: reported for the item, not recorded
        if "id" in doc and ("mentioned_comment" in doc or "mentioned_media" in doc):
            return "api"
        if "id" in doc and not IG_USER_FIELDS.isdisjoint(doc) and FB_PAGE_FIELDS.isdisjoint(doc):
            return "api"
        if "id" in doc and looks_instagram(doc):
            return "api"
        if comment_entries(doc) is not None and "comments_v2" not in doc:
            return "export"
        if posts_entries(doc) is not None and (export_kind(path) == "posts" or has_content_list(doc)):
            return "export"
        return None
    if isinstance(doc, list):
        if not doc:
            return "export" if export_kind(path) is not None else None
        first = next((d for d in doc if d is not None), None)
        if not isinstance(first, dict):
            return None
        if first.get("object") == "instagram":
            return "webhook"
        if "body" in first and "code" in first:
            return "api" if _batch_part_is_ours(first) else None
        if isinstance(first.get("media"), list):
            return "export"
        if "string_map_data" in first or "string_list_data" in first:
            labels = first.get("string_map_data")
            if export_kind(path) == "comments" or (isinstance(labels, dict) and not COMMENT_LABELS.isdisjoint(labels)):
                return "export"
        return None
    return None


def looks_instagram(item: dict[str, Any]) -> bool:
    """An Instagram media or comment (not a Facebook post or comment)."""
    if not FB_ITEM_FIELDS.isdisjoint(item):
        return False
    iid = item.get("id")
    if isinstance(iid, str) and "_" in iid:  # Facebook's "<page>_<post>" and "<post>_<comment>"
        return False
    return not MEDIA_FIELDS.isdisjoint(item) or not IG_COMMENT_FIELDS.isdisjoint(item)


def is_instagram_insight(item: dict[str, Any]) -> bool:
    """An Instagram Insights value: a name Instagram uses, or an id `<ig-id>/insights/...`; never `page_*`/`post_*`."""
    name = item["name"]
    if name.startswith(("page_", "post_")):
        return False
    iid = item.get("id")
    if isinstance(iid, str) and "_" in iid.split("/", 1)[0]:  # a Facebook post's insights
        return False
    if name in METRICS or name in ACCOUNT_METRICS:
        return True
    return isinstance(iid, str) and _IG_INSIGHT_ID.match(iid) is not None


def _batch_part_is_ours(part: dict[str, Any]) -> bool:
    body = part.get("body")
    if isinstance(body, str):
        try:
            body = _decode(body)
        except msgspec.DecodeError:
            return False
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("error"), dict):
        return True
    return classify(body) == "api"


def sniff(head: bytes, path: str = "") -> Source | None:
    """Which source a file is by the first bytes of a large file (or one that does not parse)."""
    if _WEBHOOK.search(head):
        return "webhook"
    if _FB_MARKS.search(head):
        return None
    if _EXPORT_COMMENTS.search(head) or _EXPORT_WRAPPED.search(head):
        return "export"
    if head.startswith(b"[") and _EXPORT_POSTS.search(head) and _CREATION.search(head):
        return "export"
    if export_kind(path) is not None:
        return "export"
    if head.startswith(b"{") and _DATA.search(head) and _IG_ITEM.search(head):
        return "api"
    if head.startswith(b"[") and _BATCH.search(head) and _IG_ITEM.search(head) and not _FB_ESCAPED.search(head):
        return "api"
    return None


__all__ = ["InstagramChannel", "classify", "is_instagram_insight", "looks_instagram", "sniff"]
