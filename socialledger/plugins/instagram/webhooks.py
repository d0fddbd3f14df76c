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
- field `mentions`: skipped. It carries only `{comment_id, media_id}` (or
  `media_id` alone for a caption mention), not the text. A record for it
  would have to be a comment with no text, observed at the delivery time: when
  the API later delivers the comment's text, observed at its (earlier)
  creation time, the core would keep the empty observation as the newer one
  and treat the text as stale; in the other order it would record an edit to
  no text that never happened. The mentioned comment or media is captured
  through the Graph API (`mentioned_comment`, `mentioned_media`), which gives
  its text and time.
- any other field (messages, message reactions, ...): nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from socialledger.core.records import ContentRecord, Kind, MetricsRecord, Record
from socialledger.plugins.instagram.common import (
    CHANNEL,
    FormatError,
    as_id,
    author,
    clean,
    dict_at,
    number,
    opt_id,
    opt_time,
    text,
)
from socialledger.plugins.instagram.metrics import ledger_metric

SOURCE = "webhook"

COMMENT_FIELDS = frozenset({"comments", "live_comments"})
SKIPPED_FIELDS = frozenset({"mentions"})  # see the module's docstring
STORY_INSIGHTS = "story_insights"

DELIVERY_TIME_NOTE = "created time is the webhook delivery time (Instagram's comment webhooks carry none)"


def read_deliveries(deliveries: Iterable[tuple[str, Any]]) -> Iterator[Record]:
    """Records of (where, delivery) pairs; a delivery may also be a list of deliveries."""
    for where, delivery in deliveries:
        if isinstance(delivery, list):
            for i, d in enumerate(delivery):
                yield from read_delivery(d, f"{where}[{i}]")
        else:
            yield from read_delivery(delivery, where)


def read_delivery(delivery: Any, where: str = "delivery") -> Iterator[Record]:
    if not isinstance(delivery, dict):
        raise FormatError(f"{where}: a delivery is a JSON object, not {type(delivery).__name__}")
    obj = delivery.get("object")
    if obj is not None and obj != "instagram":
        raise FormatError(f"{where}: a delivery for object {obj!r}, not an Instagram account")
    entries = delivery.get("entry")
    if not isinstance(entries, list):
        raise FormatError(f"{where}: 'entry' is missing or not a list")
    for i, entry in enumerate(entries):
        at = f"{where}.entry[{i}]"
        if not isinstance(entry, dict):
            raise FormatError(f"{at} is not an object")
        if "changes" not in entry:  # "messaging" (Instagram Direct): not the account's content
            continue
        changes = entry["changes"]
        if not isinstance(changes, list):
            raise FormatError(f"{at}.changes is not a list")
        page = as_id(entry.get("id"), f"{at}.id")
        entry_time = opt_time(entry.get("time"), f"{at}.time")
        for j, change in enumerate(changes):
            if not isinstance(change, dict):
                raise FormatError(f"{at}.changes[{j}] is not an object")
            yield from read_change(change, page, entry.get("time"), entry_time, f"{at}.changes[{j}]")


def read_change(
    change: dict[str, Any], page: str, entry_time_raw: Any, entry_time: datetime | None, where: str
) -> Iterator[Record]:
    """The records of one change: a comment, a story's metrics, or nothing."""
    field = change.get("field")
    if field in SKIPPED_FIELDS or (field not in COMMENT_FIELDS and field != STORY_INSIGHTS):
        return  # mentions (see the module's docstring), messaging fields, ...
    value = change.get("value")
    if not isinstance(value, dict):
        raise FormatError(f"{where}.value is not an object")
    if entry_time is None:
        raise FormatError(f"{where}: an entry without time (the only time an Instagram webhook gives)")
    if field == STORY_INSIGHTS:
        yield from _story_insights(value, page, entry_time, where)
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


__all__ = ["DELIVERY_TIME_NOTE", "read_change", "read_deliveries", "read_delivery"]
