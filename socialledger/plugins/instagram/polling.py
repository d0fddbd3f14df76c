"""Polling the Graph API for an Instagram professional account: media with comments and replies, and Insights.

One round: `GET /{ig-user}/media` with the media fields, nested comments and their
replies, following `paging.next` to the end or to media older than the revisit window
(the cursor: the newest media's time, less `REVISIT`); a media whose nested comments
have more pages: `GET /{media}/comments` to their end; then `GET /{ig-user}/insights`
(reach and follower count, daily). Every answer is kept as it came and read by the
channel's own Graph reader. `look_up` is Graph's, shared with Facebook.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialledger.channels import ApiClient, ApiPage, Kind, ModerationRecord, PollResult, opt_time
from socialledger.plugins._meta.polling import data, next_page
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
    since = None
    if cursor:
        newest = opt_time(cursor, "cursor")
        since = (newest - REVISIT) if newest is not None else None
    params = {"fields": MEDIA_FIELDS, "limit": "25"}
    if since is not None:
        params["since"] = str(int(since.timestamp()))
    newest_seen: datetime | None = None
    oldest_seen: datetime | None = None
    path: str | None = f"{ig_user}/media"
    n = 0
    more_comments: list[str] = []
    while path is not None and n < MAX_PAGES:
        body, doc = client.get_page(path, params if n == 0 else None)
        n += 1
        pages.append(ApiPage(f"media-{n:04d}.json", body))
        for media in data(doc):
            mid = str(media.get("id") or "")
            if not mid:
                continue
            seen.add(mid)
            created = opt_time(media.get("timestamp"), "timestamp")
            if created is not None:
                newest_seen = created if newest_seen is None or created > newest_seen else newest_seen
                oldest_seen = created if oldest_seen is None or created < oldest_seen else oldest_seen
            comments = media.get("comments") if isinstance(media.get("comments"), dict) else {}
            for c in data(comments):
                _see(c, seen)
            if next_page(comments):
                more_comments.append(mid)
        path = next_page(doc)
    for mid in more_comments:
        cpath: str | None = f"{mid}/comments"
        k = 0
        while cpath is not None and k < MAX_PAGES:
            body, doc = client.get_page(cpath, {"fields": f"{_COMMENT},replies{{{_COMMENT}}}", "limit": "50"}
                                        if k == 0 else None)
            k += 1
            pages.append(ApiPage(f"comments-{mid}-{k:04d}.json", body))
            for c in data(doc):
                _see(c, seen)
            cpath = next_page(doc)
    body, _doc = client.get_page(f"{ig_user}/insights", {"metric": INSIGHTS, "period": "day"})
    pages.append(ApiPage("insights.json", body))
    window = since if since is not None and (oldest_seen is None or since < oldest_seen) else oldest_seen
    if path is not None:
        window = oldest_seen
    cursor_out = newest_seen or (opt_time(cursor, "cursor") if cursor else None)
    return PollResult(pages=pages, seen=seen, window_start=window,
                      cursor=cursor_out.astimezone(UTC).isoformat() if cursor_out else cursor)


def look_up(client: ApiClient, native_id: str, kind: Kind, ig_user: str, observed: datetime) -> ModerationRecord | None:
    return meta_look_up(CHANNEL, client, native_id, kind, ig_user, observed)


def _see(c: dict, seen: set[str]) -> None:
    if c.get("id"):
        seen.add(str(c["id"]))
    replies = c.get("replies") if isinstance(c.get("replies"), dict) else {}
    for r in data(replies):
        if r.get("id"):
            seen.add(str(r["id"]))
