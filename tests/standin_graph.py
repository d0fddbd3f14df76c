"""A local stand-in for the Graph API (a test fixture): real-shaped pages built from the Facebook samples.

It serves a Page's feed (posts with nested comments, paged with absolute `paging.next`
URLs as Graph gives them), a post's comment edge, Page Insights and single objects,
checks `Authorization: Bearer <token>` per page, and can be told to answer 429 with
`Retry-After`, a 500, or an expired token; an item removed answers code 100/33 as Graph
does. Run on a loopback port in a thread (uvicorn).
"""

from __future__ import annotations

import asyncio

import copy
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GRAPH = Path(__file__).parent / "fixtures" / "facebook" / "graph"
JPEG = Path(__file__).parent / "fixtures" / "facebook" / "export_old" / "posts" / "media" / "Tidslinjefoton_abc123" \
    / "431234567_122109876543210_n.jpg"
VERSION = "v23.0"


def sample_page(page: str) -> dict[str, Any]:
    """Posts from the sample `/posts` page and comments (with authors, attachments) from the sample comment page,
    moved onto `page`: the shapes as Graph gives them, the ids the page's."""
    posts = json.loads((GRAPH / "page_posts_fields_p1.json").read_text())["data"]
    comments = json.loads((GRAPH / "comments_toplevel_with_from_p1.json").read_text())["data"]
    out = []
    for i, p in enumerate(posts):
        post = dict(p, id=f"{page}_{p['id'].split('_')[1]}", from_={"id": page, "name": "Kulturhuset"})
        post["from"] = post.pop("from_")
        short = post["id"].split("_")[1]
        nested = []
        for j, c in enumerate(comments):
            c = copy.deepcopy(c)
            c["id"] = f"{short}_{9000 + 10 * i + j}"
            c["permalink_url"] = f"https://www.facebook.com/{page}/posts/{short}/?comment_id={9000 + 10 * i + j}"
            nested.append(c)
        post["comments"] = {"data": nested, "summary": {"total_count": len(nested), "order": "ranked"}}
        post["reactions"] = {"data": [], "summary": {"total_count": 3 + i}}
        out.append(post)
    return {"posts": out}


class Served:
    """A stand-in's Starlette app served by uvicorn on its loopback port, in a thread; stopped on exit."""

    port: int

    def serve(self, app: Starlette, name: str) -> Any:
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                     lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class GraphStandIn(Served):
    def __init__(self, pages: dict[str, str]) -> None:
        """`pages`: page id -> the token it accepts."""
        self.tokens = dict(pages)
        self.port = _free_port()
        self.feeds = {page: sample_page(page)["posts"] for page in pages}
        self.cdn: dict[str, tuple[bytes, str]] = {}  # name -> (bytes, content type) served at /cdn/<name>
        self.cdn_requests = 0
        self.cdn_flaky: dict[str, int] = {}  # name -> answer this many requests for it with 503 first
        self.cdn_hang: dict[str, float] = {}  # name -> seconds the CDN holds the request before answering
        self.on_cdn: Any = None  # called with the file's name as each CDN request comes in
        # The samples' pictures point at Facebook's CDN: served here instead (never the platform).
        for page in pages:
            for post in self.feeds[page]:
                for c in post.get("comments", {}).get("data", []):
                    image = c.get("attachment", {}).get("media", {}).get("image")
                    if image:
                        image["src"] = f"http://127.0.0.1:{self.port}/cdn/c{c['id']}.jpg?oh=00_AfA1"
                        self.cdn[f"c{c['id']}.jpg"] = (JPEG.read_bytes(), "image/jpeg")
        self.removed: set[str] = set()
        self.throttle = 0  # answer this many requests with 429 Retry-After: 1
        self.fail = 0  # answer this many requests with 500
        self.fail_lookups = 0  # answer this many single-object look-ups with 500
        self.expired: set[str] = set()  # pages whose token has expired
        self.requests: list[str] = []
        self.per_page = 2
        self.base = f"http://127.0.0.1:{self.port}/{VERSION}"
        self._server: uvicorn.Server | None = None

    # What the test changes between rounds -------------------------------------------------

    def edit(self, page: str, item_id: str, message: str) -> None:
        for obj in self._objects(page):
            if obj["id"] == item_id:
                obj["message"] = message
                return
        raise KeyError(item_id)

    def remove(self, page: str, item_id: str) -> None:
        self.removed.add(item_id)

    def comment_ids(self, page: str) -> list[str]:
        return [c["id"] for p in self.feeds[page] for c in p["comments"]["data"]]

    def _objects(self, page: str) -> list[dict[str, Any]]:
        out = []
        for p in self.feeds[page]:
            out.append(p)
            for c in p.get("comments", {}).get("data", []):
                out.append(c)
                for key in ("replies", "comments"):
                    out += c.get(key, {}).get("data", [])
        return out

    # The API --------------------------------------------------------------------------------

    def _auth(self, request: Request, page: str) -> Response | None:
        given = request.headers.get("authorization", "")
        if page in self.expired or given != f"Bearer {self.tokens.get(page)}":
            return JSONResponse({"error": {"message": "Error validating access token: Session has expired.",
                                           "type": "OAuthException", "code": 190, "error_subcode": 463,
                                           "fbtrace_id": "AbCdEf"}}, status_code=400)
        return None

    def _faults(self) -> Response | None:
        if self.throttle:
            self.throttle -= 1
            return JSONResponse({"error": {"message": "(#4) Application request limit reached", "type":
                                           "OAuthException", "code": 4, "is_transient": True}},
                                status_code=429, headers={"Retry-After": "1"})
        if self.fail:
            self.fail -= 1
            return JSONResponse({"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                           "code": 1, "is_transient": True}}, status_code=500)
        return None

    def _usage(self, response: Response) -> Response:
        response.headers["X-App-Usage"] = json.dumps({"call_count": 12, "total_cputime": 3, "total_time": 5})
        return response

    async def feed(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        page = request.path_params["page"]
        if (r := self._faults()) or (r := self._auth(request, page)):
            return r
        posts = [self._visible(p) for p in self.feeds[page] if p["id"] not in self.removed]
        after = int(request.query_params.get("after", "0"))
        chunk = posts[after:after + self.per_page]
        doc: dict[str, Any] = {"data": chunk, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"},
                                                         "previous": f"{self.base}/{page}/feed?before={after}"}}
        if after + self.per_page < len(posts):
            # As Graph does: the next page's URL carries the access token it was asked with.
            doc["paging"]["next"] = (f"{self.base}/{page}/feed?access_token={self.tokens.get(page)}"
                                     f"&after={after + self.per_page}")
        return self._usage(JSONResponse(doc))

    def _visible(self, post: dict[str, Any]) -> dict[str, Any]:
        post = copy.deepcopy(post)
        data = [c for c in post["comments"]["data"] if c["id"] not in self.removed]
        post["comments"] = {"data": data, "summary": {"total_count": len(data), "order": "ranked"}}
        return post

    async def cdn_file(self, request: Request) -> Response:
        """The CDN: no token needed (and none must be sent)."""
        self.cdn_requests += 1
        assert "authorization" not in request.headers
        name = request.path_params["name"]
        self.requests.append(f"/cdn/{name}")
        if self.on_cdn is not None:
            self.on_cdn(name)
        if self.cdn_flaky.get(name):
            self.cdn_flaky[name] -= 1
            return Response(b"slow down", status_code=503)
        if name in self.cdn_hang:
            await asyncio.sleep(self.cdn_hang[name])
        if name not in self.cdn:
            return Response(b"not found", status_code=404)
        body, ctype = self.cdn[name]
        return Response(body, media_type=ctype)

    def attach(self, page: str, post_index: int, name: str) -> str:
        """Give a post a photo attachment served by the stand-in's CDN (as Graph's attachments{media} does)."""
        url = f"http://127.0.0.1:{self.port}/cdn/{name}?_nc_cat=1&oh=00_AfA1"
        self.feeds[page][post_index]["attachments"] = {"data": [{"media": {"image": {"src": url, "height": 720,
                                                                           "width": 720}},
                                                                 "media_type": "photo", "type": "photo"}]}
        return url

    async def insights(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        page = request.path_params["page"]
        if (r := self._faults()) or (r := self._auth(request, page)):
            return r
        doc = {"data": [{"name": "page_media_view", "period": "day", "values": [
            {"value": 412, "end_time": "2026-12-02T08:00:00+0000"},
            {"value": 388, "end_time": "2026-12-03T08:00:00+0000"}],
            "title": "Daily Media Views", "description": "Daily: media views",
            "id": f"{page}/insights/page_media_view/day"}],
            "paging": {"previous": f"{self.base}/{page}/insights?since=1",
                       "next": f"{self.base}/{page}/insights?until=2"}}
        return self._usage(JSONResponse(doc))

    async def node(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        node = request.path_params["node"]
        page = next((p for p in self.feeds if node.startswith(p) or any(
            o["id"] == node for o in self._objects(p))), None)
        if page is None:
            page = next(iter(self.feeds))
        if (r := self._faults()) or (r := self._auth(request, page)):
            return r
        if self.fail_lookups:
            self.fail_lookups -= 1
            return JSONResponse({"error": {"message": "An unexpected error has occurred.", "code": 2,
                                           "type": "OAuthException"}}, status_code=500)
        if node in self.removed or not any(o["id"] == node for o in self._objects(page)):
            return JSONResponse({"error": {"message": f"Unsupported get request. Object with ID '{node}' does not "
                                           "exist, cannot be loaded due to missing permissions, or does not support "
                                           "this operation.", "type": "GraphMethodException", "code": 100,
                                           "error_subcode": 33, "fbtrace_id": "AxYz"}}, status_code=400)
        return self._usage(JSONResponse({"id": node}))

    # Running --------------------------------------------------------------------------------

    def __enter__(self) -> GraphStandIn:
        app = Starlette(routes=[
            Route(f"/{VERSION}/{{page}}/feed", self.feed),
            Route(f"/{VERSION}/{{page}}/media", self.feed),
            Route(f"/{VERSION}/{{page}}/insights", self.insights),
            Route(f"/{VERSION}/{{node}}", self.node),
            Route("/cdn/{name}", self.cdn_file),
        ])
        return self.serve(app, "the Graph stand-in")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


IG = Path(__file__).parent / "fixtures" / "instagram" / "sv"


class InstagramStandIn(GraphStandIn):
    """The same stand-in serving an Instagram account's `/media` (with nested comments and replies) and Insights."""

    def __init__(self, accounts: dict[str, str]) -> None:
        super().__init__(accounts)
        media = json.loads((IG / "user_media_p1.json").read_text())["data"]
        comments = json.loads((IG / "media_comments_p1.json").read_text())["data"]
        for account in accounts:
            items = copy.deepcopy(media)
            for m in items:
                m["comments"] = {"data": copy.deepcopy(comments) if m is items[0] else []}
                for obj in [m, *m.get("children", {}).get("data", [])]:
                    for key in ("media_url", "thumbnail_url"):
                        if key in obj:  # Instagram's CDN in the samples: served here instead
                            video = key == "media_url" and obj.get("media_type") == "VIDEO"
                            name = f"{obj['id']}-{key}.{'mp4' if video else 'jpg'}"
                            obj[key] = f"http://127.0.0.1:{self.port}/cdn/{name}?oh=00_AfA1"
                            self.cdn[name] = (JPEG.read_bytes(), "video/mp4" if video else "image/jpeg")
            self.feeds[account] = items

    def comment_ids(self, page: str) -> list[str]:
        return [c["id"] for p in self.feeds[page] for c in p["comments"]["data"]]

    async def insights(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        page = request.path_params["page"]
        if (r := self._faults()) or (r := self._auth(request, page)):
            return r
        doc = json.loads((IG / "account_insights_day.json").read_text())
        return self._usage(JSONResponse(doc))


LI = Path(__file__).parent / "fixtures" / "linkedin" / "sv"


class LinkedInStandIn(Served):
    """LinkedIn's REST API for one organisation: posts (paged with host-relative links), comments, statistics."""

    def __init__(self, org: str, token: str) -> None:
        self.org, self.token = org, token
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/rest"
        self.posts = json.loads((LI / "posts_p1.json").read_text())["elements"]
        # The sample comment's picture is on LinkedIn's CDN: served here instead (never the platform).
        self.comments = json.loads((LI / "comments_share_p1.json").read_text().replace(
            "https://media.licdn.com/dms/image/", f"http://127.0.0.1:{self.port}/cdn/"))
        self.removed: set[str] = set()
        self.throttle = 0
        self.expired = False
        self.per_page = 2
        self.requests: list[str] = []

    def _check(self, request: Request) -> Response | None:
        self.requests.append(request.url.path)
        assert request.headers.get("x-restli-protocol-version") == "2.0.0"
        if self.throttle:
            self.throttle -= 1
            return JSONResponse({"status": 429, "message": "Resource level throttle limit reached"},
                                status_code=429, headers={"Retry-After": "1"})
        if self.expired or request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN",
                                 "message": "The token used in the request has been revoked by the user"},
                                status_code=401)
        return None

    async def posts_page(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        start = int(request.query_params.get("start", "0"))
        posts = [p for p in self.posts if p["id"] not in self.removed]
        links = []
        if start + self.per_page < len(posts):
            links.append({"type": "application/json", "rel": "next", "href":
                          f"/rest/posts?author=urn%3Ali%3Aorganization%3A{self.org}&count={self.per_page}"
                          f"&q=author&start={start + self.per_page}"})
        return JSONResponse({"paging": {"start": start, "count": self.per_page, "total": len(posts), "links": links},
                             "elements": posts[start:start + self.per_page]})

    async def comments_page(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        target = request.path_params["target"]
        if target == self.posts[0]["id"] and "start" not in request.query_params:
            doc = copy.deepcopy(self.comments)
            doc["elements"] = [c for c in doc["elements"] if c["commentUrn"] not in self.removed]
            return JSONResponse(doc)
        return JSONResponse({"paging": {"start": 0, "count": 10, "links": []}, "elements": []})

    async def one(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        path = request.url.path
        known = {p["id"] for p in self.posts} | {c["commentUrn"] for c in self.comments["elements"]}
        if "/comments/" in path:
            target, cid = request.path_params["target"], request.path_params["cid"]
            urn = f"urn:li:comment:({target},{cid})"
        else:
            urn = request.path_params["urn"]
        if urn in self.removed or urn not in known:
            return JSONResponse({"status": 404, "code": "NOT_FOUND", "message": "Not Found"}, status_code=404)
        return JSONResponse({"id": urn})

    async def cdn(self, request: Request) -> Response:
        assert "authorization" not in request.headers
        return Response(JPEG.read_bytes(), media_type="image/jpeg")

    async def statistics(self, request: Request) -> Response:
        if r := self._check(request):
            return r
        return JSONResponse(json.loads((LI / "share_statistics_daily.json").read_text()))

    def __enter__(self) -> LinkedInStandIn:
        app = Starlette(routes=[
            Route("/rest/posts", self.posts_page),
            Route("/rest/posts/{urn}", self.one),
            Route("/rest/socialActions/{target}/comments", self.comments_page),
            Route("/rest/socialActions/{target}/comments/{cid}", self.one),
            Route("/rest/organizationalEntityShareStatistics", self.statistics),
            Route("/cdn/{path:path}", self.cdn),
        ])
        return self.serve(app, "the LinkedIn stand-in")
