"""Pass 1 of an ingest: read every record of every file through its channel, check it, spool it.

Nothing is written to the ledger in this pass, so bad input is refused before
anything is recorded. It needs nothing from the ledger either: the ingest runs
it on the first half of a large input while a reader process (`halfreader.py`)
runs it on the second half.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from socialledger.core.capture.channels import Channel
from socialledger.core.capture.derive import Derived, Deriver
from socialledger.core.capture.embedded import Scrubber
from socialledger.core.capture.ingested import IngestedFiles
from socialledger.core.capture.inputs import InputFile
from socialledger.core.capture.media import MediaIndex, is_media
from socialledger.core.capture.spool import Spool
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.plausibility import IMPLAUSIBLE_REASON, Window, implausible
from socialledger.core.domain.records import (
    AccountRecord,
    ContentRecord,
    ItemError,
    MetricsRecord,
    ModerationRecord,
    Record,
    Skipped,
)

#: Why an item of a mixed input (a stream of every account's posts) is not recorded for the account.
NOT_THE_ACCOUNTS = "another account's item, not in the account's threads"


class LinkedPage(Protocol):
    """The account an input is checked against: its name and the platform id it is linked to."""

    name: str
    platform_id: str | None


def _page_of(r: Record) -> str | None:
    if isinstance(r, AccountRecord):
        return r.platform_id
    if isinstance(r, (ContentRecord, ModerationRecord, MetricsRecord)):
        return r.page_id
    return None


@contextmanager
def _plugin_errors(entry: InputFile, doing: str) -> Iterator[None]:
    """A plugin that did not foresee some data still ends in one clear line, not a traceback."""
    try:
        yield
    except BadInput:
        raise
    except UnicodeDecodeError as e:
        raise BadInput(f"{entry.name}: not UTF-8 text (invalid byte at offset {e.start})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise BadInput(f"{entry.name}: cannot be {doing} ({type(e).__name__}: {e})") from None


def _records(channel: Channel, entry: InputFile, source: str) -> Iterator[Record]:
    with _plugin_errors(entry, f"read as {source}"):
        yield from channel.read(entry, source)  # type: ignore[arg-type]


class _ForAccount:
    """A channel as pass 1 reads it: its `read` told the account's platform id (`Channel.read_for`)."""

    def __init__(self, channel: Channel, platform_id: str | None) -> None:
        self.channel = channel
        self.platform_id = platform_id

    def read(self, entry: InputFile, source: str) -> Iterator[Record]:
        return self.channel.read_for(entry, source, self.platform_id)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self.channel, name)


def _kind(r: Record) -> str:
    if isinstance(r, ContentRecord):
        return r.format or r.kind
    if isinstance(r, ModerationRecord):
        return r.action
    if isinstance(r, MetricsRecord):
        return "metric"
    if isinstance(r, AccountRecord):
        return "account"
    if isinstance(r, ItemError | Skipped):
        return r.kind or "item"
    return type(r).__name__


def _named(r: Record) -> str:
    """How the ingest's summary names an item: its platform id, else its metric, else its kind."""
    native = getattr(r, "native_id", None)
    if isinstance(r, MetricsRecord):
        return f"{r.channel} metric {r.metric}" + (f" of {r.channel}:{native}" if native else "")
    if native:
        return f"{getattr(r, 'channel', '')}:{native}"
    return f"a {_kind(r)} without an id"


def _detect(channel: Channel, entry: InputFile) -> str | None:
    with _plugin_errors(entry, "recognised"):
        return channel.detect(entry)


class Found:
    """What pass 1 found beside the records it spooled."""

    def __init__(self) -> None:
        self.passed = 0  # files the channel passes over (media, HTML, an export's other files)


def check_inputs(channel: Channel, files: Iterable[InputFile], account: LinkedPage, signature: str | None, spool: Spool,
           page_size: int, derive: Deriver, media: MediaIndex | None = None,
           ingested: IngestedFiles | None = None, found: Found | None = None) -> tuple[int, int]:
    """Pass 1: read and check every record before anything is written; spool them in pages.

    Each page is spooled with the ids and keyed fingerprints derived from its
    records: they need nothing from the ledger, and this pass may run on two cores.
    A file the account has already ingested unchanged (`ingested.py`) is passed over.
    The files it passes over are counted in `found`.

    Returns the number of records read and of files in a format the channel reads.
    """
    total = 0
    known = 0
    batch: list[Record] = []
    found = found if found is not None else Found()
    reader = _ForAccount(channel, account.platform_id)
    window = Window.for_channel(getattr(channel, "founded", 2000))
    scrubber = Scrubber(channel.name, getattr(channel, "embedded", ()), derive, getattr(channel, "handles", None))

    derived: list[Derived | None] = []

    def spooled(page: list[Record]) -> None:
        # Derived from each record as the channel read it (before its raw fragment and text were given
        # references: `embedded.py`), so that fingerprints are what earlier versions of the ledger hold.
        spool.write(page, derived[:])
        derived.clear()
        derive.forget()

    for entry in files:
        if channel.skip(entry):
            found.passed += 1
            if media is not None and is_media(entry):
                media.add(entry)  # a picture or video an export's records may point at
            continue
        source = _detect(channel, entry)
        if source is None:
            # The channel passes over what it knows to carry nothing (`skip`); anything
            # else unrecognised may be data that would silently go missing.
            raise BadInput(f"{entry.name}: not a {channel.title or channel.name} format socialledger knows")
        if signature is not None and source != "webhook":
            raise BadInput(f"{entry.name}: --signature is for webhook deliveries, and this is {source}")
        known += 1
        seen = ingested.look(entry) if ingested is not None else None
        if seen is not None and seen.skip:
            continue
        before = total
        for record in _records(reader, entry, source):  # type: ignore[arg-type]
            if isinstance(record, ContentRecord) and record.belongs_to \
                    and account.platform_id not in record.belongs_to:
                record = Skipped(channel=record.channel, source=record.source, kind=record.format or record.kind,
                                 reason=NOT_THE_ACCOUNTS)
            problem = implausible(record, window)
            if problem is not None:
                # Damage, not data: the item is skipped, counted, and named with what is wrong with it.
                record = Skipped(channel=channel.name, source=getattr(record, "source", source),
                                 kind=_kind(record), reason=IMPLAUSIBLE_REASON,
                                 native_id=getattr(record, "native_id", None),
                                 detail=f"{entry.name}: {_named(record)}: {problem}")
            derived.append(derive.derive(record))
            if problem is None:
                record = scrubber.scrub(record)  # other people's names, ids and words: references only
            page = _page_of(record)
            if page is not None and page != account.platform_id:
                raise BadInput(
                    f"{entry.name}: data for {channel.name} page {page}, but account {account.name} "
                    f"is linked to {account.platform_id}; nothing recorded"
                )
            batch.append(record)
            total += 1
            if len(batch) >= page_size:
                spooled(batch)
                batch = []
        if seen is not None:
            ingested.read_in_full(seen, total - before)
    if batch:
        spooled(batch)
    return total, known
