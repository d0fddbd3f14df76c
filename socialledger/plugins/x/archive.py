"""An X (Twitter) account archive -> records, read through its `data/manifest.js`.

The archive (a ZIP, or the folder it unpacks to) holds `data/manifest.js`
(`window.__THAR_CONFIG = {userInfo, archiveInfo, dataTypes}`) and one JavaScript
assignment per data file (`window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]`). The
manifest names the account (`userInfo.accountId`: the account's platform id) and, per data
type, its files (one or several parts) and their item counts. It is read rather than globbing
for `*tweets.js`, which would also match `deleted-tweets.js`; a listed file is found at its
path inside the input, or (an archive whose files were renamed) by the global name the
manifest gives it.

- `tweets` (older archives: `tweet`): the account's tweets, its replies to others (kept as the
  account's replies, linked to the tweet they answer by id) and its old-style retweets
  (`RT @user: ...`, truncated as the archive has them). Counts arrive as strings and become
  numbers; HTML entities (`&amp;`) are decoded. An edited tweet is a chain of tweets
  (`edit_info`): every tweet of a chain is a version of one item, keyed by the chain's first id.
  Media files on disk are `<tweet id>-<basename of the media URL>` under the type's
  `mediaDirectory`, attached to the tweet by the core.
- `noteTweet` (`note-tweet.js`): the full text of long posts, whose tweets `tweets.js` cuts with
  "…"; joined to their tweet by creation time and text (the note names no tweet id).
- `deletedTweets`: tweets the account deleted, recorded as removals with their content.
- `follower`: how many followers the archive lists, at its generation date (who follows is not kept).
- every other data type: its items are counted and skipped, with the reason.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import msgspec

from socialledger.channels import (
    AccountRecord,
    AuthorRef,
    BadInput,
    ContentRecord,
    FormatError,
    InputFile,
    Media,
    MetricsRecord,
    ModerationRecord,
    Record,
    Skipped,
    as_id,
    clean,
    dict_at,
    list_at,
    number,
    parse_time,
)

CHANNEL = "x"
SOURCE = "export"
MANIFEST_PREFIX = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*window\.__THAR_CONFIG\s*=\s*")
DATA_PREFIX = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*window\.(?P<name>YTD\.\w+\.part\d+)\s*=\s*")
_decode = msgspec.json.Decoder().decode
_ELLIPSIS = "…"
_TCO = re.compile(r"\s*https://t\.co/\w+\s*$")

#: Data types read for content; the rest are counted and skipped (`SKIP_REASONS`).
TWEETS = ("tweets", "tweet")
NOTES = "noteTweet"
DELETED = "deletedTweets"
FOLLOWERS = "follower"
#: Why the items of other data types are not recorded.
SKIP_REASONS: dict[str, str] = {
    "like": "who and what the account liked is not kept",
    "following": "whom the account follows is not kept",
    "follower": "who follows is not kept (their number is)",
    "directMessages": "direct messages are out of scope (R17)",
    "directMessagesGroup": "direct messages are out of scope (R17)",
    "directMessageHeaders": "direct messages are out of scope (R17)",
    "directMessageGroupHeaders": "direct messages are out of scope (R17)",
    "directMessageMute": "direct messages are out of scope (R17)",
    "directMessagesMedia": "direct messages are out of scope (R17)",
    "account": "the account's settings (its id is the manifest's): no content",
    "profile": "the account's profile text: no content",
    "tweetHeaders": "the tweets' ids and times again: the tweets themselves are read",
    "deletedTweetHeaders": "the deleted tweets' ids again: the deleted tweets themselves are read",
    "deletedNoteTweet": "a deleted long post's text without its tweet: not linkable",
}
OTHER_REASON = "account settings and activity, not the account's posts"


# --- files --------------------------------------------------------------------------------------


def is_manifest(head: bytes) -> bool:
    return MANIFEST_PREFIX.match(head) is not None


def data_name(head: bytes) -> str | None:
    """`YTD.tweets.part0` for a data file of an archive, else None."""
    m = DATA_PREFIX.match(head)
    return m.group("name").decode() if m else None


def js_value(entry: InputFile, prefix: re.Pattern[bytes]) -> Any:
    """The JSON value a `window.X = ...;` file assigns."""
    data = entry.read_bytes()
    m = prefix.match(data)
    if m is None:
        raise FormatError("not a JavaScript assignment of the archive (window.YTD... = / window.__THAR_CONFIG =)")
    body = data[m.end():].rstrip()
    if body.endswith(b";"):
        body = body[:-1]
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInput(f"{entry.name}: not UTF-8 text (invalid byte at offset {e.start + m.end()})") from None
    try:
        return _decode(body)
    except msgspec.DecodeError as e:
        raise BadInput(f"{entry.name}: malformed JSON after the assignment ({e})") from None


class Archive:
    """The manifest and the files of the input it lists."""

    def __init__(self, entry: InputFile) -> None:
        self.entry = entry
        config = js_value(entry, MANIFEST_PREFIX)
        if not isinstance(config, dict):
            raise FormatError("the manifest is not an object")
        user = dict_at(config, "userInfo")
        self.account_id = as_id(user.get("accountId"), "userInfo.accountId")
        self.username = user.get("userName") or None
        self.display_name = user.get("displayName") or None
        info = dict_at(config, "archiveInfo")
        self.generated = parse_time(info["generationDate"], "archiveInfo.generationDate") \
            if info.get("generationDate") else None
        self.types = dict_at(config, "dataTypes")
        # The archive's root: the manifest is `data/manifest.js`, and it names files from the root.
        here = PurePosixPath(entry.path).parent
        self.root = here.parent if here.name == "data" else here
        self._by_global: dict[str, InputFile] | None = None
        self._by_path: dict[str, InputFile] | None = None  # the input's files, listed once

    def author(self) -> AuthorRef:
        return AuthorRef(native_id=self.account_id, username=self.username, name=self.display_name)

    def files(self, data_type: str) -> list[tuple[dict[str, Any], InputFile | None]]:
        """The files the manifest lists for a data type, each with the input's file (None: not in the input)."""
        out = []
        for listed in list_at(self.types, data_type, "files"):
            if not isinstance(listed, dict):
                continue
            out.append((listed, self.find(listed)))
        return out

    def find(self, listed: dict[str, Any]) -> InputFile | None:
        name = listed.get("fileName")
        if isinstance(name, str):
            path = str(self.root / name) if str(self.root) != "." else name
            if self._by_path is None:
                self._by_path = {f.path: f for f in self.entry.siblings()}
            found = self._by_path.get(path)
            if found is not None:
                return found
        global_name = listed.get("globalName")
        if isinstance(global_name, str):
            return self._globals().get(global_name)
        return None

    def _globals(self) -> dict[str, InputFile]:
        if self._by_global is None:
            self._by_global = {}
            if self._by_path is None:
                self._by_path = {f.path: f for f in self.entry.siblings()}
            for f in self._by_path.values():
                if f.path.lower().endswith(".js"):
                    name = data_name(f.head(256))
                    if name is not None:
                        self._by_global.setdefault(name, f)
        return self._by_global

    def media_dir(self, data_type: str) -> str | None:
        d = dict_at(self.types, data_type).get("mediaDirectory")
        if not isinstance(d, str):
            return None
        return str(self.root / d) if str(self.root) != "." else d


def items(entry: InputFile, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = js_value(entry, DATA_PREFIX)
    if not isinstance(value, list):
        raise FormatError(f"{entry.path}: the assigned value is not a list")
    for i, wrapped in enumerate(value):
        item = wrapped.get(key) if isinstance(wrapped, dict) else None
        if not isinstance(item, dict):
            raise FormatError(f"{entry.path}[{i}]: not an item wrapped as {{{key!r}: ...}}")
        yield i, item


# --- tweets ---------------------------------------------------------------------------------------


def tweet_time(value: Any, what: str) -> datetime:
    """`Mon Dec 26 17:54:43 +0000 2022` (tweets), or ISO (notes, deletions)."""
    if isinstance(value, str) and value[:3].isalpha():
        try:
            return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
        except ValueError:
            raise FormatError(f"{what} {value!r} is not a time") from None
    return parse_time(value, what)


def chain_id(tweet: dict[str, Any]) -> str:
    """The id of the first tweet of an edit chain (the item every version belongs to)."""
    info = tweet.get("edit_info")
    if isinstance(info, dict):
        edit = info.get("edit")
        if isinstance(edit, dict):
            ids = list_at(edit, "editControlInitial", "editTweetIds")
            first = edit.get("initialTweetId") or (ids[0] if ids else None)
            if first:
                return as_id(first, "edit_info.edit.initialTweetId")
        ids = list_at(info, "initial", "editTweetIds")
        if ids:
            return as_id(ids[0], "edit_info.initial.editTweetIds")
    return as_id(tweet.get("id_str") or tweet.get("id"), "id_str")


def is_latest(tweet: dict[str, Any], own: str) -> bool:
    """Whether the tweet is the last version of its edit chain (its counts are the item's)."""
    info = tweet.get("edit_info") if isinstance(tweet.get("edit_info"), dict) else {}
    ids = list_at(info, "initial", "editTweetIds") or list_at(info, "edit", "editControlInitial", "editTweetIds")
    return not ids or str(ids[-1]) == own


def media_of(tweet: dict[str, Any], own: str, media_dir: str | None) -> tuple[Media, ...]:
    listed = list_at(tweet, "extended_entities", "media") or list_at(tweet, "entities", "media")
    out = []
    for m in listed:
        if not isinstance(m, dict):
            continue
        url = m.get("media_url_https") or m.get("media_url")
        kind = {"photo": "photo", "animated_gif": "video", "video": "video"}.get(m.get("type"), "file")
        if m.get("type") in ("video", "animated_gif"):
            variants = [v for v in list_at(m, "video_info", "variants") if isinstance(v, dict) and v.get("url")]
            best = max(variants, key=lambda v: int(v.get("bitrate") or 0), default=None)
            if best is not None:
                url = best["url"]
        name = PurePosixPath(urlsplit(url).path).name if isinstance(url, str) else None
        uri = f"{media_dir}/{own}-{name}" if media_dir and name else None
        out.append(Media(kind=kind, url=url, uri=uri, description=m.get("ext_alt_text") or None))
    return tuple(out)


def tweet_record(archive: Archive, tweet: dict[str, Any], media_dir: str | None, text: str | None = None,
                 joined: bool = False) -> ContentRecord:
    own = as_id(tweet.get("id_str") or tweet.get("id"), "id_str")
    created = tweet_time(tweet.get("created_at"), f"tweet {own} created_at")
    item = chain_id(tweet)
    parent = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    full = html.unescape(text if text is not None else tweet.get("full_text") or tweet.get("text") or "")
    retweet = full.startswith("RT @")
    first_created = created
    return ContentRecord(
        channel=CHANNEL, kind="comment" if parent else "post", source=SOURCE, observed=created,
        native_id=item, page_id=archive.account_id, parent_native_id=as_id(parent) if parent else None,
        created=first_created if item == own else None, text=full or None, author=archive.author(),
        media=media_of(tweet, own, media_dir),
        permalink=f"https://x.com/{archive.username or 'i'}/status/{own}", by_account=True,
        raw=clean({"tweet": tweet, "note_tweet_joined": joined} if joined else {"tweet": tweet}),
        format="retweet" if retweet else None)


def tweet_metrics(archive: Archive, tweet: dict[str, Any]) -> Iterator[MetricsRecord]:
    own = as_id(tweet.get("id_str") or tweet.get("id"), "id_str")
    if not is_latest(tweet, own):
        return
    item = chain_id(tweet)
    for field, metric, kind in (("favorite_count", "reactions", "like"), ("retweet_count", "shares", None)):
        if tweet.get(field) not in (None, ""):
            value = number(tweet[field], f"tweet {own} {field}")  # strings in the archive
            yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=field,
                                period="lifetime", end=None, value=value, native_id=item, page_id=archive.account_id,
                                breakdown={kind: value} if kind else None)


def _stem(text: str) -> str:
    """A truncated tweet's text without its "…" and the t.co link X appends."""
    text = _TCO.sub("", html.unescape(text)).rstrip()
    return text[:-1].rstrip() if text.endswith(_ELLIPSIS) else text


# --- the archive ------------------------------------------------------------------------------


def read_archive(entry: InputFile) -> Iterator[Record]:
    archive = Archive(entry)
    yield AccountRecord(channel=CHANNEL, source=SOURCE, platform_id=archive.account_id,
                        observed=archive.generated, name=archive.display_name, username=archive.username)
    notes = list(_notes(archive))
    used: set[int] = set()
    tweet_type = next((t for t in TWEETS if t in archive.types), TWEETS[0])
    media_dir = archive.media_dir(tweet_type)
    tweets = []
    for listed, found in archive.files(tweet_type):
        yield from _missing(listed, found, tweet_type)
        if found is not None:
            tweets.extend(tweet for _, tweet in items(found, "tweet"))
    # Oldest first, whatever the parts' order (newest first): the versions of an edited tweet
    # are then observed in the order they were written.
    tweets.sort(key=lambda t: tweet_time(t.get("created_at"), "created_at"))
    for tweet in tweets:
        text, joined = _note_for(tweet, notes, used)
        yield tweet_record(archive, tweet, media_dir, text, joined)
        yield from tweet_metrics(archive, tweet)
    for i, (note, _) in enumerate(notes):
        if i in used:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind="note tweet",
                          reason="joined to its truncated tweet (the tweet carries its full text)",
                          native_id=str(note.get("noteTweetId")))
        else:
            yield _lone_note(archive, note)
    deleted_dir = archive.media_dir(DELETED)
    for listed, found in archive.files(DELETED):
        yield from _missing(listed, found, DELETED)
        if found is None:
            continue
        for _, tweet in items(found, "tweet"):
            content = tweet_record(archive, tweet, deleted_dir)
            when = tweet.get("deleted_at")
            observed = tweet_time(when, "deleted_at") if when else content.observed
            yield ModerationRecord(channel=CHANNEL, kind=content.kind, source=SOURCE, action="remove",
                                   native_id=content.native_id or "", observed=observed, page_id=archive.account_id,
                                   parent_native_id=content.parent_native_id, raw=content.raw, item=content)
    for data_type in archive.types:
        if data_type in (*TWEETS, NOTES, DELETED):
            continue
        yield from _counted(archive, data_type)


def _missing(listed: dict[str, Any], found: InputFile | None, data_type: str) -> Iterator[Record]:
    if found is None and str(listed.get("count", "0")) not in ("0", ""):
        raise BadInput(f"the manifest lists {listed.get('fileName')} ({listed.get('count')} {data_type}), "
                       "which is not in the input: give the whole archive (its ZIP or folder)")
    return iter(())


def _counted(archive: Archive, data_type: str) -> Iterator[Record]:
    """The items of a data type not read for content: counted by the manifest, skipped with the reason."""
    total = 0
    present = False
    for listed, found in archive.files(data_type):
        present = present or found is not None
        if found is not None:  # items of a file the input does not hold are not the input's
            try:
                total += int(str(listed.get("count", "0")) or 0)
            except ValueError:
                raise FormatError(
                    f"the manifest's count of {listed.get('fileName')} is {listed.get('count')!r}") from None
    reason = SKIP_REASONS.get(data_type, OTHER_REASON)
    for _ in range(total):
        yield Skipped(channel=CHANNEL, source=SOURCE, kind=data_type, reason=reason)
    if data_type == FOLLOWERS and present and archive.generated is not None:
        yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric="followers", platform_metric="follower.js items",
                            period="instant", end=archive.generated, value=float(total), page_id=archive.account_id)


def _notes(archive: Archive) -> Iterator[tuple[dict[str, Any], datetime | None]]:
    for listed, found in archive.files(NOTES):
        yield from _missing(listed, found, NOTES)
        if found is None:
            continue
        for _, note in items(found, "noteTweet"):
            created = parse_time(note["createdAt"], "noteTweet.createdAt") if note.get("createdAt") else None
            yield note, created


def _note_text(note: dict[str, Any]) -> str:
    text = dict_at(note, "core").get("text")
    if not isinstance(text, str):
        raise FormatError(f"noteTweet {note.get('noteTweetId')}: no core.text")
    return text


def _note_for(tweet: dict[str, Any], notes: list[tuple[dict[str, Any], datetime | None]],
              used: set[int]) -> tuple[str | None, bool]:
    """The full text of a long post, when a note matches the tweet by time and text."""
    if not notes:
        return None, False
    created = tweet_time(tweet.get("created_at"), "created_at")
    stem = _stem(tweet.get("full_text") or "")
    for i, (note, when) in enumerate(notes):
        if i in used or when is None or abs((when - created).total_seconds()) > 1:
            continue
        text = _note_text(note)
        if html.unescape(text).startswith(stem):
            used.add(i)
            return text, True
    return None, False


def _lone_note(archive: Archive, note: dict[str, Any]) -> ContentRecord:
    created = parse_time(note["createdAt"], "noteTweet.createdAt")
    return ContentRecord(
        channel=CHANNEL, kind="post", source=SOURCE, observed=created, native_id=None, page_id=archive.account_id,
        created=created, text=html.unescape(_note_text(note)), author=archive.author(), by_account=True,
        raw=clean({"noteTweet": note}), format="note",
        time_note="a long post whose tweet is not in the archive: keyed by its time and text")
