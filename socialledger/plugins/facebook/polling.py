"""Polling the Graph API for a Page: its feed with comments and replies, reaction counts, and Page Insights.

The channel knows endpoints and shapes; the core's client adds the token, backs off
and retries (`socialledger.channels.ApiClient`). One round:

- `GET /{page}/feed` with posts' fields, nested comments and their replies and
  the reaction summary, following `paging.next` to the end or to the posts older
  than the revisit window (the cursor: the newest post's time, less `REVISIT`, so
  that edits, new comments and removals of recent posts are seen again);
- a post whose nested comments have more pages: `GET /{post}/comments` to their end;
- `GET /{page}/insights` for the Page's daily metrics.

Every answer is kept as it came (an `ApiPage`) and read by the channel's own
Graph reader, as a saved API page would be. `look_up` asks for one item: Graph
answers a removed one with code 100, subcode 33 ("does not exist"), or HTTP 404.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from socialledger.channels import (
    ApiClient,
    ApiPage,
    Kind,
    ModerationRecord,
    PollResult,
    opt_time,
)
from socialledger.plugins._meta.polling import data, next_page
from socialledger.plugins._meta.polling import look_up as meta_look_up
from socialledger.plugins.facebook.common import CHANNEL

#: The Graph API version the channel's endpoints are written for.
BASE = "https://graph.facebook.com/v23.0"
#: How far back of the newest post each round looks again (edits, new comments, removals).
REVISIT = timedelta(days=14)
#: Pages of a feed or a comment list followed in one round at most.
MAX_PAGES = 200

_COMMENT = "id,message,created_time,from,permalink_url,like_count,comment_count,parent{id},attachment,is_hidden"
FEED_FIELDS = (
    "id,message,created_time,updated_time,from,permalink_url,status_type,"
    "attachments{media,media_type,type,url,target},shares,"
    "reactions.summary(total_count).limit(0),"
    f"comments.summary(true).limit(100){{{_COMMENT},comments.limit(100){{{_COMMENT}}}}}"
)
INSIGHTS = "page_media_view,page_total_media_view_unique,page_follows,page_post_engagements"


def poll(client: ApiClient, page_id: str, cursor: str | None) -> PollResult:
    pages: list[ApiPage] = []
    seen: set[str] = set()
    since = None
    if cursor:
        newest = opt_time(cursor, "cursor")
        since = (newest - REVISIT) if newest is not None else None
    params = {"fields": FEED_FIELDS, "limit": "25"}
    if since is not None:
        params["since"] = str(int(since.timestamp()))
    newest_seen: datetime | None = None
    oldest_seen: datetime | None = None
    path: str | None = f"{page_id}/feed"
    n = 0
    more_comments: list[str] = []
    while path is not None and n < MAX_PAGES:
        body, doc = client.get_page(path, params if n == 0 else None)
        n += 1
        pages.append(ApiPage(f"feed-{n:04d}.json", body))
        for post in _data(doc):
            pid = str(post.get("id") or "")
            if not pid:
                continue
            seen.add(pid)
            created = opt_time(post.get("created_time"), "created_time")
            if created is not None:
                newest_seen = created if newest_seen is None or created > newest_seen else newest_seen
                oldest_seen = created if oldest_seen is None or created < oldest_seen else oldest_seen
            comments = post.get("comments") if isinstance(post.get("comments"), dict) else {}
            for c in _data(comments):
                _see_comment(c, seen)
            if _next(comments):
                more_comments.append(pid)
        path = _next(doc)
    for pid in more_comments:  # comments beyond the first 100 of a post: the post's comment edge
        cpath: str | None = f"{pid}/comments"
        k = 0
        while cpath is not None and k < MAX_PAGES:
            body, doc = client.get_page(cpath, {"fields": f"{_COMMENT},comments.limit(100){{{_COMMENT}}}",
                                                "limit": "100"} if k == 0 else None)
            k += 1
            pages.append(ApiPage(f"comments-{pid}-{k:04d}.json", body))
            for c in _data(doc):
                _see_comment(c, seen)
            cpath = _next(doc)
    body, _doc = client.get_page(f"{page_id}/insights", {"metric": INSIGHTS, "period": "day"})
    pages.append(ApiPage("insights.json", body))
    # The window the poll saw in full: from the oldest post it returned (a complete feed) or `since`.
    window = since if since is not None and (oldest_seen is None or since < oldest_seen) else oldest_seen
    if path is not None:  # stopped at MAX_PAGES: only what it saw is complete
        window = oldest_seen
    cursor_out = (newest_seen or (opt_time(cursor, "cursor") if cursor else None))
    return PollResult(pages=pages, seen=seen, window_start=window,
                      cursor=cursor_out.astimezone(UTC).isoformat() if cursor_out else cursor)


def look_up(client: ApiClient, native_id: str, kind: Kind, page_id: str, observed: datetime) -> ModerationRecord | None:
    return meta_look_up(CHANNEL, client, native_id, kind, page_id, observed)


def _see_comment(c: dict[str, Any], seen: set[str]) -> None:
    cid = c.get("id")
    if cid:
        seen.add(str(cid))
    replies = c.get("comments") if isinstance(c.get("comments"), dict) else {}
    for r in _data(replies):
        if r.get("id"):
            seen.add(str(r["id"]))


_data = data
_next = next_page
