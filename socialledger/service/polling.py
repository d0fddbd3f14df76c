"""Polling: per linked account, fetch through its channel (`Channel.poll`), ingest, keep the cursor, reconcile.

The core owns what is the same on every platform: the HTTP client (httpx), the
account's token (from the secrets, sent as `Authorization: Bearer`, never in a
log or the ledger), the API base URL (the channel's, or `api_base` in the
secrets / `SOCIALLEDGER_<CHANNEL>_API_BASE`), back-off on HTTP 429 (`Retry-After`)
and on Meta's throttling codes (4, 17, 32, 613, 80000-80008), slowing down when
`X-App-Usage` / `X-Business-Use-Case-Usage` near their limit, waiting for the reset
when the remaining calls of `X-RateLimit-*` (Mastodon), `RateLimit-*` (Bluesky) or
`X-Rate-Limit-*` (X) reach 0, retries on 5xx,
and a token the platform refuses reported as one line for that account while the
others go on. Cursors live in `<home>/service/cursors.json`.

Reconcile: an item the ledger holds for the account, created inside the window the
poll saw in full, that the poll did not return, is looked up (`Channel.look_up`); a
removal is recorded if the platform says it is gone (content kept); any other
answer records nothing and the next round looks again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from socialledger.app import Ledger
from socialledger.core.capture.channels import ApiError, Channel, Throttled, TokenRejected
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation, SocialLedgerError
from socialledger.core.domain.workflow import State
from socialledger.core.plugins import plugin_manager
from socialledger.service.media import ROUND_BUDGET, MediaDownloads, media_of
from socialledger.service.secrets import Secrets

log = logging.getLogger("socialledger.service")

#: Meta's error codes that mean "throttled" (platform-formats.md, Live capture).
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80009)})
#: Meta's code for an expired, revoked or otherwise invalid access token.
TOKEN_CODES = frozenset({190, 102})
#: Usage (percent) from which the client slows down.
SLOW_DOWN_AT = 85.0
#: XRPC error names (Bluesky) that mean the access token or password is refused.
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing",
                          "AccountTakedown"})
#: The remaining-calls and reset headers of the platforms that send them: Mastodon, Bluesky, X.
RATE_HEADERS = (("x-ratelimit-remaining", "x-ratelimit-reset"), ("ratelimit-remaining", "ratelimit-reset"),
                ("x-rate-limit-remaining", "x-rate-limit-reset"))


class PollFailed(SocialLedgerError):
    """An account's poll the platform refused (its token) or that failed: one line, exit 3."""

    exit_code = 3


class HttpApiClient:
    """`socialledger.channels.ApiClient` over httpx, for one account: its token, back-off and retries."""

    def __init__(self, base: str, token: str | None, *, http: httpx.Client | None = None, retries: int = 4,
                 max_wait: float = 300.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.base = base.rstrip("/")
        self._token = token
        self.http = http or httpx.Client(timeout=httpx.Timeout(30.0), follow_redirects=False)
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.calls = 0
        self.waited = 0.0
        self.last_usage = 0.0

    def __repr__(self) -> str:
        return f"HttpApiClient({self.base})"

    def get(self, path: str, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> Any:
        return self.get_page(path, params, headers)[1]

    def authorize(self, token: str) -> None:
        """Send `token` from now on (a session a channel opened: `Channel.open_session`)."""
        self._token = token

    def get_page(self, path: str, params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None) -> tuple[bytes, Any]:
        body, doc, _headers = self.get_answer(path, params, headers)
        return body, doc

    def post(self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Any:
        """POST JSON without the account's token (a login: `Channel.open_session`), retried and backed off as a GET."""
        return self._call("POST", path, None, headers, json_body=body, token=False)[1]

    def get_answer(self, path: str, params: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None) -> tuple[bytes, Any, Mapping[str, str]]:
        return self._call("GET", path, params, headers)

    def _call(self, method: str, path: str, params: Mapping[str, str] | None, headers: Mapping[str, str] | None,
              *, json_body: Mapping[str, Any] | None = None,
              token: bool = True) -> tuple[bytes, Any, Mapping[str, str]]:
        if path.startswith(("http://", "https://")):
            url = path
        elif path.startswith("/"):
            url = urljoin(self.base, path)  # from the host (LinkedIn's paging links)
        else:
            url = f"{self.base}/{path}"
        sent = dict(headers or {})
        if token and self._token:
            if not (self._token.isascii() and self._token.isprintable()) or " " in self._token:
                raise TokenRejected(0, "the access token in the secrets holds characters no HTTP header carries "
                                       "(a space, a line break, a letter outside ASCII): put the token as issued")
            sent["Authorization"] = f"Bearer {self._token}"
        attempt = 0
        while True:
            self.calls += 1
            try:
                r = self.http.request(method, url, params=params, headers=sent, json=json_body)
            except httpx.HTTPError as e:
                if attempt >= self.retries:
                    raise ApiError(0, f"the API did not answer: {type(e).__name__}") from None
                self._wait(2.0 ** attempt, "no answer")
                attempt += 1
                continue
            doc = _json(r.content)
            err = doc.get("error") if isinstance(doc, dict) else None
            code = _int(err.get("code")) if isinstance(err, dict) else None
            subcode = _int(err.get("error_subcode")) if isinstance(err, dict) else None
            message = str(err.get("message") or "") if isinstance(err, dict) else ""
            if isinstance(err, str):  # XRPC (Bluesky) and Mastodon: {"error": "Name", "message": "..."}
                message = str(doc.get("message") or doc.get("error_description") or err)
            self._usage(r.headers)
            if r.status_code == 429 or code in THROTTLE_CODES:
                if attempt >= self.retries:
                    raise Throttled(r.status_code, f"throttled (HTTP {r.status_code}, code {code})", code=code,
                                    subcode=subcode, body=doc)
                self._wait(_retry_after(r.headers) or self._until_reset(r.headers)
                           or min(60.0, 2.0 ** (attempt + 1)), "throttled")
                attempt += 1
                continue
            if r.status_code == 401 or code in TOKEN_CODES or (isinstance(err, str) and err in TOKEN_ERRORS):
                raise TokenRejected(r.status_code, _token_line(code, subcode, r.status_code, err),
                                    code=code, subcode=subcode, body=doc)
            if r.status_code >= 500:
                if attempt >= self.retries:
                    raise ApiError(r.status_code, f"HTTP {r.status_code} from the API", code=code, body=doc)
                self._wait(2.0 ** attempt, f"HTTP {r.status_code}")
                attempt += 1
                continue
            if r.status_code >= 400 or err is not None:
                raise ApiError(r.status_code, message or f"HTTP {r.status_code}", code=code, subcode=subcode, body=doc)
            if doc is _NOT_JSON:
                raise ApiError(r.status_code, "the API answered something that is not JSON")
            self._remaining(r.headers)
            return r.content, doc, {k.lower(): v for k, v in r.headers.items()}

    def _until_reset(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the rate limit's reset (`X-RateLimit-Reset`: an ISO time on Mastodon; epoch seconds
        on Bluesky and X), or None when no header says."""
        for _remaining, reset in RATE_HEADERS:
            v = headers.get(reset)
            if not v:
                continue
            v = v.strip()
            if v.isdigit():
                n = float(v)
                return max(1.0, n - self.clock()) if n > 10**9 else max(1.0, n)  # epoch, or seconds from now
            try:
                when = datetime.fromisoformat(v)
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(1.0, when.timestamp() - self.clock())
        return None

    def _remaining(self, headers: Mapping[str, str]) -> None:
        """No calls left until the reset: wait for it before the next call."""
        for remaining, _reset in RATE_HEADERS:
            v = headers.get(remaining)
            if v is not None and v.strip().isdigit():
                if int(v.strip()) == 0:
                    self._wait(self._until_reset(headers) or 60.0, "no calls left until the rate limit resets")
                return

    def _usage(self, headers: Mapping[str, str]) -> None:
        """Slow down as Meta's usage headers near the limit (the largest percentage of any of them)."""
        worst = 0.0
        regain = 0.0
        for name in ("x-app-usage", "x-business-use-case-usage", "x-page-usage", "x-ad-account-usage"):
            v = headers.get(name)
            if not v:
                continue
            doc = _json(v.encode())
            for entry in _usage_entries(doc):
                for key in ("call_count", "total_cputime", "total_time"):
                    n = entry.get(key)
                    if isinstance(n, (int, float)):
                        worst = max(worst, float(n))
                t = entry.get("estimated_time_to_regain_access")
                if isinstance(t, (int, float)):
                    regain = max(regain, float(t) * 60)
        self.last_usage = worst
        if worst >= 100 and regain:
            self._wait(regain, "usage at its limit")
        elif worst >= SLOW_DOWN_AT:
            self._wait(min(30.0, 1.0 + (worst - SLOW_DOWN_AT)), f"usage at {worst:.0f} %")

    def _wait(self, seconds: float, why: str) -> None:
        seconds = min(seconds, self.max_wait)
        self.waited += seconds
        log.info("API %s: waiting %.1f s (%s)", self.base, seconds, why)
        self.sleep(seconds)

    def close(self) -> None:
        self.http.close()


_NOT_JSON: Any = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _usage_entries(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and any(k in doc for k in ("call_count", "total_cputime", "total_time")):
        return [doc]
    out = []
    if isinstance(doc, dict):
        for v in doc.values():
            if isinstance(v, list):
                out += [e for e in v if isinstance(e, dict)]
    return out


def _retry_after(headers: Mapping[str, str]) -> float | None:
    v = headers.get("retry-after")
    if v and v.strip().isdigit():
        return float(v.strip())
    return None


def _token_line(code: int | None, subcode: int | None, status: int = 0, error: Any = None) -> str:
    if code is None:
        named = f": {error}" if isinstance(error, str) and error.isidentifier() else ""
        return f"the platform says the access token is refused (HTTP {status}{named}); " \
               "issue a new token (or app password) and put it in the secrets"
    what = {463: "expired", 467: "invalid", 460: "invalidated by a password change", 458: "revoked (app removed)",
            492: "invalid for the page (session)"}.get(subcode or 0, "refused")
    return f"the platform says the access token is {what} (code {code}{f'/{subcode}' if subcode else ''}); " \
           "issue a new token and put it in the secrets"


class Cursors:
    """The cursor per account (`<home>/service/cursors.json`), replaced atomically."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "service" / "cursors.json"
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            self.doc: dict[str, str] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            self.doc = {}

    def get(self, account: str) -> str | None:
        return self.doc.get(account)

    def set(self, account: str, cursor: str | None) -> None:
        if cursor is None:
            return
        self.doc[account] = cursor
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.doc))
        os.replace(tmp, self.path)


class Poller:
    """One round over every linked account whose channel polls (or the one named)."""

    def __init__(self, ledger: Ledger, actor: Actor, state: Any = None, *, secrets: Secrets | None = None,
                 sleep: Callable[[float], None] = time.sleep, echo: Callable[[str], None] | None = None,
                 media_budget: float = ROUND_BUDGET) -> None:
        self.ledger = ledger
        self.media_budget = media_budget
        self.actor = actor
        self.state = state
        self.secrets = secrets or Secrets.load()
        self.sleep = sleep
        self.echo = echo or (lambda line: None)
        self.cursors = Cursors(ledger.home)

    def round(self, only: str | None = None) -> int:
        """Poll each account; returns the number that failed (each reported in one line)."""
        channels = plugin_manager().channels
        failed = 0
        accounts = [a for a in self.ledger.store.accounts()
                    if a.platform_id and a.state in (State.ACTIVE, State.CLOSING)]
        if only is not None:
            target = self.ledger.ids.account(only)
            accounts = [a for a in accounts if a.id == target.id]
            if not accounts:
                raise RuleViolation("R6", f"account {target.id} ({target.name}) is {target.state.value}: only a "
                                          "linked, active account is polled")
        for account in accounts:
            channel = channels.get(account.channel)
            if channel.api_base is None and type(channel).poll is Channel.poll:
                if only is not None:
                    raise BadInput(f"the {channel.title or channel.name} channel does not poll its platform's API")
                continue
            line = self._account(channel, str(account.id), account.platform_id or "")
            if line is not None:
                failed += 1
                self.echo(f"account {account.id}: {line}")
        if self.state is not None:
            self.state.save()
        return failed

    def _account(self, channel: Channel, account: str, platform_id: str) -> str | None:
        token = self.secrets.token(channel.name, platform_id)
        password = self.secrets.password(channel.name, platform_id) if token is None else None
        if token is None and password is None:
            return self._failed(account, f"no access token for {channel.name}:{platform_id} in the secrets "
                                         f"(SOCIALLEDGER_{channel.name.upper()}_TOKEN_{platform_id})")
        base = self.secrets.api_base(channel.name, channel.poll_base(platform_id), platform_id)
        if not base:
            return self._failed(account, f"no API base URL for {channel.name}")
        if token is None and type(channel).open_session is Channel.open_session:
            return self._failed(account, f"the {channel.name} channel opens no session with a password: put an "
                                         f"access token in the secrets (SOCIALLEDGER_{channel.name.upper()}_TOKEN_"
                                         f"{platform_id})")
        client = HttpApiClient(base, token, sleep=self.sleep)
        work = self.ledger.home / "service" / f"poll-{account}"
        try:
            if token is None and password is not None:  # an app password: a session for this round
                client.authorize(channel.open_session(client, platform_id, password))
            result = channel.poll(client, platform_id, self.cursors.get(account))
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(mode=0o700, parents=True)
            for page in result.pages:
                (work / page.name).write_bytes(page.body)
            downloads = MediaDownloads(self.ledger.home, identity=channel.media_identity)
            try:
                named = media_of(channel, work) if result.pages else {}
                got = downloads.fetch_all(named, work, items=named, budget=self.media_budget) if named else {}
                # A page read before unchanged is passed over, unless media came this round: the items it
                # names may have been recorded without them (a download failed in an earlier round), and
                # get them now.
                summary = self.ledger.ingest(self.actor, channel.name, work, account, media_urls=got,
                                             recheck=bool(got)) if result.pages else None
                attached = 0
                if downloads.not_started:
                    # What a slow CDN held back is fetched once the items are recorded, and attached to them.
                    later = downloads.fetch_all(downloads.not_started, work)
                    if later:
                        attached = self.ledger.ingest(self.actor, channel.name, work, account, media_urls=later,
                                                      recheck=True).events
                    got = {**got, **later}
                downloads.done(got)
            finally:
                downloads.close()
            if self.state is not None:
                downloads.report(self.state)
            removed = self._reconcile(channel, client, account, platform_id, result.seen, result.window_start)
            self.cursors.set(account, result.cursor)
        except TokenRejected as e:
            return self._failed(account, e.message)
        except ApiError as e:
            return self._failed(account, f"the API failed ({e.message}); the next round tries again")
        except SocialLedgerError as e:
            return self._failed(account, e.line())
        finally:
            client.close()
            shutil.rmtree(work, ignore_errors=True)
        records = summary.as_dict()["records"] if summary is not None else 0
        events = (summary.as_dict()["events"] if summary is not None else 0) + attached
        log.info("polled account %s: %d pages, %d records, %d events, %d removals found, %d calls",
                 account, len(result.pages), records, events, removed, client.calls)
        if self.state is not None:
            p = self.state.doc["polls"].get(account, {})
            self.state.poll(account, last_success=_now(), last_error=None, ok=p.get("ok", 0) + 1)
            self.state.add("polls")
        return None

    def _reconcile(self, channel: Channel, client: HttpApiClient, account: str, platform_id: str, seen: set[str],
                   window_start: datetime | None) -> int:
        if window_start is None:
            return 0
        # What the poll should have returned and did not: found by ids, only those items decrypted.
        missing = self.ledger.not_returned(self.actor, account, seen, window_start)
        removals = []
        observed = datetime.now(UTC)
        for native_id, kind in missing:
            removal = channel.look_up(client, native_id, kind, platform_id, observed)  # ApiError: the next round
            if removal is not None:
                removals.append(removal)
        if removals:
            self.ledger.record_removals(self.actor, channel.name, account, removals)
        return len(removals)

    def _failed(self, account: str, line: str) -> str:
        log.warning("poll of account %s: %s", account, line)
        if self.state is not None:
            p = self.state.doc["polls"].get(account, {})
            self.state.poll(account, last_error=line, errors=p.get("errors", 0) + 1)
            self.state.add("poll_errors")
        return line


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
