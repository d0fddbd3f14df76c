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

from socialledger.channels import ApiClient, Kind, ModerationRecord, PollResult
from socialledger.plugins._meta.polling import look_up as meta_look_up
from socialledger.plugins._meta.polling import poll as meta_poll
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
    return meta_poll(client, ig_user, cursor, edge="media", fields=MEDIA_FIELDS, created="timestamp",
                     comments={"fields": f"{_COMMENT},replies{{{_COMMENT}}}", "limit": "50"},
                     replies="replies", insights=INSIGHTS, revisit=REVISIT, max_pages=MAX_PAGES)


def look_up(client: ApiClient, native_id: str, kind: Kind, ig_user: str, observed: datetime) -> ModerationRecord | None:
    return meta_look_up(CHANNEL, client, native_id, kind, ig_user, observed)

