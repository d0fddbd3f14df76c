"""Exporting packages (R20), recording each export, and what R8's final export before a closure must cover.

Who may export is the application's question (`socialledger.app.archive`); the
`Archive` aggregate and the R8 rule itself are in `core/domain/archives.py`.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
from eventsourcing.application import AggregateNotFoundError

from socialledger.archive import content as selection
from socialledger.archive import eark, pdf
from socialledger.archive.model import PackageContent
from socialledger.core.capture.media import read
from socialledger.core.domain.account import Account
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.archives import Archive, archive_id, package_of
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.periods import Period, parse
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of
from socialledger.core.version import VERSION

_json = msgspec.json.Encoder(order="sorted")


def final_period(ledger: LedgerStore, account: Account) -> Period:
    """A closing account's final package covers its whole life, from its application to today."""
    zone = ledger.policy().zone
    first = account.created_on.astimezone(zone).date()
    today = datetime.now(UTC).astimezone(zone).date()
    return Period(f"final-{first.isoformat()}..{today.isoformat()}", first, today)


def packages(ledger: LedgerStore, account: UUID | None = None) -> list[dict[str, Any]]:
    """Every package exported, newest last."""
    out = []
    for n in ledger.notifications(topics=topics_of((Archive.HalfYearArchived, Archive.SupplementArchived))):
        event = ledger.mapper.to_domain_event(n)
        if account is None or event.account == account:
            out.append({**package_of(event), "account": event.account, "ledger_position": n.id})
    return out


def export(ledger: LedgerStore, actor: Actor, account_ref: str, period_text: str | None, out_dir: Path, *,
           position: int | None = None, final: bool = False) -> list[Path]:
    """Write one package for the account and period; [] when nothing new was recorded since the last.

    The caller has checked that `actor` may export (R20: `socialledger.app.archive`).
    """
    account = ledger.account(account_ref)
    if final:
        period = final_period(ledger, account)
    elif period_text:
        period = parse(period_text)
    else:
        raise BadInput("say which period to export: --period 2026H1 (or --final for a closing account)")
    head = ledger.head()
    if position is not None and not 0 < position <= head:
        raise BadInput(f"--position {position}: the ledger's positions run from 1 to {head}")
    cut = position or head
    aid = archive_id(account.id, period.label)
    try:
        record: Archive | None = ledger.repository.get(aid)
    except AggregateNotFoundError:
        record = None
    earlier = [p for p in (record.packages if record else []) if p["position"] < cut]
    previous = earlier[-1] if earlier else None
    package_id = f"urn:uuid:{uuid4()}"
    created = datetime.now(UTC).replace(microsecond=0)
    content = selection.build(
        ledger, account.id, period, cut, previous_position=previous["position"] if previous else 0,
        supplements=previous["package_id"] if previous else None, final=final, package_id=package_id,
        created=created,
    )
    if previous is not None and not any(e.type != "export" for e in content.events) and position is None:
        return []  # nothing recorded for this period since its last package
    out_dir.mkdir(parents=True, exist_ok=True)
    receipt = ledger.record_seal(actor, purpose=f"archive export {account.id} {period.label}")
    content = msgspec.structs.replace(content, seal=msgspec.to_builtins(receipt))
    root = out_dir / package_id.removeprefix("urn:uuid:")
    _write(root, content, ledger.policy().organisation.code or None, ledger)
    subjects = sorted({UUID(i.author.pseudonym) for i in content.items if i.author is not None}, key=str)

    def command() -> None:
        try:
            current = ledger.repository.get(aid)
            current.trigger_event(Archive.SupplementArchived, account=account.id, period=period.label,
                                  package_id=package_id, position=cut,
                                  previous_position=content.previous_position, final=final, path=str(root),
                                  subjects=subjects, **actor.stamp())
        except AggregateNotFoundError:
            current = Archive._create(Archive.HalfYearArchived, id=aid, account=account.id, period=period.label,
                                      package_id=package_id, position=cut,
                                      previous_position=content.previous_position, final=final, path=str(root),
                                      subjects=subjects, **actor.stamp())
        ledger.save(current)

    ledger.decide(command)
    return [root]


def _media_files(ledger: LedgerStore, content: PackageContent, work: Path) -> list[tuple[str, Path]]:
    """The captured media files of the package's items, decrypted into `work`; the JSON names each file."""
    files: dict[str, Path] = {}
    for item in content.items:
        item_id = UUID(item.id)
        cipher = ledger.keys.cipher(str(item_id)) if not item.erased else None
        for version in item.versions:
            for entry in version.media or []:
                name = entry.get("stored")
                if not name or cipher is None:
                    continue
                rel = f"media/{name}"
                if rel not in files:
                    data = read(ledger.home, item_id, cipher, name)
                    if data is None:
                        continue
                    target = work / "media" / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    files[rel] = target
                entry["file"] = rel
    return sorted(files.items())


def _write(root: Path, content: PackageContent, organisation_code: str | None, ledger: LedgerStore) -> None:
    if root.exists():
        raise BadInput(f"{root} exists already")
    with tempfile.TemporaryDirectory(prefix="socialledger-package-") as tmp:
        work = Path(tmp)
        media_files = _media_files(ledger, content, work)
        feed = work / "feed.json"
        feed.write_bytes(msgspec.json.format(_json.encode(content), indent=2) + b"\n")
        volumes = pdf.render(content, work / "pdf")
        staging = root.with_name(root.name + ".partial")
        if staging.exists():
            shutil.rmtree(staging)
        eark.write_package(staging, content, [("feed.json", feed), *media_files],
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
