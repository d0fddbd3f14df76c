"""Instagram webhook deliveries -> records.

A file holds one delivery (`{"object":"instagram","entry":[...]}`), a JSON
array of deliveries, or one delivery per line (JSONL: a batch the live capture
wrote). Each entry is the account (`entry.id`, the IG user id) at a delivery
time (`entry.time`, unix seconds); each change becomes at most one record:

- field `comments` (and `live_comments`): `{id, text, from{id,username},
  media{id,media_product_type}, parent_id}` -> a comment on the media, or a
  reply to `parent_id`. The payload has no creation time: `created` and
  `observed` are the delivery time, and the record's `time_note` says so.
- field `story_insights`: `{media_id, impressions, reach, replies, exits,
  taps_forward, taps_back, ...}`, sent when a story expires -> one lifetime
  metric per value, as of the delivery time.
- field `mentions`: `{comment_id, media_id}` (someone mentioned the account in a
  comment) or `{media_id}` (in a caption) -> a partial record: only the ids are
  known, so the core captures the item and records its text when the API's
  `mentioned_comment` or `mentioned_media` delivers it, whatever its time.
- any other field (messages, message reactions, ...): `Skipped`, with why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from socialledger.channels import ContentRecord, Kind, MetricsRecord, Record, Skipped
from socialledger.plugins._meta.webhooks import webhook_changes
from socialledger.plugins.instagram.common import (
    CHANNEL,
    FormatError,
    as_id,
    author,
    clean,
    dict_at,
    number,
    opt_id,
    text,
)
from socialledger.plugins.instagram.metrics import ledger_metric

SOURCE = "webhook"

COMMENT_FIELDS = frozenset({"comments", "live_comments"})
MENTIONS = "mentions"
STORY_INSIGHTS = "story_insights"

DELIVERY_TIME_NOTE = "created time is the webhook delivery time (Instagram's comment webhooks carry none)"
MENTION_NOTE = ("a mention webhook gives only ids; created time is the delivery time, and the text comes "
                "with the API's mentioned_comment or mentioned_media")


FIELD_REASON = "a field socialledger does not capture"
MESSAGE_REASON = "direct messages are out of scope (R17)"


def read_deliveries(deliveries: Iterable[tuple[str, Any]]) -> Iterator[Record]:
    """Records of (where, delivery) pairs; a delivery may also be a list of deliveries."""
    for c in webhook_changes(deliveries, "instagram", "an Instagram account"):
        if c.other is not None:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind=c.other, reason=MESSAGE_REASON)
            continue
        yield from read_change(c.change, c.account, c.entry_time_raw, c.entry_time, c.where)


def read_change(
    change: dict[str, Any], page: str, entry_time_raw: Any, entry_time: datetime | None, where: str
) -> Iterator[Record]:
    """The records of one change: a comment, a story's metrics, or nothing."""
    field = change.get("field")
    if field not in COMMENT_FIELDS and field not in (STORY_INSIGHTS, MENTIONS):
        # messaging fields, ...: counted as skipped, with why
        kind = "direct message" if str(field).startswith("messag") else f"{field} change"
        yield Skipped(channel=CHANNEL, source=SOURCE, kind=kind,
                      reason=MESSAGE_REASON if kind == "direct message" else FIELD_REASON)
        return
    value = change.get("value")
    if not isinstance(value, dict):
        raise FormatError(f"{where}.value is not an object")
    if entry_time is None:
        raise FormatError(f"{where}: an entry without time (the only time an Instagram webhook gives)")
    if field == STORY_INSIGHTS:
        yield from _story_insights(value, page, entry_time, where)
        return
    if field == MENTIONS:
        yield _mention(value, page, entry_time_raw, entry_time, where)
        return
    if value.get("id") is None:
        raise FormatError(f"{where}: a {field} change without id")
    comment_id = as_id(value["id"], f"{where}.value.id")
    media_id = opt_id(dict_at(value, "media").get("id"), f"{where}.value.media.id")
    parent_id = opt_id(value.get("parent_id"), f"{where}.value.parent_id")
    kind: Kind = "reply" if parent_id is not None and parent_id != media_id else "comment"
    yield ContentRecord(
        channel=CHANNEL,
        kind=kind,
        source=SOURCE,
        observed=entry_time,
        native_id=comment_id,
        page_id=page,
        parent_native_id=parent_id if kind == "reply" else media_id,
        created=entry_time,
        text=text(value.get("text")),
        author=author(value.get("from")),
        time_note=DELIVERY_TIME_NOTE,
        raw=clean({**value, "entry_time": entry_time_raw, "field": field}),
    )


def _mention(value: dict[str, Any], page: str, entry_time_raw: Any, entry_time: datetime,
             where: str) -> ContentRecord:
    """A mention: a comment (comment_id on media_id) or a caption (media_id alone) naming the account."""
    media_id = opt_id(value.get("media_id"), f"{where}.value.media_id")
    comment_id = opt_id(value.get("comment_id"), f"{where}.value.comment_id")
    if media_id is None and comment_id is None:
        raise FormatError(f"{where}: a mention without comment_id or media_id")
    return ContentRecord(
        channel=CHANNEL,
        kind="comment" if comment_id is not None else "visitor_post",
        source=SOURCE,
        observed=entry_time,
        native_id=comment_id or media_id,
        page_id=page,
        parent_native_id=media_id if comment_id is not None else None,
        created=entry_time,
        partial=True,
        time_note=MENTION_NOTE,
        raw=clean({**value, "entry_time": entry_time_raw, "field": MENTIONS}),
    )


def _story_insights(value: dict[str, Any], page: str, entry_time: datetime, where: str) -> Iterator[MetricsRecord]:
    """A story's final counts, sent when it expires: lifetime values as of the delivery."""
    if value.get("media_id") is None:
        raise FormatError(f"{where}: story_insights without media_id")
    media_id = as_id(value["media_id"], f"{where}.value.media_id")
    for name, v in value.items():
        if name == "media_id" or v is None:
            continue
        yield MetricsRecord(
            channel=CHANNEL, source=SOURCE, metric=ledger_metric(name), platform_metric=name, period="lifetime",
            end=entry_time, value=number(v, f"{where}.value.{name}"), native_id=media_id, page_id=page,
        )


__all__ = ["DELIVERY_TIME_NOTE", "read_change", "read_deliveries"]
