"""Graph API responses -> records.

One file is one response:

- a page of media (`/{ig-user}/media`, `/stories`, `/live_media`; `/tags`: media by others
  that tag the account, read as visitor posts);
- a page of comments (`/{media}/comments`) or replies (`/{comment}/replies`);
- a page of Insights, of a media or of the account, in the old shape
  (`values[{value, end_time}]`) or the v18+ one (`total_value{value, breakdowns}`);
- a single object: a media, a comment, the account (`followers_count`, `media_count`),
  or the account's `mentioned_comment` / `mentioned_media`;
- an error payload (`{"error":{...}}`, e.g. subcode 2108006 for media posted before a
  business conversion): reported as an `ItemError`, and reading goes on;
- a batch response: an array of `{code, headers, body}` whose bodies are JSON strings,
  each read as a response of its own (an error body is an `ItemError` for that part).

Media and comments are told apart by what they carry (`media_type`, `caption`,
`permalink`, ... make a media; `text`, `hidden`, `parent_id`, `replies`, ... a
comment) and, where an item carries neither, by the edge of the paging URL or
by where it is nested.

A comments page names no media in its items: the media is the object of the
paging URL (`/v19.0/{media-id}/comments`) or a comment's `media{id}`; without
either, a top-level comment is recorded with no parent. The account is named
by the paging URL of a media page (`/{ig-user-id}/media`), by an Insights id
(`{ig-user-id}/insights/...`), and by `user{id}`, which the API returns only
for comments the app user (the account itself) wrote: it then names the
account for the whole response.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

from socialledger.channels import (
    AccountRecord,
    AuthorRef,
    ContentRecord,
    Kind,
    Media,
    MetricsRecord,
    Record,
)
from socialledger.plugins._meta.graph import insights_start, is_insight, paging_edge
from socialledger.plugins.instagram.common import (
    CHANNEL,
    FormatError,
    as_id,
    author,
    clean,
    dict_at,
    flag,
    item_error,
    list_at,
    number,
    opt_id,
    opt_time,
    text,
)
from socialledger.plugins.instagram.metrics import (
    deprecated_conflicts,
    is_account_metric,
    ledger_metric,
    record_period,
)

SOURCE = "api"

#: Fields only a media has (a comment has none of them).
MEDIA_FIELDS = frozenset({
    "media_type", "media_product_type", "media_url", "permalink", "caption", "children", "thumbnail_url",
    "shortcode", "comments_count", "is_comment_enabled", "owner", "is_shared_to_feed", "alt_text",
})
#: Fields only a comment has.
COMMENT_FIELDS = frozenset({"text", "hidden", "parent_id", "replies", "user", "from"})
#: Fields only the account (an IG User) has.
USER_FIELDS = frozenset({
    "followers_count", "follows_count", "media_count", "biography", "profile_picture_url", "ig_id", "website",
})
#: Edges listing the account's own media; the object before them is the account.
MEDIA_EDGES = frozenset({"media", "stories", "live_media"})
#: Edges listing media by others about the account.
VISITOR_EDGES = frozenset({"tags"})
#: Counts on an account object: followers is the ledger's; the others are kept by their platform names.
ACCOUNT_COUNTS = ("followers_count", "follows_count", "media_count")

MEDIA_KINDS = {"IMAGE": "photo", "VIDEO": "video", "CAROUSEL_ALBUM": "album"}
_VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm"})
_NUMERIC = re.compile(r"^\d+$")
_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True)
class Context:
    """What a response says about its items beyond the items themselves."""

    page: str | None = None  # the account the data belongs to
    edge: str | None = None  # media, tags, comments, replies, insights: from the paging URL
    edge_object: str | None = None  # the object before the edge (the media of /comments, ...)
    media: str | None = None  # the media whose nested comments or insights these are
    comment: str | None = None  # the comment whose nested replies these are
    visitor: bool = False  # media by others about the account (/tags, mentioned_media)
    window: tuple[datetime, datetime] | None = None  # an Insights page's since..until

    @classmethod
    def from_paging(cls, paging: Any) -> Context:
        """The account or object named by the paging URLs' path (`/v19.0/<id>/<edge>`)."""
        named = paging_edge(paging, _NUMERIC)
        if named is None:
            return cls()
        obj, edge = named
        if edge in MEDIA_EDGES:
            return cls(page=obj, edge=edge)
        if edge in VISITOR_EDGES:
            return cls(page=obj, edge=edge, visitor=True)
        if edge == "insights":
            return cls(edge=edge, edge_object=obj, window=_window(paging))
        return cls(edge=edge, edge_object=obj)


def _window(paging: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """The since..until of an Insights page: the previous page ends where it starts, the next starts where it ends.

    The response names its range nowhere else; without both links it stays unknown.
    """
    prev, nxt = _query(paging.get("previous")), _query(paging.get("next"))
    start = opt_time(prev.get("until"), "paging.previous until")
    end = opt_time(nxt.get("since"), "paging.next since")
    if start is None or end is None or end <= start:
        return None
    return start, end


def _query(url: Any) -> dict[str, str]:
    if not isinstance(url, str):
        return {}
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items() if v and _NUMERIC.match(v[0])}


# --- the response -----------------------------------------------------------------------------


def read_response(doc: Any, name: str = "") -> Iterator[Record]:
    """Every record of one Graph API response (already decoded); `name` prefixes error reports."""
    if isinstance(doc, list):
        yield from read_batch(doc, name)
        return
    if not isinstance(doc, dict):
        raise FormatError(f"a Graph API response is a JSON object, not {type(doc).__name__}")
    if "data" not in doc:
        yield from _object(doc, name)
        return
    data = doc["data"]
    if not isinstance(data, list):
        raise FormatError(f"'data' is {type(data).__name__}, not a list")
    ctx = Context.from_paging(doc.get("paging"))
    if ctx.page is None:
        ctx = replace(ctx, page=app_user(data))
    conflicts = _conflicts(data, ctx)
    for i, item in enumerate(data):
        where = f"data[{i}]"
        if not isinstance(item, dict):
            raise FormatError(f"{where} is {type(item).__name__}, not an object")
        if isinstance(item.get("error"), dict):
            yield item_error(item["error"], SOURCE, native_id=opt_id(item.get("id"), f"{where}.id"),
                             where=_at(name, where))
        elif is_insight(item):
            yield from _insight(item, ctx, where, conflicts)
        else:
            yield from _item(item, ctx, where)


def read_batch(doc: list[Any], name: str = "") -> Iterator[Record]:
    """A batch response: `[{code, headers, body}, ...]`, each body a JSON string (null: the part timed out)."""
    for i, part in enumerate(doc):
        where = f"batch[{i}]"
        if part is None:
            yield item_error({"message": "no response: the request of this batch part timed out"}, SOURCE,
                             where=_at(name, where))
            continue
        if not isinstance(part, dict) or "body" not in part:
            raise FormatError(f"{where}: a batch response part is an object with 'code' and 'body'")
        body = part["body"]
        if isinstance(body, str):
            try:
                body = _decode(body)
            except msgspec.DecodeError as e:
                raise FormatError(f"{where}.body: malformed JSON ({e})") from None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            yield item_error(body["error"], SOURCE, where=_at(name, where))
        elif isinstance(body, dict):
            yield from read_response(body, _at(name, where))
        else:
            raise FormatError(f"{where}.body is {type(body).__name__}, not a JSON object")


def _at(name: str, where: str) -> str:
    return f"{name} {where}" if name else where


def _object(doc: dict[str, Any], name: str) -> Iterator[Record]:
    """A response that is one object: an error, the account, its mentions, a media or a comment."""
    if isinstance(doc.get("error"), dict):
        yield item_error(doc["error"], SOURCE, where=name or None)
        return
    if "id" not in doc:
        raise FormatError("neither 'data' nor an object with an id: not a Graph API response")
    if "mentioned_comment" in doc or "mentioned_media" in doc:
        yield from _mentions(doc)
    elif is_account(doc):
        yield from _account(doc)
    else:
        yield from _item(doc, Context(page=app_user([doc])), "the object")


def is_account(doc: dict[str, Any]) -> bool:
    """An IG User object: user fields (or only a username and name), nothing of a media or comment."""
    if not (MEDIA_FIELDS.isdisjoint(doc) and COMMENT_FIELDS.isdisjoint(doc)) or "timestamp" in doc:
        return False
    return not USER_FIELDS.isdisjoint(doc) or "username" in doc or "name" in doc


def _account(doc: dict[str, Any]) -> Iterator[Record]:
    """`GET /{ig-user-id}?fields=id,username,name,followers_count,media_count,...`: the account and its counts."""
    page = as_id(doc["id"], "id")
    yield AccountRecord(
        channel=CHANNEL,
        source=SOURCE,
        platform_id=page,
        name=text(doc.get("name")),
        username=text(doc.get("username")),
    )
    for field in ACCOUNT_COUNTS:
        if doc.get(field) is not None:
            yield MetricsRecord(
                channel=CHANNEL, source=SOURCE, metric=ledger_metric(field), platform_metric=field,
                period="instant", end=None, value=number(doc[field], field), page_id=page,
            )
    ctx = Context(page=page)
    for j, item in enumerate(list_at(doc, "media", "data")):  # fields=media{...}
        if not isinstance(item, dict):
            raise FormatError(f"media.data[{j}] is not an object")
        yield from _media(item, ctx, f"media.data[{j}]")
    insights = list_at(doc, "insights", "data")  # fields=insights.metric(...)
    conflicts = _conflicts(insights, ctx)
    for j, item in enumerate(insights):
        if isinstance(item, dict) and is_insight(item):
            yield from _insight(item, ctx, f"insights.data[{j}]", conflicts)


def _mentions(doc: dict[str, Any]) -> Iterator[Record]:
    """`GET /{ig-user-id}?fields=mentioned_comment.comment_id(...)` or `mentioned_media.media_id(...)`.

    The account is the top-level id. A mentioned comment is a comment on
    another account's media (its parent is that media); a media that mentions
    the account in its caption is a visitor post.
    """
    page = as_id(doc["id"], "id")
    comment = doc.get("mentioned_comment")
    if isinstance(comment, dict):
        media_id = opt_id(dict_at(comment, "media").get("id"), "mentioned_comment.media.id")
        yield from _comment(comment, Context(page=page, media=media_id), "mentioned_comment")
    media = doc.get("mentioned_media")
    if isinstance(media, dict):
        yield from _media(media, Context(page=page, visitor=True), "mentioned_media")
    if not isinstance(comment, dict) and not isinstance(media, dict):
        raise FormatError("mentioned_comment / mentioned_media is not an object")


def app_user(items: list[Any]) -> str | None:
    """The account, where a comment in `items` (or their replies) carries `user{id}`: only the app user's do."""
    for item in items:
        if not isinstance(item, dict):
            continue
        user = item.get("user")
        if isinstance(user, dict) and user.get("id") is not None and MEDIA_FIELDS.isdisjoint(item):
            return as_id(user["id"], "user.id")
        found = app_user(list_at(item, "replies", "data") + list_at(item, "comments", "data"))
        if found is not None:
            return found
    return None


def is_media(item: dict[str, Any], ctx: Context) -> bool:
    if not MEDIA_FIELDS.isdisjoint(item):
        return True
    if not COMMENT_FIELDS.isdisjoint(item):
        return False
    return not (ctx.edge in ("comments", "replies") or ctx.media is not None or ctx.comment is not None)


def _item(item: dict[str, Any], ctx: Context, where: str) -> Iterator[Record]:
    if is_media(item, ctx):
        yield from _media(item, ctx, where)
    else:
        yield from _comment(item, ctx, where)


# --- media ------------------------------------------------------------------------------------


def _media(item: dict[str, Any], ctx: Context, where: str) -> Iterator[Record]:
    if item.get("id") is None:
        raise FormatError(f"{where}: a media without an id")
    media_id = as_id(item["id"], f"{where}.id")
    created = opt_time(item.get("timestamp"), f"{where}.timestamp")
    if created is None:
        raise FormatError(f"{where}: media {media_id} has no timestamp")
    owner = opt_id(dict_at(item, "owner").get("id"), f"{where}.owner.id")
    page = ctx.page if ctx.page is not None or ctx.visitor else owner
    visitor = ctx.visitor or (owner is not None and page is not None and owner != page)
    kind: Kind = "visitor_post" if visitor else "post"
    who = None
    if visitor and (owner is not None or text(item.get("username"))):
        who = AuthorRef(native_id=owner, username=text(item.get("username")))
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=created,  # the API gives no edit time: an observation describes the media as posted
        native_id=media_id,
        page_id=page,
        created=created,
        text=text(item.get("caption")),
        author=who,
        media=tuple(media_of(item)),
        permalink=text(item.get("permalink")),
        raw=raw_fragment(item),
        format=product_format(item, ctx),
    )
    yield from count_metrics(item, media_id, page)
    nested = Context(page=page, media=media_id)
    insights = item.get("insights")
    if isinstance(insights, dict) and isinstance(insights.get("error"), dict):
        yield item_error(insights["error"], SOURCE, native_id=media_id, where=f"{where}.insights")
    insight_items = list_at(item, "insights", "data")
    conflicts = _conflicts(insight_items, nested)
    for j, insight in enumerate(insight_items):  # fields=insights.metric(...)
        if isinstance(insight, dict) and is_insight(insight):
            yield from _insight(insight, nested, f"{where}.insights.data[{j}]", conflicts)
    for j, comment in enumerate(list_at(item, "comments", "data")):  # fields=comments{...}
        if not isinstance(comment, dict):
            raise FormatError(f"{where}.comments.data[{j}] is not an object")
        yield from _comment(comment, nested, f"{where}.comments.data[{j}]")


#: `media_product_type` -> what the ledger calls the item (a FEED media is a plain post).
PRODUCT_FORMATS = {"REELS": "reel", "STORY": "story", "IGTV": "igtv", "AD": "ad"}


def product_format(item: dict[str, Any], ctx: Context) -> str | None:
    """A reel, story or IGTV video as its own kind, by `media_product_type` (or the `/stories` edge)."""
    product = item.get("media_product_type")
    if isinstance(product, str) and product.upper() in PRODUCT_FORMATS:
        return PRODUCT_FORMATS[product.upper()]
    if product is None and ctx.edge == "stories":
        return "story"
    return None


def media_of(item: dict[str, Any]) -> list[Media]:
    """The pictures and videos of a media: its `children` for a carousel, else itself."""
    children = [c for c in list_at(item, "children", "data") if isinstance(c, dict)]
    if children:
        return [m for c in children for m in _one_media(c)]
    return _one_media(item)


def _one_media(item: dict[str, Any]) -> list[Media]:
    typ = item.get("media_type")
    url = text(item.get("media_url"))
    kind = MEDIA_KINDS.get(typ) if isinstance(typ, str) else None
    if kind is None:
        if url is None:
            return []
        kind = "video" if PurePosixPath(urlsplit(url).path).suffix.lower() in _VIDEO_SUFFIXES else "photo"
    return [Media(kind=kind, url=url, description=text(item.get("alt_text")))]


# --- comments ---------------------------------------------------------------------------------


def _comment(item: dict[str, Any], ctx: Context, where: str) -> Iterator[Record]:
    if item.get("id") is None:
        raise FormatError(f"{where}: a comment without an id")
    comment_id = as_id(item["id"], f"{where}.id")
    media_id = opt_id(dict_at(item, "media").get("id"), f"{where}.media.id")
    parent_id = opt_id(item.get("parent_id"), f"{where}.parent_id")
    kind: Kind
    if parent_id is not None:
        kind, parent = "reply", parent_id
    elif ctx.comment is not None:
        kind, parent = "reply", ctx.comment
    elif ctx.edge == "replies" and ctx.edge_object is not None:
        kind, parent = "reply", ctx.edge_object
    else:
        kind = "comment"
        parent = media_id or ctx.media or (ctx.edge_object if ctx.edge == "comments" else None)
    created = opt_time(item.get("timestamp"), f"{where}.timestamp")
    if created is None:
        raise FormatError(f"{where}: comment {comment_id} has no timestamp")
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=created,  # Instagram comments cannot be edited: an observation describes the comment as written
        native_id=comment_id,
        page_id=ctx.page,
        parent_native_id=parent,
        created=created,
        text=text(item.get("text")),
        author=author(item.get("from"), user=item.get("user"), username=item.get("username")),
        hidden=flag(item.get("hidden")),
        raw=raw_fragment(item),
    )
    yield from count_metrics(item, comment_id, ctx.page)
    replies = list_at(item, "replies", "data")
    if replies:
        nested = replace(ctx, comment=comment_id, media=media_id or ctx.media)
        for j, reply in enumerate(replies):
            if not isinstance(reply, dict):
                raise FormatError(f"{where}.replies.data[{j}] is not an object")
            yield from _comment(reply, nested, f"{where}.replies.data[{j}]")


# --- counts and insights ----------------------------------------------------------------------


def count_metrics(item: dict[str, Any], native_id: str, page: str | None) -> Iterator[MetricsRecord]:
    """Lifetime counts a media or comment carries (`like_count`, `comments_count`), with no time given."""
    for field in ("like_count", "comments_count"):
        if item.get(field) is not None:
            yield MetricsRecord(
                channel=CHANNEL, source=SOURCE, metric=ledger_metric(field), platform_metric=field,
                period="lifetime", end=None, value=number(item[field], field), native_id=native_id, page_id=page,
            )


def _insight_object(item: dict[str, Any], ctx: Context) -> str | None:
    """The media or account an Insights value is about: `<id>/insights/<name>/<period>`, else the context."""
    iid = item.get("id")
    if isinstance(iid, str) and "/insights" in iid:
        obj = iid.split("/", 1)[0]
        if obj:
            return obj
    return ctx.media or ctx.edge_object


def _conflicts(items: list[Any], ctx: Context) -> set[tuple[str | None, str]]:
    """(object, name) of deprecated metrics reported beside their successor for the same object."""
    names: dict[str | None, list[str]] = {}
    for item in items:
        if isinstance(item, dict) and is_insight(item):
            names.setdefault(_insight_object(item, ctx), []).append(item["name"])
    return {(obj, n) for obj, ns in names.items() for n in deprecated_conflicts(ns)}


def _insight(item: dict[str, Any], ctx: Context, where: str,
             conflicts: set[tuple[str | None, str]]) -> Iterator[MetricsRecord]:
    name = item["name"]
    period = item.get("period")
    if period is not None and not isinstance(period, str):
        raise FormatError(f"{where}: period {period!r} is not a string")
    obj = _insight_object(item, ctx)
    if ctx.media is not None:  # nested in a media object
        native_id, page = ctx.media, ctx.page
    elif is_account_metric(name, period) or (obj is not None and obj == ctx.page):
        native_id, page = None, obj or ctx.page
    elif obj is not None:
        native_id, page = obj, ctx.page
    else:
        raise FormatError(f"{where}: {name} over {period or 'no period'} names neither a media nor the account")
    if native_id is None and page is None:
        raise FormatError(f"{where}: {name} names no account")
    metric = name if (obj, name) in conflicts else ledger_metric(name)
    total = item.get("total_value")
    use_total = total is not None

    def record(value: Any, start: datetime | None, end: datetime | None, rperiod: Any,
               breakdown: dict[str, float] | None, what: str) -> MetricsRecord:
        if isinstance(value, dict):  # a value per kind (audience_city, online_followers): the parts and their sum
            parts: dict[str, float] = {}
            for k, v in value.items():
                parts[str(k)] = parts.get(str(k), 0.0) + number(v, f"{what}.{k}")
            breakdown, total_value = parts, sum(parts.values())
        else:
            total_value = number(value, what)
        return MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=name, period=rperiod, end=end,
            value=total_value, start=start, native_id=native_id, page_id=page, breakdown=breakdown,
        )

    if use_total:
        rperiod = record_period(name, period, total_value=True)
        value = total.get("value") if isinstance(total, dict) else total
        if _missing(value):
            return
        breakdown = breakdowns(total.get("breakdowns"), f"{where}.total_value") if isinstance(total, dict) else None
        start = end = None
        if rperiod == "range" and ctx.window is not None:
            start, end = ctx.window
        elif item.get("end_time") is not None:
            end = opt_time(item.get("end_time"), f"{where}.end_time")
        yield record(value, start, end, rperiod, breakdown, f"{where}.total_value.value")
        return
    rperiod = record_period(name, period)
    values = item["values"]
    if not isinstance(values, list):
        raise FormatError(f"{where}: 'values' of {name} is not a list")
    for j, v in enumerate(values):
        what = f"{where}.values[{j}]"
        if not isinstance(v, dict):
            raise FormatError(f"{what} is not an object")
        if _missing(v.get("value")):  # no data for this period: no record, not 0
            continue
        end = opt_time(v.get("end_time"), f"{what}.end_time")
        start = insights_start(end, period, rperiod)
        yield record(v["value"], start, end, rperiod, None, f"{what}.value")


def _missing(value: Any) -> bool:
    return value is None or value == [] or value == {}


def breakdowns(value: Any, where: str) -> dict[str, float] | None:
    """`[{dimension_keys:[k1,k2], results:[{dimension_values:[v1,v2], value}]}]` -> {"k1=v1,k2=v2": value}."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise FormatError(f"{where}.breakdowns is not a list")
    out: dict[str, float] = {}
    for i, group in enumerate(value):
        if not isinstance(group, dict):
            raise FormatError(f"{where}.breakdowns[{i}] is not an object")
        keys = [str(k) for k in group.get("dimension_keys") or []]
        for j, result in enumerate(list_at(group, "results")):
            what = f"{where}.breakdowns[{i}].results[{j}]"
            if not isinstance(result, dict):
                raise FormatError(f"{what} is not an object")
            values = [str(v) for v in result.get("dimension_values") or []]
            if len(keys) == len(values):
                key = ",".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
            else:
                key = ",".join(values)
            out[key] = out.get(key, 0.0) + number(result.get("value"), f"{what}.value")
    return out or None


# --- raw --------------------------------------------------------------------------------------


def raw_fragment(item: dict[str, Any]) -> dict[str, Any]:
    """The item as stored: no paging, no tokens; nested comments, replies and insights are records of their own."""
    out = dict(item)
    for field in ("replies", "comments", "insights"):
        value = out.get(field)
        if isinstance(value, dict) and "data" in value:
            rest = {k: v for k, v in value.items() if k != "data"}
            if rest:
                out[field] = rest
            else:
                del out[field]
    return clean(out)


__all__ = [
    "Context",
    "app_user",
    "breakdowns",
    "count_metrics",
    "is_account",
    "is_insight",
    "is_media",
    "media_of",
    "raw_fragment",
    "read_batch",
    "read_response",
]
