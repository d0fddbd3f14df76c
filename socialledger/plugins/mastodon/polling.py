"""Polling a Mastodon account on its instance's REST API: its statuses, the replies in its threads, their counts.

The account is linked to its actor uri (`https://instance/ap/users/<id>` or
`https://instance/users/<name>`); the API base is that instance (`poll_base`), or what the
secrets name (`api_base`, per account `api_bases`). One round:

- the account's id on the instance: the last segment of a new-style actor uri, else
  `GET /api/v1/accounts/lookup?acct=<name>` (the answer's `uri` must be the account's);
- `GET /api/v1/accounts/:id/statuses?limit=40`, following the `Link` header's `rel="next"`
  (`max_id`) until an empty page, or until a page reaches statuses older than the revisit
  window (the cursor: the newest status's time, less `REVISIT`);
- for each of the account's statuses in the window that has replies (`replies_count`):
  `GET /api/v1/statuses/:id/context`, whose descendants are the replies in its thread.

Every answer is kept as it came and read by the channel's own reader (source `api`), as a
saved page would be: statuses keyed by `uri`, counts (`favourites_count`, `reblogs_count`,
...) as metrics, media by their URLs. A status's id is local to the instance, and the ledger
keys another account's status by a hash of its uri: the ids the poll met are carried in the
cursor (`refs`, key -> local id), so that `look_up` can ask `GET /api/v1/statuses/:id` for one
that a later poll no longer returns. 404 (`{"error": "Record not found"}`) is gone; any other
failure raises. An item the poll never met (captured from a stream or an export) whose id is
not in its uri cannot be asked for: it is left as it is (`look_up` answers None).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from socialledger.channels import (
    ApiClient,
    ApiError,
    ApiPage,
    Followed,
    Kind,
    ModerationRecord,
    PollResult,
    Window,
    as_id,
    follow,
    link_next,
    opt_time,
    removal_found,
)
from socialledger.plugins.mastodon.common import CHANNEL, status_key

REVISIT = timedelta(days=14)
MAX_PAGES = 200
#: Status ids carried in the cursor at most (the newest kept).
MAX_REFS = 20_000
_NEW_STYLE = re.compile(r"^https?://[^/]+/ap/users/([^/]+)$")
_OLD_STYLE = re.compile(r"^https?://[^/]+/users/([^/]+)$")


def poll_base(me: str) -> str | None:
    """The account's instance: the origin of its actor uri."""
    parts = urlsplit(me)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def local_account(client: ApiClient, me: str) -> str:
    new = _NEW_STYLE.match(me)
    if new:
        return new.group(1)
    old = _OLD_STYLE.match(me)
    if old is None:
        raise ApiError(0, f"{me} is not an actor uri whose account the API can find")
    doc = client.get("api/v1/accounts/lookup", {"acct": old.group(1)})
    if not isinstance(doc, dict) or doc.get("uri") != me or doc.get("id") is None:
        raise ApiError(0, "the instance's account lookup answered another account")
    return as_id(doc["id"], "account id")


def read_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        doc = json.loads(cursor)
    except ValueError:
        return {"newest": cursor}  # a bare time
    return doc if isinstance(doc, dict) else {}


def poll(client: ApiClient, me: str, cursor: str | None) -> tuple[PollResult, dict[str, str]]:
    """One round; also the refs (key -> local id) `look_up` needs."""
    state = read_cursor(cursor)
    window = Window(state.get("newest") if isinstance(state.get("newest"), str) else None, REVISIT)
    carried = state.get("refs") if isinstance(state.get("refs"), dict) else {}
    account = local_account(client, me)
    pages: list[ApiPage] = []
    seen: set[str] = set()
    refs: dict[str, str] = {}
    threads: list[str] = []

    def older(doc: Any) -> bool:
        """A page that reaches statuses older than the window: the last one wanted."""
        times = [opt_time(s.get("created_at"), "created_at") for s in doc if isinstance(s, dict)] \
            if isinstance(doc, list) else []
        return any(window.older(t) for t in times)

    listed = Followed()
    for page, doc in follow(client, f"api/v1/accounts/{account}/statuses", {"limit": "40"}, link_next,
                            name="statuses", max_pages=MAX_PAGES, stop=older, followed=listed):
        pages.append(page)
        for s in doc if isinstance(doc, list) else []:
            if not isinstance(s, dict) or s.get("reblog") or s.get("visibility") == "direct":
                continue  # a boost or a direct message: skipped by the reader, with its reason
            created = opt_time(s.get("created_at"), "created_at")
            if window.older(created):
                continue  # before the window: neither revisited nor reconciled this round
            window.see(created)
            key = _see(s, me, seen, refs)
            if key is not None and _count(s.get("replies_count")) > 0:
                threads.append(as_id(s["id"], "status id"))
    for sid in threads:
        body, doc = client.get_page(f"api/v1/statuses/{sid}/context")
        pages.append(ApiPage(f"context-{sid}.json", body))
        for s in [*_list(doc, "ancestors"), *_list(doc, "descendants")]:
            _see(s, me, seen, refs)
    kept = {**{k: v for k, v in carried.items() if isinstance(k, str) and isinstance(v, str)}, **refs}
    if len(kept) > MAX_REFS:
        kept = dict(list(kept.items())[-MAX_REFS:])
    start = window.start(listed.complete or listed.stopped)
    newest = window.cursor() or (state.get("newest") if isinstance(state.get("newest"), str) else None)
    out = json.dumps({"newest": newest, "account": account, "refs": kept}) if newest or kept else cursor
    return PollResult(pages=pages, seen=seen, window_start=start, cursor=out), kept


def look_up(client: ApiClient, refs: dict[str, str], native_id: str, kind: Kind, me: str,
            observed: datetime) -> ModerationRecord | None:
    local = refs.get(native_id)
    if local is None and native_id.startswith(me + "/statuses/"):
        local = native_id.rsplit("/", 1)[1]  # the account's own status: its id is in its uri
    if local is None:
        return None  # never met by a poll, and its id on the instance is not known: cannot be asked for
    try:
        client.get(f"api/v1/statuses/{local}")
    except ApiError as e:
        if e.status in (404, 410):
            return removal_found(CHANNEL, kind, native_id, observed, me, {"status": e.status, "error": e.message})
        raise
    return None


def _see(s: Any, me: str, seen: set[str], refs: dict[str, str]) -> str | None:
    if not isinstance(s, dict) or not isinstance(s.get("uri"), str) or s.get("id") is None:
        return None
    key = status_key(s["uri"], me)
    seen.add(key)
    refs[key] = as_id(s["id"], "status id")
    return key


def _list(doc: Any, key: str) -> list[Any]:
    v = doc.get(key) if isinstance(doc, dict) else None
    return v if isinstance(v, list) else []


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0
