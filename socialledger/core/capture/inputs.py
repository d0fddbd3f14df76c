"""Opening what a user hands to `ingest`: a file, a directory or a ZIP, safely.

Every file becomes an `InputFile` that a channel reads through. A ZIP is read
entry by entry without unpacking it; entries that point outside the archive
(`..`, absolute paths), archives that would unpack past the size limit and
entries that expand suspiciously are refused before anything is read.
"""

from __future__ import annotations

import os
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

import attrs
import msgspec

from socialledger.core.domain.errors import BadInput

MAX_UNPACKED_ENV = "SOCIALLEDGER_MAX_UNPACKED_BYTES"
DEFAULT_MAX_UNPACKED = 16 * 1024**3
#: An entry that expands more than this many times (and is over 1 MiB) is refused as a ZIP bomb.
MAX_RATIO = 250
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)

_json = msgspec.json.Decoder()


def max_unpacked() -> int:
    value = os.environ.get(MAX_UNPACKED_ENV)
    if not value:
        return DEFAULT_MAX_UNPACKED
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"{MAX_UNPACKED_ENV} must be a number of bytes, not {value!r}") from None


@attrs.frozen
class InputFile:
    """One file of an input, however it was packed."""

    name: str  # for messages: "export.zip:posts/your_posts_1.json"
    path: str  # its path inside the input ("posts/your_posts_1.json"), or its file name
    size: int
    opener: Callable[[], IO[bytes]] = attrs.field(repr=False)
    #: finds a file in the same folder of the input by its name (`beside`); None: the input says nothing of it
    neighbour: Callable[[str], InputFile | None] | None = attrs.field(default=None, repr=False, eq=False)
    #: the files of the input this file is one of (see `siblings`); None: a file given on its own
    listing: Callable[[], Iterable[InputFile]] | None = attrs.field(default=None, repr=False, eq=False)

    def open(self) -> IO[bytes]:
        return self.opener()

    def beside(self, name: str) -> InputFile | None:
        """The file called `name` in the same folder of the input as this one, or None.

        For data that a platform splits over two files saved side by side (a saved
        response and the request it answered: Mastodon's edit history names its status
        only in the request). `name` is a plain file name, never a path.
        """
        if self.neighbour is None or not name or "/" in name or "\\" in name or name in (".", ".."):
            return None
        return self.neighbour(name)

    def siblings(self) -> Iterator[InputFile]:
        """Every file of the input this file is one of (itself included): the directory's or the ZIP's files.

        For a channel whose format spans files that refer to each other by path (an account
        archive read through its manifest): find a file by `path`, never by what the disk holds
        outside the input. A file given on its own has only itself.
        """
        if self.listing is None:
            yield self
            return
        yield from self.listing()

    def sibling(self, path: str) -> InputFile | None:
        """The file at `path` inside the same input, or None."""
        return next((f for f in self.siblings() if f.path == path), None)

    @contextmanager
    def reading(self) -> Iterator[IO[bytes]]:
        """The file open for reading; a damaged or truncated one is one clear line (BadInput)."""
        try:
            with self.open() as f:
                yield f
        except _READ_ERRORS as e:
            raise BadInput(f"{self.name}: cannot be read ({e})") from None

    def read_bytes(self) -> bytes:
        with self.reading() as f:
            return f.read()

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The file's bytes a piece at a time (a large file is never held whole)."""
        with self.reading() as f:
            while chunk := f.read(size):
                yield chunk

    def head(self, n: int = 4096) -> bytes:
        with self.reading() as f:
            return f.read(n)

    def text(self) -> str:
        return decode_utf8(self.read_bytes(), self.name)

    def json(self) -> Any:
        data = self.read_bytes()
        if not data.strip():
            raise BadInput(f"{self.name}: empty file")
        decode_utf8(data, self.name)  # a clear message for a wrong encoding, before JSON's
        try:
            return _json.decode(data.removeprefix(b"\xef\xbb\xbf"))
        except msgspec.DecodeError as e:
            raise BadInput(f"{self.name}: malformed JSON ({e})") from None

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, raw line) without reading the whole file into memory."""
        with self.reading() as f:
            yield from enumerate(f, 1)


def decode_utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise BadInput(f"{name}: not UTF-8 text (invalid byte at offset {e.start})") from None


#: What a directory entry that is not a regular file is, for the line that refuses it.
_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"))


def _regular(p: str, mode: int) -> None:
    """Refuse, without opening it, a path that is no regular file: reading a FIFO or a device never ends."""
    for test, what in _SPECIAL:
        if test(mode):
            raise BadInput(f"{p}: {what}, not a file; refused without reading it, nothing recorded")
    if not stat.S_ISREG(mode):
        raise BadInput(f"{p}: not a regular file; refused without reading it, nothing recorded")


def _inside(p: str, top: str) -> bool:
    """Whether the symbolic link `p` leads to a file inside the directory `top` (its real path)."""
    real = os.path.realpath(p)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def open_inputs(path: str | os.PathLike[str]) -> list[InputFile]:
    """The files of `path` in a stable order: a file, a directory's files, or a ZIP's entries."""
    return list(iter_inputs(path))


def iter_inputs(path: str | os.PathLike[str]) -> Iterator[InputFile]:
    """`open_inputs`, one file at a time: a crawl of a million pages is never listed in memory."""
    p = Path(path)
    try:
        mode = os.stat(p).st_mode  # a link given on the command line is the user's own choice: followed
    except OSError:
        raise BadInput(f"{p}: no such file or directory") from None
    if not stat.S_ISDIR(mode):
        _regular(str(p), mode)
        yield from _file_or_zip(str(p), p.name)
        return
    found = False
    top = str(p)
    real_top = os.path.realpath(top)

    listed: list[InputFile] = []

    def listing() -> Iterable[InputFile]:
        # Listed once, when a channel first asks for a file's siblings (most never do).
        if not listed:
            listed.extend(iter_inputs(top))
        return listed

    # Plain strings and os functions: a crawl has tens of thousands of files, listed
    # more than once by an ingest (to split it in two, then by each half).
    # Inside the directory, a symbolic link that leads outside it is refused (an input is what the
    # directory holds, never what a link inside it points at); a link to a folder is not followed.
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in dirs:
            here = os.path.join(folder, d)
            if os.path.islink(here) and not _inside(here, real_top):
                raise BadInput(f"{here}: a symbolic link to a folder outside {top}; refused, nothing recorded")
        prefix = "" if folder == top else os.path.relpath(folder, top).replace(os.sep, "/") + "/"
        for name in sorted(names):
            if name.startswith("."):
                continue
            here = os.path.join(folder, name)
            if os.path.islink(here) and not _inside(here, real_top):
                raise BadInput(f"{here}: a symbolic link to a file outside {top}; refused, nothing recorded")
            try:
                mode = os.stat(here).st_mode
            except OSError:
                raise BadInput(f"{here}: a symbolic link that leads nowhere; refused, nothing recorded") from None
            _regular(here, mode)
            found = True
            yield from _file_or_zip(here, prefix + name, listing)
    if not found:
        raise BadInput(f"{p}: an empty directory")


def _file_or_zip(p: str, rel: str, listing: Callable[[], Iterable[InputFile]] | None = None) -> list[InputFile]:
    if p.lower().endswith(".zip") or _looks_like_zip(p):
        return _zip_entries(Path(p))
    size = os.stat(p).st_size
    if size == 0:
        raise BadInput(f"{p}: empty file")
    return [InputFile(name=p, path=rel, size=size, opener=lambda p=p: open(p, "rb"),
                      neighbour=lambda name, p=p, rel=rel: _neighbour_file(p, rel, name), listing=listing)]


def _neighbour_file(p: str, rel: str, name: str) -> InputFile | None:
    """The file `name` beside `p` on disk, as an input file (None when there is none)."""
    other = os.path.join(os.path.dirname(p), name)
    if not os.path.isfile(other) or os.path.islink(other):
        return None
    folder = rel.rpartition("/")[0]
    return InputFile(name=other, path=f"{folder}/{name}" if folder else name, size=os.stat(other).st_size,
                     opener=lambda: open(other, "rb"))


def _looks_like_zip(p: str) -> bool:
    fd = os.open(p, os.O_RDONLY)
    try:
        return os.read(fd, 4) == b"PK\x03\x04"
    finally:
        os.close(fd)


def _zip_entries(p: Path) -> list[InputFile]:
    try:
        archive = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise BadInput(f"{p}: not a readable ZIP (truncated or damaged: {e})") from None
    limit = max_unpacked()
    total = 0
    entries = []
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise BadInput(f"{p}: entry {name!r} points outside the archive; refused")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise BadInput(f"{p}: entry {name!r} is encrypted; socialledger reads no encrypted entries "
                           "(unpack it, or export it again without a password); refused")
        total += info.file_size
        if total > limit:
            raise BadInput(
                f"{p}: would unpack to more than {limit} bytes ({MAX_UNPACKED_ENV} sets the limit); refused"
            )
        if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BadInput(f"{p}: entry {name!r} expands {info.file_size // max(info.compress_size, 1)} times; refused")
        if any(part.startswith(".") or part == "__MACOSX" for part in parts):
            continue
        entries.append(
            InputFile(
                name=f"{p}:{name}",
                path=name,
                size=info.file_size,
                opener=lambda info=info: archive.open(info),
                neighbour=lambda other, name=name: by_path.get(posixpath.join(posixpath.dirname(name), other)),
                listing=lambda: iter(entries),
            )
        )
    if not entries:
        raise BadInput(f"{p}: the ZIP holds no files")
    by_path: dict[str, InputFile] = {e.path: e for e in entries}
    return entries
