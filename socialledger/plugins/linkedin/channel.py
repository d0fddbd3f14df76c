"""The LinkedIn channel: detects and reads API responses (raw or Airbyte-wrapped) and a member's CSV export.

Sources:

- "api" (LinkedIn's REST API; the core's name for a platform API): one
  response a file (`{paging, elements:[...]}`, one object, a batch get
  `{results:{urn: object}}`, or an error `{status, serviceErrorCode,
  message}`), or one response or Airbyte record a line (JSONL, read line by
  line). An Airbyte record `{"stream", "data", "emitted_at"}` (also inside an
  Airbyte protocol message `{"type": "RECORD", "record": {...}}`) is read as
  its `data`, observed at `emitted_at`. Every object is recognised by its
  shape, not by its stream's name: posts, comments, social action summaries,
  share and follower statistics, network sizes, the organisation; anything
  else is refused (nothing goes missing silently).
- "export": `Shares.csv` and `Comments.csv` of a member's account export
  (`export.py`); the export's other files are skipped.

Detection claims only LinkedIn shapes (share/ugcPost URNs, `commentUrn`,
`totalShareStatistics`, ...): Facebook's `{data:[...]}` pages, webhook
deliveries and export arrays are none of them.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, ClassVar

from socialledger.channels import (
    HEAD_BYTES,
    JSON_SUFFIXES,
    NOT_JSON,
    ApiClient,
    BadInput,
    Channel,
    Embedded,
    InputFile,
    Kind,
    ModerationRecord,
    PollResult,
    Record,
    Source,
    json_documents,
    peek,
    reading,
    starts_like_json,
)
from socialledger.plugins.linkedin import polling
from socialledger.plugins.linkedin.common import FormatError, cdn_identity, ms_time
from socialledger.plugins.linkedin.export import export_kind, header_kind, read_export
from socialledger.plugins.linkedin.posts import (
    Context,
    is_comment,
    is_post,
    is_social_summary,
    read_comment,
    read_post,
    read_social_summary,
)
from socialledger.plugins.linkedin.statistics import (
    is_error,
    is_follower_statistics,
    is_network_size,
    is_organization,
    is_share_statistics,
    read_error,
    read_follower_statistics,
    read_network_size,
    read_organization,
    read_share_statistics,
)

_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)

#: Airbyte protocol messages that carry no record.
_AIRBYTE_OTHER = frozenset({"STATE", "LOG", "TRACE", "CONTROL", "SPEC", "CATALOG", "CONNECTION_STATUS"})
#: The streams of Airbyte's LinkedIn Pages connector.
AIRBYTE_STREAMS = frozenset({
    "organization_lookup", "follower_statistics", "share_statistics", "total_follower_count",
    "follower_statistics_time_bound", "share_statistics_time_bound",
})
_URN = re.compile(rb'"urn:li:')
_LINKEDIN_KEY = re.compile(
    rb'"(commentUrn|totalShareStatistics|followerGains|followerCountsBy\w+|firstDegreeSize|lifecycleState|'
    rb'organizationalEntity|commentary|serviceErrorCode)"\s*:'
)


class LinkedInChannel(Channel):
    """LinkedIn organisation pages: posts, comments, replies, statistics, and a member's export."""

    name = "linkedin"
    title = "LinkedIn"
    reads: ClassVar[tuple[Source, ...]] = ("api", "export")
    founded = 2003  # platform times before it are impossible (`Channel.founded`)
    # Who wrote or last changed it (a member's URN for a comment), and the comment a reply answers.
    embedded = (
        Embedded("actor", "person", id=None),
        Embedded("author", "person", id=None),
        Embedded("created.actor", "person", id=None),
        Embedded("lastModified.actor", "person", id=None),
        Embedded("parentComment", "item", id=None),
    )
    api_base = polling.BASE  # LinkedIn's REST API (configurable: api_base in the secrets)

    def poll(self, client: ApiClient, platform_id: str, cursor: str | None) -> PollResult:
        return polling.poll(client, platform_id, cursor)

    def look_up(self, client: ApiClient, native_id: str, kind: Kind, platform_id: str,
                observed: datetime) -> ModerationRecord | None:
        return polling.look_up(client, native_id, kind, platform_id, observed)
    version = "1.1"

    def media_identity(self, url: str) -> str:
        return cdn_identity(url)  # LinkedIn's CDN signs each URL anew

    def detect(self, entry: InputFile) -> Source | None:
        head = entry.head(HEAD_BYTES)
        if PurePosixPath(entry.path).suffix.lower() == ".csv":
            return "export" if header_kind(head) is not None else None
        body, doc = peek(entry, head)
        if body[:1] != b"{":
            return None
        return classify(doc) if doc is not NOT_JSON else sniff(body)

    def skip(self, entry: InputFile) -> bool:
        """The member export's other CSV files, and media, HTML and text beside the data."""
        suffix = PurePosixPath(entry.path).suffix.lower()
        if suffix == ".csv":
            # Read by its header, whatever it is called (acme_Shares.csv is Shares.csv); passed over when
            # the header is no post or comment file's, unless its name says it should be one (refused then).
            return header_kind(entry.head(4096)) is None and export_kind(entry.path) is None
        if suffix in JSON_SUFFIXES:
            return False
        return not starts_like_json(entry)

    def read(self, entry: InputFile, source: Source) -> Iterator[Record]:
        with reading(self, entry, source, "LinkedIn"):
            try:
                if source == "api":
                    for where, doc in json_documents(entry, "the response"):
                        yield from read_document(doc, where)
                else:
                    yield from read_export(entry)
            except UnicodeDecodeError as e:  # before `reading`'s ValueError: the CSV export is not UTF-8
                raise BadInput(f"{entry.name}: not UTF-8 text (invalid byte at offset {e.start})") from None
            except _READ_ERRORS as e:
                raise BadInput(f"{entry.name}: cannot be read ({e})") from None


# --- detection --------------------------------------------------------------------------------

def item_kind(item: Any) -> str | None:
    """What a LinkedIn object is, by its shape; None for anything this channel does not read."""
    if not isinstance(item, dict):
        return None
    if is_error(item):
        return "error"
    if is_post(item):
        return "post"
    if is_comment(item):
        return "comment"
    if is_social_summary(item):
        return "social_summary"
    if is_share_statistics(item):
        return "share_statistics"
    if is_follower_statistics(item):
        return "follower_statistics"
    if is_network_size(item):
        return "network_size"
    if is_organization(item):
        return "organization"
    return None


def unwrap(doc: dict[str, Any]) -> tuple[Any, Any, str] | None:
    """(data, emitted_at, stream) of an Airbyte record, or None when `doc` is not one."""
    if doc.get("type") == "RECORD" and isinstance(doc.get("record"), dict):
        doc = doc["record"]
    if isinstance(doc.get("stream"), str) and "data" in doc and ("emitted_at" in doc or "namespace" in doc):
        return doc["data"], doc.get("emitted_at"), doc["stream"]
    return None


def _restli_paging(paging: Any) -> bool:
    return isinstance(paging, dict) and ("count" in paging or "start" in paging) and "cursors" not in paging


def classify(doc: Any) -> Source | None:
    """Which source a decoded document is ("api"), or None when it is no LinkedIn shape."""
    if not isinstance(doc, dict):
        return None
    if doc.get("type") in _AIRBYTE_OTHER:
        return None
    wrapped = unwrap(doc)
    if wrapped is not None:
        data, _, stream = wrapped
        return "api" if item_kind(data) is not None or stream in AIRBYTE_STREAMS else None
    if "elements" in doc:
        elements = doc["elements"]
        if not isinstance(elements, list):
            return None
        if not elements:
            return "api" if _restli_paging(doc.get("paging")) else None
        return "api" if item_kind(elements[0]) is not None else None
    results = doc.get("results")
    if isinstance(results, dict) and ("statuses" in doc or "errors" in doc):
        first = next(iter(results.values()), None)
        return "api" if first is None or item_kind(first) is not None else None
    return "api" if item_kind(doc) is not None else None


def sniff(head: bytes) -> Source | None:
    """A large file (or one whose start does not parse): LinkedIn when it holds URNs and a LinkedIn key."""
    return "api" if _URN.search(head) and _LINKEDIN_KEY.search(head) else None


# --- reading ----------------------------------------------------------------------------------


def read_document(doc: Any, where: str) -> Iterator[Record]:
    """The records of one response or Airbyte record."""
    if not isinstance(doc, dict):
        raise FormatError(f"{where}: a LinkedIn response is a JSON object, not {type(doc).__name__}")
    if doc.get("type") in _AIRBYTE_OTHER:
        return
    wrapped = unwrap(doc)
    if wrapped is not None:
        data, emitted, stream = wrapped
        observed = ms_time(emitted, f"{where}.emitted_at")
        yield from read_object(data, Context(), observed, f"{where} (stream {stream})")
        return
    if "elements" in doc:
        elements = doc["elements"]
        if not isinstance(elements, list):
            raise FormatError(f"{where}: 'elements' is {type(elements).__name__}, not a list")
        ctx = Context.from_paging(doc.get("paging"))
        for i, element in enumerate(elements):
            yield from read_object(element, ctx, None, f"{where}.elements[{i}]")
        return
    if isinstance(doc.get("results"), dict) and ("statuses" in doc or "errors" in doc):
        for key, value in doc["results"].items():
            yield from read_object(value, Context(), None, f"{where}.results[{key}]")
        errors = doc.get("errors")
        for key, err in (errors.items() if isinstance(errors, dict) else ()):
            if isinstance(err, dict):
                yield read_error(err, native_id=str(key))
        return
    yield from read_object(doc, Context(), None, where)


def read_object(item: Any, ctx: Context, observed: Any, where: str) -> Iterator[Record]:
    """The records of one LinkedIn object, told apart by shape."""
    kind = item_kind(item)
    if kind is None:
        if not isinstance(item, dict):
            raise FormatError(f"{where} is {type(item).__name__}, not a LinkedIn object")
        keys = ", ".join(sorted(item)[:8])
        raise FormatError(f"{where}: not a LinkedIn object socialledger reads (keys: {keys})")
    if kind == "error":
        yield read_error(item)
    elif kind == "post":
        yield from read_post(item, where)
    elif kind == "comment":
        yield from read_comment(item, ctx, where)
    elif kind == "social_summary":
        yield from read_social_summary(item, where)
    elif kind == "share_statistics":
        yield from read_share_statistics(item, observed, where)
    elif kind == "follower_statistics":
        yield from read_follower_statistics(item, observed, where)
    elif kind == "network_size":
        yield from read_network_size(item, observed, None, where)
    else:
        yield read_organization(item, observed, where)


__all__ = ["LinkedInChannel", "classify", "item_kind", "read_document", "sniff", "unwrap"]
