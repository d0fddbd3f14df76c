"""Exporting packages (R20), recording each export, and what R8's final export before a closure must cover.

Who may export is the application's question (`socialledger.app.archive`); the
`Archive` aggregate and the R8 rule itself are in `core/domain/archives.py`.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
from eventsourcing.application import AggregateNotFoundError

from socialledger.archive import content as selection
from socialledger.archive import pdf
from socialledger.archive.containers import CONTAINERS, pack
from socialledger.archive.delivery import FINAL, Scope, deliveries
from socialledger.archive.model import PackageContent, localised
from socialledger.archive.profile import EARK, PackageProfile
from socialledger.archive.verify import RECEIPT_SUFFIX
from socialledger.core.capture.media import read
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.archives import Archive, archive_id, package_of
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import parse
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of
from socialledger.core.version import VERSION

_json = msgspec.json.Encoder(order="sorted")


@dataclass(frozen=True)
class Outcome:
    """What one export did for one account: the package written, or why none was."""

    account: UUID
    name: str
    period: str
    path: Path | None  # the package folder (or container file); None when nothing was written
    items: int  # items the package delivers for the first time
    reason: str | None = None  # why nothing was written
    events: int = 0  # ledger events the package delivers (captures, edits, moderation, cases, ...)


def packages(ledger: LedgerStore, account: UUID | None = None) -> list[dict[str, Any]]:
    """Every package exported, newest last."""
    out = []
    for n in ledger.notifications(topics=topics_of((Archive.HalfYearArchived, Archive.SupplementArchived))):
        event = ledger.mapper.to_domain_event(n)
        if account is None or event.account == account:
            out.append({**package_of(event), "account": event.account, "ledger_position": n.id})
    return out


def export(ledger: LedgerStore, actor: Actor, account_ref: str, period_text: str | None, out_dir: Path, *,
           position: int | None = None, final: bool = False, allow_empty: bool = False,
           container: str | None = None, profile: PackageProfile = EARK) -> Outcome:
    """Write one package for the account and period (or its final package): what no earlier package delivered.

    Nothing is written when nothing new was recorded since the last package of the scope, nor for a
    period without items unless `allow_empty`; a final package is written whenever the closure
    request (R8) is not yet covered. The caller has checked that `actor` may export (R20:
    `socialledger.app.archive`).
    """
    account = ledger.account(account_ref)
    zone = ledger.policy().zone
    if final:
        scope = Scope(FINAL)
    elif period_text:
        scope = Scope.of_period(parse(period_text), zone)
    else:
        raise BadInput("say which period to export: --period 2026H1 (or --final for a closing account)")
    if container not in (None, "folder", *CONTAINERS):
        raise BadInput(f"--container {container}: one of folder, {', '.join(CONTAINERS)}")
    head = ledger.head()
    if position is not None and not 0 < position <= head:
        raise BadInput(f"--position {position}: the ledger's positions run from 1 to {head}")
    cut = position or head
    earlier = deliveries(ledger, account.id, before=cut)
    same = [p for p in earlier if p.scope.label == scope.label or (final and p.final)]
    previous = same[-1] if same else None
    package_id = f"urn:uuid:{uuid4()}"
    created = datetime.now(UTC).replace(microsecond=0)
    content = selection.build(
        ledger, account.id, scope, cut, earlier=earlier, previous_position=previous.position if previous else 0,
        supplements=previous.package_id if previous else None, final=final, package_id=package_id,
        created=created,
    )
    new_items = sum(1 for i in content.items if i.delivered_here) + sum(
        1 for i in content.items for d in i.duplicates if d.delivered_here)
    anything = any(e.type != "export" for e in content.events)
    closure_open = final and (previous is None or previous.position < closure_position(ledger, account))

    def skipped(reason: str) -> Outcome:
        return Outcome(account.id, account.name, scope.label, None, 0, reason)

    if not anything and not allow_empty and position is None and not closure_open:
        if previous is not None:
            return skipped(f"nothing new for {account.name} since package {previous.package_id} of "
                           f"{scope.label}; no package written")
        where = "undelivered" if final else f"in {scope.label}"
        return skipped(f"no items {where} for {account.name}; no package written (--allow-empty writes one)")
    out_dir.mkdir(parents=True, exist_ok=True)
    # (the exporting machine's path stays out of the package's receipts)
    receipt = ledger.record_seal(actor, purpose=f"archive export {account.id} {scope.label}", with_home=False)
    seal = msgspec.to_builtins(receipt)
    content = localised(msgspec.structs.replace(content, seal=seal), zone)
    root = out_dir / package_id.removeprefix("urn:uuid:")
    _write(root, content, ledger.policy().organisation.code or None, ledger, profile)
    # The package's receipt: the seal, and the root METS.xml's checksum (which no file of the package can
    # carry), signed; beside the package and in the receipts directory (`archive verify` checks it).
    package_receipt = ledger.write_receipt(receipt, package=package_id,
                                           mets_sha256=hashlib.sha256((root / "METS.xml").read_bytes()).hexdigest())
    target = pack(root, container, content.created) if container in CONTAINERS else root
    target.with_name(target.name + RECEIPT_SUFFIX).write_bytes(package_receipt.encode())
    subjects = sorted({UUID(i.author.pseudonym) for i in content.items
                       if i.author is not None and i.author.pseudonym is not None}, key=str)
    aid = archive_id(account.id, scope.label)

    def command() -> None:
        try:
            current = ledger.repository.get(aid)
            current.trigger_event(Archive.SupplementArchived, account=account.id, period=scope.label,
                                  package_id=package_id, position=cut,
                                  previous_position=content.previous_position, final=final, path=str(target),
                                  subjects=subjects, **actor.stamp())
        except AggregateNotFoundError:
            current = Archive._create(Archive.HalfYearArchived, id=aid, account=account.id, period=scope.label,
                                      package_id=package_id, position=cut,
                                      previous_position=content.previous_position, final=final, path=str(target),
                                      subjects=subjects, **actor.stamp())
        ledger.save(current)

    ledger.decide(command)
    ledger.seal_after(actor, f"archive export {account.id} {scope.label} recorded")
    return Outcome(account.id, account.name, scope.label, target, new_items,
                   events=sum(1 for e in content.events if e.type != "export"))


def _media_files(ledger: LedgerStore, content: PackageContent, work: Path) -> list[tuple[str, Path]]:
    """The captured media files of the package's items, decrypted into `work`; the JSON names each file."""
    files: dict[str, Path] = {}
    digests: dict[str, str] = {}
    for item in content.items:
        if item.erased:
            continue
        for version in item.versions:
            for entry in version.media or []:
                name = entry.get("stored")
                if not name:
                    continue
                holder = UUID(entry.get("item") or item.id)  # the item the file was captured with
                rel = f"media/{name}"
                if rel not in files:
                    cipher = ledger.keys.cipher(str(holder))
                    data = read(ledger.home, holder, cipher, name) if cipher is not None else None
                    if data is None:  # said in feed.json and the printout, never silently left out
                        entry["missing"] = ("its key is destroyed" if cipher is None
                                            else "the stored file is missing from the ledger home")
                        continue
                    target = work / "media" / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    files[rel] = target
                    digests[rel] = hashlib.sha256(data).hexdigest()
                entry["file"] = rel
                entry["sha256"] = digests[rel]
    return sorted(files.items())


def _write(root: Path, content: PackageContent, organisation_code: str | None, ledger: LedgerStore,
           profile: PackageProfile) -> None:
    if root.exists():
        raise BadInput(f"{root} exists already")
    with tempfile.TemporaryDirectory(prefix="socialledger-package-") as tmp:
        work = Path(tmp)
        media_files = _media_files(ledger, content, work)
        feed = work / "feed.json"
        feed.write_bytes(msgspec.json.format(_json.encode(content), indent=2) + b"\n")
        volumes = pdf.render(content, work / "pdf", zone=content.time_zone)
        staging = root.with_name(root.name + ".partial")
        if staging.exists():
            shutil.rmtree(staging)
        profile.write_package(staging, content, [("feed.json", feed), *media_files],
                              rendition_files=[(v.name, v) for v in volumes],
                              software="socialledger", software_version=VERSION,
                              organisation_code=organisation_code)
        staging.rename(root)  # a package appears whole or not at all


def closure_position(ledger: LedgerStore, account: Account) -> int:
    """The position R8's final export must cover: the closure request, else everything recorded about the account."""
    needed = 0
    for n in ledger.notifications(topics=topics_of((Account.ClosureRequested,))):
        if n.originator_id == account.id:
            needed = n.id
    if needed == 0:  # the information unit's own decision: everything recorded about the account so far
        needed = _last_position_about(ledger, account)
    return needed


def _last_position_about(ledger: LedgerStore, account: Account) -> int:
    last = 0
    mine: set[UUID] = set()
    for n in ledger.notifications(topics=selection.TOPICS):
        if n.topic.endswith("Captured"):
            event = ledger.decode_plain(n)
            if event.account == account.id:
                mine.add(n.originator_id)
        if n.originator_id in mine:
            last = n.id
    return last
