"""What the Bluesky readers share: AT-URIs, tolerant times, the post record, authors, facets.

- An account is a DID (`did:plc:...`, `did:web:...`); its handle is a mutable domain name,
  so the account's platform id is the DID and a handle is only ever a username.
- A post's native id is its AT-URI `at://<did>/app.bsky.feed.post/<rkey>`; a version of it
  is a CID (kept in the raw fragment: an update gives a new CID under the same URI).
- `createdAt` is client-supplied: `2026-07-04T14:38:06.240Z` and `2026-07-04T14:38:02+00:00`
  both occur, with up to nanosecond fractions, sometimes without an offset (read as UTC).
- Facets index UTF-8 *byte* offsets of the text: a link facet's visible span is sliced from
  the text's bytes, so å ä ö and emoji before it do not shift it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from socialledger.channels import (  # noqa: F401 - the readers import these from here
    AuthorRef,
    ContentRecord,
    FormatError,
    Kind,
    Media,
    Record,
    Skipped,
    Source,
    clean,
    dict_at,
    list_at,
)

CHANNEL = "bluesky"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"

_AT_URI = re.compile(r"^at://(?P<repo>[^/]+)/(?P<collection>[^/]+)/(?P<rkey>[^/?#]+)$")
_FRACTION = re.compile(r"^(?P<head>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<frac>\d+))?(?P<tz>Z|z|[+-]\d\d:?\d\d)?$")

#: Why the items of other collections are not recorded (by collection; others: `OTHER_COLLECTION`).
COLLECTION_REASONS: dict[str, tuple[str, str]] = {
    "app.bsky.feed.like": ("like", "who liked is not kept (the counts come from the API)"),
    "app.bsky.feed.repost": ("repost", "who reposted is not kept (the counts come from the API)"),
    "app.bsky.graph.follow": ("follow", "a follow between accounts: no content"),
    "app.bsky.graph.block": ("block", "a block between accounts: no content"),
    "app.bsky.graph.list": ("list", "a list of accounts: no content"),
    "app.bsky.graph.listitem": ("list item", "a list of accounts: no content"),
    "app.bsky.actor.profile": ("profile", "an account's profile record: no content"),
    "app.bsky.feed.postgate": ("postgate", "who may quote a post: no content"),
    "app.bsky.actor.status": ("status", "an account's live status: no content"),
}
OTHER_COLLECTION = "a record of another application (not a Bluesky post)"


def at_uri(value: Any, what: str = "uri") -> str:
    if not isinstance(value, str) or not value:
        raise FormatError(f"{what} is {value!r}, not an AT-URI")
    return value


def uri_parts(uri: Any) -> tuple[str, str, str] | None:
    """(repo DID, collection, rkey) of an AT-URI; None for anything else (the test snapshots' `record(3)`)."""
    m = _AT_URI.match(uri) if isinstance(uri, str) else None
    return (m.group("repo"), m.group("collection"), m.group("rkey")) if m else None


def uri_did(uri: Any) -> str | None:
    parts = uri_parts(uri)
    return parts[0] if parts else None


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def at_time(value: Any, what: str = "time") -> datetime:
    """A Bluesky time in any of its forms, as an aware UTC datetime (unix microseconds for Jetstream's)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 10**14:  # Jetstream's time_us
            return datetime.fromtimestamp(value / 1_000_000, UTC)
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    if not isinstance(value, str):
        raise FormatError(f"{what} is {value!r}, not a time")
    m = _FRACTION.match(value.strip())
    if m is None:
        raise FormatError(f"{what} {value!r} is not a time")
    frac = (m.group("frac") or "")[:6]
    tz = m.group("tz") or "+00:00"
    tz = "+00:00" if tz in ("Z", "z") else tz
    try:
        dt = datetime.fromisoformat(f"{m.group('head')}{'.' + frac.ljust(6, '0') if frac else ''}{tz}")
    except ValueError:
        raise FormatError(f"{what} {value!r} is not a time") from None
    return dt.astimezone(UTC)


def opt_at_time(value: Any, what: str = "time") -> datetime | None:
    return None if value is None or value == "" else at_time(value, what)


def author_of(profile: Any, did: str | None = None) -> AuthorRef:
    """A post's author: the DID (stable), with the handle and display name when the view gives them."""
    profile = profile if isinstance(profile, dict) else {}
    native = profile.get("did") or did
    if not isinstance(native, str) or not native:
        raise FormatError("a post's author has no DID")
    return AuthorRef(native_id=native, username=profile.get("handle") or None, name=profile.get("displayName") or None)


def reply_refs(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(parent URI, root URI) of a post record; (None, None) for a top-level post."""
    reply = record.get("reply")
    if not isinstance(reply, dict):
        return None, None
    parent = dict_at(reply, "parent").get("uri")
    root = dict_at(reply, "root").get("uri")
    return (parent if isinstance(parent, str) else None), (root if isinstance(root, str) else None)


def kind_of(record: dict[str, Any]) -> Kind:
    """A top-level post, a comment (a reply to the thread's root) or a reply (deeper in the thread)."""
    parent, root = reply_refs(record)
    if parent is None:
        return "post"
    return "comment" if root is None or parent == root else "reply"


def facet_spans(text: str, record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(the visible text of a facet, the facet's feature) for each feature: byte offsets of the UTF-8 text."""
    data = text.encode("utf-8")
    for facet in list_at(record, "facets"):
        index = dict_at(facet, "index")
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end <= len(data):
            raise FormatError(f"a facet's byte range {start!r}..{end!r} is outside the text ({len(data)} bytes)")
        span = data[start:end].decode("utf-8", errors="replace")
        for feature in list_at(facet, "features"):
            if isinstance(feature, dict):
                yield span, feature


def media_of(text: str, record: dict[str, Any]) -> tuple[Media, ...]:
    """The links (from link facets: the full URI beside the visible, often shortened, text) and the embeds."""
    out: list[Media] = []
    for span, feature in facet_spans(text, record):
        if feature.get("$type") == "app.bsky.richtext.facet#link" and isinstance(feature.get("uri"), str):
            out.append(Media(kind="link", url=feature["uri"], title=span))
    embed = record.get("embed")
    out.extend(_embed_media(embed if isinstance(embed, dict) else {}))
    return tuple(out)


def _blob_cid(blob: Any) -> str | None:
    ref = dict_at(blob, "ref").get("$link") if isinstance(blob, dict) else None
    return ref if isinstance(ref, str) else None


def _embed_media(embed: dict[str, Any]) -> list[Media]:
    kind = embed.get("$type")
    if kind == "app.bsky.embed.images":
        return [Media(kind="photo", title=_blob_cid(i.get("image")), description=i.get("alt") or None)
                for i in list_at(embed, "images") if isinstance(i, dict)]
    if kind == "app.bsky.embed.video":
        return [Media(kind="video", title=_blob_cid(embed.get("video")), description=embed.get("alt") or None)]
    if kind == "app.bsky.embed.external":
        ext = dict_at(embed, "external")
        return [Media(kind="link", url=ext.get("uri"), title=ext.get("title") or None,
                      description=ext.get("description") or None)]
    if kind == "app.bsky.embed.record":
        return [Media(kind="quote", url=dict_at(embed, "record").get("uri"))]
    if kind == "app.bsky.embed.recordWithMedia":
        return [Media(kind="quote", url=dict_at(embed, "record", "record").get("uri")),
                *_embed_media(dict_at(embed, "media"))]
    return []


def post_record(channel: str, source: Source, uri: str, record: dict[str, Any], author: AuthorRef,
                observed: datetime, raw: dict[str, Any], *, page_id: str | None = None,
                hidden: bool | None = None, belongs_to: tuple[str, ...] = (), permalink: str | None = None,
                ) -> ContentRecord:
    """One observation of a post record (`app.bsky.feed.post`), however it arrived."""
    if not isinstance(record, dict):
        raise FormatError(f"{uri}: the post record is {type(record).__name__}, not an object")
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise FormatError(f"{uri}: text is {type(text).__name__}, not a string")
    created = at_time(record.get("createdAt"), f"{uri} createdAt") if record.get("createdAt") else None
    parent, _root = reply_refs(record)
    return ContentRecord(
        channel=channel, kind=kind_of(record), source=source, observed=observed, native_id=uri,
        page_id=page_id, parent_native_id=parent, created=created, text=text or None, author=author,
        media=media_of(text or "", record), permalink=permalink or web_link(uri, author.username),
        hidden=hidden, raw=clean(raw), belongs_to=belongs_to,
        time_note=None if created is None else "created is the client-supplied createdAt")


def web_link(uri: str, handle: str | None = None) -> str | None:
    """The post's page on bsky.app (by DID: a handle can change)."""
    parts = uri_parts(uri)
    if parts is None or parts[1] != POST:
        return None
    return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"


def skipped_collection(collection: str, source: Source, native_id: str | None = None) -> Skipped:
    kind, reason = COLLECTION_REASONS.get(collection, (collection or "record", OTHER_COLLECTION))
    return Skipped(channel=CHANNEL, source=source, kind=kind, reason=reason, native_id=native_id)
