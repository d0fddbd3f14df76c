"""Page webhook deliveries -> records.

A file holds one delivery (`{"object":"page","entry":[...]}`), a JSON array of
deliveries, or one delivery per line (JSONL: a batch the live capture wrote).
Each change of field `feed` or `mention` becomes at most one record:

- verb add / edited / edit (older) -> ContentRecord;
- verb remove / hide / unhide -> ModerationRecord, carrying what the delivery says of
  the item (text, author, parent, time: a removal often no text), which the core
  captures first when the ledger does not hold the item (R18: archive first);
- reactions, likes, block, mute, any other field and direct messages -> `Skipped`,
  with the reason (who reacted is not kept, ...): counted, never dropped unsaid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from socialledger.channels import (
    AuthorRef,
    ContentRecord,
    Kind,
    Media,
    ModerationRecord,
    Record,
    Skipped,
)
from socialledger.plugins._meta.webhooks import webhook_changes
from socialledger.plugins.facebook.common import (
    CHANNEL,
    FormatError,
    author,
    clean,
    opt_id,
    opt_time,
)

SOURCE = "webhook"

CONTENT_ITEMS = frozenset({"comment", "post", "status", "photo", "video", "share"})
ADD_VERBS = frozenset({"add"})
EDIT_VERBS = frozenset({"edited", "edit"})
MODERATION_VERBS = {"remove": "remove", "hide": "hide", "unhide": "unhide"}
FIELDS = frozenset({"feed", "mention"})

DELIVERY_TIME_NOTE = "created time is the webhook delivery time"


REACTION_REASON = "who reacted is not kept (the API's counts are)"
FIELD_REASON = "a field socialledger does not capture"
VERB_REASON = "not a change of content"
MESSAGE_REASON = "direct messages are out of scope (R17)"
REMOVED_NOTE = ("removed before it could be captured: the removal names the item, its author and its place "
                "in the thread, not its text; created is the delivery's time")


def read_deliveries(deliveries: Iterable[tuple[str, Any]]) -> Iterator[Record]:
    """Records of (where, delivery) pairs; a delivery may also be a list of deliveries."""
    for c in webhook_changes(deliveries, "page", "a Facebook page"):
        if c.other is not None:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind=c.other, reason=MESSAGE_REASON)
            continue
        yield read_change(c.change, c.account, c.entry_time_raw, c.entry_time, c.where)


def read_change(
    change: dict[str, Any], page: str, entry_time_raw: Any, entry_time: datetime | None, where: str
) -> Record:
    """The record of one change; a change the ledger does not keep is `Skipped`, with its reason."""
    field = change.get("field")
    if field not in FIELDS:
        return Skipped(channel=CHANNEL, source=SOURCE, kind=f"{field} change", reason=FIELD_REASON)
    value = change.get("value")
    if not isinstance(value, dict):
        raise FormatError(f"{where}.value is not an object")
    item, verb = value.get("item"), value.get("verb")
    if item not in CONTENT_ITEMS:
        return Skipped(channel=CHANNEL, source=SOURCE, kind=str(item or "change"), reason=REACTION_REASON
                       if item in ("reaction", "like") else FIELD_REASON)
    if verb not in ADD_VERBS and verb not in EDIT_VERBS and verb not in MODERATION_VERBS:
        return Skipped(channel=CHANNEL, source=SOURCE, kind=f"{verb} of a {item}", reason=VERB_REASON)
    raw = clean({**value, "entry_time": entry_time_raw, "field": field})
    post_id = opt_id(value.get("post_id"), f"{where}.value.post_id")
    who = author(value.get("from"), sender_id=value.get("sender_id"), sender_name=value.get("sender_name"))

    if item == "comment":
        native_id = opt_id(value.get("comment_id"), f"{where}.value.comment_id")
        if native_id is None:
            raise FormatError(f"{where}: a comment change without comment_id")
        parent = opt_id(value.get("parent_id"), f"{where}.value.parent_id") or post_id
        kind: Kind = "reply" if parent is not None and post_id is not None and parent != post_id else "comment"
    else:
        if post_id is None:
            raise FormatError(f"{where}: a {item} change without post_id")
        native_id, parent = post_id, None
        kind = "visitor_post" if field == "mention" or _not_page(who, page) else "post"

    created = opt_time(value.get("created_time"), f"{where}.value.created_time")
    message = value.get("message")
    text = message if isinstance(message, str) and message else None
    if verb in MODERATION_VERBS:
        observed = entry_time or created
        if observed is None:
            raise FormatError(f"{where}: a {verb} with neither entry time nor created_time")
        # What the delivery says of the item itself: captured first when the ledger does not hold it (R18).
        note = DELIVERY_TIME_NOTE if created is None else None
        if text is None and not change_media(value):
            note = REMOVED_NOTE if verb == "remove" else DELIVERY_TIME_NOTE
        held = ContentRecord(
            channel=CHANNEL, kind=kind, source=SOURCE, observed=observed, native_id=native_id, page_id=page,
            parent_native_id=parent, created=created or observed, text=text, author=who,
            media=tuple(change_media(value)), time_note=note, raw=raw,
            partial=text is None and not change_media(value),
        )
        return ModerationRecord(
            channel=CHANNEL, kind=kind, source=SOURCE, action=MODERATION_VERBS[verb], native_id=native_id,
            observed=observed, page_id=page, parent_native_id=parent, raw=raw, item=held,
        )

    time_note = None
    if created is None:
        created, time_note = entry_time, DELIVERY_TIME_NOTE
    observed = (entry_time or created) if verb in EDIT_VERBS else (created or entry_time)
    if observed is None:
        raise FormatError(f"{where}: neither entry time nor created_time")
    hidden = value.get("is_hidden")
    return ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=observed,
        native_id=native_id,
        page_id=page,
        parent_native_id=parent,
        created=created,
        text=text,
        author=who,
        media=tuple(change_media(value)),
        hidden=hidden if isinstance(hidden, bool) else None,
        time_note=time_note,
        raw=raw,
    )


def _not_page(who: AuthorRef | None, page: str) -> bool:
    return who is not None and who.native_id is not None and who.native_id != page


def change_media(value: dict[str, Any]) -> list[Media]:
    """Media named by a change: `photo`, `photos[]`, a video's `link`/`video_id`, a share's `link`."""
    out: list[Media] = []
    item = value.get("item")
    photo = value.get("photo")
    if isinstance(photo, str) and photo:
        out.append(Media(kind="photo", url=photo))
    for p in value.get("photos") or ():
        if isinstance(p, str) and p:
            out.append(Media(kind="photo", url=p))
    link = value.get("link") if isinstance(value.get("link"), str) and value.get("link") else None
    if item == "video" or value.get("video_id") is not None:
        if link or value.get("video_id") is not None:
            out.append(Media(kind="video", url=link))
    elif link and item == "photo" and not out:
        out.append(Media(kind="photo", url=link))
    elif link and item in ("share", "status", "post"):
        out.append(Media(kind="link", url=link))
    return out


__all__ = ["change_media", "read_change", "read_deliveries"]
