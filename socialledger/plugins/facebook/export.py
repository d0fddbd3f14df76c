"""The account export ("Download Your Information", JSON) -> records.

Two files of an export are read; every other file of it is skipped:

- posts: `posts/your_posts_1.json` (older layout) or
  `your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json`
  (newer): a JSON array of `{timestamp, data:[{post}|{update_timestamp}], attachments, title}`;
- comments: `comments/comments.json` (older) or
  `your_facebook_activity/comments_and_reactions/comments.json` (newer):
  `{"comments_v2": [{timestamp, data:[{comment:{timestamp, comment, author}}], title}]}`.

Exports carry no native ids (the core keys such items by time and text) and
escape UTF-8 as Latin-1 code points: every string is repaired (`mojibake.py`).
An entry with neither text nor media (a check-in, a "shared a memory") is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from socialledger.channels import AuthorRef, ContentRecord, Media, repair_tree
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


def read_export(doc: Any) -> Iterator[ContentRecord]:
    """The records of one export file (already decoded), told apart by shape."""
    if isinstance(doc, list):
        yield from read_posts(doc)
    elif isinstance(doc, dict) and ("comments_v2" in doc or "comments" in doc):
        yield from read_comments(doc)
    else:
        raise FormatError("neither a posts array nor a comments_v2 object of a Facebook export")


def read_posts(doc: list[Any]) -> Iterator[ContentRecord]:
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
        media = export_media(entry)
        if not texts and not media:
            continue
        if entry.get("timestamp") is None:
            raise FormatError(f"{where}: a post without timestamp")
        created = parse_time(entry["timestamp"], f"{where}.timestamp")
        observed = opt_time(updated, f"{where}.data.update_timestamp") or created
        yield ContentRecord(
            by_account=True,  # an account export holds the account's own activity
            channel=CHANNEL,
            kind="post",
            source=SOURCE,
            observed=observed,
            created=created,
            text="\n\n".join(texts) if texts else None,
            media=tuple(media),
            raw=clean(entry),
        )


def read_comments(doc: dict[str, Any]) -> Iterator[ContentRecord]:
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
        if not comments and media:
            comments = [{}]
        for c in comments:
            text = c.get("comment") if isinstance(c.get("comment"), str) and c.get("comment") else None
            if text is None and not media:
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
