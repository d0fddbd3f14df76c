"""The X channel: an account archive (ZIP or folder), read through its `data/manifest.js`.

Import only: X's API reads are paid per use since 2026, and the archive is what an
organisation has. The manifest is the file that is read (`archive.py` reads the data files it
lists); the archive's other data files (`window.YTD.*`) are read through it and yield nothing
of their own, and one given without its manifest is refused. Media, HTML and the archive
viewer's own scripts are passed over (media files are attached to their tweets by the core).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import ClassVar

from socialledger.channels import BadInput, Channel, Embedded, InputFile, Record, Source, reading
from socialledger.plugins.x.archive import data_name, is_manifest, read_archive


class XChannel(Channel):
    """X (Twitter): the account archive's tweets, replies, long posts, edits, deletions and media."""

    name = "x"
    title = "X (account archive)"
    reads: ClassVar[tuple[Source, ...]] = ("export",)
    founded = 2006  # platform times before it are impossible (`Channel.founded`)
    # Whom a post answers or mentions (an archive holds only the account's own posts).
    embedded = (
        Embedded("tweet.in_reply_to_user_id", "person", id=None),
        Embedded("tweet.in_reply_to_user_id_str", "person", id=None),
        Embedded("tweet.in_reply_to_screen_name", "person", id=None, named="username"),
        Embedded("tweet.entities.user_mentions", "person", id="id_str", name="name", username="screen_name",
                 shown="username"),
    )
    version = "1.0"

    def check_platform_id(self, platform_id: str) -> str | None:
        """An X account is linked to its numeric id (`userInfo.accountId`): the @name can change."""
        if platform_id.isdigit():
            return None
        return (f"{platform_id!r} is not a numeric account id: link the accountId of the archive's "
                "data/manifest.js (userInfo), not the @name")

    def detect(self, entry: InputFile) -> Source | None:
        head = entry.head(256)
        return "export" if is_manifest(head) or data_name(head) is not None else None

    def skip(self, entry: InputFile) -> bool:
        """Media, the archive viewer (HTML, its own scripts and styles), README: no items of their own."""
        if self.detect(entry) is not None:
            return False
        suffix = PurePosixPath(entry.path).suffix.lower()
        return suffix not in (".js", ".json") or PurePosixPath(entry.path).parts[:1] == ("assets",)

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
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
