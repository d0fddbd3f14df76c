"""The Bluesky channel: detects and reads saved AppView responses, Jetstream event lines and repository exports.

- "api": `app.bsky.feed.getAuthorFeed`, `app.bsky.feed.getPostThread` and `app.bsky.actor.getProfile`
  responses, one a file (`api.py`);
- "stream": Jetstream events, one JSON object a line (`jetstream.py`);
- "export": the repository's CAR file from `com.atproto.sync.getRepo` (`repo.py`).

Detection claims only Bluesky shapes: post views with `uri`/`record`/`indexedAt`, thread views,
profile views with a DID; events with `did`, `time_us` and `kind`; a CAR header.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import ClassVar

from socialledger.channels import (
    JSON_SUFFIXES,
    NOT_JSON,
    ApiClient,
    BadInput,
    Channel,
    Embedded,
    InputFile,
    Kind,
    ModerationRecord,
    Peeked,
    PollResult,
    Record,
    Source,
    json_documents,
    reading,
    starts_like_json,
)
from socialledger.plugins.bluesky import api, jetstream, polling, repo

_EVENT = re.compile(rb'^\{[^\n]*"time_us"\s*:\s*\d+[^\n]*"kind"\s*:\s*"(commit|identity|account)"'
                    rb'|^\{[^\n]*"kind"\s*:\s*"(commit|identity|account)"[^\n]*"time_us"\s*:\s*\d+')
_DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[A-Za-z0-9.\-]+(%3A\d+)?(:[A-Za-z0-9._\-]+)*)$")
_API = re.compile(rb'"uri"\s*:\s*"at://|app\.bsky\.feed\.defs#(threadViewPost|notFoundPost|blockedPost)')
_API_SHAPE = re.compile(rb'"(feed|thread|indexedAt|followersCount)"\s*:')


class BlueskyChannel(Channel):
    """Bluesky (AT Protocol): the account's posts, the replies to them, hidden replies, counts and followers."""

    name = "bluesky"
    title = "Bluesky"
    reads: ClassVar[tuple[Source, ...]] = ("api", "stream", "export")
    founded = 2022  # platform times before it are impossible (`Channel.founded`)
    # Who wrote it, whom it mentions (facets), the posts it answers, quotes or hides: at:// URIs carry
    # their authors' DIDs, and views carry their authors' profiles and words.
    embedded = (
        Embedded("author", "person", id="did"),
        Embedded("did", "person", id=None),
        Embedded("record.facets.features", "person", id="did"),
        Embedded("record.reply.parent", "item", id="uri"),
        Embedded("record.reply.root", "item", id="uri"),
        Embedded("record.embed.record", "item", id="uri"),
        Embedded("record.embed.record.record", "item", id="uri"),
        Embedded("record.hiddenReplies", "item", id=None),
        Embedded("commit.record.facets.features", "person", id="did"),
        Embedded("commit.record.reply.parent", "item", id="uri"),
        Embedded("commit.record.reply.root", "item", id="uri"),
        Embedded("commit.record.embed.record", "item", id="uri"),
        Embedded("commit.record.embed.record.record", "item", id="uri"),
        Embedded("commit.record.hiddenReplies", "item", id=None),
        Embedded("reply.parent", "item", id="uri"),
        Embedded("reply.root", "item", id="uri"),
        Embedded("embed.record", "item", id="uri"),
        Embedded("embed.record.record", "item", id="uri"),
        Embedded("hiddenReplies", "item", id=None),
    )
    #: "@anna.bsky.social" typed in a post that carries no mention facet for it
    handles = (r"(?<![\w@.])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
               r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)(?![\w@-]|\.\w)")
    version = "1.0"
    api_base = polling.BASE  # the entryway; an account's own PDS where the secrets name it (`api_base(s)`)

    def __init__(self) -> None:
        self._peeked = Peeked()

    def open_session(self, client: ApiClient, platform_id: str, password: str) -> str:
        return polling.open_session(client, platform_id, password)

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        return polling.poll(client, platform_id, cursor)

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        return polling.look_up(client, native_id, kind, platform_id, observed)

    def check_platform_id(self, platform_id: str) -> str | None:
        """A Bluesky account is linked to its DID: a handle can change hands, the DID cannot."""
        if platform_id.startswith("did:"):
            return None if _DID.match(platform_id) else f"{platform_id!r} is not a DID (did:plc:… or did:web:…)"
        if "." in platform_id or platform_id.startswith(("@", "at://")):
            return (f"{platform_id!r} is a handle or an address: link the account's DID (did:plc:…), which stays "
                    "when the handle changes")
        return None

    def detect(self, entry: InputFile) -> Source | None:
        head = entry.head(4096)
        if repo.looks_like_car(head):
            return "export"
        body, doc = self._peeked.peek(entry)
        if body[:1] not in (b"{", b"["):
            return None
        if isinstance(doc, dict) and jetstream.is_event(doc):
            return "stream"  # the first line of a file of events
        if doc is not NOT_JSON:
            return "api" if api.classify(doc) else None
        if _EVENT.match(body):
            return "stream"
        return "api" if _API.search(body) and _API_SHAPE.search(body) else None

    def skip(self, entry: InputFile) -> bool:
        """Notes, listings and media saved beside the data (not JSON, JSON lines or a CAR file, by content)."""
        if PurePosixPath(entry.path).suffix.lower() in (*JSON_SUFFIXES, ".car"):
            return False
        return not starts_like_json(entry) and not repo.looks_like_car(entry.head(64))

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        with reading(self, entry, source, "Bluesky"):
            if source == "export":
                yield from repo.read_repo(entry.read_bytes())
            elif source == "stream":
                yield from jetstream.read_events(json_documents(entry, "the file"))
            else:
                doc = self._peeked.json(entry)
                if jetstream.is_event(doc):
                    raise BadInput(f"{entry.name}: a Jetstream event, not an API response")
                yield from api.read_response(doc)


__all__ = ["BlueskyChannel"]
