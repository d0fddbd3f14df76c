"""Files an ingest has read in full, by a keyed digest: an ingest passes over them the next time.

A crawler saves new pages into the same folder, and `ingest` is run on that
folder every day; an export is handed over a second time. A file whose bytes
this account has already ingested through the same channel holds nothing new:
reading it again would find every record unchanged, at the cost of parsing and
comparing each. So once an ingest has written its last page, it remembers the
digest of every file it read, with the number of records in it; a later ingest
of a file with that digest counts those records as unchanged and does not read
it. `ingest --recheck` reads every file regardless (and finds the same).

A file's digest is keyed BLAKE2b (a key derived from the master key, as every
deduplication hash is) over the channel and its version, the account, the
file's path within the input and its bytes: a new plugin version, another
account or a changed byte reads the file again. It tells nothing about the
content. The table is a cache beside the events, like the capture index:
without it an ingest is only slower.
"""

from __future__ import annotations

import hashlib

from socialledger.core.capture.channels import Channel
from socialledger.core.capture.inputs import InputFile
from socialledger.core.ledger import LedgerStore

PURPOSE = "socialledger ingested file"


class IngestedFiles:
    """What one ingest (or one half of it) knows of the files the account has ingested, and what it read."""

    def __init__(self, key: bytes, channel: str, version: str, account_id: str, known: dict[bytes, int],
                 *, recheck: bool = False) -> None:
        self.key = key
        self.channel = channel
        self.version = version
        self.account_id = account_id
        self.known = known
        self.recheck = recheck
        self.read: list[tuple[bytes, int]] = []  # (digest, records) of the files read in full
        self.skipped_files = 0
        self.skipped_records = 0

    @classmethod
    def for_ingest(cls, ledger: LedgerStore, channel: Channel, account_id: str, *, recheck: bool = False) -> IngestedFiles:
        return cls(ledger.keys.derived(PURPOSE), channel.name, channel.version, account_id,
                   ledger.recorder.ingested_files(account_id), recheck=recheck)

    def digest(self, entry: InputFile) -> bytes:
        h = hashlib.blake2b(key=self.key, digest_size=32)
        h.update(f"{self.channel}\0{self.version}\0{self.account_id}\0{entry.path}\0".encode())
        for chunk in entry.chunks():
            h.update(chunk)
        return h.digest()

    def look(self, entry: InputFile) -> Seen:
        """Whether to pass over `entry` (`.skip`): the account ingested these very bytes before."""
        digest = self.digest(entry)
        records = None if self.recheck else self.known.get(digest)
        if records is not None:
            self.skipped_files += 1
            self.skipped_records += records
        return Seen(digest, skip=records is not None)

    def read_in_full(self, seen: Seen, records: int) -> None:
        """A file was read to its end (and held `records`): remembered once the ingest has written it all."""
        self.read.append((seen.digest, records))

    def add(self, read: list[tuple[bytes, int]], skipped_files: int, skipped_records: int) -> None:
        """What the reader of the other half of the input found."""
        self.read.extend(read)
        self.skipped_files += skipped_files
        self.skipped_records += skipped_records


class Seen:
    __slots__ = ("digest", "skip")

    def __init__(self, digest: bytes, *, skip: bool) -> None:
        self.digest = digest
        self.skip = skip
