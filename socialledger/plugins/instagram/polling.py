"""Polling the Graph API for an Instagram professional account: media with comments and replies, and Insights.

One round: `GET /{ig-user}/media` with the media fields, nested comments and their
replies, following `paging.next` to the end or to media older than the revisit window
(the cursor: the newest media's time, less `REVISIT`); a media whose nested comments
have more pages: `GET /{media}/comments` to their end; then `GET /{ig-user}/insights`
(reach and follower count, daily). Every answer is kept as it came and read by the
channel's own Graph reader. `look_up` is Graph's, shared with Facebook.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from socialledger.channels import (
    ApiClient,
    ApiPage,
    Followed,
    Kind,
    ModerationRecord,
    PollResult,
    Window,
    follow,
    graph_next,
    opt_time,
)
from socialledger.plugins._meta.polling import data
from socialledger.plugins._meta.polling import look_up as meta_look_up
from socialledger.plugins.instagram.common import CHANNEL

BASE = "https://graph.facebook.com/v23.0"
REVISIT = timedelta(days=14)
MAX_PAGES = 200

_COMMENT = "id,text,timestamp,username,from,like_count,hidden,parent_id"
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,media_url,permalink,thumbnail_url,timestamp,username,"
    "like_count,comments_count,alt_text,children{id,media_type,media_url,thumbnail_url},"
    f"comments.limit(50){{{_COMMENT},replies{{{_COMMENT}}}}}"
)
INSIGHTS = "reach,follower_count"


def poll(client: ApiClient, ig_user: str, cursor: str | None) -> PollResult:
    pages: list[ApiPage] = []
    seen: set[str] = set()
    window = Window(cursor, REVISIT)
    params = {"fields": MEDIA_FIELDS, "limit": "25"}
    if window.since is not None:
        params["since"] = str(int(window.since.timestamp()))
    more_comments: list[str] = []
    listed = Followed()
    for page, doc in follow(client, f"{ig_user}/media", params, graph_next, name="media", max_pages=MAX_PAGES,
                            followed=listed):
        pages.append(page)
        for media in data(doc):
            mid = str(media.get("id") or "")
            if not mid:
                continue
            seen.add(mid)
            window.see(opt_time(media.get("timestamp"), "timestamp"))
            comments = media.get("comments") if isinstance(media.get("comments"), dict) else {}
            for c in data(comments):
                _see(c, seen)
            if graph_next(comments):
                more_comments.append(mid)
    for mid in more_comments:
        for page, doc in follow(client, f"{mid}/comments", {"fields": f"{_COMMENT},replies{{{_COMMENT}}}",
                                                            "limit": "50"}, graph_next, name=f"comments-{mid}",
                                max_pages=MAX_PAGES):
            pages.append(page)
            for c in data(doc):
                _see(c, seen)
    body, _doc = client.get_page(f"{ig_user}/insights", {"metric": INSIGHTS, "period": "day"})
    pages.append(ApiPage("insights.json", body))
    return PollResult(pages=pages, seen=seen, window_start=window.start(listed.complete),
                      cursor=window.cursor() or cursor)


def look_up(client: ApiClient, native_id: str, kind: Kind, ig_user: str, observed: datetime) -> ModerationRecord | None:
    return meta_look_up(CHANNEL, client, native_id, kind, ig_user, observed)


def _see(c: dict, seen: set[str]) -> None:
    if c.get("id"):
        seen.add(str(c["id"]))
    replies = c.get("replies") if isinstance(c.get("replies"), dict) else {}
    for r in data(replies):
        if r.get("id"):
            seen.add(str(r["id"]))
