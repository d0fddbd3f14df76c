"""The X channel: an account archive (ZIP or folder), read through its `data/manifest.js`; and API v2 answers.

The archive is what an organisation has (X's API reads are paid per use since 2026); where
the organisation pays for reads, `socialledger serve` / `poll` fetch the account's tweets
and the replies in its conversations from API v2 (`polling.py`), and the answers, saved or
polled, are read by `api.py` (source `api`). The manifest is the file that is read (`archive.py` reads the data files it
lists); the archive's other data files (`window.YTD.*`) are read through it and yield nothing
of their own, and one given without its manifest is refused. Media, HTML and the archive
viewer's own scripts are passed over (media files are attached to their tweets by the core).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import ClassVar

from socialledger.channels import (
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
    reading,
)
from socialledger.plugins.x import api, polling
from socialledger.plugins.x.archive import data_name, is_manifest, read_archive


class XChannel(Channel):
    """X (Twitter): the account archive's tweets, replies, long posts, edits, deletions and media."""

    name = "x"
    title = "X"
    reads: ClassVar[tuple[Source, ...]] = ("api", "export")
    founded = 2006  # platform times before it are impossible (`Channel.founded`)
    # Whom a post answers or mentions (an archive holds only the account's own posts).
    embedded = (
        Embedded("tweet.in_reply_to_user_id", "person", id=None),
        Embedded("tweet.in_reply_to_user_id_str", "person", id=None),
        Embedded("tweet.in_reply_to_screen_name", "person", id=None, named="username"),
        Embedded("tweet.entities.user_mentions", "person", id="id_str", name="name", username="screen_name",
                 shown="username"),
        # API v2: the author, whom a tweet mentions, the tweets it answers or quotes
        Embedded("tweet.author_id", "person", id=None),
        Embedded("tweet.entities.mentions", "person", id="id", username="username", shown="username"),
        Embedded("tweet.referenced_tweets", "item", id="id"),
    )
    #: "@anna_b" typed in a tweet without `entities.user_mentions` (an archive's text, an edited one)
    handles = r"(?<![\w@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])"
    version = "1.0"
    api_base = polling.BASE

    def __init__(self) -> None:
        self._peeked = Peeked()

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        return polling.poll(client, platform_id, cursor)

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        return polling.look_up(client, native_id, kind, platform_id, observed)

    def check_platform_id(self, platform_id: str) -> str | None:
        """An X account is linked to its numeric id (`userInfo.accountId`): the @name can change."""
        if platform_id.isdigit():
            return None
        return (f"{platform_id!r} is not a numeric account id: link the accountId of the archive's "
                "data/manifest.js (userInfo), not the @name")

    def detect(self, entry: InputFile) -> Source | None:
        head = entry.head(256)
        if is_manifest(head) or data_name(head) is not None:
            return "export"
        if head.lstrip()[:1] != b"{":
            return None
        _body, doc = self._peeked.peek(entry)
        return "api" if doc is not NOT_JSON and api.classify(doc) else None

    def skip(self, entry: InputFile) -> bool:
        """Media, the archive viewer (HTML, its own scripts and styles), README: no items of their own."""
        if self.detect(entry) is not None:
            return False
        suffix = PurePosixPath(entry.path).suffix.lower()
        return suffix not in (".js", ".json") or PurePosixPath(entry.path).parts[:1] == ("assets",)

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        return self.read_for(entry, source, None)

    def read_for(self, entry: InputFile, source: Source, platform_id: str | None) -> Iterator[Record]:
        if source == "api":
            with reading(self, entry, source, "an X API answer"):
                yield from api.read_answer(self._peeked.json(entry), platform_id)
            return
        with reading(self, entry, source, "an X archive"):
            head = entry.head(256)
            if is_manifest(head):
                yield from read_archive(entry)
                return
            beside = str(PurePosixPath(entry.path).parent / "manifest.js").removeprefix("./")
            manifest = entry.sibling(beside)
            if not (manifest is not None and is_manifest(manifest.head(256))) and not any(
                    is_manifest(f.head(256)) for f in entry.siblings() if f.path.lower().endswith(".js")):
                raise BadInput(f"{entry.name}: a data file of an X archive ({data_name(head)}) is read through the "
                               "archive's data/manifest.js: give the whole archive (its ZIP or folder)")
            # Read through the manifest, which lists it: nothing of its own.


__all__ = ["XChannel"]
