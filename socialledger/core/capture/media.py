"""Media files captured with their items: kept encrypted under the item's key.

An account export carries the pictures and videos it refers to; ingest keeps
each one in `<home>/media/<item>/<name>`, encrypted with the item's key (so an
erasure or a disposal makes it unreadable with the rest of the item) and named
by a keyed hash of its bytes (no plaintext hash of a picture is stored). The
item's content records the name and size beside the platform's reference, and
archive packages carry the files. Platform URLs (signed CDN links) are not
fetched by `ingest`; the capture service downloads them beside the API pages it
polled and names them (`urls`), and they are kept the same way.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any
from uuid import UUID

from socialledger.core.capture.inputs import InputFile

MEDIA_DIR = "media"
MAX_BYTES = 512 * 1024**2
SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".mov", ".m4v", ".webm",
                      ".mp3", ".m4a", ".pdf"})


def is_media(entry: InputFile) -> bool:
    return PurePosixPath(entry.path).suffix.lower() in SUFFIXES


def spellings(path: str) -> set[str]:
    """The ways one path may be spelt by an export's JSON and by its files, all in NFC.

    A name with letters outside ASCII reaches us as UTF-8 (the file), as UTF-8 read as
    Latin-1 (Meta's JSON: "konsert_\u00c3\u00b6gonblick.mp4"), as UTF-8 read as CP437 (a
    ZIP entry whose UTF-8 flag is not set), decomposed (a folder unpacked on a Mac).
    """
    if path.isascii():
        return {path}
    out = {path}
    for wrong in ("latin-1", "cp437"):
        try:
            out.add(path.encode(wrong).decode("utf-8"))
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return {unicodedata.normalize("NFC", p) for p in out}


class MediaIndex:
    """The media files of one input, found by the paths an export's records give, however spelt."""

    def __init__(self, urls: dict[str, str] | None = None) -> None:
        self._by_path: dict[str, InputFile] = {}
        self._by_name: dict[str, list[str]] = {}
        #: platform URL -> the path in the input of the file downloaded from it (the capture service's)
        self.urls = dict(urls or {})

    def add(self, entry: InputFile) -> None:
        for path in spellings(entry.path):
            self._by_path[path] = entry
            self._by_name.setdefault(PurePosixPath(path).name, []).append(path)

    def find(self, uri: str | None) -> InputFile | None:
        if not uri:
            return None
        for spelt in spellings(uri.lstrip("/")):
            if spelt in self._by_path:
                return self._by_path[spelt]
            # The user may have given the export's parent folder, or the export its own root folder.
            for path in self._by_name.get(PurePosixPath(spelt).name, ()):
                if path.endswith(spelt) or spelt.endswith(path):
                    return self._by_path[path]
        return None

    def find_media(self, uri: str | None, url: str | None) -> InputFile | None:
        """A record's media file: by the path an export gives (`uri`), else by the URL it was downloaded from."""
        found = self.find(uri)
        if found is None and url and url in self.urls:
            found = self._by_path.get(self.urls[url])
        return found

    def __bool__(self) -> bool:
        return bool(self._by_path)

    def __len__(self) -> int:
        return len({id(e) for e in self._by_path.values()})


def stored_name(name_of: Any, entry: InputFile) -> str | None:
    """The name a media file is kept under (a keyed hash of its bytes, and its suffix); None if too big."""
    if entry.size > MAX_BYTES:
        return None
    return name_of(entry.read_bytes()) + PurePosixPath(entry.path).suffix.lower()


def held(home: Path, item: UUID) -> set[str]:
    """The names of the media files kept for an item."""
    folder = home / MEDIA_DIR / item.hex
    try:
        return {n for n in os.listdir(folder) if not n.endswith(".part")}
    except FileNotFoundError:
        return set()


def store(home: Path, item: UUID, cipher: Any, name_of: Any, entry: InputFile) -> dict[str, Any] | None:
    """Encrypt and keep one media file of an item; its stored name and size (None if too big)."""
    if entry.size > MAX_BYTES:
        return None
    data = entry.read_bytes()
    name = name_of(data) + PurePosixPath(entry.path).suffix.lower()
    folder = home / MEDIA_DIR / item.hex
    target = folder / name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        nonce = os.urandom(12)
        tmp = target.with_suffix(target.suffix + ".part")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(nonce + cipher.encrypt(nonce, data, item.bytes + name.encode()))
        os.replace(tmp, target)
    return {"stored": name, "size": len(data)}


def read(home: Path, item: UUID, cipher: Any, name: str) -> bytes | None:
    """The bytes of a stored media file, or None when its item's key is gone or the file is missing."""
    path = home / MEDIA_DIR / item.hex / name
    if cipher is None or not path.exists():
        return None
    blob = path.read_bytes()
    return cipher.decrypt(blob[:12], blob[12:], item.bytes + name.encode())


def forget(home: Path, items: list[UUID]) -> None:
    """Remove the (already unreadable) files of items whose keys were destroyed."""
    for item in items:
        shutil.rmtree(home / MEDIA_DIR / item.hex, ignore_errors=True)
