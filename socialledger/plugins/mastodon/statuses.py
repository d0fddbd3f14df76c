"""Mastodon statuses, wherever they come from: API pages, stream events, admin webhook deliveries.

A status is keyed by its `uri` (its ActivityPub id, the same on every server),
never by its `id`, which is local to the instance that served it. A reply names
its parent only by that local id (`in_reply_to_id`): the parent's uri is the one
of the status with that id in the same input, or, for a status of an account
local to the instance, `<the account's uri>/statuses/<id>` (how Mastodon makes
the uris of its own statuses). Where neither tells it, the reply keeps the id as
the platform's reference of its parent (`parent_ref`).

Which statuses are the account's business needs the account (`me`, its actor
uri): its own statuses; replies and mentions addressed to it; replies in its
threads. A stream or admin webhook carries every account's statuses: those are
skipped with a reason. A page of another account's statuses names that account
(`page_id`), and the core refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from socialledger.channels import (
    AccountRecord,
    AuthorRef,
    ContentRecord,
    FormatError,
    ItemError,
    Kind,
    MetricsRecord,
    ModerationRecord,
    Record,
    Skipped,
    Source,
    as_id,
    clean,
    number,
    opt_id,
    opt_time,
    parse_time,
)
from socialledger.plugins.mastodon.common import (
    BOOST_REASON,
    CHANNEL,
    DIRECT_REASON,
    OTHER_REASON,
    UNSEEN_DELETE_REASON,
    api_media,
    html_text,
    status_key,
)

#: A status's counts -> (ledger metric, breakdown key). Counts, never who.
STATUS_METRICS: dict[str, tuple[str, str | None]] = {
    "favourites_count": ("reactions", "favourite"),
    "reblogs_count": ("shares", None),
    "replies_count": ("comments", None),
    "quotes_count": ("quotes_count", None),  # no ledger name: the platform's
}

_NEW_STYLE = re.compile(r"^(https?://[^/]+)/ap/users/([^/]+)$")
_OLD_STYLE = re.compile(r"^(https?://[^/]+)/users/([^/]+)$")
_ORIGIN = re.compile(r"^https?://[^/]+")


def is_status(doc: Any) -> bool:
    return isinstance(doc, dict) and "uri" in doc and "account" in doc and "created_at" in doc


def _local(account: dict[str, Any]) -> bool:
    acct = account.get("acct")
    return isinstance(acct, str) and "@" not in acct


class Statuses:
    """The statuses of one input file, read with what the file tells of ids and accounts.

    Statuses are indexed as they are met (`index`), so that a stream is read in one
    pass: a reply after its parent, a `delete` after the status it removes.
    """

    def __init__(self, source: Source, me: str | None, *, refuse_others: bool = False) -> None:
        self.source = source
        self.me = me
        # A page of one account's statuses: another account's status there is that account's data (refused).
        self.refuse_others = refuse_others
        self.uris: dict[str, str] = {}  # local id -> uri
        self.parents: dict[str, str | None] = {}  # local id -> in_reply_to_id
        self.kept: dict[str, bool] = {}  # local id -> the account's business
        self.items: dict[str, ContentRecord] = {}  # local id -> what was recorded of it (for a later delete)
        self.accounts: dict[str, dict[str, Any]] = {}  # local account id -> account
        self.my_local: str | None = None  # the account's id on the instance that served the file
        self.me_local_there = False  # the account is local to that instance (its statuses' ids make its uris)
        self.my_account: dict[str, Any] | None = None  # the account's latest object in the file (its profile)
        self.serving: str | None = None  # the server that served the file (its local accounts' origin)
        self.focal: str | None = None  # a context page's status
        self.focal_top: bool | None = None  # ... and whether it is a top-level post

    # Knowing ------------------------------------------------------------------------------

    def index(self, status: dict[str, Any]) -> None:
        sid = as_id(status["id"], "status id")
        self.uris[sid] = as_id(status["uri"], "status uri")
        self.parents[sid] = opt_id(status.get("in_reply_to_id"), "in_reply_to_id")
        self.account(status["account"])
        for m in status.get("mentions") or ():
            if isinstance(m, dict):
                self._mention(m)
        boosted = status.get("reblog")
        if is_status(boosted):
            self.index(boosted)

    def account(self, account: dict[str, Any]) -> None:
        if not isinstance(account, dict) or "id" not in account:
            raise FormatError("a status's account has no id")
        aid = as_id(account["id"], "account id")
        self.accounts[aid] = account
        if self.serving is None and _local(account) and isinstance(account.get("uri"), str):
            origin = _ORIGIN.match(account["uri"])
            self.serving = origin.group(0) if origin else None
        if self.me is not None and account.get("uri") == self.me:
            self.my_local, self.my_account = aid, account
            self.me_local_there = _local(account)

    def _mention(self, m: dict[str, Any]) -> None:
        """A mention names an account by id, acct and profile url (never its uri): enough to know the account."""
        if self.me is None or self.my_local is not None or not _local(m):
            return
        mid = opt_id(m.get("id"), "mention id")
        new, old = _NEW_STYLE.match(self.me), _OLD_STYLE.match(self.me)
        url = m.get("url") or ""
        if (new and mid == new.group(2) and url.startswith(new.group(1) + "/")) or (
                old and url == f"{old.group(1)}/@{old.group(2)}"):
            self.my_local, self.me_local_there = mid, True

    # Deciding ------------------------------------------------------------------------------

    def own(self, status: dict[str, Any]) -> bool:
        return self.me is not None and status["account"].get("uri") == self.me

    def addressed(self, status: dict[str, Any]) -> bool:
        """A reply to the account, or a status that mentions it."""
        if self.my_local is None:
            return False
        if opt_id(status.get("in_reply_to_account_id")) == self.my_local:
            return True
        mine_url = (self.my_account or {}).get("url")
        for m in status.get("mentions") or ():
            if isinstance(m, dict) and (opt_id(m.get("id")) == self.my_local or (mine_url and m.get("url") == mine_url)):
                return True
        return False

    def parent(self, status: dict[str, Any]) -> tuple[str | None, str | None]:
        """(the parent's uri, or None with the platform's reference of it) of a reply."""
        pid = opt_id(status.get("in_reply_to_id"), "in_reply_to_id")
        if pid is None:
            return None, None
        if pid in self.uris:
            return self.uris[pid], None
        aid = opt_id(status.get("in_reply_to_account_id"), "in_reply_to_account_id")
        account = self.accounts.get(aid) if aid else None
        if account is not None and _local(account) and isinstance(account.get("uri"), str):
            return f"{account['uri']}/statuses/{pid}", None
        if aid is not None and aid == self.my_local and self.me_local_there:
            return f"{self.me}/statuses/{pid}", None
        # Where the parent can be asked for: its id is the serving server's (GET it there for its uri).
        return None, f"{self.serving}/api/v1/statuses/{pid}" if self.serving else pid

    def business(self, status: dict[str, Any]) -> bool:
        """Whether a status is the account's business: its own, addressed to it, or in its threads."""
        if self.me is None:
            return True
        sid = as_id(status["id"])
        known = self.kept.get(sid)
        if known is not None:
            return known
        kept = self.own(status) or self.addressed(status)
        if not kept:
            pid = self.parents.get(sid)
            if pid is not None and pid in self.kept:
                kept = self.kept[pid]
            elif pid is not None:
                uri, _ = self.parent(status)
                kept = uri is not None and uri.startswith(self.me + "/")
        self.kept[sid] = kept
        return kept

    def kind(self, status: dict[str, Any], own: bool) -> Kind:
        pid = opt_id(status.get("in_reply_to_id"))
        if pid is None:
            return "post" if own or self.me is None else "visitor_post"
        if pid in self.parents:
            return "comment" if self.parents[pid] is None else "reply"
        if pid == self.focal and self.focal_top is not None:
            return "comment" if self.focal_top else "reply"
        return "comment"

    # Reading -------------------------------------------------------------------------------

    def status(self, status: dict[str, Any], *, addressed: bool = False, what: str = "status") -> Iterator[Record]:
        """The records of one status: its content (or why it is skipped) and, for the account's own, its counts."""
        self.index(status)
        sid = as_id(status["id"])
        if addressed:  # a mention notification is addressed to the stream's account, whatever else it says
            self.kept[sid] = True
        if is_status(status.get("reblog")) or status.get("visibility") == "direct":
            self.kept.setdefault(sid, False)
        if is_status(status.get("reblog")):
            yield Skipped(channel=CHANNEL, source=self.source, kind="boost", reason=BOOST_REASON)
            return
        if status.get("visibility") == "direct":
            yield Skipped(channel=CHANNEL, source=self.source, kind="direct message", reason=DIRECT_REASON)
            return
        own = self.own(status)
        if not self.business(status) and not self.refuse_others:
            yield Skipped(channel=CHANNEL, source=self.source, kind=what, reason=OTHER_REASON)
            return
        record = self.content(status, own)
        self.items[sid] = record
        yield record
        if own:
            yield from self.counts(status, record.native_id)  # type: ignore[arg-type]

    def content(self, status: dict[str, Any], own: bool, *, text: str | None = None) -> ContentRecord:
        account = status["account"]
        author_uri = as_id(account.get("uri"), "account uri")
        created = parse_time(status["created_at"], "created_at")
        edited = opt_time(status.get("edited_at"), "edited_at")
        parent, parent_ref = self.parent(status)
        top = status.get("in_reply_to_id") is None
        if own:
            page = self.me
        elif self.me is None:
            page = author_uri if top else None  # a top-level status names its account
        elif self.refuse_others and not self.business(status):
            page = author_uri  # another account's data: the core refuses it
        else:
            page = None  # a reply or mention by someone else, in the account's threads
        return ContentRecord(
            channel=CHANNEL,
            kind=self.kind(status, own),
            source=self.source,
            observed=edited or created,
            native_id=status_key(as_id(status["uri"], "status uri"), self.me),
            page_id=page,
            parent_native_id=status_key(parent, self.me) if parent else None,
            parent_ref=parent_ref,
            created=created,
            text=text if text is not None else html_text(status.get("content")),
            title=status.get("spoiler_text") or None,  # the content warning
            author=AuthorRef(native_id=author_uri, username=account.get("acct") or None,
                             name=account.get("display_name") or None),
            media=api_media(status.get("media_attachments")),
            permalink=status.get("url") or None,
            raw=clean(status),
        )

    def counts(self, status: dict[str, Any], uri: str) -> Iterator[MetricsRecord]:
        for field, (metric, part) in STATUS_METRICS.items():
            if status.get(field) is None:
                continue
            value = number(status[field], field)
            yield MetricsRecord(channel=CHANNEL, source=self.source, metric=metric, platform_metric=field,
                                period="lifetime", end=None, value=value, native_id=uri, page_id=self.me,
                                breakdown={part: value} if part else None)

    def profile(self) -> Iterator[Record]:
        """The account as the file last showed it: its names and its followers (a level at a moment)."""
        account = self.my_account
        if account is None or self.me is None:
            return
        yield AccountRecord(channel=CHANNEL, source=self.source, platform_id=self.me,
                            name=account.get("display_name") or None, username=account.get("acct") or None)
        if account.get("followers_count") is not None:
            yield MetricsRecord(channel=CHANNEL, source=self.source, metric="followers",
                                platform_metric="followers_count", period="instant", end=None,
                                value=number(account["followers_count"], "followers_count"), page_id=self.me)

    def removed(self, status: dict[str, Any], observed: datetime | None = None) -> Iterator[Record]:
        """The status a DELETE returned (its plain source in `text`): a removal, the content kept."""
        self.index(status)
        if status.get("visibility") == "direct":
            yield Skipped(channel=CHANNEL, source=self.source, kind="direct message", reason=DIRECT_REASON)
            return
        if not self.business(status) and not self.refuse_others:
            yield Skipped(channel=CHANNEL, source=self.source, kind="deletion", reason=OTHER_REASON)
            return
        own = self.own(status)
        text = status.get("text") if isinstance(status.get("text"), str) else None
        item = self.content(status, own, text=text or None)
        yield self.removal(item, observed or item.observed, status)

    def removal(self, item: ContentRecord, observed: datetime, raw: Any) -> ModerationRecord:
        return ModerationRecord(channel=CHANNEL, kind=item.kind, source=self.source, action="remove",
                                native_id=item.native_id, observed=observed, page_id=item.page_id,  # type: ignore[arg-type]
                                parent_native_id=item.parent_native_id, raw=clean(raw) if isinstance(raw, dict) else
                                {"deleted": raw}, item=item)

    def delete(self, local_id: str) -> Record:
        """A stream's `delete` of a status by its local id: a removal of what the input showed of it."""
        item = self.items.get(local_id)
        if item is None:
            if local_id in self.kept:  # shown, and skipped (another account's, a direct message, a boost)
                return Skipped(channel=CHANNEL, source=self.source, kind="deletion", reason=OTHER_REASON)
            return Skipped(channel=CHANNEL, source=self.source, kind="deletion", reason=UNSEEN_DELETE_REASON)
        return self.removal(item, item.observed, local_id)


def api_error(doc: dict[str, Any], source: Source) -> ItemError:
    return ItemError(channel=CHANNEL, source=source, message=str(doc.get("error")),
                     code=str(doc["error_description"]) if doc.get("error_description") else None, kind="status")


def history(versions: list[Any], status_id: str | None, me: str | None, source: Source) -> Iterator[Record]:
    """A status's edit history (StatusEdit objects, oldest first, the original included): every version.

    A StatusEdit names neither its status's id nor its uri: the id comes from the
    request the history answered (`status_id`); the uri is `<author's uri>/statuses/<id>`
    when the author is local to the instance that served it.
    """
    first = next((v for v in versions if isinstance(v, dict)), None)
    account = first.get("account") if first else None
    uri = None
    if status_id and isinstance(account, dict) and _local(account) and isinstance(account.get("uri"), str):
        uri = f"{account['uri']}/statuses/{status_id}"
    created = parse_time(first["created_at"], "created_at") if first else None
    for v in versions:
        if not isinstance(v, dict):
            raise FormatError("an edit history holds StatusEdit objects")
        if uri is None:
            why = ("its status is not named: keep the request beside it (NAME.headers.json)" if not status_id else
                   f"status {status_id}'s author is not local to the instance that served it: its uri is unknown")
            yield ItemError(channel=CHANNEL, source=source, kind="version", message=f"an edit history version: {why}")
            continue
        author_uri = as_id(v["account"].get("uri"), "account uri")
        if me is not None and author_uri != me:
            yield Skipped(channel=CHANNEL, source=source, kind="version", reason=OTHER_REASON)
            continue
        yield ContentRecord(
            channel=CHANNEL, kind="post", source=source,
            observed=parse_time(v["created_at"], "created_at"), native_id=status_key(uri, me), page_id=author_uri,
            created=created, text=html_text(v.get("content")), title=v.get("spoiler_text") or None,
            author=AuthorRef(native_id=author_uri, username=v["account"].get("acct") or None,
                             name=v["account"].get("display_name") or None),
            media=api_media(v.get("media_attachments")), raw=clean(v),
            time_note="a version of the status's edit history: observed is when this version was written")
