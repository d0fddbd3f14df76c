"""Saved AppView responses -> records: `getAuthorFeed`, `getPostThread`, `getProfile`.

- **getAuthorFeed** `{feed:[FeedViewPost], cursor?}` (or the bare `feed` array): each item's
  `post` is the account's post (its author is the feed's actor), a repost (`reason` is
  `#reasonRepost`: another account's post, skipped: who reposted is the account, the post is
  not its own) or a pin. The `reply` context (`root`, `parent`) holds the posts the item replies
  to: recorded when they are in one of the account's threads (the root is the account's), so a
  stranger's reply the account answered is captured with it; skipped otherwise.
- **getPostThread** `{thread, threadgate?}` (or the bare `thread`): a `#threadViewPost` with its
  `parent` chain and nested `replies`; branches may be `#notFoundPost` (deleted, or not visible)
  or `#blockedPost` (the viewer is blocked): each is counted and skipped with its reason, never
  read as a deletion (a deleted reply's whole branch vanishes from the view; what the ledger
  captured of it stays). The thread's anchor post names the account (`page_id`). The
  threadgate's `hiddenReplies` are the replies the thread's author hid: recorded hidden.
- **getProfile** (`ProfileViewDetailed`): the account, with its followers, follows and posts counts.

Each post view yields its content and its counts (likes, reposts, replies, quotes, bookmarks)
as lifetime metrics; `indexedAt` (when the AppView indexed this version) is the observation time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

import msgspec

from socialledger.channels import AccountRecord, ContentRecord, MetricsRecord, ModerationRecord, Skipped, number
from socialledger.plugins.bluesky.common import (
    CHANNEL,
    FormatError,
    Record,
    at_time,
    author_of,
    dict_at,
    list_at,
    post_record,
    reply_refs,
    uri_did,
)

SOURCE = "api"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"
REPOST = "app.bsky.feed.defs#reasonRepost"

NOT_FOUND_REASON = "not found: deleted or not visible (a deletion is never read from absence)"
BLOCKED_REASON = "blocked: the platform shows the viewer no content"
REPOST_REASON = "a repost of another account's post (the post is not the account's)"
OUTSIDE_REASON = "a post in another account's thread the account replied to"

#: A post view's counts: (the view's field, the ledger's metric, the breakdown's key).
POST_COUNTS = (
    ("likeCount", "reactions", "like"),
    ("repostCount", "shares", None),
    ("replyCount", "comments", None),
    ("quoteCount", "quoteCount", None),
    ("bookmarkCount", "saves", None),
)
#: A profile's counts.
PROFILE_COUNTS = (("followersCount", "followers"), ("followsCount", "followsCount"), ("postsCount", "postsCount"))


def is_feed_item(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("post"), dict) and "uri" in item["post"] \
        and "record" in item["post"]


def is_thread(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("$type") in (THREAD_VIEW, NOT_FOUND, BLOCKED) \
        or isinstance(doc, dict) and isinstance(doc.get("post"), dict) and "threadContext" in doc


def is_profile(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("did"), str) and "handle" in doc \
        and "followersCount" in doc


def classify(doc: Any) -> bool:
    """Whether a decoded document is a Bluesky AppView response this channel reads."""
    if isinstance(doc, list):
        return bool(doc) and is_feed_item(doc[0])
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("feed"), list):
        return not doc["feed"] or is_feed_item(doc["feed"][0])
    if "thread" in doc:
        return is_thread(doc["thread"])
    return is_thread(doc) or is_profile(doc)


def read_response(doc: Any) -> Iterator[Record]:
    if isinstance(doc, list):
        yield from read_feed(doc)
    elif isinstance(doc, dict) and isinstance(doc.get("feed"), list):
        yield from read_feed(doc["feed"])
    elif isinstance(doc, dict) and "thread" in doc:
        yield from read_thread(doc["thread"], doc.get("threadgate"))
    elif is_profile(doc):
        yield from read_profile(doc)
    elif is_thread(doc):
        yield from read_thread(doc, None)
    else:
        raise FormatError("not a getAuthorFeed, getPostThread or getProfile response")


# --- posts ----------------------------------------------------------------------------------------


class Gate(NamedTuple):
    """A thread's threadgate as far as hiding goes: the replies it hides, and since when at the latest."""

    hidden: frozenset[str]
    since: datetime | None
    uri: str | None


def gate_of(threadgate: Any) -> Gate | None:
    """The threadgate's hidden replies; None when there is no threadgate."""
    if not isinstance(threadgate, dict):
        return None
    record = threadgate.get("record", threadgate)
    created = dict_at(threadgate, "record").get("createdAt") or threadgate.get("createdAt")
    return Gate(frozenset(u for u in list_at(record, "hiddenReplies") if isinstance(u, str)),
                at_time(created, "threadgate createdAt") if created else None,
                threadgate.get("uri") if isinstance(threadgate.get("uri"), str) else None)


def post_view(view: dict[str, Any], where: str, *, page_id: str | None = None,
              gate: Gate | None = None) -> Iterator[Record]:
    """A PostView: the post's observation, then its counts."""
    uri = view.get("uri")
    if not isinstance(uri, str) or not uri:
        raise FormatError(f"{where}: a post view without uri")
    observed = at_time(view.get("indexedAt") or dict_at(view, "record").get("createdAt"), f"{where}.indexedAt")
    gate = gate if gate is not None else gate_of(view.get("threadgate"))
    hidden = gate is not None and uri in gate.hidden
    record = view.get("record")
    if not isinstance(record, dict):
        raise FormatError(f"{where}: record is {type(record).__name__}, not an object")
    content = post_record(CHANNEL, SOURCE, uri, record, author_of(view.get("author"), uri_did(uri)), observed, view,
                          page_id=page_id, hidden=None if gate is None or hidden else False)
    content = _with_view_urls(content, view.get("embed"))
    yield content
    if hidden:
        # Hidden by the thread's author (the organisation, in its own threads): a moderation of the
        # item, no later than the reply was seen and the threadgate made.
        assert gate is not None
        when = max(t for t in (content.observed, content.created, gate.since) if t is not None)
        yield ModerationRecord(channel=CHANNEL, kind=content.kind, source=SOURCE, action="hide", native_id=uri,
                               observed=when, parent_native_id=content.parent_native_id,
                               raw={"threadgate": gate.uri, "hiddenReplies": sorted(gate.hidden)})
    for field, metric, kind in POST_COUNTS:
        if field in view and view[field] is not None:
            value = number(view[field], f"{where}.{field}")
            yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=field,
                                period="lifetime", end=None, value=value, native_id=uri,
                                breakdown={kind: value} if kind else None)


def _with_view_urls(content: ContentRecord, embed: Any) -> ContentRecord:
    """The picture and video URLs the AppView's hydrated embed (`#view`) gives, on the record's media.

    The post record names a picture only by its blob's CID; the view gives its CDN URL
    (`fullsize`; a video's `thumbnail`), which polling downloads. Matched by the CID the URL
    ends with, else in order.
    """
    media = embed.get("media") if isinstance(embed, dict) and isinstance(embed.get("media"), dict) else embed
    if not isinstance(media, dict):
        return content
    kind = media.get("$type")
    if kind == "app.bsky.embed.images#view":
        urls = [i.get("fullsize") for i in list_at(media, "images") if isinstance(i, dict)]
        wanted = "photo"
    elif kind == "app.bsky.embed.video#view":
        urls, wanted = [media.get("thumbnail")], "video"
    else:
        return content
    urls = [u for u in urls if isinstance(u, str) and u.startswith(("https://", "http://"))]
    if not urls:
        return content
    out, spare = [], list(urls)
    for m in content.media:
        if m.kind == wanted and m.url is None and spare:
            url = next((u for u in spare if m.title and m.title in u), spare[0])
            spare.remove(url)
            m = msgspec.structs.replace(m, url=url)
        out.append(m)
    return msgspec.structs.replace(content, media=tuple(out))


def _unavailable(branch: dict[str, Any]) -> Skipped | None:
    kind = branch.get("$type")
    if kind == NOT_FOUND or branch.get("notFound") is True:
        return Skipped(channel=CHANNEL, source=SOURCE, kind="post", reason=NOT_FOUND_REASON,
                       native_id=branch.get("uri"))
    if kind == BLOCKED or branch.get("blocked") is True:
        return Skipped(channel=CHANNEL, source=SOURCE, kind="post", reason=BLOCKED_REASON,
                       native_id=branch.get("uri"))
    return None


# --- getAuthorFeed --------------------------------------------------------------------------------


def read_feed(feed: list[Any]) -> Iterator[Record]:
    for i, item in enumerate(feed):
        where = f"feed[{i}]"
        if not is_feed_item(item):
            raise FormatError(f"{where}: not a FeedViewPost (no post with uri and record)")
        post = item["post"]
        reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
        author = dict_at(post, "author").get("did")
        actor = dict_at(reason, "by").get("did") if reason.get("$type") == REPOST else author
        if reason.get("$type") == REPOST and author != actor:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind="repost", reason=REPOST_REASON,
                          native_id=post.get("uri"))
            continue
        yield from post_view(post, f"{where}.post", page_id=actor)
        context = item.get("reply")
        if isinstance(context, dict):
            yield from _reply_context(context, post, actor, where)


def _reply_context(context: dict[str, Any], post: dict[str, Any], actor: Any, where: str) -> Iterator[Record]:
    """The root and parent a feed item replies to: the account's thread's posts are recorded."""
    _, root_uri = reply_refs(dict_at(post, "record"))
    seen: set[str] = set()
    root = context.get("root")
    root_did = dict_at(root, "author").get("did") if isinstance(root, dict) else None
    in_own_thread = (root_did or uri_did(root_uri)) == actor
    for part in ("root", "parent"):
        view = context.get(part)
        if not isinstance(view, dict):
            continue
        unavailable = _unavailable(view)
        if unavailable is not None:
            yield unavailable
            continue
        uri = view.get("uri")
        if uri in seen:  # a reply to the root itself names it twice
            continue
        seen.add(uri)
        if not in_own_thread:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind="post", reason=OUTSIDE_REASON, native_id=uri)
            continue
        yield from post_view(view, f"{where}.reply.{part}")


# --- getPostThread --------------------------------------------------------------------------------


def read_thread(thread: Any, threadgate: Any) -> Iterator[Record]:
    if not isinstance(thread, dict):
        raise FormatError(f"thread is {type(thread).__name__}, not an object")
    unavailable = _unavailable(thread)
    if unavailable is not None:
        yield unavailable
        return
    anchor = thread.get("post")
    if not isinstance(anchor, dict):
        raise FormatError("thread: a threadViewPost without post")
    hidden = gate_of(threadgate)
    if hidden is None:
        hidden = _gate_in_chain(thread)
    account = dict_at(anchor, "author").get("did")
    yield from _ancestors(thread.get("parent"), hidden, "thread.parent")
    yield from post_view(anchor, "thread.post", page_id=account, gate=hidden)
    yield from _replies(thread, hidden, "thread")


def _gate_in_chain(thread: dict[str, Any]) -> Gate | None:
    """The threadgate the root's post view carries (when the response names none beside the thread)."""
    node: Any = thread
    while isinstance(node, dict) and isinstance(node.get("parent"), dict) and "post" in node["parent"]:
        node = node["parent"]
    return gate_of(dict_at(node, "post").get("threadgate"))


def _ancestors(node: Any, hidden: Gate | None, where: str) -> Iterator[Record]:
    chain = []
    while isinstance(node, dict):
        chain.append((node, where))
        if _unavailable(node) is not None:
            break
        node, where = node.get("parent"), where + ".parent"
    for node, at in reversed(chain):  # the root first
        unavailable = _unavailable(node)
        if unavailable is not None:
            yield unavailable
        elif isinstance(node.get("post"), dict):
            yield from post_view(node["post"], f"{at}.post", gate=hidden)


def _replies(node: dict[str, Any], hidden: Gate | None, where: str) -> Iterator[Record]:
    for i, reply in enumerate(list_at(node, "replies")):
        at = f"{where}.replies[{i}]"
        if not isinstance(reply, dict):
            raise FormatError(f"{at} is {type(reply).__name__}, not a thread branch")
        unavailable = _unavailable(reply)
        if unavailable is not None:
            yield unavailable
            continue
        if not isinstance(reply.get("post"), dict):
            raise FormatError(f"{at}: a threadViewPost without post")
        yield from post_view(reply["post"], f"{at}.post", gate=hidden)
        yield from _replies(reply, hidden, at)


# --- getProfile -----------------------------------------------------------------------------------


def read_profile(doc: dict[str, Any]) -> Iterator[Record]:
    did = doc["did"]
    observed = at_time(doc["indexedAt"], "indexedAt") if doc.get("indexedAt") else None
    yield AccountRecord(channel=CHANNEL, source=SOURCE, platform_id=did, observed=observed,
                        name=doc.get("displayName") or None, username=doc.get("handle") or None)
    for field, metric in PROFILE_COUNTS:
        if doc.get(field) is not None:
            yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=field,
                                period="instant", end=None, value=number(doc[field], field), page_id=did)
