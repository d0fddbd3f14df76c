"""Helpers for channel plugins: ids, times, safe raw fragments, defensive lookups, JSON sniffing, mojibake.

Every channel meets the same platform habits (ids as JSON numbers, `+0000`
times, access tokens in paging URLs, UTF-8 escaped as Latin-1 in exports);
these are the shared answers. Plugins do not import this module: they import
`socialledger.channels`, the stable surface that re-exports these helpers.
Platform-specific knowledge (Meta's Graph paging, Insights, webhook envelope,
export layout) lives with the channels, in `socialledger/plugins/_meta/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import msgspec

from socialledger.core.domain.errors import BadInput

#: Query parameters that are credentials: never stored, wherever they appear.
_SECRET_PARAMS = ("access_token", "appsecret_proof")
_SECRET_RE = re.compile(
    r"(?P<sep>[?&]|(?<![\w-]))(?:access_token|appsecret_proof)=[^&#\s\"'<>]*(?P<amp>&?)",
    re.IGNORECASE,
)
#: Keys dropped from every stored fragment: paging URLs carry tokens and cursors, not content.
_DROPPED_KEYS = frozenset({"paging", *_SECRET_PARAMS})


class FormatError(ValueError):
    """Data that is not the shape it claims to be; the channel (or `reading`) prefixes the file name."""


def _drop_param(m: re.Match[str]) -> str:
    # "?access_token=x&a=1" -> "?a=1"; "?a=1&access_token=x" -> "?a=1"; "?access_token=x" -> ""
    sep, amp = m.group("sep"), m.group("amp")
    if sep == "?":
        return "?" if amp else ""
    if sep == "&":
        return "&" if amp else ""
    return ""


def strip_token(s: str) -> str:
    """`s` without any `access_token=` / `appsecret_proof=` parameter."""
    if "access_token" not in s.lower() and "appsecret_proof" not in s.lower():
        return s
    return _SECRET_RE.sub(_drop_param, s)


def url_without(url: str, drop: Callable[[str], bool], *, where: str | None = None) -> str:
    """`url` without the query parameters whose names `drop` answers True for (the others sorted), and with its
    scheme and host replaced by `where` when given: what names a CDN's file across the URLs it signs anew
    (`Channel.media_identity`)."""
    parts = urlsplit(url)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not drop(k)))
    return f"{where or f'{parts.scheme}://{parts.netloc}'}{parts.path}" + (f"?{query}" if query else "")


_encode = msgspec.json.Encoder().encode


def clean(obj: Any) -> Any:
    """A fragment fit for `raw`: no `paging`, no token keys, no token in any URL.

    Most fragments hold none of these: one look at their encoded bytes says so,
    and they are returned as they are rather than copied field by field.
    """
    if isinstance(obj, (dict, list)):
        try:
            data = _encode(obj).lower()
        except (TypeError, msgspec.EncodeError):
            data = None
        if data is not None and b"access_token" not in data and b"appsecret_proof" not in data \
                and b'"paging"' not in data:
            return obj
    return _clean(obj)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if k not in _DROPPED_KEYS}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, str):
        return strip_token(obj)
    return obj


def as_id(value: Any, what: str = "id") -> str:
    """A platform id as a string: JSON numbers (any size) are kept exact."""
    if isinstance(value, bool) or value is None:
        raise FormatError(f"{what} is {value!r}, not an id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        v = value.strip()
        if v:
            return v
        raise FormatError(f"{what} is empty")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    raise FormatError(f"{what} is {value!r}, not an id")


def opt_id(value: Any, what: str = "id") -> str | None:
    return None if value is None or value == "" else as_id(value, what)


def parse_time(value: Any, what: str = "time") -> datetime:
    """An aware UTC datetime from `2021-08-10T18:45:03+0000`, an ISO string, or unix seconds."""
    if isinstance(value, bool) or value is None:
        raise FormatError(f"{what} is {value!r}, not a time")
    if isinstance(value, str):
        s = value.strip()
        if s.isdigit():
            return parse_time(int(s), what)
        try:
            # Python 3.11 reads Facebook's "+0000" offsets too, some fifty times faster than strptime.
            dt = datetime.fromisoformat(s)
        except ValueError:
            try:
                dt = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                raise FormatError(f"{what} {value!r} is not a time") from None
        if dt.tzinfo is None:  # Facebook's times are UTC
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    if isinstance(value, int | float):
        t = float(value)
        if t > 1e11:  # milliseconds (seconds would be after the year 5000)
            t /= 1000
        try:
            return datetime.fromtimestamp(t, UTC)
        except (OverflowError, OSError, ValueError):
            raise FormatError(f"{what} {value!r} is not a time") from None
    raise FormatError(f"{what} is {value!r}, not a time")


def opt_time(value: Any, what: str = "time") -> datetime | None:
    return None if value is None or value == "" else parse_time(value, what)


def dict_at(obj: Any, *path: str) -> dict[str, Any]:
    """`obj[path0][path1]...` when every step is a dict, else {}."""
    for key in path:
        if not isinstance(obj, dict):
            return {}
        obj = obj.get(key)
    return obj if isinstance(obj, dict) else {}


def list_at(obj: Any, *path: str) -> list[Any]:
    """`obj[path0]...[pathN]` when it is a list, else []."""
    *head, last = path
    parent = dict_at(obj, *head) if head else obj
    value = parent.get(last) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def number(value: Any, what: str = "value") -> float:
    if isinstance(value, bool):
        raise FormatError(f"{what} is {value!r}, not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise FormatError(f"{what} is {value!r}, not a number")


# Detection ------------------------------------------------------------------------------

#: What `peek` answers for bytes that are no JSON document (nor a JSON line).
NOT_JSON = object()
#: How much of a file `peek` reads: a file this small is decoded whole, a larger one only sniffed.
HEAD_BYTES = 64 * 1024
JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_BOM = b"\xef\xbb\xbf"
_decode_json = msgspec.json.Decoder().decode


def peek(entry: Any, head: bytes | None = None) -> tuple[bytes, Any]:
    """(the start of a file without BOM and leading space, its JSON when the whole file fits, else NOT_JSON).

    A file that fits in `HEAD_BYTES` is decoded whole, else its first line (JSON lines);
    NOT_JSON when neither is JSON. Channels peek at a file this way in `detect` to
    recognise its shape cheaply.
    """
    body, doc, _ = _peek(entry, head)
    return body, doc


def _peek(entry: Any, head: bytes | None = None) -> tuple[bytes, Any, bool]:
    """`peek`, and whether the JSON is the whole file (rather than its first line)."""
    head = entry.head(HEAD_BYTES) if head is None else head
    body = head.removeprefix(_BOM).lstrip()
    if len(head) >= HEAD_BYTES:
        return body, NOT_JSON, False
    try:
        return body, _decode_json(body), True
    except (msgspec.DecodeError, UnicodeDecodeError):
        return body, _first_line(body), False


def starts_like_json(entry: Any) -> bool:
    """Whether a file begins like a JSON object or array (BOM and leading space aside)."""
    return entry.head(64).removeprefix(_BOM).lstrip()[:1] in (b"{", b"[")


def _first_line(body: bytes) -> Any:
    try:
        return _decode_json(body.split(b"\n", 1)[0])
    except (msgspec.DecodeError, UnicodeDecodeError):
        return NOT_JSON


class Peeked:
    """A channel's memory of the small file its `detect` decoded whole, for its `read` of it.

    An ingest detects each file and then reads it; for a crawl of small API
    responses, reading and decoding each file a second time was a sixth of
    reading the crawl. The document is handed over once and then forgotten.
    """

    def __init__(self) -> None:
        self._entry: Any = None
        self._doc: Any = None

    def peek(self, entry: Any) -> tuple[bytes, Any]:
        """`peek(entry)`, remembering the document when it is the whole file."""
        body, doc, whole = _peek(entry)
        self._entry, self._doc = (entry, doc) if whole else (None, None)
        return body, doc

    def json(self, entry: Any) -> Any:
        """`entry.json()`, without reading the file again when it is the one peeked at last."""
        if entry is not self._entry:
            return entry.json()
        doc = self._doc
        self._entry = self._doc = None
        return doc


def json_documents(entry: Any, whole: str) -> Iterator[tuple[str, Any]]:
    """The JSON documents of a file one at a time, each with where it is ("line 3", or `whole`).

    One document a line (JSON lines: a batch of webhook deliveries, Airbyte records)
    is read line by line without loading the file; a file whose first line is not a
    document (a pretty-printed response or array) is read whole.
    """
    lines = entry.lines()
    first: tuple[int, bytes] | None = None
    for n, line in lines:
        if line.strip():
            first = (n, line)
            break
    if first is None:
        raise BadInput(f"{entry.name}: empty file")
    try:
        doc = _decode_json(first[1].removeprefix(_BOM))
    except msgspec.DecodeError:
        lines.close()  # not one document a line
        yield whole, entry.json()
        return
    yield f"line {first[0]}", doc
    for n, line in lines:
        if not line.strip():
            continue
        try:
            doc = _decode_json(line)
        except msgspec.DecodeError as e:
            raise FormatError(f"line {n}: malformed JSON ({e})") from None
        yield f"line {n}", doc


@contextmanager
def reading(channel: Any, entry: Any, source: str, platform: str) -> Iterator[None]:
    """Around a channel's `read`: a source it does not read, or data not of the shape it expects, is BadInput.

    The message names the file and what is wrong with it (a `FormatError` says
    where), never a traceback; a BadInput raised inside passes as it is.
    """
    if source not in channel.reads:
        raise BadInput(f"{entry.name}: the {channel.name} channel reads {', '.join(channel.reads)}, not {source!r}")
    try:
        yield
    except FormatError as e:
        raise BadInput(f"{entry.name}: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise BadInput(
            f"{entry.name}: not readable as {platform} {source} data ({type(e).__name__}: {e})"
        ) from None


# Mojibake ------------------------------------------------------------------------------
# Some exports (Meta's, for Facebook and Instagram) write every string as its UTF-8 bytes,
# each byte escaped as the Latin-1 code point of the same value ("\\u00c3\\u00a5" is "å").


def repair(s: str) -> str:
    """`s` with Facebook's Latin-1-escaped UTF-8 undone, or `s` itself where that does not apply."""
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def repair_tree(obj: Any) -> Any:
    """A copy of a parsed JSON value with every string (keys too) repaired."""
    if isinstance(obj, str):
        return repair(obj)
    if isinstance(obj, dict):
        return {repair(k) if isinstance(k, str) else k: repair_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [repair_tree(v) for v in obj]
    return obj
