"""Polling an X account over API v2: its tweets, the replies in its conversations, their counts.

A bearer token (`[x.tokens] "<account id>"`; an app-only token reads public tweets, a user
token of the account also its own non-public metrics) is sent as `Authorization: Bearer`.
The API base is `https://api.x.com/2`, or what the secrets name. X charges for reads: each
round asks for what it needs once. One round:

- `GET /users/:id/tweets` with `tweet.fields` (created_at, public_metrics, conversation_id,
  in_reply_to_user_id, referenced_tweets, attachments, author_id, edit_history_tweet_ids,
  note_tweet), `expansions=attachments.media_keys,author_id` and the media and user fields,
  from `start_time` (the newest tweet of the last round less `REVISIT`), following
  `meta.next_token` as `pagination_token`;
- for each of the account's own tweets in the window that has replies (`reply_count`):
  `GET /tweets/search/recent?query=conversation_id:<id>` (the last 7 days only: X's recent
  search), following `meta.next_token` as `next_token`.

Every answer is kept as it came and read by the channel's own reader (`api.py`). `look_up`
asks `GET /tweets?ids=<id>`: an `errors` entry of type `.../resource-not-found` for it is
gone (a removal, content kept); any other error raises and the next round asks again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    cursor_next,
    follow,
    list_at,
    opt_time,
    removal_found,
)
from socialledger.plugins.x.api import CHANNEL, NOT_FOUND, chain_id

BASE = "https://api.x.com/2"
REVISIT = timedelta(days=7)  # recent search reaches 7 days back
MAX_PAGES = 50
FIELDS = {
    "tweet.fields": "created_at,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets,attachments,"
                    "author_id,edit_history_tweet_ids,note_tweet",
    "expansions": "attachments.media_keys,author_id",
    "media.fields": "type,url,preview_image_url,alt_text",
    "user.fields": "username,name,public_metrics",
}


def poll(client: ApiClient, user_id: str, cursor: str | None) -> PollResult:
    window = Window(cursor, REVISIT)
    pages: list[ApiPage] = []
    seen: set[str] = set()
    conversations: list[str] = []
    path = f"users/{user_id}/tweets"
    params = {**FIELDS, "max_results": "100"}
    if window.since is not None:
        params["start_time"] = window.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = Followed()
    for page, doc in follow(client, path, params, cursor_next(path, params, "meta.next_token", "pagination_token"),
                            name="tweets", max_pages=MAX_PAGES, followed=listed):
        pages.append(page)
        for tweet in _tweets(doc):
            refs = {r.get("type") for r in list_at(tweet, "referenced_tweets") if isinstance(r, dict)}
            if "retweeted" in refs:
                continue  # skipped by the reader, with its reason
            window.see(opt_time(tweet.get("created_at"), "created_at"))
            seen.add(chain_id(tweet))
            replies = tweet.get("public_metrics", {}).get("reply_count") if isinstance(
                tweet.get("public_metrics"), dict) else None
            if "replied_to" not in refs and isinstance(replies, int) and replies > 0:
                conversations.append(str(tweet.get("conversation_id") or tweet["id"]))
    search = "tweets/search/recent"
    for conversation in conversations:
        q = {**FIELDS, "query": f"conversation_id:{conversation}", "max_results": "100"}
        for page, doc in follow(client, search, q, cursor_next(search, q, "meta.next_token", "next_token"),
                                name=f"conversation-{conversation}", max_pages=MAX_PAGES):
            pages.append(page)
            for tweet in _tweets(doc):
                seen.add(chain_id(tweet))
    return PollResult(pages=pages, seen=seen, window_start=window.start(listed.complete),
                      cursor=window.cursor() or cursor)


def look_up(client: ApiClient, native_id: str, kind: Kind, user_id: str, observed: datetime) -> ModerationRecord | None:
    doc = client.get("tweets", {"ids": native_id, "tweet.fields": "id"})
    if any(t.get("id") == native_id for t in _tweets(doc)):
        return None
    for e in list_at(doc, "errors"):
        if isinstance(e, dict) and str(e.get("resource_id") or e.get("value")) == native_id:
            if e.get("type") == NOT_FOUND:
                return removal_found(CHANNEL, kind, native_id, observed, user_id,
                                     {"errors": [{"type": e.get("type"), "title": e.get("title")}]})
            raise ApiError(0, f"the tweets lookup answered {e.get('title') or e.get('type')}")
    raise ApiError(0, "the tweets lookup answered neither the tweet nor an error for it")


def _tweets(doc: Any) -> list[dict[str, Any]]:
    data = doc.get("data") if isinstance(doc, dict) else None
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return [t for t in items if isinstance(t, dict) and isinstance(t.get("id"), str)]
