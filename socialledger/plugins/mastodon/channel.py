"""The Mastodon channel: detects and reads API pages, stream events, admin webhooks and the account archive.

Detection is by shape, never by file name: a Status has `uri`, `account` and
`created_at`; a context `ancestors` and `descendants`; an edit history is an
array of StatusEdit objects (a Status's fields without `id` or `uri`); a
StatusSource is `{id, text, spoiler_text}`; a stream is server-sent-event text
(`event:`/`data:` lines, `:` heartbeats) or `{event, payload}` objects; an admin
webhook delivery is `{event, created_at, object}`; the archive's files are an
OrderedCollection and an actor (`preferredUsername`). The request a saved
response answered, kept beside it as `NAME.headers.json` (`{request, status,
headers}`), holds nothing to record: it is passed over, and read only to name
the status of an edit history.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar

import msgspec

from socialledger.channels import (
    NOT_JSON,
    ApiClient,
    BadInput,
    Channel,
    Embedded,
    FormatError,
    InputFile,
    Kind,
    ModerationRecord,
    Peeked,
    PollResult,
    Record,
    Skipped,
    Source,
    as_id,
    json_documents,
    reading,
)
from socialledger.plugins.mastodon import polling
from socialledger.plugins.mastodon.archive import is_actor, is_collection, read_archive_file
from socialledger.plugins.mastodon.common import (
    ADMIN_EVENT_REASON,
    CHANNEL,
    EVENT_REASON,
    NOTIFICATION_REASON,
    OTHER_NOTIFICATION_REASON,
    SOURCE_REASON,
    WHO_NOTIFICATIONS,
)
from socialledger.plugins.mastodon.statuses import Statuses, api_error, history, is_status

SIGNATURE_HEADER = "X-Hub-Signature"
MEDIA_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".heic", ".mp4", ".webm", ".mov",
                            ".m4v", ".mp3", ".ogg", ".oga", ".wav", ".flac", ".m4a"})
STATUS_EVENTS = ("update", "status.update")
_decode = msgspec.json.Decoder().decode
_SSE_START = re.compile(rb"^(:|event:|data:|id:|retry:)")
_ACTOR = re.compile(r"^https?://[^/\s]+/\S+$")
_HISTORY_REQUEST = re.compile(r"/api/v1/statuses/([^/?#]+)/history")


def is_sidecar(doc: Any) -> bool:
    """The request and headers of a saved response (`NAME.headers.json`)."""
    return isinstance(doc, dict) and isinstance(doc.get("request"), dict) and "headers" in doc


def is_history(doc: Any) -> bool:
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        return False
    first = doc[0]
    return "content" in first and "created_at" in first and "account" in first and "uri" not in first \
        and "id" not in first


def is_source(doc: Any) -> bool:
    return isinstance(doc, dict) and "text" in doc and "id" in doc and "uri" not in doc and "account" not in doc \
        and set(doc) <= {"id", "text", "spoiler_text", "content_type"}


def classify(doc: Any) -> Source | None:
    if isinstance(doc, dict):
        if "event" in doc and "payload" in doc:
            return "stream"
        if isinstance(doc.get("event"), str) and "object" in doc and "created_at" in doc:
            return "webhook"
        if "ancestors" in doc and "descendants" in doc:
            return "api"
        if is_status(doc) or is_source(doc):
            return "api"
        if isinstance(doc.get("error"), str) and set(doc) <= {"error", "error_description"}:
            return "api"
        if is_collection(doc) or is_actor(doc):
            return "export"
        return None
    if isinstance(doc, list):
        if not doc:
            return "api"  # an empty page: the end of an account's statuses
        first = doc[0]
        if not isinstance(first, dict):
            return None
        if "event" in first and "payload" in first:
            return "stream"
        if isinstance(first.get("event"), str) and "object" in first:
            return "webhook"
        if is_status(first) or is_history(doc):
            return "api"
    return None


def sniff(head: bytes) -> Source | None:
    """A large file's source by its first bytes."""
    if b'"orderedItems"' in head and b'"OrderedCollection"' in head:
        return "export"
    if head.startswith(b"[") and b'"payload"' in head and b'"event"' in head:
        return "stream"
    if head.startswith(b"{") and b'"ancestors"' in head:
        return "api"
    if head.startswith(b"[") and b'"uri"' in head and b'"account"' in head and b'"created_at"' in head:
        return "api"
    return None


class MastodonChannel(Channel):
    """Mastodon accounts: statuses, replies and mentions by others, edits, deletions, counts and followers."""

    name = CHANNEL
    title = "Mastodon"
    reads: ClassVar[tuple[Source, ...]] = ("api", "stream", "webhook", "export")
    founded = 2016  # platform times before it are impossible (`Channel.founded`)
    # Who wrote it, whom it mentions or answers and addresses, and the status it boosts or quotes.
    embedded = (
        Embedded("account", "person", id="uri"),
        Embedded("mentions", "person", id="url", username="username", shown="username"),
        Embedded("in_reply_to_account_id", "person", id=None),
        Embedded("reblog", "item", id="uri"),
        Embedded("quote.quoted_status", "item", id="uri"),
        Embedded("actor", "person", id=None),
        Embedded("to", "person", id=None),
        Embedded("cc", "person", id=None),
        Embedded("object.attributedTo", "person", id=None),
        Embedded("object.tag", "person", id="href"),
        Embedded("object.to", "person", id=None),
        Embedded("object.cc", "person", id=None),
        Embedded("object.inReplyTo", "item", id=None),
        Embedded("object.inReplyToAtomUri", "item", id=None),
    )
    #: "@anna@social.example" (or a local "@anna") typed in a status without a `mentions` entry for it
    handles = (r"(?<![\w@/])@([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
               r"(?![\w@-]|\.\w)")
    version = "1.0"
    signature_header = SIGNATURE_HEADER  # admin webhooks: X-Hub-Signature: sha256=<hex HMAC-SHA256>

    def __init__(self) -> None:
        self._peeked = Peeked()
        self._mentions = self._mine = 0  # a stream's mention notifications, and those that mention the account
        self._refs: dict[str, dict[str, str]] = {}  # per account: status key -> its id on the instance

    # Polling (socialledger serve / poll) -------------------------------------------------------

    def poll_base(self, platform_id: str) -> str | None:
        """The account's instance, from its actor uri (the secrets may name another: `api_base(s)`)."""
        return polling.poll_base(platform_id)

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        result, refs = polling.poll(client, platform_id, cursor)
        self._refs[platform_id] = refs
        return result

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        if platform_id not in self._refs:
            self._refs[platform_id] = {}
        return polling.look_up(client, self._refs[platform_id], native_id, kind, platform_id, observed)

    def verify_signature(self, body: bytes, headers: Mapping[str, str], secret: bytes) -> bool:
        """Mastodon signs the body as sent: `sha256=` and the hex HMAC-SHA256 of it under the webhook's secret."""
        wanted = SIGNATURE_HEADER.lower()
        given = next((v for k, v in headers.items() if k.lower() == wanted), None)
        if not given or not given.startswith("sha256="):
            return False
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given[len("sha256="):].strip().lower().encode(), expected.encode())

    def check_platform_id(self, platform_id: str) -> str | None:
        """What is wrong with `platform_id` as a Mastodon account's id (its actor uri), or None.

        A capability `account link` asks of a channel where the core has it: the handle,
        the profile page and an instance's numeric id are refused with the form wanted.
        """
        p = platform_id.strip()
        wanted = "a Mastodon account is linked to its actor uri (https://instance/users/name)"
        if p.startswith("@") or (p.count("@") == 1 and "/" not in p):
            return f"{wanted}, not its handle {p!r}"
        if p.isdigit():
            return f"{wanted}, not its id on one server ({p})"
        if not _ACTOR.match(p):
            return f"{wanted}, not {p!r}"
        if "/@" in p:
            return f"{wanted}, not its profile page {p!r}"
        return None

    def detect(self, entry: InputFile) -> Source | None:
        head = entry.head(64).removeprefix(b"\xef\xbb\xbf").lstrip()
        if _SSE_START.match(head):
            return "stream"
        body, doc = self._peeked.peek(entry)
        if body[:1] not in (b"{", b"["):
            return None
        if doc is NOT_JSON:
            return sniff(body)
        return classify(doc)

    def skip(self, entry: InputFile) -> bool:
        """Media files (the archive's attachments, avatar and header) and saved requests (`NAME.headers.json`)."""
        if PurePosixPath(entry.path).suffix.lower() in MEDIA_SUFFIXES:
            return True
        if entry.path.endswith(".headers.json") and entry.size < 64 * 1024:
            _, doc = self._peeked.peek(entry)
            return is_sidecar(doc)
        return False

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        return self.read_for(entry, source, None)

    def read_for(self, entry: InputFile, source: Source, platform_id: str | None) -> Iterator[Record]:
        with reading(self, entry, source, "Mastodon"):
            if source == "stream":
                yield from self._stream(entry, platform_id)
            elif source == "webhook":
                yield from self._webhooks(entry, platform_id)
            elif source == "export":
                yield from read_archive_file(self._peeked.json(entry), platform_id)
            else:
                yield from self._api(entry, self._peeked.json(entry), platform_id)

    # API pages -------------------------------------------------------------------------------

    def _api(self, entry: InputFile, doc: Any, me: str | None) -> Iterator[Record]:
        if isinstance(doc, dict) and isinstance(doc.get("error"), str):
            yield api_error(doc, "api")
            return
        if is_source(doc):
            yield Skipped(channel=CHANNEL, source="api", kind="status source", reason=SOURCE_REASON,
                          native_id=as_id(doc["id"]))
            return
        if is_history(doc):
            yield from history(doc, self._history_of(entry), me, "api")
            return
        if isinstance(doc, dict) and "ancestors" in doc:
            ancestors, descendants = doc["ancestors"], doc["descendants"]
            if not isinstance(ancestors, list) or not isinstance(descendants, list):
                raise FormatError("a context's ancestors and descendants are lists of statuses")
            reader = Statuses("api", me)
            statuses = [*ancestors, *descendants]
            for s in statuses:
                reader.index(s)
            ids = {as_id(s["id"]) for s in statuses}
            # The status the context is of is the one parent that is not in it.
            missing = {reader.parents[i] for i in ids if reader.parents[i] is not None} - ids
            if len(missing) == 1:
                reader.focal = missing.pop()
                reader.focal_top = not ancestors
            for s in statuses:
                yield from reader.status(s)
            yield from reader.profile()
            return
        if isinstance(doc, dict) and is_status(doc):
            reader = Statuses("api", me, refuse_others=True)
            if "content" not in doc and isinstance(doc.get("text"), str):
                yield from reader.removed(doc)  # the response to a DELETE: the status, with its source text
            else:
                yield from reader.status(doc)
            yield from reader.profile()
            return
        if not isinstance(doc, list):
            raise FormatError("not a Mastodon API response socialledger knows")
        reader = Statuses("api", me, refuse_others=True)  # an account's statuses: of one account
        for s in doc:
            if not is_status(s):
                raise FormatError("a page of statuses holds something that is not a status")
            reader.index(s)
        for s in doc:
            yield from reader.status(s)
        yield from reader.profile()

    def _history_of(self, entry: InputFile) -> str | None:
        """The status id of an edit history, from the request saved beside it (`NAME.headers.json`)."""
        stem = PurePosixPath(entry.path).name
        stem = stem.removesuffix(".json")
        sidecar = entry.beside(f"{stem}.headers.json")
        if sidecar is None:
            return None
        try:
            doc = sidecar.json()
        except BadInput:
            return None
        uri = doc.get("request", {}).get("uri") if isinstance(doc, dict) else None
        m = _HISTORY_REQUEST.search(uri) if isinstance(uri, str) else None
        return m.group(1) if m else None

    # Streams -------------------------------------------------------------------------------

    def _stream(self, entry: InputFile, me: str | None) -> Iterator[Record]:
        reader = Statuses("stream", me)
        self._mentions = self._mine = 0
        for event, payload in stream_events(entry):
            yield from self._event(reader, event, payload)
        if me is not None and self._mentions and not self._mine and reader.my_account is None:
            # A user stream is its owner's: every mention notification in it mentions the owner.
            raise FormatError(f"a user stream of another account: none of its {self._mentions} mention "
                              f"notification(s) mentions {me}; nothing recorded")
        yield from reader.profile()

    def _event(self, reader: Statuses, event: str, payload: Any) -> Iterator[Record]:
        if event in STATUS_EVENTS:
            if isinstance(payload, str):
                payload = _json(payload, event)
            if not is_status(payload):
                raise FormatError(f"a {event} event carries no status")
            yield from reader.status(payload)
        elif event == "delete":
            yield reader.delete(as_id(payload, "deleted status id"))
        elif event == "notification":
            if isinstance(payload, str):
                payload = _json(payload, event)
            if not isinstance(payload, dict):
                raise FormatError("a notification event carries no notification")
            kind = str(payload.get("type") or "unknown")
            if isinstance(payload.get("account"), dict):
                reader.account(payload["account"])
            status = payload.get("status")
            if kind == "mention" and is_status(status):
                reader.index(status)
                self._mentions += 1
                self._mine += reader.addressed(status) or reader.own(status)
                yield from reader.status(status, addressed=True)
            else:
                reason = NOTIFICATION_REASON if kind in WHO_NOTIFICATIONS else OTHER_NOTIFICATION_REASON
                yield Skipped(channel=CHANNEL, source="stream", kind=f"{kind} notification", reason=reason)
        else:
            yield Skipped(channel=CHANNEL, source="stream", kind=f"{event} event", reason=EVENT_REASON)

    # Admin webhooks --------------------------------------------------------------------------

    def _webhooks(self, entry: InputFile, me: str | None) -> Iterator[Record]:
        reader = Statuses("webhook", me)
        for where, doc in json_documents(entry, "delivery"):
            for delivery in doc if isinstance(doc, list) else [doc]:
                if not isinstance(delivery, dict) or not isinstance(delivery.get("event"), str):
                    raise FormatError(f"{where}: not a Mastodon webhook delivery")
                event = delivery["event"]
                if event in ("status.created", "status.updated"):
                    if not is_status(delivery.get("object")):
                        raise FormatError(f"{where}: a {event} delivery carries no status")
                    yield from reader.status(delivery["object"])
                else:
                    yield Skipped(channel=CHANNEL, source="webhook", kind=f"{event} delivery",
                                  reason=ADMIN_EVENT_REASON)
        yield from reader.profile()


def _json(text: str, event: str) -> Any:
    try:
        return _decode(text)
    except msgspec.DecodeError as e:
        raise FormatError(f"a {event} event's data is not JSON ({e})") from None


def stream_events(entry: InputFile) -> Iterator[tuple[str, Any]]:
    """(event, payload) of a saved stream: server-sent-event text, or `{event, payload}` objects (JSON lines or array).

    In event-stream text a block of `event:` and `data:` lines ends at a blank line;
    lines starting with `:` are heartbeats. A `delete`'s data is the bare id, kept a string.
    """
    head = entry.head(64).removeprefix(b"\xef\xbb\xbf").lstrip()
    if _SSE_START.match(head):
        yield from _sse(entry)
        return
    for where, doc in json_documents(entry, "stream"):
        for e in doc if isinstance(doc, list) else [doc]:
            if not isinstance(e, dict) or not isinstance(e.get("event"), str) or "payload" not in e:
                raise FormatError(f"{where}: not a stream event ({{event, payload}})")
            yield e["event"], e["payload"]


def _sse(entry: InputFile) -> Iterator[tuple[str, Any]]:
    event: str | None = None
    data: list[str] = []
    for n, raw in entry.lines():
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise BadInput(f"{entry.name}: not UTF-8 text (invalid byte on line {n})") from None
        if n == 1:
            line = line.removeprefix("\ufeff")
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            elif event is not None:
                raise FormatError(f"line {n}: an event without data")
            event, data = None, []
            continue
        if line.startswith(":"):
            continue  # a heartbeat or comment
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
        elif field in ("id", "retry"):
            continue
        else:
            raise FormatError(f"line {n}: not event-stream text ({field!r})")
    if data:
        yield event or "message", "\n".join(data)
