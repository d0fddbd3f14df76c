"""Page webhook deliveries -> records.

A file holds one delivery (`{"object":"page","entry":[...]}`), a JSON array of
deliveries, or one delivery per line (JSONL: a batch the live capture wrote).
Each change of field `feed` or `mention` becomes at most one record:

- verb add / edited / edit (older) -> ContentRecord;
- verb remove / hide / unhide -> ModerationRecord;
- reactions, likes, block, mute and any other field -> nothing (who reacted is not kept).
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


def read_deliveries(deliveries: Iterable[tuple[str, Any]]) -> Iterator[Record]:
    """Records of (where, delivery) pairs; a delivery may also be a list of deliveries."""
    for c in webhook_changes(deliveries, "page", "a Facebook page"):
        record = read_change(c.change, c.account, c.entry_time_raw, c.entry_time, c.where)
        if record is not None:
            yield record


def read_change(
    change: dict[str, Any], page: str, entry_time_raw: Any, entry_time: datetime | None, where: str
) -> Record | None:
    """The record of one change, or None for a change the ledger does not keep."""
    field = change.get("field")
    if field not in FIELDS:
        return None
    value = change.get("value")
    if not isinstance(value, dict):
        raise FormatError(f"{where}.value is not an object")
    item, verb = value.get("item"), value.get("verb")
    if item not in CONTENT_ITEMS:
        return None  # reaction, like, ... : who reacted is not kept
    if verb not in ADD_VERBS and verb not in EDIT_VERBS and verb not in MODERATION_VERBS:
        return None  # block, mute, ...
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
    if verb in MODERATION_VERBS:
        observed = entry_time or created
        if observed is None:
            raise FormatError(f"{where}: a {verb} with neither entry time nor created_time")
        return ModerationRecord(
            channel=CHANNEL, kind=kind, source=SOURCE, action=MODERATION_VERBS[verb], native_id=native_id,
            observed=observed, page_id=page, parent_native_id=parent, raw=raw,
        )

    time_note = None
    if created is None:
        created, time_note = entry_time, DELIVERY_TIME_NOTE
    observed = (entry_time or created) if verb in EDIT_VERBS else (created or entry_time)
    if observed is None:
        raise FormatError(f"{where}: neither entry time nor created_time")
    message = value.get("message")
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
        text=message if isinstance(message, str) and message else None,
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
