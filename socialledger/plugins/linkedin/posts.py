"""Posts API and socialActions comments -> records.

**Posts** (`GET /rest/posts?q=author&author=urn:li:organization:<id>`, or one
post by its URN): each element is one ContentRecord of kind "post" whose
native id is the share or ugcPost URN as given; `created` is `createdAt`
(else `publishedAt`), `observed` is `lastModifiedAt` (the platform time the
observation describes; an edit by the author moves it and sets
`lifecycleStateInfo.isEditedByAuthor`, both kept in `raw`). The commentary is
"little" text: its escapes are undone, mentions become the mentioned name and
hashtag templates `#tag` (`raw` keeps the original with the URNs).

A post whose author is an organisation names that organisation as `page_id`
(the core refuses it for an account linked to another organisation). A post
whose author is a person is that person's own post: kind "post", the person
as author, no page. LinkedIn has no visitor posts: no one but the organisation
posts on an organisation's page, so "visitor_post" is never produced. Drafts
(`lifecycleState` DRAFT) were never published: counted as skipped, not recorded.

**Comments** (`GET /rest/socialActions/{urn}/comments`): native id is the
`commentUrn`. LinkedIn files comments under the post's *activity* URN, which
differs from the share URN the post is known by, so a comment is linked to its
post by the first of:

1. `object`, when it names a share or ugcPost URN;
2. the commented object inside the `commentUrn`, when it is a share or ugcPost;
3. the request the page answers: a `paging.links` href
   `/rest/socialActions/urn%3Ali%3Ashare%3A…/comments` names the post asked for
   (a crawler that saves the page keeps it);
4. otherwise the activity URN itself (the data holds no way from an activity
   to its share: such a comment links only to a post recorded under that URN).

A comment with `parentComment` (or whose `object`, or the request's object, is
a comment URN) is a "reply" to that comment. The author is the `actor`: a
person is a data subject (`urn:li:person:…`), an organisation is named by its
number, so the account answering in its own name is the account itself. The
data names no organisation for a comment: `page_id` stays None. Comment text
is plain text (the Comments API does not use "little").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from socialledger.channels import ContentRecord, Kind, Media, MetricsRecord, Record, Skipped
from socialledger.plugins.linkedin.common import (
    CHANNEL,
    FormatError,
    actor,
    as_id,
    clean,
    comment_target,
    dict_at,
    is_post_urn,
    list_at,
    ms_time,
    normalise_comment_urn,
    number,
    org_id,
    text_or_none,
    unescape_little,
    urn_time,
    urn_type,
)
from socialledger.plugins.linkedin.metrics import ledger_metric

SOURCE = "api"
PERMALINK = "https://www.linkedin.com/feed/update/{urn}/"
SKIPPED_STATES = frozenset({"DRAFT"})
URN_TIME_NOTE = "created time derived from the URN (the data gives none)"

_SOCIAL_ACTIONS = re.compile(r"/socialActions/(?P<urn>urn:li:.+)/comments/?$")


@dataclass(frozen=True)
class Context:
    """What a response's request says about its elements (from `paging.links`)."""

    target: str | None = None  # the object of `/socialActions/{urn}/comments`
    author: str | None = None  # the `author` of `/posts?q=author`

    @classmethod
    def from_paging(cls, paging: Any) -> Context:
        for link in list_at(paging, "links"):
            href = link.get("href") if isinstance(link, dict) else None
            if not isinstance(href, str):
                continue
            parts = urlsplit(href)
            m = _SOCIAL_ACTIONS.search(unquote(parts.path))
            if m is not None:
                return cls(target=m.group("urn"))
            author = parse_qs(parts.query).get("author", [None])[0]
            if author:
                return cls(author=author)
        return cls()


# --- posts -------------------------------------------------------------------------------------


def is_post(item: dict[str, Any]) -> bool:
    return is_post_urn(item.get("id")) and not {
        "commentary", "author", "lifecycleState", "createdAt", "publishedAt", "lastModifiedAt", "content",
    }.isdisjoint(item)


def read_post(item: dict[str, Any], where: str) -> Iterator[Record]:
    urn = item.get("id")
    if not is_post_urn(urn):
        raise FormatError(f"{where}: a post id is a share or ugcPost URN, not {urn!r}")
    if item.get("lifecycleState") in SKIPPED_STATES:
        yield Skipped(channel=CHANNEL, source=SOURCE, kind="draft post", native_id=urn,
                      reason="a draft: never published")
        return
    author_urn = item.get("author")
    if author_urn is not None and not isinstance(author_urn, str):
        raise FormatError(f"{where}: author is {author_urn!r}, not a URN")
    page = org_id(author_urn)
    created = ms_time(item.get("createdAt"), f"{where}.createdAt") or ms_time(
        item.get("publishedAt"), f"{where}.publishedAt")
    time_note = None
    if created is None:
        created = urn_time(urn)
        time_note = URN_TIME_NOTE if created is not None else None
    observed = (ms_time(item.get("lastModifiedAt"), f"{where}.lastModifiedAt")
                or ms_time(item.get("publishedAt"), f"{where}.publishedAt") or created)
    if observed is None:
        raise FormatError(f"{where}: post {urn} has no time (createdAt, publishedAt, lastModifiedAt)")
    commentary = item.get("commentary")
    if commentary is not None and not isinstance(commentary, str):
        raise FormatError(f"{where}: commentary is {type(commentary).__name__}, not text")
    yield ContentRecord(
        channel=CHANNEL,
        kind="post",
        source=SOURCE,
        observed=observed,
        native_id=urn,
        page_id=page,
        created=created,
        text=unescape_little(commentary) if commentary else None,
        author=None if page is not None else actor(author_urn),
        media=tuple(post_media(item.get("content"))),
        permalink=PERMALINK.format(urn=urn),
        time_note=time_note,
        raw=raw_fragment(item),
    )


def _media_kind(urn: Any) -> str:
    typ = urn_type(urn)
    return {"image": "photo", "digitalmediaAsset": "photo", "video": "video", "document": "file"}.get(
        typ or "", "file")


def post_media(content: Any) -> list[Media]:
    """The media of a post's `content`: media, multiImage, article, poll, carousel, reference."""
    if not isinstance(content, dict):
        return []
    out: list[Media] = []
    media = dict_at(content, "media")
    if media:
        out.append(Media(kind=_media_kind(media.get("id")), uri=text_or_none(media.get("id")),
                         title=text_or_none(media.get("title")), description=text_or_none(media.get("altText"))))
    for image in list_at(content, "multiImage", "images"):
        if isinstance(image, dict):
            out.append(Media(kind="photo", uri=text_or_none(image.get("id")),
                             description=text_or_none(image.get("altText"))))
    article = dict_at(content, "article")
    if article:
        out.append(Media(kind="link", url=text_or_none(article.get("source")),
                         title=text_or_none(article.get("title")),
                         description=text_or_none(article.get("description"))))
    for card in list_at(content, "carousel", "cards"):
        m = dict_at(card, "media")
        out.append(Media(kind=_media_kind(m.get("id")), uri=text_or_none(m.get("id")),
                         url=text_or_none(card.get("landingPage")) if isinstance(card, dict) else None,
                         title=text_or_none(m.get("title"))))
    poll = dict_at(content, "poll")
    if poll:
        options = [o.get("text") for o in list_at(poll, "options") if isinstance(o, dict)]
        out.append(Media(kind="poll", title=text_or_none(poll.get("question")),
                         description="\n".join(o for o in options if isinstance(o, str)) or None))
    reference = dict_at(content, "reference")
    if reference:
        out.append(Media(kind="reference", uri=text_or_none(reference.get("id"))))
    return out


# --- comments ----------------------------------------------------------------------------------


def is_comment(item: dict[str, Any]) -> bool:
    if "commentUrn" in item:
        return True
    return "actor" in item and isinstance(item.get("message"), dict) and ("object" in item or "created" in item)


def comment_links(item: dict[str, Any], ctx: Context, where: str) -> tuple[str, str | None, Kind, str | None]:
    """(native id, parent native id, kind, the post) of a comment, by the rules in the module's doc."""
    obj = item.get("object") if isinstance(item.get("object"), str) else None
    raw_urn = item.get("commentUrn")
    urn = normalise_comment_urn(raw_urn) if isinstance(raw_urn, str) else None
    if raw_urn is not None and urn is None:
        raise FormatError(f"{where}: commentUrn {raw_urn!r} is not a comment URN")
    inner = comment_target(urn)[0] if urn else None
    ctx_target = ctx.target
    if urn is None:  # build it as LinkedIn does: (the commented object, the comment's own id)
        cid = item.get("id")
        on = next((u for u in (obj, ctx_target) if urn_type(u) not in (None, "comment")), None)
        if cid is None or on is None:
            raise FormatError(f"{where}: a comment with neither commentUrn nor id and object")
        urn = f"urn:li:comment:({on},{as_id(cid, f'{where}.id')})"
        inner = on
    post = next((u for u in (obj, inner, ctx_target) if is_post_urn(u)), None) or next(
        (u for u in (obj, inner, ctx_target) if urn_type(u) == "activity"), None)
    parent_comment = item.get("parentComment")
    if isinstance(parent_comment, str) and parent_comment:
        parent = normalise_comment_urn(parent_comment)
        if parent is None:
            raise FormatError(f"{where}: parentComment {parent_comment!r} is not a comment URN")
        return urn, parent, "reply", post
    for candidate in (obj, ctx_target):
        if urn_type(candidate) == "comment":
            parent = normalise_comment_urn(candidate)  # type: ignore[arg-type]
            if parent is not None and parent != urn:
                return urn, parent, "reply", post
    return urn, post, "comment", post


def read_comment(item: dict[str, Any], ctx: Context, where: str) -> Iterator[Record]:
    urn, parent, kind, _post = comment_links(item, ctx, where)
    created_at = dict_at(item, "created")
    created = ms_time(created_at.get("time"), f"{where}.created.time")
    time_note = None
    if created is None:
        created = urn_time(urn)
        time_note = URN_TIME_NOTE if created is not None else None
    observed = ms_time(dict_at(item, "lastModified").get("time"), f"{where}.lastModified.time") or created
    if observed is None:
        raise FormatError(f"{where}: comment {urn} has no created.time")
    message = item.get("message")
    text = message.get("text") if isinstance(message, dict) else message
    if text is not None and not isinstance(text, str):
        raise FormatError(f"{where}: message.text is {type(text).__name__}, not text")
    who = item.get("actor") or created_at.get("actor")
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=observed,
        native_id=urn,
        parent_native_id=parent,
        created=created,
        text=text or None,
        author=actor(who, item.get("actor~")),
        media=tuple(comment_media(item.get("content"))),
        time_note=time_note,
        raw=raw_fragment(item),
    )
    yield from summary_metrics(item, urn, None, where)


def comment_media(content: Any) -> list[Media]:
    """A comment's `content[{type, url, entity}]`: an image, a video, an article."""
    out: list[Media] = []
    for c in content if isinstance(content, list) else ():
        if not isinstance(c, dict):
            continue
        typ = str(c.get("type") or "").upper()
        kind = {"IMAGE": "photo", "VIDEO": "video", "ARTICLE": "link"}.get(typ, typ.lower() or "file")
        entity = c.get("entity")
        uri = None
        if isinstance(entity, dict):
            uri = next((v for v in entity.values() if isinstance(v, str) and v.startswith("urn:li:")), None)
        out.append(Media(kind=kind, url=text_or_none(c.get("url")), uri=uri))
    return out


def raw_fragment(item: dict[str, Any]) -> dict[str, Any]:
    """The item as stored: no paging, no tokens, and no list of who liked or commented (the counts stay)."""
    out = dict(item)
    for group, names in (("likesSummary", "selectedLikes"), ("commentsSummary", "selectedComments")):
        summary = out.get(group)
        if isinstance(summary, dict) and names in summary:
            out[group] = {k: v for k, v in summary.items() if k != names}
    return clean(out)


# --- social action summaries -------------------------------------------------------------------


def is_social_summary(item: dict[str, Any]) -> bool:
    return ("likesSummary" in item or "commentsSummary" in item) and "target" in item


def summary_metrics(item: dict[str, Any], native_id: str | None, page: str | None,
                    where: str) -> Iterator[MetricsRecord]:
    """Lifetime counts in `likesSummary` / `commentsSummary` (of a post or a comment)."""
    fields = (("likesSummary", "totalLikes"), ("commentsSummary", "aggregatedTotalComments"),
              ("commentsSummary", "totalFirstLevelComments"))
    for group, field in fields:
        value = dict_at(item, group).get(field)
        if value is None:
            continue
        name = f"{group}.{field}"
        yield MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=ledger_metric(name), platform_metric=name,
            period="lifetime", end=None, value=number(value, f"{where}.{name}"), native_id=native_id,
            page_id=page,
        )


def read_social_summary(item: dict[str, Any], where: str) -> Iterator[MetricsRecord]:
    """`GET /rest/socialActions/{urn}`: the counts of one post (or comment)."""
    target = item.get("target")
    if not isinstance(target, str) or urn_type(target) is None:
        raise FormatError(f"{where}: target {target!r} is not a URN")
    native = normalise_comment_urn(target) if urn_type(target) == "comment" else target
    yield from summary_metrics(item, native, None, where)


__all__ = [
    "Context",
    "comment_links",
    "comment_media",
    "is_comment",
    "is_post",
    "is_social_summary",
    "post_media",
    "raw_fragment",
    "read_comment",
    "read_post",
    "read_social_summary",
    "summary_metrics",
]
