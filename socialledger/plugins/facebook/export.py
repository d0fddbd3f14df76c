"""The account export ("Download Your Information", JSON) -> records.

Two files of an export are read; every other file of it is skipped:

- posts: `posts/your_posts_1.json` (older layout) or
  `your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json`
  (newer): a JSON array of `{timestamp, data:[{post}|{update_timestamp}], attachments, title}`;
- comments: `comments/comments.json` (older) or
  `your_facebook_activity/comments_and_reactions/comments.json` (newer):
  `{"comments_v2": [{timestamp, data:[{comment:{timestamp, comment, author}}], title}]}`.

Exports carry no native ids (the core keys such items by time and text, or by
title where an entry has nothing else) and escape UTF-8 as Latin-1 code points:
every string is repaired (`repair_tree`). Every entry is one record: events,
notes, check-ins, updates and title-only shares say so in `format`; an entry
with nothing at all in it is counted as skipped, with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from socialledger.channels import AuthorRef, ContentRecord, Media, Record, Skipped, repair_tree
from socialledger.plugins._meta.export import ExportLayout
from socialledger.plugins.facebook.common import (
    CHANNEL,
    FormatError,
    clean,
    dict_at,
    list_at,
    opt_time,
    parse_time,
)
from socialledger.plugins.facebook.titles import named_in_title

SOURCE = "export"

_POSTS_FILE = re.compile(r"^your_posts[\w\-.]*\.json$", re.IGNORECASE)
_COMMENTS_FILE = re.compile(r"^comments(_\d+)?\.json$", re.IGNORECASE)
_POSTS_DIRS = frozenset({"posts"})
_COMMENTS_DIRS = frozenset({"comments", "comments_and_reactions"})
_VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".avi", ".mkv", ".3gp"})

#: Top-level folders of the export (both layouts): a JSON file under one of them that is not
#: posts or comments is part of the export the ledger does not read (profile, friends, ...).
EXPORT_FOLDERS = frozenset({
    # older layout
    "about_you", "activity_messages", "ads", "ads_and_businesses", "ads_information", "apps_and_websites",
    "archive", "comments", "events", "facebook_gaming", "facebook_marketplace", "facebook_news",
    "facebook_payments", "files", "following_and_followers", "friends", "friends_and_followers",
    "fundraisers", "groups", "interactions", "likes_and_reactions", "location", "marketplace", "messages",
    "music_recommendations", "news", "notifications", "other_activity", "other_logged_information",
    "other_personal_information", "pages", "payment_history", "photos_and_videos", "polls", "posts",
    "preferences", "profile_information", "saved_items_and_collections", "search", "search_history",
    "security_and_login_information", "shops", "stories", "your_interactions_on_facebook", "your_places",
    "your_topics", "voice_recording_and_transcription", "volunteering",
    # newer layout
    "your_facebook_activity", "personal_information", "connections", "logged_information",
    "apps_and_websites_off_of_facebook", "your_activity_across_facebook",
})


_LAYOUT = ExportLayout(_POSTS_FILE, _POSTS_DIRS, _COMMENTS_FILE, _COMMENTS_DIRS, EXPORT_FOLDERS)
export_kind = _LAYOUT.kind
in_export_folder = _LAYOUT.in_folder


def read_export(doc: Any) -> Iterator[Record]:
    """The records of one export file (already decoded), told apart by shape."""
    if isinstance(doc, list):
        yield from read_posts(doc)
    elif isinstance(doc, dict) and ("comments_v2" in doc or "comments" in doc):
        yield from read_comments(doc)
    else:
        raise FormatError("neither a posts array nor a comments_v2 object of a Facebook export")


EMPTY_REASON = "an empty entry: no text, title, media or time"
EMPTY_COMMENT_REASON = "an empty entry: no comment, title or media"


def read_posts(doc: list[Any]) -> Iterator[Record]:
    """One record for every entry: a post, or an event, a note, a check-in, a share or an update by its shape.

    - an `event` attachment: the event (its name as title, start and end, its description);
    - a `note` attachment: the note (title, text, its pictures);
    - text or media: a post;
    - a `place` alone: a check-in;
    - only `update_timestamp`: an update of a post whose content the export does not hold;
    - only a title ("... shared a video", "... delade ett minne"): a share, known by its title.
    """
    for i, raw_entry in enumerate(doc):
        where = f"[{i}]"
        if not isinstance(raw_entry, dict):
            raise FormatError(f"{where}: a post entry is {type(raw_entry).__name__}, not an object")
        entry = repair_tree(raw_entry)
        data = list_at(entry, "data")
        texts = [d["post"] for d in data if isinstance(d, dict) and isinstance(d.get("post"), str) and d["post"]]
        updated = next(
            (d["update_timestamp"] for d in data if isinstance(d, dict) and d.get("update_timestamp") is not None),
            None,
        )
        attached = [d for att in list_at(entry, "attachments") for d in list_at(att, "data") if isinstance(d, dict)]
        event = next((dict_at(d, "event") for d in attached if dict_at(d, "event")), {})
        note = next((dict_at(d, "note") for d in attached if dict_at(d, "note")), {})
        place = next((dict_at(d, "place") for d in attached if dict_at(d, "place")), {})
        media = export_media(entry)
        title = _s(entry.get("title"))
        fmt: str | None = None
        item_title: str | None = None
        starts = ends = None
        text = "\n\n".join(texts) if texts else None
        if event:
            fmt, item_title = "event", _s(event.get("name")) or title
            starts = opt_time(event.get("start_timestamp") or None, f"{where}.event.start_timestamp")
            ends = opt_time(event.get("end_timestamp") or None, f"{where}.event.end_timestamp")
            text = text or _s(event.get("description"))
        elif note:
            fmt, item_title = "note", _s(note.get("title")) or title
            text = text or _s(note.get("text"))
            media = media + _note_media(note)
        elif not texts and not media:
            if place:
                fmt, item_title = "check-in", title
                media = [Media(kind="place", title=_s(place.get("name")), description=_s(place.get("address")),
                               url=_s(place.get("url")))]
            elif updated is not None:
                fmt, item_title = "update", title
            elif title is not None:
                fmt, item_title = "share", title
        ts = entry.get("timestamp")
        if ts is None:
            ts = event.get("create_timestamp") or note.get("created_timestamp") or updated
        if fmt is None and not texts and not media:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind="post", reason=EMPTY_REASON)
            continue
        if ts is None:
            raise FormatError(f"{where}: a post without timestamp")
        created = parse_time(ts, f"{where}.timestamp")
        observed = opt_time(updated, f"{where}.data.update_timestamp") or created
        if note.get("updated_timestamp"):
            observed = max(observed, parse_time(note["updated_timestamp"], f"{where}.note.updated_timestamp"))
        yield ContentRecord(
            by_account=True,  # an account export holds the account's own activity
            channel=CHANNEL,
            kind="post",
            source=SOURCE,
            observed=observed,
            created=created,
            text=text,
            media=tuple(media),
            raw=clean(entry),
            format=fmt,
            title=item_title,
            starts=starts,
            ends=ends,
            named=named_in_title(title),  # "X delade Ys inlägg.": references to X and Y, in title and raw
        )


def _note_media(note: dict[str, Any]) -> list[Media]:
    out = []
    for m in list_at(note, "media"):
        if isinstance(m, dict) and _s(m.get("uri")):
            uri = str(m["uri"])
            kind = "video" if PurePosixPath(uri).suffix.lower() in _VIDEO_SUFFIXES else "photo"
            out.append(Media(kind=kind, uri=uri, title=_s(m.get("title")), description=_s(m.get("description"))))
    return out


def read_comments(doc: dict[str, Any]) -> Iterator[Record]:
    """One record for every comment of every entry; an entry with only a title is a comment known by its title."""
    entries = doc.get("comments_v2", doc.get("comments"))
    if not isinstance(entries, list):
        raise FormatError("'comments_v2' is not a list")
    for i, raw_entry in enumerate(entries):
        where = f"comments_v2[{i}]"
        if not isinstance(raw_entry, dict):
            raise FormatError(f"{where}: a comment entry is {type(raw_entry).__name__}, not an object")
        entry = repair_tree(raw_entry)
        comments = [c for d in list_at(entry, "data") if (c := dict_at(d, "comment"))]
        media = export_media(entry)
        title = _s(entry.get("title"))
        if not comments:
            comments = [{}]
        for c in comments:
            text = c.get("comment") if isinstance(c.get("comment"), str) and c.get("comment") else None
            if text is None and not media and title is None:
                yield Skipped(channel=CHANNEL, source=SOURCE, kind="comment", reason=EMPTY_COMMENT_REASON)
                continue
            ts = c.get("timestamp") if c.get("timestamp") is not None else entry.get("timestamp")
            if ts is None:
                raise FormatError(f"{where}: a comment without timestamp")
            created = parse_time(ts, f"{where}.timestamp")
            name = c.get("author")
            yield ContentRecord(
                by_account=True,  # an account export holds the account's own activity
                channel=CHANNEL,
                kind="comment",
                source=SOURCE,
                observed=created,
                created=created,
                text=text,
                author=AuthorRef(name=name) if isinstance(name, str) and name else None,
                media=tuple(media),
                raw=clean(entry),
                # Only a title ("... commented on Åsa's post."): the comment is known by it.
                title=title if text is None and not media else None,
                named=named_in_title(title),  # "X svarade på Ys kommentar.": references, in title and raw
            )


def export_media(entry: dict[str, Any]) -> list[Media]:
    """Media of an export entry: files inside the export (`uri`) and shared links (`external_context`)."""
    out: list[Media] = []
    for att in list_at(entry, "attachments"):
        for d in list_at(att, "data"):
            media = dict_at(d, "media")
            link = dict_at(d, "external_context")
            if media.get("uri"):
                uri = str(media["uri"])
                kind = "video" if PurePosixPath(uri).suffix.lower() in _VIDEO_SUFFIXES else "photo"
                out.append(Media(kind=kind, uri=uri, title=_s(media.get("title")),
                                 description=_s(media.get("description"))))
            elif link.get("url") or link.get("name"):
                out.append(Media(kind="link", url=_s(link.get("url")), title=_s(link.get("name"))))
    return out


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["EXPORT_FOLDERS", "export_kind", "export_media", "in_export_folder", "read_comments", "read_export",
           "read_posts"]
