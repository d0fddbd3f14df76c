"""`ingest`: read a file, directory or ZIP through a channel and record what is new.

Two passes. The first reads every record of every file and checks it (the
format is known, the data is for this account's page, the signature holds),
so that bad input is refused before anything is written. The second writes
page by page, each page one transaction: an ingest killed half-way is
completed by running it again.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from itertools import chain
from pathlib import Path
from typing import Any

from socialledger.core.capture.channels import ChannelRegistry
from socialledger.core.capture.derive import Deriver
from socialledger.core.capture.firstpass import Found, check_inputs
from socialledger.core.capture.halfreader import (
    MIN_SPLIT_BYTES,
    HalfReader,
    first_half,
    second_half,
    spare_core,
    split_point,
)
from socialledger.core.capture.ingested import IngestedFiles
from socialledger.core.capture.inputs import InputFile, iter_inputs, open_inputs
from socialledger.core.capture.media import MediaIndex, is_media
from socialledger.core.capture.spool import Spool
from socialledger.core.capture.writer import READ_BEFORE, UNCHANGED, CaptureWriter, Summary
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation, VerificationFailed
from socialledger.core.domain.records import ModerationRecord, Record
from socialledger.core.domain.workflow import State
from socialledger.core.ledger import LedgerStore
from socialledger.core.plugins import plugin_manager

PAGE_SIZE = 5000

Progress = Callable[[int, int], None]  # (records done, records in all)


def _paused(run: Callable[..., Summary]) -> Callable[..., Summary]:
    """Run an ingest under what its storage backend wants around a hot loop (SQLite: no gc)."""
    @functools.wraps(run)
    def paused(ledger: LedgerStore, *args: Any, **kwargs: Any) -> Summary:
        with ledger.storage.paused():
            return run(ledger, *args, **kwargs)
    return paused


@_paused
def ingest(
    ledger: LedgerStore,
    actor: Actor,
    channel_name: str,
    path: str | os.PathLike[str],
    account_id: str,
    *,
    signature: str | None = None,
    secret: bytes | None = None,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
    channels: ChannelRegistry | None = None,
    writer_process: bool | None = None,
    split_input: bool | None = None,
    recheck: bool = False,
    media_urls: dict[str, str] | None = None,
) -> Summary:
    """Read `path` through the channel and record what is new; see the module's docstring.

    An input of more than one page is written by a writer process beside this one
    (`pagewriter.py`), so that planning and writing overlap on two cores;
    `writer_process` forces that on or off. An input of many files (at least
    `halfreader.MIN_SPLIT_BYTES`) is read in two halves, the second by a reader
    process (`halfreader.py`); `split_input` forces that on (for any input of two
    files or more) or off. A channel given through `channels` (rather than loaded
    from the plugins, as the CLI's are) is read in one process unless `split_input`
    is True: the reader process then rebuilds it from its class (`halfreader.py`),
    which is how the contract suite (`socialledger.testing`) runs a channel
    through the large input's path.

    A file this account has already ingested unchanged is not read again
    (`ingested.py`): its records count as unchanged. `recheck` reads it anyway.

    `media_urls` (the capture service's): platform URL -> the path in the input of the
    media file downloaded from it; a record's media with that URL is kept from the file.
    """
    channel = (channels or plugin_manager().channels).get(channel_name)
    account = ledger.account(account_id)  # who may capture into it is checked by the caller (socialledger.app)
    if account.channel != channel.name:
        raise BadInput(f"account {account.id} ({account.name}) is a {account.channel} account, not {channel.name}")
    if account.state not in (State.ACTIVE, State.CLOSING) or not account.platform_id:
        raise RuleViolation("R6", f"account {account.id} ({account.name}) is {account.state.value}: "
                                  "content is captured only into a linked, active account")
    files: Iterable[InputFile] = iter_inputs(Path(path))

    if secret is not None and signature is None:
        # A secret is there to check a delivery's signature: without one, nothing would be checked.
        raise BadInput("--secret-env checks a webhook delivery's signature: give its --signature too "
                       "(an unsigned delivery is ingested without --secret-env)")
    if signature is not None:
        # Signatures are the channel's to check: only it knows its platform's header and scheme.
        header = channel.signature_header
        if header is None:
            raise BadInput(f"--signature: the {channel.title or channel.name} channel does not verify webhook "
                           "signatures; ingest without --signature")
        files = open_inputs(Path(path))
        if len(files) != 1:
            raise BadInput("--signature checks one webhook delivery: give one file")
        if secret is None:
            raise BadInput("--signature needs the app secret: --secret-env VAR")
        if not channel.verify_signature(files[0].read_bytes(), {header: signature}, secret):
            raise VerificationFailed(f"{files[0].name}: the {header} does not match the body; refused")

    split = None
    if signature is None and split_input is not False and (channels is None or split_input):
        split = split_point(Path(path), 0 if split_input else MIN_SPLIT_BYTES)
        if split is not None and split_input is None and not spare_core():
            split = None  # every core is busy (other ingests): a second reader would only add its start-up

    derive = Deriver.for_account(ledger.keys, channel.name, account)
    ingested = IngestedFiles.for_ingest(ledger, channel, str(account.id), recheck=recheck)
    with ExitStack() as stack:
        spool = stack.enter_context(Spool(ledger.home))
        media = MediaIndex(media_urls)
        found = Found()
        if split is None:
            total, known = check_inputs(channel, files, account, signature, spool, page_size, derive, media, ingested,
                                        found)
            spools = [spool]
        else:
            # Pass 1 on two cores: the second half of the files in a process of its own.
            # A channel the plugins register is loaded by name there; one handed in, from its class.
            other = stack.enter_context(HalfReader(ledger.home, Path(path), split, channel.name, account.name,
                                                   page_size, derive, ingested,
                                                   channel_class=type(channel) if channels is not None else None))
            total, known = check_inputs(channel, first_half(Path(path), split), account, None, spool, page_size, derive,
                                  media, ingested, found)
            more, more_known, more_media = other.result(found)
            total, known = total + more, known + more_known
            if more_media:  # pictures in the second half that the first half's records may point at
                for entry in second_half(Path(path), split):
                    if is_media(entry):
                        media.add(entry)
            spools = [spool, other.spool]
        if not known:
            raise BadInput(f"{path}: no file in a {channel.title or channel.name} format socialledger knows")
        # Pass 2: write, page by page, each page one transaction.
        writer = CaptureWriter(ledger, account, channel.name, actor, media=media or None)
        done = 0

        def page_done(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        pages = chain.from_iterable(s.read() for s in spools)
        # Only once every page is written are the files it read remembered as ingested.
        if writer_process if writer_process is not None else total > page_size:
            with ledger.page_writer() as process:
                writer.write_pages(pages, process, page_done, ingested.read)  # in its last commit
        else:
            for records, derived in pages:
                writer.write_page(records, derived)
                page_done(len(records))
            ledger.recorder.record_ingested(str(account.id), ingested.read)
    summary = writer.summary
    summary.files_skipped = ingested.skipped_files
    summary.files_passed = found.passed
    summary.records += ingested.skipped_records
    summary.unchanged += ingested.skipped_records
    if ingested.skipped_records:
        summary.count(READ_BEFORE, UNCHANGED, n=ingested.skipped_records)
    return summary


def record_observed(ledger: LedgerStore, actor: Actor, channel_name: str, account_id: str,
                    records: list[ModerationRecord], *, channels: ChannelRegistry | None = None) -> Summary:
    """Record what a channel observed without an input file: the removals a reconcile found (`look_up`).

    The same checks as `ingest` (the channel, an active linked account, the account's page)
    and the same writer, in one transaction.
    """
    channel = (channels or plugin_manager().channels).get(channel_name)
    account = ledger.account(account_id)
    if account.channel != channel.name:
        raise BadInput(f"account {account.id} ({account.name}) is a {account.channel} account, not {channel.name}")
    if account.state not in (State.ACTIVE, State.CLOSING) or not account.platform_id:
        raise RuleViolation("R6", f"account {account.id} ({account.name}) is {account.state.value}: "
                                  "content is captured only into a linked, active account")
    for r in records:
        if r.page_id is not None and r.page_id != account.platform_id:
            raise BadInput(f"a removal for {channel.name} page {r.page_id}, but account {account.name} "
                           f"is linked to {account.platform_id}; nothing recorded")
    derive = Deriver.for_account(ledger.keys, channel.name, account)
    writer = CaptureWriter(ledger, account, channel.name, actor)
    page: list[Record] = list(records)
    if page:
        writer.write_page(page, derive.page(page))
    return writer.summary
