"""The web view as an ASGI application (Starlette, Jinja2 templates rendered on the server, no JavaScript).

Sign-in is against the ledger home's password file (`app/signin.py`); the session is
a signed cookie (HttpOnly, SameSite=Strict, Secure unless told otherwise for plain
HTTP on loopback) holding the user name, when they signed in and when they were last
seen: a session idle longer than `idle` or older than `lifetime` is over. Every form
carries the session's CSRF token and every POST is refused (403) without it, or when
its Origin names another site. Each page calls the application API as the signed-in
user, so the role checks of `app/` apply: a refusal is shown as a 403 page naming the
rule. Pages that show personal data record the view (`AccessRecord`) through the API.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from socialledger.app import Ledger
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation, SocialLedgerError

HERE = Path(__file__).resolve().parent
KINDS = ("post", "comment", "reply", "visitor_post")


class WebView:
    """One ledger served to many browsers: the ledger's API behind a lock (one SQLite connection set)."""

    def __init__(self, ledger: Ledger, *, idle: float = 1800, lifetime: float = 8 * 3600) -> None:
        self.ledger = ledger
        self.idle, self.lifetime = idle, lifetime
        self.lock = threading.RLock()
        self.env = Environment(loader=PackageLoader("socialledger.web", "templates"),
                               autoescape=select_autoescape(["html"]))
        self.env.filters["when"] = self._when
        self.env.filters["short"] = lambda v: str(v)[:8] if v else ""
        self.zone: ZoneInfo = ledger.policy().zone
        self.releases = Path(ledger.home) / "releases"

    def _when(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, (int, float)):
            value = datetime.fromtimestamp(value, UTC)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return str(value)

    @contextmanager
    def api(self) -> Iterator[Ledger]:
        with self.lock:
            yield self.ledger

    # Sessions and forms ------------------------------------------------------------------------------------------

    def user(self, request: Request) -> str | None:
        """The signed-in user, or None when no session is alive (an idle or too old one is ended here)."""
        s = request.session
        name = s.get("user")
        if not name:
            return None
        now = time.time()
        if now - s.get("since", 0) > self.lifetime or now - s.get("seen", 0) > self.idle:
            s.clear()
            s["expired"] = True
            return None
        s["seen"] = now
        return str(name)

    @staticmethod
    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return str(token)

    async def form(self, request: Request) -> dict[str, str] | Response:
        """The posted form, or a 403 response when its CSRF token or its origin is not this session's."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            expected = f"{request.url.scheme}://{request.url.netloc}"
            if origin != expected:
                return self.page(request, "error.html", {"title": "Refused", "message":
                                 "The form was posted from another site."}, status=403)
        form = await request.form()
        given = str(form.get("csrf", ""))
        token = request.session.get("csrf", "")
        if not token or not hmac.compare_digest(given, token):
            return self.page(request, "error.html", {"title": "Refused", "message":
                             "The form's security token is missing or out of date: reload the page and try "
                             "again. / Formulärets säkerhetsnyckel saknas eller är för gammal."}, status=403)
        return {k: str(v) for k, v in form.items()}

    def page(self, request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        user = request.session.get("user")
        archive = False
        if user:
            with self.api() as api:  # the menu offers the archive page to those whose role may read it
                archive = api.may_read_archive_status(Actor.current(str(user)))
        body = self.env.get_template(template).render(
            request=request, user=user, csrf=self.csrf(request), menu_archive=archive, **context)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def refused(self, request: Request, error: SocialLedgerError) -> HTMLResponse:
        status = 403 if isinstance(error, RuleViolation) else 404 if isinstance(error, NotFound) else 400
        title = {403: "Not allowed / Inte tillåtet", 404: "Not found / Hittades inte"}.get(status, "Cannot do that")
        return self.page(request, "error.html", {"title": title, "message": error.line()}, status=status)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _signed_in(handler: Callable[[WebView, Request, Actor], Any]) -> Callable[[Request], Any]:
    """A page for a signed-in user: others go to the sign-in page; the app's refusals become error pages."""

    async def endpoint(request: Request) -> Response:
        view: WebView = request.app.state.view
        name = view.user(request)
        if name is None:
            return RedirectResponse("/login?next=" + request.url.path, status_code=303)
        actor = Actor.current(name)
        try:
            return await handler(view, request, actor)
        except SocialLedgerError as e:
            return view.refused(request, e)

    return endpoint


# Sign-in ---------------------------------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    view: WebView = request.app.state.view
    expired = request.session.pop("expired", False)
    return view.page(request, "login.html", {"title": "Sign in / Logga in", "expired": expired,
                                             "next": _local(request.query_params.get("next", "/"))})


async def login(request: Request) -> Response:
    view: WebView = request.app.state.view
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    name, password = form.get("user", "").strip(), form.get("password", "")
    with view.api() as api:
        actor = api.sign_in(name, password)
    if actor is None:
        return view.page(request, "login.html", {"title": "Sign in / Logga in", "failed": True,
                                                 "next": _local(form.get("next", "/"))}, status=401)
    request.session.clear()  # a new session: nothing of the one before sign-in carries over
    now = time.time()
    request.session.update({"user": actor.name, "since": now, "seen": now, "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse(_local(form.get("next", "/")), status_code=303)


async def logout(request: Request) -> Response:
    view: WebView = request.app.state.view
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _local(target: str) -> str:
    """Only a path of this site to go on to after sign-in (never another site's URL)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


# Pages -----------------------------------------------------------------------------------------------------------


async def dashboard(view: WebView, request: Request, actor: Actor) -> Response:
    period = request.query_params.get("period") or _this_month(view.zone)
    sections: dict[str, Any] = {}
    refusals: dict[str, str] = {}
    with view.api() as api:
        for name, call in (("register", lambda: api.list_accounts(actor)),
                           ("sla", lambda: api.sla_report(actor, period)),
                           ("open", lambda: api.sla_status(actor, None, None, None, ("open", "breached")).rows),
                           ("cadence", lambda: api.cadence_report(actor, period)),
                           ("stats", lambda: api.stats(actor, period)),
                           ("archive", lambda: api.archive_status(actor))):
            try:
                sections[name] = call()
            except RuleViolation as e:
                refusals[name] = e.line()
        # The open items carry their authors' names and words: the view is recorded.
        api.record_view(actor, "overview", [UUID(r["item"]) for r in sections.get("open", [])],
                        {"period": period}, "web")
    names = {a["id"]: a["name"] for a in sections.get("register", [])}
    return view.page(request, "dashboard.html", {"title": "Overview / Översikt", "period": period,
                                                 "s": sections, "refusals": refusals, "names": names})


def _this_month(zone: ZoneInfo) -> str:
    return datetime.now(UTC).astimezone(zone).strftime("%Y-%m")


async def archive(view: WebView, request: Request, actor: Actor) -> Response:
    """The archivist's page: per account and half-year what is due and delivered, the packages, what is overdue;
    `?verify=PACKAGE` checks one package offline."""
    chosen = request.query_params.get("verify") or None
    with view.api() as api:
        overview = api.archive_overview(actor, verify_package=chosen, via="web")
    return view.page(request, "archive.html", {"title": "Archive / Arkivering", "o": overview})


async def search(view: WebView, request: Request, actor: Actor) -> Response:
    q = request.query_params
    query = q.get("q", "").strip()
    filters = {k: (q.get(k) or None) for k in ("account", "channel", "kind", "period", "author", "state")}
    found = None
    with view.api() as api:
        accounts = api.list_accounts(actor)
        if query:
            found = api.search(actor, query, via="web", **filters)
    return view.page(request, "search.html", {"title": "Search / Sök", "query": query, "filters": filters,
                                              "found": found, "accounts": accounts, "kinds": KINDS})


async def thread(view: WebView, request: Request, actor: Actor) -> Response:
    with view.api() as api:
        found = api.thread(actor, request.path_params["item"], via="web")
        requests = _open_requests(api, actor)
    return view.page(request, "thread.html", {"title": "Thread / Tråd", "t": found, "requests": requests})


def _open_requests(api: Ledger, actor: Actor) -> list[dict[str, Any]]:
    try:
        return api.requests(actor)
    except RuleViolation:
        return []  # not a records officer: the page shows no "add to request" form


async def requests_page(view: WebView, request: Request, actor: Actor) -> Response:
    with view.api() as api:
        rows = api.requests(actor)
    return view.page(request, "requests.html", {"title": "Records requests / Utlämnanden", "rows": rows,
                                                "today": date.today().isoformat()})


async def request_open(view: WebView, request: Request, actor: Actor) -> Response:
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    try:
        received = date.fromisoformat(form.get("received", ""))
    except ValueError:
        raise BadInput("the date received is YYYY-MM-DD") from None
    with view.api() as api:
        rid = api.open_request(actor, form.get("requester", ""), received, form.get("subject", ""))
    return RedirectResponse(f"/requests/{rid}", status_code=303)


async def request_page(view: WebView, request: Request, actor: Actor) -> Response:
    rid = request.path_params["rid"]
    with view.api() as api:
        detail = api.request_detail(actor, rid, via="web")
    folder = view.releases / str(UUID(detail["id"]))
    releases = sorted((p.name for p in folder.iterdir() if p.is_dir()), reverse=True) if folder.is_dir() else []
    return view.page(request, "request.html", {"title": "Records request / Begäran", "r": detail,
                                               "releases": releases})


async def request_add(view: WebView, request: Request, actor: Actor) -> Response:
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    rid = request.path_params["rid"]
    with view.api() as api:
        api.add_to_request(actor, rid, [form.get("item", "")])
    return RedirectResponse(f"/requests/{rid}", status_code=303)


async def request_decide(view: WebView, request: Request, actor: Actor) -> Response:
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    rid = request.path_params["rid"]
    decision = form.get("decision", "")
    spans = [s for s in form.get("mask", "").split("\n") if s.strip()]
    author, media = form.get("mask_author") == "on", form.get("mask_media") == "on"
    if decision == "mask" and not (spans or author or media):
        raise BadInput("a mask covers a span of text, the author or the media: name at least one")
    with view.api() as api:
        api.decide_on_item(actor, rid, form.get("item", ""), decision, spans=spans if decision == "mask" else [],
                           author=author and decision == "mask", media=media and decision == "mask",
                           ground=form.get("ground") or None, note=form.get("note") or None)
    return RedirectResponse(f"/requests/{rid}", status_code=303)


async def request_release(view: WebView, request: Request, actor: Actor) -> Response:
    form = await view.form(request)
    if isinstance(form, Response):
        return form
    rid = request.path_params["rid"]
    with view.api() as api:
        full = api.request_detail(actor, rid, via="web")["id"]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        api.release_request(actor, full, view.releases / full / stamp)
    return RedirectResponse(f"/requests/{full}", status_code=303)


async def release_file(view: WebView, request: Request, actor: Actor) -> Response:
    rid, stamp, name = (request.path_params[k] for k in ("rid", "stamp", "name"))
    with view.api() as api:
        full = api.request_detail(actor, rid, via="web")["id"]  # the records officer's role, checked by the app
    if name not in ("release.pdf", "release.json") or not stamp.replace("T", "").replace("Z", "").isdigit():
        raise NotFound("no such file of a release")
    path = view.releases / full / stamp / name
    if not path.is_file():
        raise NotFound("no such release")
    return FileResponse(path, media_type="application/pdf" if name.endswith(".pdf") else "application/json",
                        filename=name, headers={"Cache-Control": "no-store"})


async def not_found(request: Request, exc: Exception) -> Response:
    view: WebView = request.app.state.view
    return view.page(request, "error.html", {"title": "Not found / Hittades inte", "message": request.url.path},
                     status=404)


def create_app(ledger: Ledger, *, secret: str | None = None, idle: float = 1800, lifetime: float = 8 * 3600,
               secure_cookies: bool = True) -> Starlette:
    """The web view of `ledger`. `secure_cookies=False` only for plain HTTP that is not loopback (docs/web.md)."""
    view = WebView(ledger, idle=idle, lifetime=lifetime)
    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", _signed_in(dashboard)),
        Route("/search", _signed_in(search)),
        Route("/archive", _signed_in(archive)),
        Route("/items/{item}", _signed_in(thread)),
        Route("/requests", _signed_in(requests_page), methods=["GET"]),
        Route("/requests", _signed_in(request_open), methods=["POST"]),
        Route("/requests/{rid}", _signed_in(request_page)),
        Route("/requests/{rid}/add", _signed_in(request_add), methods=["POST"]),
        Route("/requests/{rid}/decide", _signed_in(request_decide), methods=["POST"]),
        Route("/requests/{rid}/release", _signed_in(request_release), methods=["POST"]),
        Route("/requests/{rid}/releases/{stamp}/{name}", _signed_in(release_file)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=secret or secrets.token_urlsafe(48),
                             session_cookie="socialledger_session", max_age=int(lifetime), same_site="strict",
                             https_only=secure_cookies)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    app.state.view = view
    return app
