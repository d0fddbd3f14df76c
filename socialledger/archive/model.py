"""What an archive package holds, independent of how it is packed (E-ARK, another profile).

The content of a package for one account and period, up to a ledger
position: the items created in the period with every version, the period's
events on older items, authors as data subjects, metrics, cases. The package
writer (`eark.py`) lays it out as an E-ARK SIP; the JSON representation and
the PDF/A rendition are made from it.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

import msgspec


class _S(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=False):
    pass


class Author(_S):
    subject: str | None  # "facebook:10152345"; None once erased
    pseudonym: str | None  # the ledger's subject id, which stays; None for the account itself
    name: str | None  # None once erased
    username: str | None = None
    erased: bool = False
    by_account: bool = False


class Version(_S):
    change: str  # captured | edited
    observed: datetime  # the platform time this version describes
    recorded: datetime  # when the ledger learned it
    source: str  # api | webhook | export | stream
    position: int  # ledger position of the event
    text: str | None  # None: erased or disposed
    media: list[dict[str, Any]] | None = None
    permalink: str | None = None
    raw: dict[str, Any] | None = None
    time_note: str | None = None


class Moderation(_S):
    action: str  # hidden | unhidden | removed
    observed: datetime  # when it happened (platform time, or the ledger user's command)
    recorded: datetime
    source: str  # api | webhook | export | stream | ledger
    actor: str  # channel:facebook, or the ledger user
    position: int
    reason: str | None = None
    rule: str | None = None


class Case(_S):
    diary_number: str
    system: str | None
    actor: str
    recorded: datetime
    position: int


class Duplicate(_S):
    """Another ledger item that describes the same platform item (an export's copy of a comment the API gave)."""

    id: str  # its ledger id
    source: str  # where it was captured from
    recorded: datetime
    position: int  # ledger position of its capture
    delivered_here: bool  # this package is the one that delivers its capture


class Item(_S):
    id: str  # ledger id (UUID)
    native_id: str | None  # "facebook:123_456"
    kind: str  # post | comment | reply | visitor_post
    parent: str | None  # ledger id of the post of a comment, the comment of a reply
    thread: str  # ledger id of the top-level item of its thread (a post, or a visitor post)
    author: Author | None
    created: datetime | None
    state: str  # visible | hidden | removed
    erased: bool  # its key is destroyed (erasure, disposal): texts read as None
    disposed: bool
    in_period: bool  # created in the period (else: an older item with events in the period)
    versions: list[Version]
    moderation: list[Moderation]
    cases: list[Case]
    metrics: dict[str, float]  # latest lifetime counts (reactions, comments, shares, ...)
    by_account: bool = False  # the account's own post, comment or reply
    delivered_here: bool = True  # this package delivers the item's capture (else: shown again for context or events)
    duplicates: list[Duplicate] = []


class PremisEvent(_S):
    """One event for the PREMIS preservation metadata."""

    identifier: str  # "ledger-position-1234", or "export-<package id>"
    type: str  # capture | edit | hide | unhide | removal | case registration | export | erasure | disposal
    time: datetime
    actor: str  # the ledger user or the channel
    item: str | None  # ledger id of the item it is about
    detail: str  # a sentence for people
    outcome: str = "success"


class AccountInfo(_S):
    id: str
    channel: str
    name: str
    unit: str
    platform_id: str | None
    owner: str
    deputy: str | None
    state: str


class PackageContent(_S):
    """Everything one package holds, in reading order (threads: a post, then its comments and replies)."""

    package_id: str  # "urn:uuid:<uuid>"
    account: AccountInfo
    period: str  # "2026H1"
    period_start: datetime
    period_end: datetime  # exclusive
    position: int  # the ledger position the package covers up to
    previous_position: int  # 0, or the position of the package this one supplements
    supplements: str | None  # the package id this one supplements
    final: bool  # the final export of a closing account (R8)
    created: datetime  # when the package was made
    organisation: str
    items: list[Item]
    events: list[PremisEvent]
    seal: dict[str, Any] | None = None  # the audit seal the package was cut from
    time_zone: str = "Europe/Stockholm"  # the organisation's: periods and times for people are shown in it
    language: str = "en"  # what the package says to people (printout, README): "sv" or "en"


def localised(value: Any, zone: tzinfo) -> Any:
    """`value` (a struct of this module, or a list of them) with every time in `zone`: the same instants,
    written with the organisation's offset, as every time people read is."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(zone)
    if isinstance(value, list):
        return [localised(v, zone) for v in value]
    if isinstance(value, msgspec.Struct):
        changes = {}
        for name in value.__struct_fields__:
            current = getattr(value, name)
            if isinstance(current, (datetime, list, msgspec.Struct)):
                changes[name] = localised(current, zone)
        return msgspec.structs.replace(value, **changes) if changes else value
    return value
