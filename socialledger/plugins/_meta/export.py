"""Meta's account exports (Facebook and Instagram): where an export keeps the files a channel reads."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import attrs


@attrs.frozen
class ExportLayout:
    """Where an account export keeps the two kinds of file a channel reads, and its own folders.

    A posts or comments file is known by its name, in its own folder or at the
    top of the archive; `folders` are every folder an export makes, so that its
    other files (reactions, friends, ...) are told apart from a channel's data.
    """

    posts_file: re.Pattern[str]
    posts_dirs: frozenset[str]
    comments_file: re.Pattern[str]
    comments_dirs: frozenset[str]
    folders: frozenset[str]

    def kind(self, path: str) -> str | None:
        """"posts" or "comments" for the export files this channel reads, by their path; else None."""
        p = PurePosixPath(path.replace("\\", "/"))
        parent = p.parent.name
        if self.posts_file.match(p.name) and (parent in self.posts_dirs or parent == ""):
            return "posts"
        if self.comments_file.match(p.name) and (parent in self.comments_dirs or parent == ""):
            return "comments"
        return None

    def in_folder(self, path: str) -> bool:
        """True when a folder on `path` is one of the export's own."""
        parts = PurePosixPath(path.replace("\\", "/")).parts[:-1]
        return any(part in self.folders for part in parts)
