"""The account export ("Download your information", JSON) -> records.

Two kinds of file of an export are read; every other file of it is skipped:

- posts: `content/posts_1.json` (older layout) or
  `your_instagram_activity/content/posts_1.json` (newer; the newest put the same
  files under `your_instagram_activity/media/`): a JSON array of
  `{media:[{uri, creation_timestamp, title}], title?, creation_timestamp?}`.
  A single picture has its caption in `media[0].title` and no top-level
  fields; a carousel has its caption and time at the top. The reels and
  stories beside them are items of their own kinds ("reel", "story", "igtv"),
  known by the array that wraps them, whatever the file is called:
  `{"ig_reels_media":[{media:[...]}]}`, `{"ig_stories":[{uri, creation_timestamp,
  title}]}`, `{"ig_igtv_media":[{media:[...]}]}` (also as an entry inside the
  posts array).
- comments the account wrote: `comments/post_comments_1.json` (older) or
  `your_instagram_activity/comments/post_comments_1.json` (newer), and
  `reels_comments.json` beside them. Older entries are
  `{"comments_media_comments":[{title, string_list_data:[{value, timestamp}]}]}`
  (`title` is the media owner); newer ones
  `[{string_map_data:{"Comment":{value}, "Media Owner":{value}, "Time":{timestamp}}}]`,
  bare or wrapped in `comments_*`, with labels in the export's language
  ("Kommentar", "Tid" in a Swedish one).

Exports carry no native ids (the core keys such items by time and text and
reconciles them with the API's later), name no parent media, and escape UTF-8
as Latin-1 code points: every string is repaired. An entry with neither text
nor media is counted as skipped, with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from socialledger.channels import ContentRecord, Media, Record, Skipped
from socialledger.plugins._meta.export import ExportLayout
from socialledger.plugins.instagram.common import (
    CHANNEL,
    FormatError,
    clean,
    list_at,
    parse_time,
    repair_tree,
    text,
)

SOURCE = "export"

_POSTS_FILE = re.compile(r"^(posts_\d+|reels|stories)\.json$", re.IGNORECASE)
_COMMENTS_FILE = re.compile(r"^(post_comments(_\d+)?|reels_comments)\.json$", re.IGNORECASE)
_POSTS_DIRS = frozenset({"content", "media"})
_COMMENTS_DIRS = frozenset({"comments"})
_VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".3gp"})

#: Top-level folders of the export (both layouts): a file under one of them that is not posts
#: or comments is part of the export the ledger does not read (followers, likes, messages, ...).
EXPORT_FOLDERS = frozenset({
    # older layout
    "account_information", "ads_and_businesses", "ads_and_topics", "autofill_information", "comments",
    "connections", "content", "devices", "events", "followers_and_following", "fundraisers", "guides",
    "information_about_you", "likes", "login_and_account_creation", "media", "messages", "monetization",
    "past_instagram_insights", "personal_information", "recent_searches", "reports", "saved", "shopping",
    "story_sticker_interactions", "your_topics", "notifications", "professional_information",
    # newer layout
    "your_instagram_activity", "ads_information", "apps_and_websites_off_of_instagram", "logged_information",
    "preferences", "security_and_login_information",
})

#: The labels of a newer comment entry, in the languages an export is made in.
COMMENT_LABELS = frozenset({
    "Comment", "Kommentar", "Opmerking", "Commentaire", "Comentario", "Comentário", "Commento", "Kommentti",
    "Komentarz",
})
TIME_LABELS = frozenset({"Time", "Tid", "Tijd", "Zeit", "Heure", "Hora", "Ora", "Aika", "Czas", "Tidspunkt"})
OWNER_LABELS = frozenset({
    "Media Owner", "Medieägare", "Mediaägare", "Media-eigenaar", "Medieejer", "Medieeier", "Medieneigentümer",
    "Propriétaire du contenu multimédia", "Propietario del contenido multimedia",
})


_LAYOUT = ExportLayout(_POSTS_FILE, _POSTS_DIRS, _COMMENTS_FILE, _COMMENTS_DIRS, EXPORT_FOLDERS)
export_kind = _LAYOUT.kind
in_export_folder = _LAYOUT.in_folder


#: The arrays an export's content files wrap their entries in, and the kind of item each holds
#: (a bare array, posts_1.json, holds posts).
CONTENT_LISTS = {"ig_reels_media": "reel", "ig_stories": "story", "ig_igtv_media": "igtv"}


def has_content_list(doc: Any) -> bool:
    """Whether a document is (or holds) one of the content arrays an export wraps its reels, stories, IGTV in."""
    return isinstance(doc, dict) and any(isinstance(doc.get(k), list) for k in CONTENT_LISTS)


def posts_entries(doc: Any) -> list[Any] | None:
    """The entries of a posts file: a bare array, or the `ig_*` arrays of reels.json, stories.json, IGTV."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        known = [v for k, v in doc.items() if k in CONTENT_LISTS and isinstance(v, list)]
        if known:
            return [e for v in known for e in v]
        lists = [v for k, v in doc.items() if isinstance(k, str) and k.startswith("ig_") and isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def content_entries(doc: Any) -> list[tuple[Any, str | None]]:
    """(entry, the kind of item it is) of a posts file; entries wrapped in a content array inside the
    posts array (`{"ig_igtv_media": [...]}`) are unwrapped, each with its kind."""
    if isinstance(doc, dict):
        known = [(e, CONTENT_LISTS[k]) for k, v in doc.items() if k in CONTENT_LISTS and isinstance(v, list)
                 for e in v]
        if known:
            return known
    out: list[tuple[Any, str | None]] = []
    for entry in posts_entries(doc) or ():
        if isinstance(entry, dict) and "media" not in entry and "uri" not in entry and has_content_list(entry):
            out.extend(content_entries(entry))
        else:
            out.append((entry, None))
    return out


def comment_entries(doc: Any) -> list[Any] | None:
    """The entries of a comments file: a bare array, or the `comments_*_comments` array around it."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for k, v in doc.items()  # comments_media_comments, comments_reels_comments (not comments_v2)
                 if isinstance(k, str) and k.startswith("comments_") and k.endswith("_comments") and isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def read_export(doc: Any, kind: str | None) -> Iterator[Record]:
    """The records of one export file (already decoded): posts or comments, by its path, else its shape."""
    posts, comments = posts_entries(doc), comment_entries(doc)
    if kind is None:  # a file renamed or moved: its shape decides
        labelled = isinstance(doc, list) and bool(doc) and isinstance(doc[0], dict) and (
            "string_map_data" in doc[0] or "string_list_data" in doc[0])
        wrapped = isinstance(doc, dict) and comments is not None and posts is None
        kind = "comments" if labelled or wrapped else "posts"
    if kind == "posts":
        if posts is None:
            raise FormatError("neither a posts array nor an ig_* array of an Instagram export")
        yield from read_posts(content_entries(doc))
    else:
        if comments is None:
            raise FormatError("neither a comments array nor a comments_* array of an Instagram export")
        yield from read_comments(comments)


# --- posts ------------------------------------------------------------------------------------


EMPTY_REASON = "an empty entry: no caption, media or time"


def read_posts(entries: list[Any]) -> Iterator[Record]:
    """One record per entry: `entries` are entries, or (entry, kind) pairs (`content_entries`)."""
    for i, pair in enumerate(entries):
        raw_entry, fmt = pair if isinstance(pair, tuple) else (pair, None)
        where = f"[{i}]"
        if not isinstance(raw_entry, dict):
            raise FormatError(f"{where}: a post entry is {type(raw_entry).__name__}, not an object")
        entry = repair_tree(raw_entry)
        items = [m for m in list_at(entry, "media") if isinstance(m, dict)]
        if not items and "uri" in entry:  # a story: the entry is its one media
            items = [entry]
        media = [_media(m) for m in items if text(m.get("uri"))]
        caption = text(entry.get("title")) or next((t for m in items if (t := text(m.get("title")))), None)
        if caption is None and not media:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind=fmt or "post", reason=EMPTY_REASON)
            continue
        ts = entry.get("creation_timestamp") or next(
            (m["creation_timestamp"] for m in items if m.get("creation_timestamp")), None)
        if not ts:
            raise FormatError(f"{where}: a post without creation_timestamp")
        created = parse_time(ts, f"{where}.creation_timestamp")
        yield ContentRecord(
            by_account=True,  # an account export holds the account's own activity
            channel=CHANNEL,
            kind="post",
            source=SOURCE,
            observed=created,
            created=created,
            text=caption,
            media=tuple(media),
            raw=clean(entry),
            format=fmt,
        )


def _media(item: dict[str, Any]) -> Media:
    uri = str(item["uri"])
    kind = "video" if PurePosixPath(uri).suffix.lower() in _VIDEO_SUFFIXES else "photo"
    return Media(kind=kind, uri=uri)


# --- comments ---------------------------------------------------------------------------------


def read_comments(entries: list[Any]) -> Iterator[Record]:
    for i, raw_entry in enumerate(entries):
        where = f"[{i}]"
        if not isinstance(raw_entry, dict):
            raise FormatError(f"{where}: a comment entry is {type(raw_entry).__name__}, not an object")
        entry = repair_tree(raw_entry)
        if isinstance(entry.get("string_map_data"), dict):
            found = [_labelled(entry["string_map_data"], where)]
        elif "string_list_data" in entry:
            found = [(text(d.get("value")), d.get("timestamp")) for d in list_at(entry, "string_list_data")
                     if isinstance(d, dict)]
        else:
            raise FormatError(f"{where}: neither string_map_data nor string_list_data")
        for comment, ts in found:
            if comment is None:
                yield Skipped(channel=CHANNEL, source=SOURCE, kind="comment", reason="an entry without comment text")
                continue
            if not ts:
                raise FormatError(f"{where}: a comment without a time")
            created = parse_time(ts, f"{where}.timestamp")
            yield ContentRecord(
                by_account=True,  # an account export holds the account's own activity
                channel=CHANNEL,
                kind="comment",
                source=SOURCE,
                observed=created,
                created=created,
                text=comment,
                raw=clean(entry),
            )


def _labelled(fields: dict[str, Any], where: str) -> tuple[str | None, Any]:
    """(comment text, timestamp) of `string_map_data`, whatever language its labels are in.

    Known labels first; else the one field with a timestamp is the time and the
    one field with a value that is not the media owner is the comment. Labels
    that leave it open are refused rather than guessed.
    """
    entries = {k: v for k, v in fields.items() if isinstance(v, dict)}
    time_key = next((k for k in entries if k in TIME_LABELS), None)
    if time_key is None:
        timed = [k for k, v in entries.items() if v.get("timestamp") and not text(v.get("value"))]
        time_key = timed[0] if len(timed) == 1 else None
    comment_key = next((k for k in entries if k in COMMENT_LABELS), None)
    if comment_key is None:
        valued = [k for k, v in entries.items() if k not in OWNER_LABELS and k != time_key and text(v.get("value"))]
        if len(valued) > 1:
            raise FormatError(f"{where}: cannot tell the comment among the labels {sorted(entries)}")
        comment_key = valued[0] if valued else None
    if time_key is None and comment_key is not None:
        raise FormatError(f"{where}: cannot tell the time among the labels {sorted(entries)}")
    comment = text(entries[comment_key].get("value")) if comment_key else None
    ts = entries[time_key].get("timestamp") if time_key else None
    return comment, ts


__all__ = ["EXPORT_FOLDERS", "comment_entries", "export_kind", "in_export_folder", "posts_entries",
           "read_comments", "read_export", "read_posts"]
