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

from datetime import datetime, timedelta

from socialledger.channels import ApiClient, Kind, ModerationRecord, PollResult
from socialledger.plugins._meta.polling import look_up as meta_look_up
from socialledger.plugins._meta.polling import poll as meta_poll
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
    return meta_poll(client, page_id, cursor, edge="feed", fields=FEED_FIELDS, created="created_time",
                     comments={"fields": f"{_COMMENT},comments.limit(100){{{_COMMENT}}}", "limit": "100"},
                     replies="comments", insights=INSIGHTS, revisit=REVISIT, max_pages=MAX_PAGES)


def look_up(client: ApiClient, native_id: str, kind: Kind, page_id: str, observed: datetime) -> ModerationRecord | None:
    return meta_look_up(CHANNEL, client, native_id, kind, page_id, observed)

