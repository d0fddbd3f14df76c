"""Graph API responses -> records.

One file is one response: a page of posts (`/{page}/feed`, `/posts`), a page of
comments (`/{post}/comments`, flat with `filter=stream`), a page of Insights,
a single object (a post, a comment, the page itself) or an error payload.

Posts and comments are told apart by what they carry: a `permalink_url` with
`comment_id`, a `parent`, or a field only comments have (`like_count`,
`can_like`, ...) makes a comment; so does a page whose paging URL is a
`/comments` edge. Everything else with an id is a post.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from socialledger.channels import (
    AccountRecord,
    ContentRecord,
    ItemError,
    Kind,
    Media,
    MetricsRecord,
    Record,
)
from socialledger.plugins._meta.graph import insights_start, is_insight, paging_edge
from socialledger.plugins.facebook.common import (
    CHANNEL,
    FormatError,
    as_id,
    author,
    clean,
    dict_at,
    list_at,
    number,
    opt_id,
    opt_time,
)
from socialledger.plugins.facebook.metrics import (
    ledger_metric,
    reaction_kind,
    record_period,
)

SOURCE = "api"
UPDATED_TIME_NOTE = "the data gives no created_time: created is the post's updated_time (it is at least that old)"

#: Fields only a Comment has (a Post has none of them).
COMMENT_FIELDS = frozenset({
    "like_count", "comment_count", "can_like", "can_comment", "can_hide", "can_remove", "attachment",
    "user_likes", "is_private", "private_reply_conversation", "object", "parent", "live_broadcast_timestamp",
})
#: Per-reaction aliases as requested with `reactions.type(LOVE).summary(total_count).as(love)`.
REACTION_ALIASES = ("like", "love", "wow", "haha", "sad", "angry", "care", "thankful", "pride")
#: Edges listing a page's own posts and posts on it; the object before them is the page.
PAGE_EDGES = frozenset({"feed", "posts", "published_posts", "visitor_posts", "tagged", "promotable_posts"})

_NUMERIC = re.compile(r"^\d+$")
_OBJECT_ID = re.compile(r"^\d+(_\d+)?$")


@dataclass(frozen=True)
class Context:
    """What a response says about its items beyond the items themselves."""

    page: str | None = None  # the page the data belongs to
    edge: str | None = None  # "feed", "comments", ... from the paging URL
    edge_object: str | None = None  # the object of a /comments edge ("<page>_<post>" or a comment id)
    parent_post: str | None = None  # comments nested in a post
    parent_comment: str | None = None  # replies nested in a comment

    @classmethod
    def from_paging(cls, paging: Any) -> Context:
        """The page id or commented object named by the paging URLs' path (`/v11.0/<id>/<edge>`)."""
        named = paging_edge(paging, _OBJECT_ID)
        if named is None:
            return cls()
        obj, edge = named
        if edge == "comments":
            return cls(edge=edge, edge_object=obj)
        if edge in PAGE_EDGES and _NUMERIC.match(obj):
            return cls(page=obj, edge=edge)
        return cls(edge=edge)


class Permalink(NamedTuple):  # a tuple: made for every item, and a frozen dataclass costs a microsecond more
    page: str | None = None  # numeric page id, when the URL names the page by id
    post: str | None = None  # numeric post (or photo/video) id
    comment: str | None = None
    reply: str | None = None


#: The permalink as the Graph API writes it, matched in one step (any other shape: the general parse below).
_PLAIN_LINK = re.compile(r"https?://(?:www\.|m\.|web\.)?facebook\.com/(\d+)/posts/(\d+)/?"
                         r"(?:\?comment_id=(\d+)(?:&reply_comment_id=(\d+))?)?")
_POSTS_LINK = re.compile(r"^https?://(?:www\.|m\.|web\.)?facebook\.com/(\d+)/posts/(\d+)/?(?:\?([^#]*))?$")
_QUERY_ID = re.compile(r"(?:^|&)(comment_id|reply_comment_id)=(\d+)(?=&|$)")


def parse_permalink(url: Any) -> Permalink | None:
    """Ids in a permalink: `https://www.facebook.com/<page>/posts/<post>/?comment_id=<c>&reply_comment_id=<r>`."""
    if not isinstance(url, str) or not url:
        return None
    m = _PLAIN_LINK.fullmatch(url)
    if m is not None:
        return Permalink(*m.groups())
    m = _POSTS_LINK.match(url)
    if m is not None:  # the common shape, without the general URL parser
        ids = dict(_QUERY_ID.findall(m.group(3) or ""))
        return Permalink(page=m.group(1), post=m.group(2), comment=ids.get("comment_id"),
                         reply=ids.get("reply_comment_id"))
    u = urlsplit(url)
    q = parse_qs(u.query)

    def first(name: str) -> str | None:
        v = q.get(name, [None])[0]
        return v if v and _NUMERIC.match(v) else None

    parts = [p for p in u.path.split("/") if p]
    page = post = None
    if parts and parts[-1] in ("permalink.php", "story.php"):
        page, post = first("id"), first("story_fbid")
    elif "posts" in parts:
        i = parts.index("posts")
        page = parts[i - 1] if i > 0 else None
        post = parts[i + 1] if i + 1 < len(parts) else None
    elif "photos" in parts or "videos" in parts:
        page = parts[0]
        post = next((p for p in reversed(parts) if _NUMERIC.match(p)), None)
    page = page if page and _NUMERIC.match(page) else None
    post = post if post and _NUMERIC.match(post) else None
    return Permalink(page=page, post=post, comment=first("comment_id"), reply=first("reply_comment_id"))


# --- the response -----------------------------------------------------------------------------


def read_response(doc: Any) -> Iterator[Record]:
    """Every record of one Graph API response (already decoded)."""
    if isinstance(doc, list):
        raise FormatError("a Graph API response is a JSON object, not an array")
    if not isinstance(doc, dict):
        raise FormatError(f"a Graph API response is a JSON object, not {type(doc).__name__}")
    if "data" not in doc:
        if isinstance(doc.get("error"), dict):
            yield _error(doc["error"])
        elif "id" in doc and not {"created_time", "permalink_url", "message"}.isdisjoint(doc):
            yield from _item(doc, Context(), "the object")
        elif "id" in doc and "name" in doc:
            yield from _page_object(doc)
        else:
            raise FormatError("neither 'data' nor an object with an id: not a Graph API response")
        return
    data = doc["data"]
    if not isinstance(data, list):
        raise FormatError(f"'data' is {type(data).__name__}, not a list")
    ctx = Context.from_paging(doc.get("paging"))
    for i, item in enumerate(data):
        where = f"data[{i}]"
        if not isinstance(item, dict):
            raise FormatError(f"{where} is {type(item).__name__}, not an object")
        if is_insight(item):
            yield from _insight(item, ctx, where)
        else:
            yield from _item(item, ctx, where)


def is_comment(item: dict[str, Any], ctx: Context, link: Permalink | None | bool = False) -> bool:
    if link is False:
        link = parse_permalink(item.get("permalink_url"))
    if link is not None and link.comment:
        return True
    if not COMMENT_FIELDS.isdisjoint(item):
        return True
    return ctx.edge == "comments" or ctx.parent_post is not None or ctx.parent_comment is not None


def _item(item: dict[str, Any], ctx: Context, where: str) -> Iterator[Record]:
    link = parse_permalink(item.get("permalink_url"))  # once: both the test and the reading use it
    if is_comment(item, ctx, link):
        yield from _comment(item, ctx, where, link)
    else:
        yield from _post(item, ctx, where, link)


def _error(err: dict[str, Any]) -> ItemError:
    code = err.get("code")
    sub = err.get("error_subcode")
    text = str(err.get("message") or "unknown error")
    if err.get("type"):
        text = f"{err['type']}: {text}"
    return ItemError(
        channel=CHANNEL,
        source=SOURCE,
        message=text,
        code=None if code is None else (f"{code}/{sub}" if sub is not None else str(code)),
    )


def _page_object(doc: dict[str, Any]) -> Iterator[Record]:
    """`GET /{page-id}?fields=id,name,username,followers_count`: the account and its follower count."""
    page = as_id(doc["id"], "id")
    name = doc.get("name")
    username = doc.get("username")
    yield AccountRecord(
        channel=CHANNEL,
        source=SOURCE,
        platform_id=page,
        name=name if isinstance(name, str) else None,
        username=username if isinstance(username, str) else None,
    )
    for field in ("followers_count", "fan_count"):  # fan_count only where followers_count is missing
        if doc.get(field) is not None:
            yield MetricsRecord(
                channel=CHANNEL, source=SOURCE, metric=ledger_metric(field), platform_metric=field,
                period=record_period(field, None), end=None, value=number(doc[field], field), page_id=page,
            )
            break


# --- posts ------------------------------------------------------------------------------------


def _post(item: dict[str, Any], ctx: Context, where: str, link: Permalink | None) -> Iterator[Record]:
    if item.get("id") is not None:
        post_id = as_id(item["id"], f"{where}.id")
    elif link is not None and link.page and link.post:
        post_id = f"{link.page}_{link.post}"
    else:
        raise FormatError(f"{where}: a post without an id (and no permalink_url naming page and post)")
    page = post_id.split("_", 1)[0] if "_" in post_id else ctx.page or (link.page if link else None)
    created = opt_time(item.get("created_time"), f"{where}.created_time")
    observed = opt_time(item.get("updated_time"), f"{where}.updated_time") or created
    time_note = None
    if created is None and observed is not None:
        # The /statuses edge, or a crawl that did not ask for created_time: the post is at least
        # as old as its last update, the best evidence the data holds.
        created, time_note = observed, UPDATED_TIME_NOTE
    if observed is None:
        yield ItemError(channel=CHANNEL, source=SOURCE, native_id=post_id, kind="post",
                        message=f"{where}: post {post_id} has neither created_time nor updated_time: "
                                "not recorded (fetch it again with fields=created_time)")
        return
    who = author(item.get("from"))
    if who is not None:  # someone else than the page wrote it on the page
        visitor = who.native_id is not None and page is not None and who.native_id != page
    else:
        visitor = ctx.edge == "visitor_posts"
    kind: Kind = "visitor_post" if visitor else "post"
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=observed,
        native_id=post_id,
        page_id=page,
        created=created,
        text=_text(item.get("message")),
        author=who,
        media=tuple(m for att in list_at(item, "attachments", "data") for m in attachment_media(att)),
        permalink=_text(item.get("permalink_url")),
        hidden=_flag(item.get("is_hidden")),
        time_note=time_note,
        raw=raw_fragment(item),
    )
    yield from count_metrics(item, post_id, page)
    for j, insight in enumerate(list_at(item, "insights", "data")):  # fields=insights.metric(...)
        if isinstance(insight, dict) and is_insight(insight):
            yield from _insight(insight, replace(ctx, page=page), f"{where}.insights.data[{j}]")
    nested = replace(ctx, page=page, parent_post=post_id, parent_comment=None)
    for j, comment in enumerate(list_at(item, "comments", "data")):
        if not isinstance(comment, dict):
            raise FormatError(f"{where}.comments.data[{j}] is not an object")
        yield from _comment(comment, nested, f"{where}.comments.data[{j}]")


# --- comments ---------------------------------------------------------------------------------


def _comment(item: dict[str, Any], ctx: Context, where: str, link: Permalink | None | bool = False) -> Iterator[Record]:
    if link is False:
        link = parse_permalink(item.get("permalink_url"))
    if item.get("id") is not None:
        comment_id = as_id(item["id"], f"{where}.id")
    elif link is not None and link.post and (link.reply or link.comment):
        comment_id = f"{link.post}_{link.reply or link.comment}"
    else:
        raise FormatError(
            f"{where}: a comment without an id, and no permalink_url with comment_id to derive one from"
        )
    parent, kind, page = _comment_parent(item, comment_id, link, ctx)
    created = opt_time(item.get("created_time"), f"{where}.created_time")
    if created is None:
        yield ItemError(channel=CHANNEL, source=SOURCE, native_id=comment_id, kind=kind,
                        message=f"{where}: {kind} {comment_id} has no created_time: not recorded "
                                "(fetch it again with fields=created_time)")
        return
    att = item.get("attachment")
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=created,
        native_id=comment_id,
        page_id=page,
        parent_native_id=parent,
        created=created,
        text=_text(item.get("message")),
        author=author(item.get("from")),
        media=tuple(attachment_media(att)) if isinstance(att, dict) else (),
        permalink=_text(item.get("permalink_url")),
        hidden=_flag(item.get("is_hidden")),
        raw=raw_fragment(item),
    )
    yield from count_metrics(item, comment_id, page)
    replies = list_at(item, "comments", "data")
    if replies:
        nested = replace(ctx, page=page, parent_comment=comment_id)
        for j, reply in enumerate(replies):
            if not isinstance(reply, dict):
                raise FormatError(f"{where}.comments.data[{j}] is not an object")
            yield from _comment(reply, nested, f"{where}.comments.data[{j}]")


def _comment_parent(
    item: dict[str, Any], comment_id: str, link: Permalink | None, ctx: Context
) -> tuple[str | None, Kind, str | None]:
    """(parent native id, kind, page id) of a comment, from the most specific evidence there is."""
    page = (link.page if link else None) or ctx.page
    # A reply: the API's parent{id}, the reply_comment_id of the permalink, or nesting in a comment.
    parent_id = opt_id(dict_at(item, "parent").get("id"), "parent.id")
    if parent_id is not None:
        return parent_id, "reply", page
    if link is not None and link.reply and link.comment and link.post:
        return f"{link.post}_{link.comment}", "reply", page
    if ctx.parent_comment is not None:
        return ctx.parent_comment, "reply", page
    # A top-level comment: its post.
    if link is not None and link.page and link.post:
        return f"{link.page}_{link.post}", "comment", link.page
    if ctx.parent_post is not None:
        return ctx.parent_post, "comment", page
    obj_id = opt_id(dict_at(item, "object").get("id"), "object.id")
    if obj_id is not None:
        return obj_id, "comment", page
    if ctx.edge_object is not None:
        own_post = comment_id.split("_", 1)[0] if "_" in comment_id else None
        if "_" not in ctx.edge_object or own_post is None:
            return ctx.edge_object, "comment", page
        a = ctx.edge_object.split("_", 1)[0]
        if a == own_post:  # the edge is a comment's /comments: these are its replies
            return ctx.edge_object, "reply", page
        # The edge is "<page>_<post>/comments"; where it names another post, the item's own id wins.
        return f"{a}_{own_post}", "comment", page or a
    return None, "comment", page


# --- attachments and counts -------------------------------------------------------------------


def _media_kind(typ: str) -> str:
    if typ in ("photo", "cover_photo", "profile_media", "album", "new_album"):
        return "photo"
    if typ.startswith(("video", "animated_image")):
        return "video"
    if typ in ("share", "link", "native_templates", "note") or "share" in typ:
        return "link"
    return typ or "file"


def attachment_media(att: Any) -> list[Media]:
    """The media of one attachment, or of its subattachments (an album) when it has them."""
    if not isinstance(att, dict):
        return []
    subs = list_at(att, "subattachments", "data")
    if subs:
        return [m for sub in subs for m in attachment_media(sub)]
    typ = att.get("type") or att.get("media_type") or ""
    kind = _media_kind(str(typ))
    image = dict_at(att, "media", "image").get("src")
    source = dict_at(att, "media").get("source")
    link = att.get("unshimmed_url") or dict_at(att, "target").get("url") or att.get("url")
    if kind == "link":
        url = link or image
    elif kind == "video":
        url = source or image or link
    else:
        url = image or link
    title, description = _text(att.get("title")), _text(att.get("description"))
    if not (url or title or description):
        return []
    return [Media(kind=kind, url=url if isinstance(url, str) else None, title=title, description=description)]


def _summary_count(item: dict[str, Any], field: str) -> Any:
    edge = item.get(field)
    if not isinstance(edge, dict):
        return None
    summary = edge.get("summary")
    return summary.get("total_count") if isinstance(summary, dict) else None


def count_metrics(item: dict[str, Any], native_id: str, page: str | None) -> Iterator[MetricsRecord]:
    """Lifetime counts a post or comment carries: shares, comments, reactions (by kind; never who)."""

    def metric(platform: str, value: Any, breakdown: dict[str, float] | None = None) -> MetricsRecord:
        return MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=ledger_metric(platform), platform_metric=platform,
            period="lifetime", end=None, value=number(value, platform), native_id=native_id, page_id=page,
            breakdown=breakdown,
        )

    shares = dict_at(item, "shares").get("count")
    if shares is not None:
        yield metric("shares", shares)
    comments = _summary_count(item, "comments")
    if comments is not None:
        yield metric("comments", comments)
    kinds: dict[str, float] = {}
    for alias in REACTION_ALIASES:
        if alias not in item:  # most items carry none or one of the nine
            continue
        n = _summary_count(item, alias)
        if n is not None:
            kinds[reaction_kind(alias)] = number(n, f"{alias}.summary.total_count")
    total = _summary_count(item, "reactions")
    if total is not None:
        yield metric("reactions", total, kinds or None)
    elif kinds:
        yield metric("reactions", sum(kinds.values()), kinds)
    elif _summary_count(item, "likes") is not None:
        likes = _summary_count(item, "likes")
        yield metric("likes", likes, {"like": number(likes, "likes")})
    elif item.get("like_count") is not None:
        yield metric("like_count", item["like_count"])


# --- insights ---------------------------------------------------------------------------------


def _insight(item: dict[str, Any], ctx: Context, where: str) -> Iterator[MetricsRecord]:
    name = item["name"]
    period = item.get("period")
    if period is not None and not isinstance(period, str):
        raise FormatError(f"{where}: period {period!r} is not a string")
    rperiod = record_period(name, period)
    native_id, page = None, ctx.page
    iid = item.get("id")
    if isinstance(iid, str) and "/insights" in iid:
        obj = iid.split("/", 1)[0]
        if "_" in obj:
            native_id, page = obj, obj.split("_", 1)[0]
        elif obj:
            page = obj
    metric = ledger_metric(name)

    def record(value: Any, end: datetime | None, what: str) -> MetricsRecord:
        breakdown = None
        if isinstance(value, dict):
            breakdown = {}
            for k, v in value.items():
                key = reaction_kind(k) if metric == "reactions" else str(k)
                breakdown[key] = breakdown.get(key, 0.0) + number(v, f"{what}.{k}")
            total = sum(breakdown.values())
        else:
            total = number(value, what)
        start = insights_start(end, period, rperiod)
        return MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=name, period=rperiod, end=end,
            value=total, start=start, native_id=native_id, page_id=page, breakdown=breakdown,
        )

    if "values" in item:
        values = item["values"]
        if not isinstance(values, list):
            raise FormatError(f"{where}: 'values' of {name} is not a list")
        for j, v in enumerate(values):
            what = f"{where}.values[{j}]"
            if not isinstance(v, dict):
                raise FormatError(f"{what} is not an object")
            value = v.get("value")
            if value is None or value == []:  # no data for this period
                continue
            yield record(value, opt_time(v.get("end_time"), f"{what}.end_time"), f"{what}.value")
    else:
        total = item["total_value"]
        value = total.get("value") if isinstance(total, dict) else total
        if value is not None and value != []:
            end = opt_time(item.get("end_time"), f"{where}.end_time")
            yield record(value, end, f"{where}.total_value")


# --- small helpers ----------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


#: Edges whose `data` lists are left out of a raw fragment (who reacted; nested comments and insights).
_EDGES = ("reactions", "likes", "comments", "insights", *REACTION_ALIASES)
_EDGE_SET = frozenset(_EDGES)


def raw_fragment(item: dict[str, Any]) -> dict[str, Any]:
    """The item as stored: no paging, no tokens, no list of who reacted.

    Nested comments and insights are left to their own records (their summaries stay).
    """
    if _EDGE_SET.isdisjoint(item):  # most comments: nothing to take out
        return clean(item)
    out = dict(item)
    for field in _EDGES:
        value = out.get(field)
        if isinstance(value, dict) and "data" in value:
            out[field] = {k: v for k, v in value.items() if k != "data"}
    return clean(out)


__all__ = [
    "Context",
    "Permalink",
    "attachment_media",
    "count_metrics",
    "is_comment",
    "is_insight",
    "parse_permalink",
    "raw_fragment",
    "read_response",
]
