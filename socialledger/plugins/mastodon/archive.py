"""The Mastodon account archive: `outbox.json`, `actor.json`, `likes.json`, `bookmarks.json`.

`outbox.json` is an ActivityStreams OrderedCollection with Mastodon's quirks: a
repeated `"orderedItems"` key (the first empty, the last one the items: the
decoder keeps the last) and a `totalItems` that does not match the items (it is
not trusted: every item is read and counted). A `Create` holds a `Note` whose
`id` is the status's uri (the key the API's statuses have too); an `Announce`
(a boost) holds only the boosted status's uri. Visibility is only implied by
`to`/`cc`; the export has no counts and none of other people's replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from socialledger.channels import (
    AccountRecord,
    ContentRecord,
    FormatError,
    Kind,
    Media,
    Record,
    Skipped,
    as_id,
    clean,
    opt_time,
    parse_time,
)
from socialledger.plugins.mastodon.common import (
    BOOST_REASON,
    CHANNEL,
    DIRECT_REASON,
    EVENT_REASON,
    LIKE_REASON,
    archive_path,
    export_visibility,
    html_text,
    media_kind,
    status_key,
)

COLLECTIONS = {"likes.json": "liked status", "bookmarks.json": "bookmarked status"}


def is_actor(doc: Any) -> bool:
    return isinstance(doc, dict) and "preferredUsername" in doc and isinstance(doc.get("id"), str) \
        and doc.get("type") in ("Person", "Service", "Organization", "Group", "Application")


def is_collection(doc: Any) -> bool:
    return isinstance(doc, dict) and "orderedItems" in doc and doc.get("type") in ("OrderedCollection",
                                                                                   "OrderedCollectionPage")


def read_archive_file(doc: Any, me: str | None = None) -> Iterator[Record]:
    if is_actor(doc):
        yield AccountRecord(channel=CHANNEL, source="export", platform_id=doc["id"],
                            name=html_text(doc.get("name")) or doc.get("name") or None,
                            username=doc.get("preferredUsername") or None)
        return
    if not is_collection(doc):
        raise FormatError("not a Mastodon archive file (outbox.json, actor.json, likes.json, bookmarks.json)")
    items = doc["orderedItems"]
    if not isinstance(items, list):
        raise FormatError("orderedItems is not a list")
    name = str(doc.get("id") or "")
    if name in COLLECTIONS or (items and all(isinstance(i, str) for i in items)):
        what = COLLECTIONS.get(name, "listed status")
        for uri in items:
            yield Skipped(channel=CHANNEL, source="export", kind=what, reason=LIKE_REASON)
        return
    yield from outbox(items, me)


def outbox(items: list[Any], me: str | None = None) -> Iterator[Record]:
    notes: dict[str, str | None] = {}  # status uri -> inReplyTo, for the kind of a reply to the account's own
    for activity in items:
        note = activity.get("object") if isinstance(activity, dict) else None
        if isinstance(activity, dict) and activity.get("type") == "Create" and isinstance(note, dict):
            notes[as_id(note.get("id"), "Note id")] = note.get("inReplyTo") if isinstance(note.get("inReplyTo"),
                                                                                         str) else None
    for n, activity in enumerate(items):
        if not isinstance(activity, dict):
            raise FormatError(f"orderedItems[{n}] is not an activity")
        kind = activity.get("type")
        note = activity.get("object")
        if kind == "Announce":
            yield Skipped(channel=CHANNEL, source="export", kind="boost", reason=BOOST_REASON)
            continue
        if kind != "Create" or not isinstance(note, dict) or note.get("type") not in ("Note", "Question", "Article"):
            yield Skipped(channel=CHANNEL, source="export", kind=f"{kind or 'unknown'} activity", reason=EVENT_REASON)
            continue
        if export_visibility(activity) == "direct":
            yield Skipped(channel=CHANNEL, source="export", kind="direct message", reason=DIRECT_REASON)
            continue
        yield note_record(activity, note, notes, me)


def note_record(activity: dict[str, Any], note: dict[str, Any], notes: dict[str, str | None],
                me: str | None = None) -> ContentRecord:
    actor = as_id(activity.get("actor") or note.get("attributedTo"), "actor")
    uri = as_id(note.get("id"), "Note id")
    parent = note.get("inReplyTo") if isinstance(note.get("inReplyTo"), str) else None
    kind: Kind = "post"
    if parent is not None:
        kind = "reply" if parent in notes and notes[parent] is not None else "comment"
    published = parse_time(note.get("published") or activity.get("published"), "published")
    updated = opt_time(note.get("updated"), "updated")
    media = []
    for a in note.get("attachment") or ():
        if isinstance(a, dict) and a.get("type") in ("Document", "Image", "Video", "Audio"):
            media.append(Media(kind=media_kind(a.get("mediaType")), uri=archive_path(a.get("url")),
                               description=a.get("name") or None))
    return ContentRecord(
        channel=CHANNEL, kind=kind, source="export", observed=updated or published,
        native_id=status_key(uri, me or actor), page_id=actor,
        parent_native_id=status_key(parent, me or actor) if parent else None, created=published,
        text=html_text(note.get("content")), title=note.get("summary") or None,
        # The export names the account only by its uri: its own statuses, recorded as the account's.
        media=tuple(media),
        permalink=note.get("url") if isinstance(note.get("url"), str) else None, by_account=True,
        raw=clean(activity))
