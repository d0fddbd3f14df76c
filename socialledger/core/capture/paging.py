"""What every channel's `poll` shares: following a platform's pages, and the revisit window its cursor makes.

- `follow` walks one list endpoint page by page through an `ApiClient`, however the
  platform says where the next page is: Graph's and LinkedIn's `paging` in the body
  (`graph_next`, `links_next`), an RFC 8288 `Link: <...>; rel="next"` header (Mastodon:
  `link_next`), or a cursor to send back as a parameter (Bluesky's `cursor`, X's
  `meta.next_token`: `cursor_next`). It yields each answer as it came (an `ApiPage`
  under a numbered name, and its decoded JSON), stops at the end, at `max_pages`, or when
  the caller says the rest is older than it needs (`stop`), and tells which (`complete`).
- `Window` is the cursor's meaning on the platforms that list newest first: the newest
  item's time, less a revisit span (edits, new replies and removals of recent items are
  seen again). It keeps the newest and oldest times a poll saw, and answers the window the
  poll saw in full (`PollResult.window_start`, for reconcile) and the next cursor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from socialledger.core.capture.channels import ApiClient, ApiPage
from socialledger.core.capture.toolkit import opt_time

#: Pages of one list followed in one round at most.
MAX_PAGES = 200

#: Where the next page is: given the decoded answer and its HTTP headers, a path or URL, or
#: `(path, params)` to ask with, or None at the end.
NextPage = Callable[[Any, Mapping[str, str]], "str | tuple[str, Mapping[str, str]] | None"]


def graph_next(doc: Any, headers: Mapping[str, str] | None = None) -> str | None:
    """Graph's `paging.next` (an absolute URL)."""
    paging = doc.get("paging") if isinstance(doc, dict) else None
    nxt = paging.get("next") if isinstance(paging, dict) else None
    return nxt if isinstance(nxt, str) and nxt else None


def links_next(doc: Any, headers: Mapping[str, str] | None = None) -> str | None:
    """LinkedIn's `paging.links[rel=next].href` (a path from the host)."""
    paging = doc.get("paging") if isinstance(doc, dict) else None
    links = paging.get("links") if isinstance(paging, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None


_LINK = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
_REL = re.compile(r'rel\s*=\s*"?([^";]+)"?')


def link_header(value: str | None, rel: str = "next") -> str | None:
    """The URL of `rel` in an RFC 8288 `Link` header (`<https://...?max_id=1>; rel="next", <...>; rel="prev"`)."""
    for m in _LINK.finditer(value or ""):
        r = _REL.search(m.group(2) or "")
        if r and rel in r.group(1).split():
            return m.group(1) or None
    return None


def link_next(doc: Any, headers: Mapping[str, str]) -> str | None:
    """Mastodon's next page: the `Link` header's `rel="next"`; an empty page is the end whatever it says."""
    if isinstance(doc, list) and not doc:
        return None
    return link_header(headers.get("link"))


def cursor_next(path: str, params: Mapping[str, str], field: str = "cursor",
                param: str = "cursor") -> NextPage:
    """A platform that hands back a cursor in the body (`{"feed": [...], "cursor": "..."}`; X's
    `meta.next_token`: `field="meta.next_token"`) to send as the parameter `param` for the next page."""
    keys = field.split(".")

    def nxt(doc: Any, headers: Mapping[str, str]) -> tuple[str, Mapping[str, str]] | None:
        value: Any = doc
        for k in keys:
            value = value.get(k) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            return None
        return path, {**params, param: value}

    return nxt


class Followed:
    """What `follow` saw: whether it reached the end of the list (not stopped by `max_pages` or `stop`)."""

    def __init__(self) -> None:
        self.pages = 0
        self.complete = False
        self.stopped = False


def follow(client: ApiClient, path: str, params: Mapping[str, str] | None, next_page: NextPage, *,
           name: str, headers: Mapping[str, str] | None = None, max_pages: int = MAX_PAGES,
           stop: Callable[[Any], bool] | None = None, followed: Followed | None = None,
           ) -> Iterator[tuple[ApiPage, Any]]:
    """Each page of a list, in order: `(ApiPage(f"{name}-{n:04d}.json", bytes), decoded)`.

    The first request is `path` with `params`; each next one is what `next_page` finds in the
    answer (a URL the platform gave is asked as it is). `stop(doc)` true after a page: the rest
    is not wanted (older than the revisit window). `followed` (if given) tells afterwards
    whether the list was seen to its end.
    """
    state = followed if followed is not None else Followed()
    at: str | tuple[str, Mapping[str, str]] | None = (path, params or {})
    n = 0
    while at is not None:
        if n >= max_pages:
            return
        p, q = (at, None) if isinstance(at, str) else at
        body, doc, got = _answer(client, p, q or None, headers)
        n += 1
        state.pages = n
        yield ApiPage(f"{name}-{n:04d}.json", body), doc
        if stop is not None and stop(doc):
            state.stopped = True
            return
        at = next_page(doc, got)
    state.complete = True


def _answer(client: ApiClient, path: str, params: Mapping[str, str] | None,
            headers: Mapping[str, str] | None) -> tuple[bytes, Any, Mapping[str, str]]:
    answer = getattr(client, "get_answer", None)
    if answer is not None:
        return answer(path, params, headers)
    body, doc = client.get_page(path, params, headers)
    return body, doc, {}


class Window:
    """The revisit window of a poll over a list that comes newest first (see the module's doc)."""

    def __init__(self, cursor: str | None, revisit: timedelta, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)
        self.previous = opt_time(cursor, "cursor") if cursor else None
        if self.previous is not None and self.previous > self.now:
            self.previous = self.now  # a cursor left in the future by an earlier version: from now on
        self.since = self.previous - revisit if self.previous is not None else None
        self.newest: datetime | None = None
        self.oldest: datetime | None = None

    def see(self, created: datetime | None) -> None:
        """An item the poll saw. A time after now (a client's clock, where the platform lets the client date
        its posts) counts as now: the next round's window never starts in the future, where it would pass
        over every post made in between."""
        if created is None:
            return
        created = min(created, self.now)
        self.newest = created if self.newest is None or created > self.newest else self.newest
        self.oldest = created if self.oldest is None or created < self.oldest else self.oldest

    def older(self, created: datetime | None) -> bool:
        """Whether an item created then lies before the window (the poll can stop there)."""
        return created is not None and self.since is not None and created < self.since

    def start(self, complete: bool) -> datetime | None:
        """From when on the poll saw everything: `since` when the list was followed past it, else the oldest seen."""
        if not complete:
            return self.oldest
        if self.since is not None and (self.oldest is None or self.since < self.oldest):
            return self.since
        return self.oldest

    def cursor(self) -> str | None:
        """The next round's cursor: the newest item's time (or the previous one when nothing came)."""
        newest = self.newest or self.previous
        return newest.astimezone(UTC).isoformat() if newest is not None else None
