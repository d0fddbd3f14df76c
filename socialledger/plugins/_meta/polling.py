"""What polling the Graph API shares between Facebook and Instagram: a round, a list's `data`, looking one item up.

Paging is `socialledger.channels.follow` with `graph_next`, as every channel's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from socialledger.channels import (
    ApiClient,
    ApiError,
    ApiPage,
    Followed,
    Kind,
    ModerationRecord,
    PollResult,
    Window,
    follow,
    graph_next,
    opt_time,
    removal_found,
)


def poll(client: ApiClient, owner: str, cursor: str | None, *, edge: str, fields: str, created: str,
         comments: dict[str, str], replies: str, insights: str, revisit: timedelta, max_pages: int) -> PollResult:
    """One round of a Graph owner (a Page, an Instagram account): its `edge` of items with nested comments.

    `GET /{owner}/{edge}` with `fields`, following `paging.next` to the end or to the items older
    than the revisit window (the cursor: the newest item's `created` time, less `revisit`); an item
    whose nested comments have more pages: `GET /{item}/comments` to their end (with the parameters
    `comments`; a comment's answers under its `replies` key); then `GET /{owner}/insights`
    for the daily `insights` metrics. Every answer is kept as it came (an `ApiPage`).
    """
    pages: list[ApiPage] = []
    seen: set[str] = set()
    window = Window(cursor, revisit)
    params = {"fields": fields, "limit": "25"}
    if window.since is not None:
        params["since"] = str(int(window.since.timestamp()))
    more_comments: list[str] = []
    listed = Followed()
    for page, doc in follow(client, f"{owner}/{edge}", params, graph_next, name=edge, max_pages=max_pages,
                            followed=listed):
        pages.append(page)
        for item in data(doc):
            iid = str(item.get("id") or "")
            if not iid:
                continue
            seen.add(iid)
            window.see(opt_time(item.get(created), created))
            nested = item.get("comments") if isinstance(item.get("comments"), dict) else {}
            for c in data(nested):
                _see(c, replies, seen)
            if graph_next(nested):
                more_comments.append(iid)
    for iid in more_comments:  # comments beyond the first page of an item: the item's comment edge
        for page, doc in follow(client, f"{iid}/comments", dict(comments), graph_next, name=f"comments-{iid}",
                                max_pages=max_pages):
            pages.append(page)
            for c in data(doc):
                _see(c, replies, seen)
    body, _doc = client.get_page(f"{owner}/insights", {"metric": insights, "period": "day"})
    pages.append(ApiPage("insights.json", body))
    # The window the poll saw in full: from `since` (a complete list) or the oldest item it returned.
    return PollResult(pages=pages, seen=seen, window_start=window.start(listed.complete),
                      cursor=window.cursor() or cursor)


def look_up(channel: str, client: ApiClient, native_id: str, kind: Kind, page_id: str,
            observed: datetime) -> ModerationRecord | None:
    """None while the item is there; a removal (content kept) when Graph says it does not exist.

    Graph answers a deleted object with code 100, subcode 33 ("does not exist, cannot be
    loaded due to missing permissions"), or HTTP 404. Any other failure raises: nothing is
    recorded and the next round asks again.
    """
    try:
        client.get(native_id, {"fields": "id"})
    except ApiError as e:
        if e.status == 404 or (e.code == 100 and e.subcode == 33):
            return removal_found(channel, kind, native_id, observed, page_id,
                                 {"error": {"code": e.code, "error_subcode": e.subcode, "message": e.message}})
        raise
    return None


def data(doc: Any) -> list[dict[str, Any]]:
    d = doc.get("data") if isinstance(doc, dict) else None
    return [x for x in d if isinstance(x, dict)] if isinstance(d, list) else []


def _see(comment: dict[str, Any], replies: str, seen: set[str]) -> None:
    """A comment's id and its answers' (under `replies`) into `seen`."""
    if comment.get("id"):
        seen.add(str(comment["id"]))
    answers = comment.get(replies) if isinstance(comment.get(replies), dict) else {}
    for r in data(answers):
        if r.get("id"):
            seen.add(str(r["id"]))
