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

from socialledger.channels import ApiClient, ApiError, ApiPage, Kind, ModerationRecord, PollResult
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
    path: str | None = "posts"
    params: dict[str, str] | None = {"q": "author", "author": author, "count": "50"}
    n = 0
    while path is not None and n < MAX_PAGES:
        body, doc = client.get_page(path, params, HEADERS)
        params = None
        n += 1
        pages.append(ApiPage(f"posts-{n:04d}.json", body))
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
        path = _next(doc)
    complete = path is None
    for urn in posts:
        cpath: str | None = f"socialActions/{quote(urn, safe='')}/comments"
        k = 0
        while cpath is not None and k < MAX_PAGES:
            body, doc = client.get_page(cpath, None, HEADERS)
            k += 1
            pages.append(ApiPage(f"comments-{len(pages):05d}.json", body))
            for c in _elements(doc):
                urn_c = c.get("commentUrn")
                if isinstance(urn_c, str):
                    seen.add(normalise_comment_urn(urn_c) or urn_c)
            cpath = _next(doc)
    body, _doc = client.get_page("organizationalEntityShareStatistics",
                                 {"q": "organizationalEntity", "organizationalEntity": author}, HEADERS)
    pages.append(ApiPage("share-statistics.json", body))
    return PollResult(pages=pages, seen=seen, window_start=oldest if complete else None,
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
            return ModerationRecord(channel=CHANNEL, kind=kind, source="api", action="remove", native_id=native_id,
                                    observed=observed, page_id=org, raw={"status": e.status, "message": e.message},
                                    if_held=True)
        raise
    return None


def _elements(doc: Any) -> list[dict[str, Any]]:
    e = doc.get("elements") if isinstance(doc, dict) else None
    return [x for x in e if isinstance(x, dict)] if isinstance(e, list) else []


def _next(doc: Any) -> str | None:
    paging = doc.get("paging") if isinstance(doc, dict) else None
    links = paging.get("links") if isinstance(paging, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None
