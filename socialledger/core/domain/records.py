"""Normalised records: what a channel plugin makes of platform data.

A channel turns each platform's shapes (API pages, webhook deliveries,
account exports) into these Structs; the core turns them into events. Every
timestamp is an aware UTC datetime; every native id is a string exactly as the
platform gives it (the core namespaces it by channel); `raw` is the fragment
of the input that describes this one record, with access tokens and paging
URLs stripped, so an archive can always show the original.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

import msgspec

Kind = Literal["post", "comment", "reply", "visitor_post"]
#: Where an observation came from, the same words for every channel: the platform's API
#: (a response, saved by a crawler or fetched), a webhook delivery, the account export,
#: or a streaming API (Mastodon's, Bluesky's firehose).
Source = Literal["api", "webhook", "export", "stream"]
#: Every source a record may name.
SOURCES: tuple[Source, ...] = get_args(Source)
#: Names earlier versions stored for a source, and the name they read as now: events
#: written before sources were channel-neutral say "graph-api" (the mapper renames it
#: as it decodes them; see docs/decisions.md).
RENAMED_SOURCES: dict[str, Source] = {"graph-api": "api"}
Period = Literal["day", "week", "days_28", "month", "lifetime", "range", "instant"]
ModerationAction = Literal["hide", "unhide", "remove"]


class _Part(msgspec.Struct, frozen=True, kw_only=True):
    pass


class _Record(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Tagged (`"type": "ContentRecord"`), so that a stream of mixed records can be stored and read back."""


class AuthorRef(_Part):
    """Who wrote an item: a data subject (or the account itself).

    Any of the three may be missing (an export names authors only by name);
    the core keys the subject by `native_id`, else by `username`, else `name`.
    """

    native_id: str | None = None
    name: str | None = None
    username: str | None = None


class Embedded(_Part):
    """Where a channel's raw fragments embed another person or item (a comment's parent, a mention).

    A channel lists these (`Channel.embedded`); the core replaces what is found at `path`
    in every record's `raw` by a reference before anything is stored, so that a person's
    name, id or words live only under that person's key (DESIGN.md, Personal data):

    - `person`: `{"subject": "<pseudonymous id>"}`, the id the ledger knows that person
      by when they write (a keyed hash of `channel:<user id>`);
    - `item`: `{"item": "<ledger id>"}`, the id the ledger gives the item by its native id;
    - `text`: `{"withheld": "text"}`, another item's words that no id names.

    `path` is dotted keys from the top of `raw` (`"parent"`, `"record.reply.parent"`);
    a list on the way is walked element by element. `id` names the field of the found
    object that holds the platform id (dotted, `"quoted_status.id"`); None when the value
    found is itself the id (a user id, an at:// URI). A person known by name or username
    only says so with `named` ("name" or "username"). An object without its id field
    is left as it is (a link facet beside the mentions).

    A mention the item's text spells out (Graph's `message_tags` name the tagged words)
    says which field holds those words (`shown`, with `name` and `username` naming the
    fields of the person's name and username): the core replaces them in the text by
    `[subject:<pseudonymous id>]` and records the person as a subject (their name under
    their own key), so that readers show the name while it exists, and "[erased]" after.
    """

    path: str
    kind: Literal["person", "item", "text"]
    id: str | None = "id"
    named: Literal["id", "name", "username"] = "id"
    name: str | None = None
    username: str | None = None
    shown: Literal["name", "username"] | None = None


class Media(_Part):
    """A picture, video, link or file attached to an item."""

    kind: str  # photo | video | link | file | ...
    url: str | None = None  # platform URL (signed CDN URLs expire: fetched at capture time)
    uri: str | None = None  # path inside an account export
    title: str | None = None
    description: str | None = None


class ContentRecord(_Record):
    """One observation of a post, comment, reply or visitor post."""

    channel: str
    kind: Kind
    source: Source
    observed: datetime  # platform time this observation describes (updated time, delivery time)
    native_id: str | None = None  # None: the source gives none (an export): the core uses a fallback key
    page_id: str | None = None  # the account's platform id, when the data names it
    parent_native_id: str | None = None  # the post of a comment, the comment of a reply
    created: datetime | None = None  # platform creation time
    text: str | None = None
    author: AuthorRef | None = None
    media: tuple[Media, ...] = ()
    permalink: str | None = None
    hidden: bool | None = None  # None: this source does not say
    time_note: str | None = None  # e.g. "created time is the webhook delivery time"
    # True when the source says the account itself wrote it (an account export holds only the
    # account's own posts and comments); None: the core decides by comparing the author's id
    # with the account's platform id.
    by_account: bool | None = None
    # True when only the ids are known (Instagram's mention webhooks): the item is captured,
    # and its text and media are recorded when a fuller observation comes, whatever its time.
    partial: bool = False
    raw: dict[str, Any] = msgspec.field(default_factory=dict)
    # What the platform calls the item where that is more than its place in a thread (`kind`):
    # "event", "note", "share", "update", "reel", "story", "igtv", ... None: a plain post or comment.
    # The ingest summary counts items by it (else by `kind`), and the item's content keeps it.
    format: str | None = None
    title: str | None = None  # the item's own title: an event's name, a note's title, "... shared a video"
    starts: datetime | None = None  # when an event begins
    ends: datetime | None = None  # ... and ends
    # The platform's reference of the parent, kept as given (a LinkedIn activity URN) when the
    # ledger holds no item by `parent_native_id`: the core then links no ledger id.
    parent_ref: str | None = None
    # For an input that holds other accounts' items beside the account's (a stream of every account's
    # posts, as Bluesky's Jetstream gives it): the platform ids of the accounts the item belongs with
    # (its author, the authors of its parent and of its thread's root). When given, the core keeps the
    # item only when the linked account is among them, and counts it skipped otherwise; unlike
    # `page_id`, another account here does not refuse the input. Empty: the item is the input's.
    belongs_to: tuple[str, ...] = ()
    # Set by a channel: people the item's text or title names with no structure in `raw` to say so
    # (a Facebook export's title "Anna Berg commented on Åsa Öberg's post."): by `name` as the words
    # show it, or by `username` when they show "@username". The core replaces those words in the
    # text, title and raw fragment by references, as it does mentions (`mentioned`).
    named: tuple[AuthorRef, ...] = ()
    # Set by the core, never by a channel: the people the text mentions by name, replaced there by
    # references (`Embedded.shown`, `named`, a handle typed in the text: `Channel.handles`); each is
    # recorded as a subject, their name under their own key.
    mentioned: tuple[AuthorRef, ...] = ()


class ModerationRecord(_Record):
    """A hide, unhide or removal the platform reports for an item.

    `item` is what the delivery itself says of the item (its text, author, parent and
    time, or only its place in the thread when a removal carries no text): when the
    ledger does not hold the item, the core captures it from `item` first and then
    records the moderation (R18: archive first). Without `item`, the core captures
    what the record names (kind, id, parent, time) as an item known only by its moderation.
    """

    channel: str
    kind: Kind
    source: Source
    action: ModerationAction
    native_id: str
    observed: datetime
    page_id: str | None = None
    parent_native_id: str | None = None
    raw: dict[str, Any] = msgspec.field(default_factory=dict)
    item: ContentRecord | None = None
    # True when the input cannot tell whether the item is the account's (a stream's deletion of
    # any account's post names only the post): recorded when the ledger holds the item, and
    # otherwise counted skipped, rather than captured from the record (archive first, R18).
    if_held: bool = False


class MetricsRecord(_Record):
    """One value of one metric over the period it covers.

    `metric` is the ledger's own name (see `socialledger.core.domain.metrics`) or, for
    a metric the plugin does not know, the platform's name; `platform_metric`
    is always the platform's. `native_id` names the item it is about, or None
    for the account as a whole. `breakdown` holds parts of the value (reaction
    counts per kind: how many, never who).
    """

    channel: str
    source: Source
    metric: str
    platform_metric: str
    period: Period
    end: datetime | None  # None: a lifetime count with no time given (the core stamps it)
    value: float
    start: datetime | None = None
    native_id: str | None = None
    page_id: str | None = None
    breakdown: dict[str, float] | None = None


class AccountRecord(_Record):
    """What the platform says about the account (page) itself."""

    channel: str
    source: Source
    platform_id: str
    observed: datetime | None = None
    name: str | None = None
    username: str | None = None


class ItemError(_Record):
    """An item the platform could not deliver (an error payload): reported, not recorded."""

    channel: str
    source: Source
    message: str
    native_id: str | None = None
    code: str | None = None
    kind: str | None = None  # what the item would have been ("post", "comment", ...), for the ingest's accounting


class Skipped(_Record):
    """An item of the input that is deliberately not recorded, and why: counted, never silent.

    A channel yields one for each item it passes over (a reaction delivery: who
    reacted is not kept; a draft: never published), so that the ingest summary
    accounts for every item of the input: `kind` is what the item is ("reaction",
    "draft post", ...) and `reason` says why it is not recorded, in a few words
    the summary shows (`"skipped": {"who reacted is not kept": 3}`).
    """

    channel: str
    source: Source
    kind: str
    reason: str
    native_id: str | None = None
    # A line naming the item and what is wrong with it, for an item the summary lists one by one
    # (the core's refusal of an impossible time or count: `core/domain/plausibility.py`).
    detail: str | None = None


Record = ContentRecord | ModerationRecord | MetricsRecord | AccountRecord | ItemError | Skipped
