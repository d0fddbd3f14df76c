"""What a channel is to the core, and the registry that owns channel names."""

from __future__ import annotations

import abc
import hmac
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar, Protocol

import msgspec

from socialledger.core.capture.inputs import InputFile
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import Embedded, Kind, ModerationRecord, Record, Source


class ApiError(Exception):
    """A platform API call that failed: its HTTP status, the platform's error code (if any) and the decoded body.

    The core's client (`socialledger serve`, `socialledger poll`) raises it for an
    answer it does not retry; `TokenRejected` and `Throttled` are the two the core
    itself handles. A channel's `look_up` reads `status`, `code` and `subcode`
    to tell "gone" from any other failure.
    """

    def __init__(self, status: int, message: str, *, code: int | None = None, subcode: int | None = None,
                 body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.subcode = subcode
        self.body = body


class TokenRejected(ApiError):
    """The platform refuses the account's token (expired, revoked, lacking a permission)."""


class Throttled(ApiError):
    """The platform still throttles after the core's back-off: the round ends and the next one tries again."""


class ApiClient(Protocol):
    """What a channel's `poll` and `look_up` are given: GET against the platform's API, token and back-off handled.

    `path` is relative to the channel's configured API base URL (`"104815942332364/feed"`)
    a path from the host (`/rest/posts?start=5`, as LinkedIn's paging links are), or a full
    URL the platform handed back (a `paging.next`); `headers` are the platform's own (an API
    version), never the token, which the client adds. The answer is the decoded
    JSON; a failure raises `ApiError` (or `TokenRejected`, `Throttled`). `body` is the
    raw bytes of the last answer, for a channel that saves pages as they came.
    """

    def get(self, path: str, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> Any: ...

    def get_page(self, path: str, params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None) -> tuple[bytes, Any]:
        """The raw bytes of the answer and their decoded JSON."""
        ...

    def get_answer(self, path: str, params: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None) -> tuple[bytes, Any, Mapping[str, str]]:
        """`get_page`, and the answer's HTTP headers (lower-case names): for a platform that pages
        by a `Link` header (Mastodon)."""
        ...

    def post(self, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Any:
        """POST `body` as JSON, without the account's token: for a channel whose `open_session` logs
        in with a password the secrets hold (Bluesky's `com.atproto.server.createSession`)."""
        ...


class ApiPage(msgspec.Struct, frozen=True):
    """One API answer a poll fetched, its bytes exactly as they came; `name` is a file name for it (`feed-1.json`)."""

    name: str
    body: bytes


class PollResult(msgspec.Struct):
    """What one poll of an account brought: its pages, the cursor for the next round, and what it saw.

    `seen` are the native ids (without the channel prefix) of the items the pages hold, and
    `window_start` the creation time from which on the poll saw everything the platform
    shows (None: it saw nothing). The core looks up items it holds that were created in the
    window but not seen (reconcile).
    """

    pages: list[ApiPage]
    cursor: str | None = None
    seen: set[str] = msgspec.field(default_factory=set)
    window_start: datetime | None = None


class Channel(abc.ABC):
    """A platform the ledger can read: one instance per channel, registered by a plugin.

    Subclass it, set the class attributes, and implement `detect` and `read`.
    Both get one input file at a time (a file given on the command line, or
    one file of a directory or ZIP); `read` streams records and must not hold
    the whole input in memory when the input is large.

    Optional capabilities: a channel whose platform signs its webhook
    deliveries sets `signature_header` and implements `verify_signature`.
    """

    #: the channel's name on the command line and in ids (`facebook`)
    name: ClassVar[str]
    #: a human title (`Facebook Pages`)
    title: ClassVar[str] = ""
    #: the sources it reads, out of "api", "webhook", "export", "stream" (`socialledger.channels.SOURCES`)
    reads: ClassVar[tuple[Source, ...]] = ()
    #: the plugin's version, shown by `socialledger plugins --all`
    version: ClassVar[str] = "0"
    #: the HTTP header a webhook delivery's signature comes in (`X-Hub-Signature-256`), for a channel
    #: that can verify one (`verify_signature`); None for a channel that cannot
    signature_header: ClassVar[str | None] = None
    #: the year the platform began: a platform time before it is impossible, and the item that carries
    #: one is skipped and named (`socialledger.core.domain.plausibility`; SOCIALLEDGER_EARLIEST_YEAR overrides)
    founded: ClassVar[int] = 2000
    #: where the raw fragments this channel yields embed people and items (the item's own author,
    #: a parent, mentions, a quoted post): the core stores references there instead (`Embedded`)
    embedded: ClassVar[tuple[Embedded, ...]] = ()
    #: how a handle typed in a text looks on this platform (a regular expression whose first group is the
    #: username as the platform's own data spells it: `@([A-Za-z0-9_]{1,15})` on X); the core reads each one the
    #: text and title hold as a mention of that username (a reference, shown while the person is not
    #: erased). None: the platform's texts have no handles
    handles: ClassVar[str | None] = None
    #: the platform API's base URL, for a channel that can `poll` (configurable per channel: `api_base`)
    api_base: ClassVar[str | None] = None

    @abc.abstractmethod
    def detect(self, entry: InputFile) -> Source | None:
        """Which source `entry` is (peek at it cheaply), or None if it is none this channel reads."""

    @abc.abstractmethod
    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        """Stream the normalised records of `entry`, raising `BadInput` on data it cannot read."""

    def read_for(self, entry: InputFile, source: Source, platform_id: str | None) -> Iterator[Record]:
        """`read`, told the platform id of the account the input is ingested into (None: not known).

        The core reads every file through this method; by default it is `read`. A
        capability, not a duty: override it when telling the account's data from
        other accounts' needs the account (a Mastodon stream or admin webhook carries
        every account's statuses, and a status's ids are local to the instance).
        Every item of the input is still one record or more (what is not the account's
        business a `Skipped` with its reason, never nothing); without the account
        (`platform_id` None, as `read` is called), read as well as the data alone allows.
        """
        return self.read(entry, source)

    def skip(self, entry: InputFile) -> bool:
        """True for files of an input that carry nothing to record (an export's media, its index.html)."""
        return False

    def check_platform_id(self, platform_id: str) -> str | None:
        """What is wrong with `platform_id` as the id an account of this channel is linked to, or None.

        A capability, not a duty: `account link` refuses an id a channel says is wrong
        (a Bluesky handle where the DID belongs, an X @name where the numeric id does), with
        the channel's message. The default accepts any id.
        """
        return None

    def verify_signature(self, body: bytes, headers: Mapping[str, str], secret: bytes) -> bool:
        """Whether a webhook delivery's raw `body` bears a valid signature under `secret`, given its HTTP `headers`.

        A capability, not a duty: implement it (and set `signature_header`) when the
        platform signs its deliveries. `body` is the request's bytes exactly as
        delivered; compare in constant time.
        """
        raise NotImplementedError(f"the {self.name} channel does not verify webhook signatures")

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        """Fetch the account's recent content (and metrics) from the platform's API, starting from `cursor`.

        A capability of a channel with `api_base`: the core calls it once per linked account
        and round, with a client that adds the account's token, honours the rate-limit
        headers and backs off on throttling; it ingests the returned pages through the
        channel's own `read` (source `api`), keeps the returned cursor, and reconciles. A
        token the platform refuses surfaces as `TokenRejected`: let it through.
        """
        raise NotImplementedError(f"the {self.name} channel does not poll")

    def poll_base(self, platform_id: str) -> str | None:
        """The API base URL for the account linked to `platform_id` when the secrets name none: `api_base`
        by default; a channel whose accounts live on different servers (Mastodon: each account's
        instance) answers per account."""
        return self.api_base

    def media_identity(self, url: str) -> str:
        """What names a media file across the URLs the platform gives it: the URL itself by default. A
        platform whose CDN signs each URL anew (an expiry and a signature in the query) answers the part
        that stays, so that the capture service does not download a picture it holds again with each new
        signature."""
        return url

    def open_session(self, client: ApiClient, platform_id: str, password: str) -> str:
        """An access token for the account, from the password the secrets hold for it (`passwords`).

        A capability of a channel whose platform hands out short-lived tokens for an app
        password (Bluesky's `com.atproto.server.createSession`): the core asks it when the
        secrets hold no token for the account but a password, each round; a password the
        platform refuses surfaces as `TokenRejected`.
        """
        raise NotImplementedError(f"the {self.name} channel does not open sessions")

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        """An item the ledger holds that the last poll did not return: None if it is still there, a removal if gone.

        The removal (`removal_found`: a `ModerationRecord`, action `remove`, source `api`) is
        recorded with the content kept. Any other failure raises (`ApiError`): nothing is recorded and the
        next round tries again.
        """
        raise NotImplementedError(f"the {self.name} channel does not look items up")

    def webhook_challenge(self, query: Mapping[str, str], verify_token: str) -> str | None:
        """The body to answer a webhook subscription handshake with, or None to refuse it (403).

        A capability of a channel with `signature_header`: `socialledger serve` calls it
        for `GET /webhooks/<channel>` with the query parameters and the configured verify
        token. Meta's handshake (`hub.mode=subscribe`, `hub.verify_token`, `hub.challenge`)
        is the default; compare the token in constant time.
        """
        if query.get("hub.mode") != "subscribe" or not verify_token:
            return None
        given = query.get("hub.verify_token", "")
        if not hmac.compare_digest(given.encode("utf-8"), verify_token.encode("utf-8")):
            return None
        challenge = query.get("hub.challenge")
        return challenge if challenge else None

    def webhook_accounts(self, body: bytes) -> list[str]:
        """The platform ids of the accounts a (verified) webhook delivery's raw `body` is for, in order.

        `socialledger serve` routes a delivery to the account linked to the first of them;
        it raises `BadInput` when the body is not a delivery this channel reads (the
        service answers 400 and stores nothing). The default reads Meta's envelope:
        `{"object": ..., "entry": [{"id": ...}, ...]}`.
        """
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:
            raise BadInput(f"the delivery is not JSON ({e})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("entry"), list) or not doc["entry"]:
            raise BadInput("the delivery is not an object with a non-empty 'entry' list")
        ids: list[str] = []
        for i, entry in enumerate(doc["entry"]):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), (str, int)) or isinstance(
                    entry.get("id"), bool):
                raise BadInput(f"entry[{i}] has no id")
            if str(entry["id"]) not in ids:
                ids.append(str(entry["id"]))
        return ids


class ChannelRegistry:
    """Channel names are the core's: two plugins claiming one name is an error at start-up."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}
        self._owners: dict[str, str] = {}

    def register(self, channel: Channel, owner: str = "") -> None:
        if not isinstance(channel, Channel):
            raise TypeError(f"{owner or 'a plugin'} registered {channel!r}, which is not a Channel")
        name = channel.name
        if name in self._channels:
            raise RuntimeError(
                f"channel {name!r} is registered twice: by {self._owners[name]} and by {owner or 'another plugin'}"
            )
        self._channels[name] = channel
        self._owners[name] = owner

    def get(self, name: str) -> Channel:
        try:
            return self._channels[name]
        except KeyError:
            known = ", ".join(sorted(self._channels)) or "none"
            raise BadInput(f"no channel {name!r} (channels: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._channels)

    def owner(self, name: str) -> str:
        return self._owners[name]

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._channels[n] for n in self.names())


def removal_found(channel: str, kind: Kind, native_id: str, observed: datetime, page_id: str | None,
                  raw: dict[str, Any]) -> ModerationRecord:
    """What `look_up` answers for an item its platform no longer has: a removal seen through the API, recorded
    only where the ledger holds the item (`if_held`), with the platform's answer as its raw fragment."""
    return ModerationRecord(channel=channel, kind=kind, source="api", action="remove", native_id=native_id,
                            observed=observed, page_id=page_id, raw=raw, if_held=True)
