"""A member's account export ("Get a copy of your data", CSV) -> records.

The export is a *member's*: the posts and comments of the person who asked for
it (someone who speaks for the organisation), not the organisation page's.
Two of its files are read; every other file of it (Profile.csv,
Connections.csv, messages.csv, Reactions.csv, articles, ...) is skipped:

- `Shares.csv` (known by its header, whatever the file is called):
  `Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility`, one post a row,
  or several rows in a row, one per media URL, that are one post with every media;
- `Comments.csv`: `Date,Link,Message`, one comment a row; `Link` is the
  URL-encoded feed link of the post commented on (its activity URN).

Dates are UTC `YYYY-MM-DD HH:MM:SS`. Cells may span lines; the export quotes
each line of a multi-line text (`line one"\\n"line two`), which is undone
(`unquote_lines`), so the text is as written. Comments.csv
escapes a quote as `\\"`: the file is read with `\\` as the CSV escape
character (doubled quotes are read too), and every other backslash is kept as
the text has it (`¯\\_(ツ)_/¯` stays whole).

- A share's native id is the share (or ugcPost/activity) URN in `ShareLink`.
- A comment's native id is the `commentUrn` (`replyUrn` for a reply) a `Link`
  carries; most carry none, and the core keys such a comment by its time and
  text. Its parent is the URN in the link's path: the commented post's
  activity URN (linked to a recorded post only when the post is recorded
  under that URN).
- A blank `Date`: the time is taken from the URN (the id shifted right by 22
  bits is its creation time in epoch ms): the share's own URN, the comment's
  own URN when the link has one, else the commented post's URN (an earliest
  possible time, said in `time_note`). A row with no date and no URN cannot be
  keyed: it is reported as an ItemError (the ingest summary lists it), not
  recorded.

The records name no organisation (`page_id` None) and no author: the export
is the member's own, and its posts count as the account's when ingested into
it; the comments carry no author.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

import msgspec

from socialledger.channels import ContentRecord, InputFile, ItemError, Kind, Media, Record
from socialledger.plugins.linkedin.common import (
    CHANNEL,
    FormatError,
    clean,
    find_post_urn,
    normalise_comment_urn,
    parse_time,
    urn_time,
)

SOURCE = "export"

SHARES_COLUMNS = ("Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility")
COMMENTS_COLUMNS = ("Date", "Link", "Message")
#: Columns without which a file is not the one it is named after.
REQUIRED = {"shares": ("Date", "ShareLink", "ShareCommentary"), "comments": ("Date", "Link", "Message")}

_FILE = re.compile(r"^(?P<kind>shares|comments)(?:[_\- ][^/]*)?\.csv$", re.IGNORECASE)
_BACKSLASH = re.compile(r'\\(?!")')
_IMAGE = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic")
_VIDEO = (".mp4", ".mov", ".m4v", ".webm")

SHARE_URN_NOTE = "the export gives no date: created time derived from the post URN"
COMMENT_URN_NOTE = "the export gives no date: created time derived from the comment URN"
POST_URN_NOTE = "the export gives no date: created is the commented post's creation time (from its URN)"


class Dialect(csv.Dialect):
    """LinkedIn's CSV: comma, `"` quoting, `\\"` or `""` for a quote inside a quoted cell."""

    delimiter = ","
    quotechar = '"'
    escapechar = "\\"
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL
    strict = True


def export_kind(path: str) -> str | None:
    """"shares" or "comments" for the export files this channel reads, by name; else None."""
    m = _FILE.match(PurePosixPath(path.replace("\\", "/")).name)
    return m.group("kind").lower() if m else None


def header_kind(head: bytes) -> str | None:
    """"shares" or "comments" when the first line of `head` is that file's header."""
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    try:
        columns = [c.strip() for c in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None
    for kind, required in REQUIRED.items():
        if all(c in columns for c in required):
            return kind
    return None


def _escaped(lines: Iterable[str]) -> Iterator[str]:
    """Each line with every backslash that does not escape a quote doubled, so the reader keeps it.

    A NUL character is no part of a text export (a damaged or binary file): refused.
    """
    for n, line in enumerate(lines, 1):
        if "\x00" in line:
            raise FormatError(f"line {n}: a NUL character: not a text export")
        yield _BACKSLASH.sub(r"\\\\", line) if "\\" in line else line


def read_export(entry: InputFile) -> Iterator[Record]:
    """The records of a Shares.csv or Comments.csv, row by row (the file is never read whole)."""
    with entry.reading() as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(_escaped(text), Dialect)
        try:
            header = next(reader, None)
            if header is None:
                raise FormatError("empty file")
            columns = [c.strip() for c in header]
            kind = next((k for k, req in REQUIRED.items() if all(c in columns for c in req)), None)
            if kind is None:
                raise FormatError(f"the header {','.join(columns)!r} is neither Shares.csv's nor Comments.csv's")
            row_reader = share_row if kind == "shares" else comment_row
            pending: Record | None = None  # a share, until the rows that repeat it (one per media URL) are read
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > len(columns):
                    raise FormatError(f"line {line}: {len(row)} cells, but the header has {len(columns)} "
                                      "(a quote the export did not escape?)")
                cells = dict(zip(columns, [*row, *([""] * (len(columns) - len(row)))], strict=True))
                record = row_reader(cells, f"line {line}")
                if pending is not None and (merged := _same_share(pending, record)) is not None:
                    pending = merged
                    continue
                if pending is not None:
                    yield pending
                pending = record
            if pending is not None:
                yield pending
        except csv.Error as e:
            raise FormatError(f"line {reader.line_num}: not readable as CSV ({e})") from None


def _same_share(held: Record, row: Record) -> ContentRecord | None:
    """`held` with the media of `row` added, when `row` repeats the share (the export writes a share
    once per media URL: the same link, date and text); None when it is another item."""
    if not (isinstance(held, ContentRecord) and isinstance(row, ContentRecord) and held.kind == row.kind == "post"):
        return None
    if held.native_id is None or held.native_id != row.native_id or held.text != row.text \
            or held.created != row.created:
        return None
    media = held.media + tuple(m for m in row.media if m not in held.media)
    rows = held.raw.get("rows") if set(held.raw) == {"rows"} else [held.raw]
    return msgspec.structs.replace(held, media=media, raw={"rows": [*rows, row.raw]})


def unquote_lines(text: str) -> str:
    """The text as written, from LinkedIn's quoting of multi-line texts.

    The export quotes every line of a multi-line text: each line break comes out as
    `"` line break `"` (`line one"\n"line two`, and `""` for an empty line). Only
    when every line break of the cell is quoted so is the quoting undone; any other
    text is kept exactly as the cell has it.
    """
    breaks = text.count("\n")
    if not breaks:
        return text
    quoted = text.count('"\n"') + text.count('"\r\n"')
    if quoted != breaks:
        return text
    return text.replace('"\r\n"', "\r\n").replace('"\n"', "\n")


def _date(value: str, where: str) -> datetime | None:
    value = value.strip()
    return parse_time(value, f"{where}: Date") if value else None


def _url_kind(url: str) -> str:
    path = urlsplit(url).path.lower()
    if path.endswith(_IMAGE) or "/image" in path:
        return "photo"
    if path.endswith(_VIDEO) or "video" in path:
        return "video"
    return "file"


def share_row(row: dict[str, str], where: str) -> Record:
    link = row.get("ShareLink", "").strip()
    urn = find_post_urn(urlsplit(link).path) if link else None
    created = _date(row.get("Date", ""), where)
    time_note = None
    if created is None and urn is not None:
        created = urn_time(urn)
        time_note = SHARE_URN_NOTE
    if created is None:
        return ItemError(channel=CHANNEL, source=SOURCE, native_id=urn, kind="post",
                         message=f"Shares.csv {where}: a post with neither Date nor a ShareLink URN "
                                 "that gives its time: not recorded")
    media = []
    shared = row.get("SharedUrl", "").strip()
    if shared:
        media.append(Media(kind="link", url=shared))
    media.extend(Media(kind=_url_kind(u), url=u) for u in row.get("MediaUrl", "").split())
    text = unquote_lines(row.get("ShareCommentary", ""))
    return ContentRecord(
        by_account=True,  # an account export holds the account's own activity
        channel=CHANNEL,
        kind="post",
        source=SOURCE,
        observed=created,
        native_id=urn,
        created=created,
        text=text if text.strip() else None,
        media=tuple(media),
        permalink=link or None,
        time_note=time_note,
        raw=clean(row),
    )


def comment_row(row: dict[str, str], where: str) -> Record:
    link = row.get("Link", "").strip()
    parts = urlsplit(link)
    post = find_post_urn(parts.path) if link else None
    query = parse_qs(parts.query)

    def urn_param(name: str) -> str | None:
        value = query.get(name, [None])[0]
        return normalise_comment_urn(value) if value else None

    comment, reply = urn_param("commentUrn"), urn_param("replyUrn")
    kind: Kind
    if reply is not None:
        native, parent, kind = reply, comment or post, "reply"
    else:
        native, parent, kind = comment, post, "comment"
    created = _date(row.get("Date", ""), where)
    time_note = None
    if created is None and native is not None:
        created, time_note = urn_time(native), COMMENT_URN_NOTE
    if created is None and post is not None:
        created, time_note = urn_time(post), POST_URN_NOTE
    if created is None:
        return ItemError(channel=CHANNEL, source=SOURCE, native_id=native, kind=kind,
                         message=f"Comments.csv {where}: a comment with neither Date nor a Link URN "
                                 "that gives its time: not recorded")
    text = unquote_lines(row.get("Message", ""))
    return ContentRecord(
        by_account=True,  # an account export holds the account's own activity
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=created,
        native_id=native,
        parent_native_id=parent,
        created=created,
        text=text if text.strip() else None,
        permalink=link or None,
        time_note=time_note,
        raw=clean(row),
    )


__all__ = ["COMMENTS_COLUMNS", "SHARES_COLUMNS", "comment_row", "export_kind", "header_kind", "read_export",
           "share_row"]
