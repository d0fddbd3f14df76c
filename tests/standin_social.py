"""Local stand-ins for Mastodon's REST API and Bluesky's XRPC API (test fixtures), on a loopback port.

Both serve our real-shaped fixtures (built from ../shared/platform-samples: the Mastodon
account's statuses and a thread's context, the Bluesky account's author feed and thread) as
the platforms page them, check `Authorization: Bearer <token>`, and can be told to answer
429 (Mastodon: `X-RateLimit-Remaining: 0` and an ISO `X-RateLimit-Reset`; Bluesky:
`Retry-After` and `ratelimit-*`), a 500, or a refused token as each platform does
(Mastodon 401 `{"error": "The access token is invalid"}`; Bluesky 400 `ExpiredToken`).
An item removed answers as the platform does: Mastodon 404 `Record not found`, Bluesky
leaves it out of `getPosts` and its branch out of the thread.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from standin_graph import JPEG, Served, _free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIX = Path(__file__).parent / "fixtures"


class _StandIn(Served):
    name = "stand-in"

    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.throttle = 0
        self.fail = 0
        self.fail_lookups = 0
        self.expired = False
        self.requests: list[str] = []
        self.cdn_requests = 0
        self.per_page = 2

    def routes(self) -> list[Route]:
        raise NotImplementedError

    async def cdn(self, request: Request) -> Response:
        self.cdn_requests += 1
        assert "authorization" not in request.headers  # a CDN is asked without the account's token
        return Response(JPEG.read_bytes(), media_type="image/png" if request.url.path.endswith(".png")
                        else "image/jpeg")

    def __enter__(self) -> _StandIn:
        app = Starlette(routes=[*self.routes(), Route("/cdn/{path:path}", self.cdn)])
        return self.serve(app, f"the {self.name}")


# Mastodon -----------------------------------------------------------------------------------------

MASTODON = FIX / "mastodon" / "sv"
MASTODON_ME = "https://social.example.se/users/kommunen"
MASTODON_ID = "109000000000000001"


class MastodonStandIn(_StandIn):
    """One instance's REST API for the account `kommunen`: lookup, statuses (Link paging), context, one status."""

    name = "Mastodon stand-in"

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        media = "https://social.example.se/system/media_attachments/"

        def load(path: Path) -> Any:  # the instance's media are served here (never the platform)
            return json.loads(path.read_text().replace(media, f"{self.base}/cdn/media_attachments/"))

        self.statuses: list[dict[str, Any]] = load(MASTODON / "statuses" / "account_statuses.json")
        self.context: dict[str, Any] = load(MASTODON / "contexts" / "context_111900000000000101.json")
        self.account = copy.deepcopy(self.statuses[0]["account"])
        self.removed: set[str] = set()
        self.throttle_headers_only = False

    def edit(self, status_id: str, content: str) -> None:
        for s in self._all():
            if s["id"] == status_id:
                s["content"] = content
                s["edited_at"] = "2026-02-14T09:12:00.000Z"
                return
        raise KeyError(status_id)

    def _all(self) -> list[dict[str, Any]]:
        return [*self.statuses, *self.context["descendants"]]

    def _rate(self, response: Response, remaining: int = 297) -> Response:
        reset = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        response.headers["X-RateLimit-Limit"] = "300"
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = reset
        return response

    def _check(self, request: Request) -> Response | None:
        self.requests.append(request.url.path)
        if self.throttle:
            self.throttle -= 1
            return self._rate(JSONResponse({"error": "Too many requests"}, status_code=429), remaining=0)
        if self.fail:
            self.fail -= 1
            return JSONResponse({"error": "We're sorry, but something went wrong on our end."}, status_code=500)
        if self.expired or request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "The access token is invalid"}, status_code=401)
        return None

    async def lookup(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        if request.query_params.get("acct") != self.account["acct"]:
            return JSONResponse({"error": "Record not found"}, status_code=404)
        return self._rate(JSONResponse(self.account))

    async def account_statuses(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        assert request.path_params["id"] == self.account["id"]
        # Newest first by id, as Mastodon pages them (max_id: older than)
        visible = sorted((s for s in self.statuses if s["id"] not in self.removed), key=lambda s: -int(s["id"]))
        max_id = request.query_params.get("max_id")
        if max_id:
            visible = [s for s in visible if int(s["id"]) < int(max_id)]
        chunk = visible[:self.per_page]
        response = self._rate(JSONResponse(chunk))
        if chunk:  # as Mastodon: next (older) and prev (newer) links while a page has statuses
            url = f"{self.base}/api/v1/accounts/{self.account['id']}/statuses?limit=40"
            response.headers["Link"] = (f'<{url}&max_id={chunk[-1]["id"]}>; rel="next", '
                                        f'<{url}&min_id={chunk[0]["id"]}>; rel="prev"')
        return response

    async def status_context(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        sid = request.path_params["id"]
        if sid != "111900000000000101":
            return self._rate(JSONResponse({"ancestors": [], "descendants": []}))
        doc = copy.deepcopy(self.context)
        gone = set(self.removed)
        kept = []
        for s in doc["descendants"]:  # a removed status's replies leave the context with it
            if s["id"] in gone or s["in_reply_to_id"] in gone:
                gone.add(s["id"])
                continue
            kept.append(s)
        doc["descendants"] = kept
        return self._rate(JSONResponse(doc))

    async def status(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        sid = request.path_params["id"]
        if self.fail_lookups:
            self.fail_lookups -= 1
            return JSONResponse({"error": "We're sorry, but something went wrong on our end."}, status_code=503)
        found = next((s for s in self._all() if s["id"] == sid and sid not in self.removed), None)
        if found is None:
            return JSONResponse({"error": "Record not found"}, status_code=404)
        return self._rate(JSONResponse(found))

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/accounts/lookup", self.lookup),
            Route("/api/v1/accounts/{id}/statuses", self.account_statuses),
            Route("/api/v1/statuses/{id}/context", self.status_context),
            Route("/api/v1/statuses/{id}", self.status),
        ]


# Bluesky ------------------------------------------------------------------------------------------

BLUESKY = FIX / "bluesky"
BLUESKY_DID = "did:plc:hvidovrekommune2kx4qa7bz"
THREAD_ROOT = "at://did:plc:hvidovrekommune2kx4qa7bz/app.bsky.feed.post/3mabcq2vwo22a"


class BlueskyStandIn(_StandIn):
    """The entryway's XRPC for the account: createSession, getAuthorFeed (cursor paging), getPostThread,
    getPosts, getProfile."""

    name = "Bluesky stand-in"

    def __init__(self, password: str) -> None:
        super().__init__()
        self.password = password
        self.sessions: list[str] = []
        self.feed: list[dict[str, Any]] = json.loads((BLUESKY / "author_feed_sv.json").read_text())["feed"]
        self.thread: dict[str, Any] = json.loads((BLUESKY / "thread_sv.json").read_text())
        self.profile: dict[str, Any] = json.loads((BLUESKY / "profile_sv.json").read_text())
        self.removed: set[str] = set()
        self.replies: dict[str, list[dict[str, Any]]] = {}  # more threads: a post's uri -> its replies' nodes
        for view in self._views():  # the AppView hydrates a post's pictures: CDN URLs (served here)
            embed = view["record"].get("embed") or {}
            if embed.get("$type") == "app.bsky.embed.images":
                did = view["author"]["did"]
                view["embed"] = {"$type": "app.bsky.embed.images#view", "images": [
                    {"thumb": f"{self.base}/cdn/img/feed_thumbnail/plain/{did}/{i['image']['ref']['$link']}@jpeg",
                     "fullsize": f"{self.base}/cdn/img/feed_fullsize/plain/{did}/{i['image']['ref']['$link']}@jpeg",
                     "alt": i.get("alt", "")} for i in embed["images"]]}

    def _views(self) -> list[dict[str, Any]]:
        out = [i["post"] for i in self.feed]
        out += [v for i in self.feed for v in i.get("reply", {}).values() if isinstance(v, dict) and "record" in v]

        def walk(node: dict[str, Any]) -> None:
            if isinstance(node.get("post"), dict):
                out.append(node["post"])
            for r in node.get("replies", []):
                walk(r)
        walk(self.thread["thread"])
        return out

    def edit(self, uri: str, text: str) -> None:
        """A record rewritten (putRecord): a new cid under the same uri."""
        for view in self._views():
            if view["uri"] == uri:
                view["record"]["text"] = text
                view["record"]["facets"] = []  # the client made the record anew: facets for the new text
                view["cid"] = "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
                view["indexedAt"] = "2026-03-02T08:00:00.000Z"

    def _check(self, request: Request) -> Response | None:
        self.requests.append(request.url.path)
        if self.throttle:
            self.throttle -= 1
            return JSONResponse({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, status_code=429,
                                headers={"Retry-After": "1", "ratelimit-limit": "3000", "ratelimit-remaining": "0",
                                         "ratelimit-reset": str(int(time.time()) + 1)})
        if self.fail:
            self.fail -= 1
            return JSONResponse({"error": "InternalServerError", "message": "Internal Server Error"},
                                status_code=500)
        if self.expired or request.headers.get("authorization") not in {f"Bearer {t}" for t in self.sessions}:
            return JSONResponse({"error": "ExpiredToken", "message": "Token has expired"}, status_code=400)
        return None

    def _rate(self, response: Response) -> Response:
        response.headers["ratelimit-limit"] = "3000"
        response.headers["ratelimit-remaining"] = "2990"
        response.headers["ratelimit-reset"] = str(int(time.time()) + 300)
        response.headers["ratelimit-policy"] = "3000;w=300"
        return response

    async def create_session(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        assert "authorization" not in request.headers
        body = await request.json()
        if body.get("identifier") != BLUESKY_DID or body.get("password") != self.password:
            return JSONResponse({"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                                status_code=401)
        token = f"eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.session{len(self.sessions)}"
        self.sessions.append(token)
        return JSONResponse({"did": BLUESKY_DID, "handle": "hvidovre.dk", "email": "it@hvidovre.dk",
                             "accessJwt": token, "refreshJwt": token + ".refresh", "active": True})

    async def author_feed(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        assert request.query_params["actor"] == BLUESKY_DID
        items = copy.deepcopy([i for i in self.feed if i["post"]["uri"] not in self.removed])
        for item in items:  # a post the item replies to that is deleted: a notFoundPost, as the AppView shows it
            for part in ("root", "parent"):
                view = item.get("reply", {}).get(part)
                if view and view.get("uri") in self.removed:
                    item["reply"][part] = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": view["uri"],
                                           "notFound": True}
        start = int(request.query_params.get("cursor") or 0)
        doc: dict[str, Any] = {"feed": items[start:start + self.per_page]}
        if start + self.per_page < len(items):
            doc["cursor"] = str(start + self.per_page)
        return self._rate(JSONResponse(doc))

    async def post_thread(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        uri = request.query_params["uri"]
        if uri in self.removed:
            return JSONResponse({"error": "NotFound", "message": f"Post not found: {uri}"}, status_code=400)
        if uri != THREAD_ROOT:
            view = next(v for v in self._views() if v["uri"] == uri)
            return self._rate(JSONResponse({"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": view,
                                                       "replies": self.replies.get(uri, []), "threadContext": {}}}))
        doc = copy.deepcopy(self.thread)

        def prune(node: dict[str, Any]) -> None:  # a deleted reply's whole branch vanishes
            node["replies"] = [r for r in node.get("replies", []) if r.get("post", {}).get("uri") not in self.removed]
            for r in node["replies"]:
                prune(r)
        prune(doc["thread"])
        return self._rate(JSONResponse(doc))

    async def get_posts(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        if self.fail_lookups:
            self.fail_lookups -= 1
            return JSONResponse({"error": "InternalServerError", "message": "Internal Server Error"},
                                status_code=502)
        uris = request.query_params.getlist("uris")
        views = {v["uri"]: v for v in self._views()}
        return self._rate(JSONResponse({"posts": [views[u] for u in uris if u in views and u not in self.removed]}))

    async def get_profile(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        return self._rate(JSONResponse(self.profile))

    def routes(self) -> list[Route]:
        return [
            Route("/xrpc/com.atproto.server.createSession", self.create_session, methods=["POST"]),
            Route("/xrpc/app.bsky.feed.getAuthorFeed", self.author_feed),
            Route("/xrpc/app.bsky.feed.getPostThread", self.post_thread),
            Route("/xrpc/app.bsky.feed.getPosts", self.get_posts),
            Route("/xrpc/app.bsky.actor.getProfile", self.get_profile),
        ]


# X ------------------------------------------------------------------------------------------------

X_ID = "1512345678901234567"
X_USERS = {
    X_ID: {"id": X_ID, "name": "Kommunen", "username": "kommunen",
           "public_metrics": {"followers_count": 4210, "following_count": 87, "tweet_count": 1337, "listed_count": 41,
                              "like_count": 512}},
    "1400000000000000001": {"id": "1400000000000000001", "name": "Astrid Öberg", "username": "astrid_o"},
    "1400000000000000002": {"id": "1400000000000000002", "name": "Lars Åkesson", "username": "larsakesson"},
}


class XStandIn(_StandIn):
    """X API v2 for one account: its tweets (pagination_token), recent search by conversation, tweets lookup.

    Our own tweets (Swedish text) in the shapes API v2 answers with `tweet.fields`, `expansions`
    and `includes` (as recorded by tweepy's cassettes and twitter4j-v2's tests); times are hours
    before now, as recent search only reaches 7 days back.
    """

    name = "X stand-in"

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        now = datetime.now(UTC).replace(microsecond=0)

        def at(hours: float) -> str:
            return (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

        def tweet(tid: str, author: str, text: str, hours: float, conversation: str, *, replied_to: str | None = None,
                  to_user: str | None = None, metrics: tuple[int, int, int, int] = (0, 0, 0, 0),
                  media: list[str] | None = None, retweet: str | None = None) -> dict[str, Any]:
            t: dict[str, Any] = {"id": tid, "text": text, "created_at": at(hours), "author_id": author,
                                 "conversation_id": conversation, "edit_history_tweet_ids": [tid],
                                 "public_metrics": {"retweet_count": metrics[0], "reply_count": metrics[1],
                                                    "like_count": metrics[2], "quote_count": metrics[3],
                                                    "bookmark_count": 0, "impression_count": 40 * metrics[2]}}
            if replied_to:
                t["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
                t["in_reply_to_user_id"] = to_user
            if retweet:
                t["referenced_tweets"] = [{"type": "retweeted", "id": retweet}]
            if media:
                t["attachments"] = {"media_keys": media}
            return t

        self.tweets: list[dict[str, Any]] = [  # newest first, as the timeline answers
            tweet("1870000000000000005", X_ID, "RT @skolverket: Nya kursplaner från hösten", 2, "1870000000000000005",
                  retweet="1869999999999999999"),
            tweet("1870000000000000004", X_ID, "Snöröjningen är igång i hela kommunen ❄️ Prioriterade gång- och "
                  "cykelvägar först.", 5, "1870000000000000004", metrics=(3, 0, 17, 0)),
            tweet("1870000000000000003", X_ID, "@astrid_o Tack! Biblioteket har öppet till kl. 20 på torsdagar.",
                  20, "1870000000000000001", replied_to="1870000000000000002", to_user="1400000000000000001"),
            tweet("1870000000000000001", X_ID, "Välkommen till julmarknaden på torget på lördag 🎄 Öppet 10–16.", 30,
                  "1870000000000000001", metrics=(4, 3, 25, 1), media=["3_1870000000000000101"]),
        ]
        self.replies: list[dict[str, Any]] = [
            tweet("1870000000000000002", "1400000000000000001", "@kommunen Har biblioteket öppet på kvällen också?",
                  25, "1870000000000000001", replied_to="1870000000000000001", to_user=X_ID),
            tweet("1870000000000000006", "1400000000000000002", "@astrid_o @kommunen Ja, torsdagar är bäst 👍", 19,
                  "1870000000000000001", replied_to="1870000000000000003", to_user=X_ID),
        ]
        self.media = {"3_1870000000000000101": {"media_key": "3_1870000000000000101", "type": "photo",
                                                "url": f"{self.base}/cdn/media/GdJul2025torget.jpg",
                                                "width": 1200, "height": 800,
                                                "alt_text": "Julmarknaden på torget i snö"}}
        self.removed: set[str] = set()

    def edit(self, tid: str, text: str) -> None:
        """An edit: a new tweet id in the same chain (`edit_history_tweet_ids`, oldest first)."""
        for i, t in enumerate(self.tweets):
            if t["id"] == tid:
                new = copy.deepcopy(t)
                new["id"] = str(int(tid) + 50)
                new["text"] = text
                new["edit_history_tweet_ids"] = [tid, new["id"]]
                new["created_at"] = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                self.tweets[i] = new
                return
        raise KeyError(tid)

    def _check(self, request: Request) -> Response | None:
        self.requests.append(request.url.path)
        if self.throttle:  # X sends no Retry-After: the reset time, in epoch seconds
            self.throttle -= 1
            return JSONResponse({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                 "status": 429}, status_code=429,
                                headers={"x-rate-limit-limit": "1500", "x-rate-limit-remaining": "0",
                                         "x-rate-limit-reset": str(int(time.time()) + 1)})
        if self.fail:
            self.fail -= 1
            return JSONResponse({"title": "Service Unavailable", "type": "about:blank", "status": 503}, status_code=503)
        if self.expired or request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"title": "Unauthorized", "type": "about:blank", "status": 401,
                                 "detail": "Unauthorized"}, status_code=401)
        for key, wanted in (("expansions", "attachments.media_keys"), ("tweet.fields", "public_metrics")):
            if request.url.path != "/2/tweets" and wanted not in request.query_params.get(key, ""):
                return JSONResponse({"errors": [{"message": f"{key} lacks {wanted}"}],
                                     "title": "Invalid Request", "type": "https://api.twitter.com/2/problems/"
                                     "invalid-request"}, status_code=400)
        return None

    def _page(self, tweets: list[dict[str, Any]], token: str | None, token_name: str) -> Response:
        start = int(token or 0)
        chunk = tweets[start:start + self.per_page]
        authors = {t["author_id"] for t in chunk}
        keys = [k for t in chunk for k in t.get("attachments", {}).get("media_keys", [])]
        doc: dict[str, Any] = {}
        if chunk:
            doc["data"] = chunk
            doc["includes"] = {"users": [X_USERS[a] for a in sorted(authors)]}
            if keys:
                doc["includes"]["media"] = [self.media[k] for k in keys]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta["newest_id"], meta["oldest_id"] = chunk[0]["id"], chunk[-1]["id"]
        if start + self.per_page < len(tweets):
            meta["next_token"] = str(start + self.per_page)
        doc["meta"] = meta
        return JSONResponse(doc, headers={"x-rate-limit-limit": "1500", "x-rate-limit-remaining": "1490",
                                          "x-rate-limit-reset": str(int(time.time()) + 900)})

    async def user_tweets(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        assert request.path_params["id"] == X_ID
        visible = [t for t in self.tweets if t["id"] not in self.removed]
        return self._page(visible, request.query_params.get("pagination_token"), "pagination_token")

    async def search(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        query = request.query_params["query"]
        assert query.startswith("conversation_id:")
        conversation = query.split(":", 1)[1]
        found = [t for t in [*self.replies, *self.tweets] if t["conversation_id"] == conversation
                 and t["id"] != conversation and t["id"] not in self.removed]
        return self._page(found, request.query_params.get("next_token"), "next_token")

    async def lookup(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        if self.fail_lookups:
            self.fail_lookups -= 1
            return JSONResponse({"title": "Service Unavailable", "type": "about:blank", "status": 503},
                                status_code=503)
        known = {i: t for t in [*self.tweets, *self.replies] for i in t["edit_history_tweet_ids"]}
        doc: dict[str, Any] = {}
        for tid in request.query_params["ids"].split(","):
            if tid in known and tid not in self.removed:
                doc.setdefault("data", []).append({"id": tid, "text": known[tid]["text"],
                                                   "edit_history_tweet_ids": known[tid]["edit_history_tweet_ids"]})
            else:
                doc.setdefault("errors", []).append({
                    "value": tid, "detail": f"Could not find tweet with ids: [{tid}].", "title": "Not Found Error",
                    "resource_type": "tweet", "parameter": "ids", "resource_id": tid,
                    "type": "https://api.twitter.com/2/problems/resource-not-found"})
        return JSONResponse(doc)

    def routes(self) -> list[Route]:
        return [
            Route("/2/users/{id}/tweets", self.user_tweets),
            Route("/2/tweets/search/recent", self.search),
            Route("/2/tweets", self.lookup),
        ]
