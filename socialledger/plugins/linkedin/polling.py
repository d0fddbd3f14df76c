"""Polling LinkedIn's REST API for an organisation page: posts, their comments and replies, share statistics.

One round (headers `Linkedin-Version` and `X-Restli-Protocol-Version: 2.0.0`):
`GET /rest/posts?q=author&author=urn:li:organization:<id>`, following the `next`
link of `paging.links`; per post `GET /rest/socialActions/{post}/comments` to its
end; then `GET /rest/organizationalEntityShareStatistics` for the organisation
(rolling twelve months). Every answer is kept as it came and read by the channel's
own reader. LinkedIn answers 404 for a post or comment that is gone (`look_up`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from socialledger.channels import (
    ApiClient,
    ApiError,
    ApiPage,
    Followed,
    Kind,
    ModerationRecord,
    PollResult,
    follow,
    links_next,
    removal_found,
)
from socialledger.plugins.linkedin.common import CHANNEL, comment_target, ms_time, normalise_comment_urn

BASE = "https://api.linkedin.com/rest"
VERSION = "202411"
HEADERS = {"Linkedin-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0"}
MAX_PAGES = 200


def poll(client: ApiClient, org: str, cursor: str | None) -> PollResult:
    author = f"urn:li:organization:{org}"
    pages: list[ApiPage] = []
    seen: set[str] = set()
    posts: list[str] = []
    oldest: datetime | None = None
    newest: datetime | None = None
    listed = Followed()
    for page, doc in follow(client, "posts", {"q": "author", "author": author, "count": "50"}, links_next,
                            name="posts", headers=HEADERS, max_pages=MAX_PAGES, followed=listed):
        pages.append(page)
        for post in _elements(doc):
            urn = post.get("id")
            if not isinstance(urn, str):
                continue
            seen.add(urn)
            posts.append(urn)
            created = ms_time(post.get("createdAt"), "createdAt")
            if created is not None:
                oldest = created if oldest is None or created < oldest else oldest
                newest = created if newest is None or created > newest else newest
    for n, urn in enumerate(posts, 1):
        for page, doc in follow(client, f"socialActions/{quote(urn, safe='')}/comments", None, links_next,
                                name=f"comments-{n:05d}", headers=HEADERS, max_pages=MAX_PAGES):
            pages.append(page)
            for c in _elements(doc):
                urn_c = c.get("commentUrn")
                if isinstance(urn_c, str):
                    seen.add(normalise_comment_urn(urn_c) or urn_c)
    body, _doc = client.get_page("organizationalEntityShareStatistics",
                                 {"q": "organizationalEntity", "organizationalEntity": author}, HEADERS)
    pages.append(ApiPage("share-statistics.json", body))
    return PollResult(pages=pages, seen=seen, window_start=oldest if listed.complete else None,
                      cursor=newest.isoformat() if newest else cursor)


def look_up(client: ApiClient, native_id: str, kind: Kind, org: str, observed: datetime) -> ModerationRecord | None:
    target = comment_target(native_id)
    if target is not None:
        activity, comment = target
        path = f"socialActions/{quote(activity, safe='')}/comments/{quote(comment, safe='')}"
    else:
        path = f"posts/{quote(native_id, safe='')}"
    try:
        client.get(path, None, HEADERS)
    except ApiError as e:
        if e.status in (404, 410):
            return removal_found(CHANNEL, kind, native_id, observed, org, {"status": e.status, "message": e.message})
        raise
    return None


def _elements(doc: Any) -> list[dict[str, Any]]:
    e = doc.get("elements") if isinstance(doc, dict) else None
    return [x for x in e if isinstance(x, dict)] if isinstance(e, list) else []
