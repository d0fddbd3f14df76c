"""Jetstream event lines -> records (source "stream").

One JSON event a line, as Jetstream sends them over its WebSocket
(`{did, time_us, kind, commit?{rev, operation, collection, rkey, record?, cid?}, identity?, account?}`),
saved by whatever consumed the socket. A stream of every account's posts holds the
replies to the organisation's posts (they come from *other* DIDs), and everything else:

- `app.bsky.feed.post` create/update: the post, observed at `time_us`, with `belongs_to` naming
  its author, its parent's and its root's DIDs (from their AT-URIs): the core keeps it when the
  linked account is among them (the account's post, a reply in its thread or to its post) and
  counts it skipped otherwise. An update (a rewritten record, a new CID) is an edit.
- `app.bsky.feed.post` delete: a removal of the post, recorded when the ledger holds it (the event
  names only the post), its content kept; counted skipped otherwise.
- `app.bsky.feed.threadgate` create/update with `hiddenReplies`: each reply hidden by the thread's
  author, recorded when the ledger holds it.
- every other collection (likes, reposts, follows, blocks, profiles, other applications' records)
  and the `identity` and `account` events: counted and skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from socialledger.channels import ModerationRecord
from socialledger.plugins.bluesky.common import (
    CHANNEL,
    POST,
    THREADGATE,
    AuthorRef,
    FormatError,
    Record,
    Skipped,
    at_time,
    clean,
    dict_at,
    list_at,
    post_record,
    post_uri,
    reply_refs,
    skipped_collection,
    uri_did,
)

SOURCE = "stream"
EVENT_KINDS = frozenset({"commit", "identity", "account"})
IDENTITY_REASON = "a handle or DID document change: no content (the DID stays the account's id)"
ACCOUNT_REASON = "an account's hosting status: no content"


def is_event(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("did"), str) and "time_us" in doc \
        and doc.get("kind") in EVENT_KINDS


def read_events(documents: Iterable[tuple[str, Any]]) -> Iterator[Record]:
    for where, doc in documents:
        if not is_event(doc):
            raise FormatError(f"{where}: not a Jetstream event (did, time_us, kind)")
        yield from read_event(doc, where)


def read_event(event: dict[str, Any], where: str) -> Iterator[Record]:
    kind = event["kind"]
    if kind == "identity":
        yield Skipped(channel=CHANNEL, source=SOURCE, kind="identity", reason=IDENTITY_REASON)
        return
    if kind == "account":
        yield Skipped(channel=CHANNEL, source=SOURCE, kind="account", reason=ACCOUNT_REASON)
        return
    commit = event.get("commit")
    if not isinstance(commit, dict):
        raise FormatError(f"{where}: a commit event without commit")
    did, collection, rkey = event["did"], commit.get("collection"), commit.get("rkey")
    operation = commit.get("operation")
    if not isinstance(collection, str) or not isinstance(rkey, str) or operation not in ("create", "update", "delete"):
        raise FormatError(f"{where}: a commit without collection, rkey or operation")
    observed = at_time(event["time_us"], f"{where}.time_us")
    if collection == POST:
        uri = post_uri(did, rkey)
        if operation == "delete":
            yield ModerationRecord(channel=CHANNEL, kind="post", source=SOURCE, action="remove", native_id=uri,
                                   observed=observed, raw=clean(event), if_held=True)
            return
        record = commit.get("record")
        if not isinstance(record, dict):
            raise FormatError(f"{where}: a post {operation} without its record")
        parent, root = reply_refs(record)
        belongs = tuple(dict.fromkeys(d for d in (did, uri_did(parent), uri_did(root)) if d))
        yield post_record(CHANNEL, SOURCE, uri, record, AuthorRef(native_id=did), observed, event,
                          belongs_to=belongs)
        return
    if collection == THREADGATE and operation != "delete":
        hidden = [u for u in list_at(dict_at(commit, "record"), "hiddenReplies") if isinstance(u, str)]
        if hidden:
            for uri in hidden:
                yield ModerationRecord(channel=CHANNEL, kind="comment", source=SOURCE, action="hide", native_id=uri,
                                       observed=observed, raw=clean(event), if_held=True)
            return
        yield Skipped(channel=CHANNEL, source=SOURCE, kind="threadgate",
                      reason="who may reply to a thread: no content")
        return
    yield skipped_collection(collection, SOURCE)
