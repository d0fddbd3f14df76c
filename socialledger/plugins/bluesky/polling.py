"""Polling a Bluesky account over XRPC: its author feed, the threads of its posts, its profile.

The API base is the account's PDS or the entryway (`https://bsky.social`, which serves the
AppView's `app.bsky.*` methods to a logged-in session), or what the secrets name. The
token is an access token from the secrets, or a session opened each round with an app
password (`open_session`: `POST com.atproto.server.createSession {identifier: DID,
password}` -> `accessJwt`; the password never leaves the secrets, the session token is not kept).
One round:

- `app.bsky.feed.getAuthorFeed?actor=<DID>&filter=posts_with_replies&limit=50`, following the
  `cursor` it hands back until there is none, or until a page reaches posts before the revisit
  window (the cursor: the newest post's time, less `REVISIT`; a post's time is the earlier of
  its client-set `createdAt` and the AppView's `indexedAt`, as the feed sorts them);
- for each of the account's own posts in the window that has replies (`replyCount`):
  `app.bsky.feed.getPostThread?uri=<post>&depth=1000&parentHeight=0`;
- `app.bsky.actor.getProfile?actor=<DID>` (followers, follows and posts counts).

Every answer is kept as it came and read by the channel's own reader (`api.py`). `look_up` asks
`app.bsky.feed.getPosts?uris=<uri>`: a post the answer leaves out is gone (a removal, content
kept); an error raises and the next round asks again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from socialledger.channels import (
    ApiClient,
    ApiError,
    ApiPage,
    Followed,
    FormatError,
    Kind,
    ModerationRecord,
    PollResult,
    Window,
    cursor_next,
    follow,
    removal_found,
)
from socialledger.plugins.bluesky.common import CHANNEL, at_time, dict_at, list_at

BASE = "https://bsky.social"
REVISIT = timedelta(days=14)
MAX_PAGES = 200
FEED = "xrpc/app.bsky.feed.getAuthorFeed"
THREAD = "xrpc/app.bsky.feed.getPostThread"
POSTS = "xrpc/app.bsky.feed.getPosts"
PROFILE = "xrpc/app.bsky.actor.getProfile"
SESSION = "xrpc/com.atproto.server.createSession"


def open_session(client: ApiClient, did: str, password: str) -> str:
    doc = client.post(SESSION, {"identifier": did, "password": password})
    token = doc.get("accessJwt") if isinstance(doc, dict) else None
    if not isinstance(token, str) or not token:
        raise ApiError(0, "createSession answered no accessJwt")
    if doc.get("did") != did:
        raise ApiError(0, "createSession opened a session for another account: the app password is not this "
                          "account's")
    return token


def poll(client: ApiClient, did: str, cursor: str | None) -> PollResult:
    window = Window(cursor, REVISIT)
    pages: list[ApiPage] = []
    seen: set[str] = set()
    threads: list[str] = []

    def created(post: dict[str, Any]) -> datetime | None:
        """Where the post sits in the feed: the AppView sorts by the earlier of the record's `createdAt` (the
        client's, which may be anything) and its own `indexedAt`; the window follows the same times."""
        times = []
        for value, name in ((dict_at(post, "record").get("createdAt"), "createdAt"),
                            (post.get("indexedAt"), "indexedAt")):
            try:
                if value:
                    times.append(at_time(value, name))
            except FormatError:  # the reader names a bad time; here it only cannot end the walk
                pass
        return min(times) if times else None

    def older(doc: Any) -> bool:
        return any(window.older(created(item["post"])) for item in _feed(doc)
                   if dict_at(item, "post", "author").get("did") == did)

    params = {"actor": did, "filter": "posts_with_replies", "limit": "50"}
    listed = Followed()
    for page, doc in follow(client, FEED, params, cursor_next(FEED, params), name="feed", max_pages=MAX_PAGES,
                            stop=older, followed=listed):
        pages.append(page)
        for item in _feed(doc):
            post = item["post"]
            uri = post.get("uri")
            if not isinstance(uri, str):
                continue
            if dict_at(post, "author").get("did") != did:
                continue  # another account's post the account reposted: skipped by the reader, with its reason
            when = created(post)
            if window.older(when):
                continue  # before the window: neither revisited nor reconciled this round
            window.see(when)
            seen.add(uri)
            for part in ("root", "parent"):  # the posts the item replies to, where the feed shows them
                view = dict_at(item, "reply", part)
                if isinstance(view.get("uri"), str) and isinstance(view.get("record"), dict):
                    seen.add(view["uri"])
            top = dict_at(post, "record", "reply") == {}
            count = post.get("replyCount")
            if top and isinstance(count, int) and count > 0:
                threads.append(uri)
    for n, uri in enumerate(threads, 1):
        body, doc = client.get_page(THREAD, {"uri": uri, "depth": "1000", "parentHeight": "0"})
        pages.append(ApiPage(f"thread-{n:04d}.json", body))
        _see_thread(dict_at(doc, "thread"), seen)
    body, _doc = client.get_page(PROFILE, {"actor": did})
    pages.append(ApiPage("profile.json", body))
    return PollResult(pages=pages, seen=seen, window_start=window.start(listed.complete or listed.stopped),
                      cursor=window.cursor() or cursor)


def look_up(client: ApiClient, uri: str, kind: Kind, did: str, observed: datetime) -> ModerationRecord | None:
    """getPosts answers the posts it has: one it leaves out is deleted (or taken down)."""
    if not uri.startswith("at://") or "/app.bsky.feed.post/" not in uri:
        return None  # getPosts answers posts only: another record is not asked for (never a removal by absence)
    doc = client.get(POSTS, {"uris": uri})
    if not isinstance(doc, dict) or not isinstance(doc.get("posts"), list):
        raise ApiError(0, "getPosts answered no posts list")
    if any(isinstance(p, dict) and p.get("uri") == uri for p in doc["posts"]):
        return None
    return removal_found(CHANNEL, kind, uri, observed, did, {"getPosts": {"uris": [uri], "posts": []}})


def _feed(doc: Any) -> list[dict[str, Any]]:
    return [i for i in list_at(doc, "feed") if isinstance(i, dict) and isinstance(i.get("post"), dict)]


def _see_thread(node: dict[str, Any], seen: set[str]) -> None:
    """The posts a thread shows (a deleted or blocked branch shows none)."""
    post = node.get("post")
    if isinstance(post, dict) and isinstance(post.get("uri"), str) and not node.get("notFound"):
        seen.add(post["uri"])
    for reply in list_at(node, "replies"):
        if isinstance(reply, dict):
            _see_thread(reply, seen)
