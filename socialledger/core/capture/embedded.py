"""Raw fragments keep references to the people and items they embed, never their names, ids or words.

A comment's parent with its author and text (Graph's `parent{from,message}`), the
people a post mentions (`message_tags`, mentions, facets), the post a reply quotes:
these are other people's personal data, and the raw fragment they arrive in is
sealed under the key of the item that carries them, which erasing *them* does not
destroy. So the first pass of an ingest replaces each place a channel declares
(`Channel.embedded`, `socialledger.channels.Embedded`) by a reference: the
pseudonymous subject id of a person, the ledger id of an item. The item's own
author is declared too: who wrote it is the subject's, under the subject's key.

Pure and deterministic: the same record always becomes the same fragment, so a
re-ingest finds nothing new (fingerprints never cover `raw`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import msgspec

from socialledger.core.capture.derive import Deriver, subject_key, subject_name
from socialledger.core.domain.events import ledger_id
from socialledger.core.domain.records import AuthorRef, ContentRecord, Embedded, ModerationRecord, Record

WITHHELD: dict[str, str] = {"withheld": "text"}


class Scrubber:
    """Replaces what a channel's raw fragments embed (`Embedded`) by references, record by record."""

    def __init__(self, channel: str, embedded: Sequence[Embedded], derive: Deriver,
                 handles: str | None = None) -> None:
        self.channel = channel
        self.derive = derive
        self.handles = re.compile(handles) if handles else None
        self._mentions: list[tuple[str, str, AuthorRef]] = []  # (the words, their reference, the person)
        # path -> its declarations, by first key, so a fragment that holds none is passed at one look
        self.by_head: dict[str, list[tuple[list[str], Embedded]]] = {}
        for e in embedded:
            keys = e.path.split(".")
            self.by_head.setdefault(keys[0], []).append((keys[1:], e))

    def scrub(self, record: Record) -> Record:
        if not self.by_head and self.handles is None and not getattr(record, "named", ()):
            return record
        if isinstance(record, ContentRecord):
            self._mentions = []
            raw = self.fragment(record.raw)
            for person in record.named:  # the channel's own word for whom its text or title names
                self._named(person)
            if raw is record.raw and not self._mentions and self.handles is None:
                return record
            text, title = record.text, record.title
            people: dict[str, AuthorRef] = {}
            # The longest words first: "Åsa Öberg" before a "Åsa" another tag may name.
            mentions = sorted(self._mentions, key=lambda m: -len(m[0]))
            for words, token, person in mentions:
                if text and words in text:
                    text = text.replace(words, token)
                if title and words in title:
                    title = title.replace(words, token)
                people.setdefault(token, person)
            spelled = [(words, token) for words, token, _ in mentions]
            typed = self._typed(text, title)  # handles the platform gave no structure for
            if typed:
                text, title = _handled(text, typed), _handled(title, typed)
                for handle, token, person in typed:
                    people.setdefault(token, person)
            if not spelled and not typed:
                return record if raw is record.raw else msgspec.structs.replace(record, raw=raw)
            raw = _spelled(raw, spelled)  # the fragment's own copy
            if typed:
                raw = _typed_in(raw, typed)
            return msgspec.structs.replace(record, raw=raw, text=text, title=title,
                                           mentioned=tuple(people.values()))
        if isinstance(record, ModerationRecord):
            raw = self.fragment(record.raw)
            item = self.scrub(record.item) if record.item is not None else None
            if raw is record.raw and item is record.item:
                return record
            return msgspec.structs.replace(record, raw=raw, item=item)
        return record

    def _sid(self, author: AuthorRef) -> str:
        return str(ledger_id(subject_name(self.derive.pseudonyms, subject_key(self.channel, author))))

    def _named(self, person: AuthorRef) -> None:
        """A person the channel says the text or title names (`ContentRecord.named`): their words, a reference."""
        if person.name and person.name.strip():
            words = person.name.strip()
            self._mentions.append((words, mention_token(self._sid(AuthorRef(name=words)), "name"),
                                   AuthorRef(name=words)))
        elif person.username and person.username.strip("@ "):
            username = person.username.strip("@ ")
            self._mentions.append((f"@{username}", "@" + mention_token(self._sid(AuthorRef(username=username)),
                                                                       "username"), AuthorRef(username=username)))

    def _typed(self, *texts: str | None) -> list[tuple[str, str, AuthorRef]]:
        """The handles (`Channel.handles`) typed in `texts`: (the handle, its reference, the person), each once.

        A handle names the person the platform knows by that username (case does not matter on any
        platform with handles: it is kept in lower case); the person is recorded as a subject known
        by username, which an erasure of the person it belongs to erases with them (`app/gdpr.py`)."""
        if self.handles is None:
            return []
        found: dict[str, tuple[str, str, AuthorRef]] = {}
        for text in texts:
            if not text or "@" not in text:
                continue
            for m in self.handles.finditer(text):
                username = m.group(1).lower()
                if username not in found:
                    person = AuthorRef(username=username)
                    found[username] = (username, "@" + mention_token(self._sid(person), "username"), person)
        return list(found.values())

    def fragment(self, raw: Any) -> Any:
        """`raw` with every declared place replaced (a copy along the changed paths; `raw` itself when none)."""
        if not isinstance(raw, dict) or not raw or self.by_head.keys().isdisjoint(raw):
            return raw
        out = dict(raw)
        for head, declared in self.by_head.items():
            if head in out:
                for rest, e in declared:
                    out[head] = self._at(out[head], rest, e)
        return out

    def _at(self, value: Any, rest: list[str], e: Embedded) -> Any:
        if isinstance(value, list):
            return [self._at(v, rest, e) for v in value]
        if not rest:
            return self._replace(value, e)
        if isinstance(value, dict) and rest[0] in value:
            out = dict(value)
            out[rest[0]] = self._at(value[rest[0]], rest[1:], e)
            return out
        return value

    def _replace(self, value: Any, e: Embedded) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, dict) and ("subject" in value or "item" in value or "withheld" in value) \
                and len(value) == 1:
            return value  # replaced already (a record read twice)
        if e.kind == "text":
            return dict(WITHHELD) if value != "" else value
        ident = _field(value, e.id) if e.id is not None else value
        if isinstance(ident, int | float):
            ident = str(int(ident)) if float(ident).is_integer() else str(ident)
        if not isinstance(ident, str) or not ident:
            if isinstance(value, dict):
                return value  # no id here: not one of the embedded (a link beside the mentions)
            return None
        if e.kind == "item":
            return {"item": str(ledger_id(f"{self.channel}:{ident}"))}
        author = AuthorRef(**{"native_id" if e.named == "id" else e.named: ident})
        sid = str(ledger_id(subject_name(self.derive.pseudonyms, subject_key(self.channel, author))))
        if e.shown is not None and isinstance(value, dict):
            name = _field(value, e.name) if e.name else None
            username = _field(value, e.username) if e.username else None
            words = name if e.shown == "name" else username
            if isinstance(words, str) and words.strip():
                person = AuthorRef(native_id=author.native_id, name=name if isinstance(name, str) else None,
                                   username=username if isinstance(username, str) else author.username)
                token = mention_token(sid, e.shown)
                if e.shown == "username":  # a text spells a username out as @name: never a bare word's part
                    bare = words.lstrip("@")
                    words, token = f"@{bare}", f"@{token}"
                    # ... and Mastodon's HTML (the raw `content`) as @<span>name</span>
                    self._mentions.append((f"@<span>{bare}</span>", f"@<span>{token[1:]}</span>", person))
                self._mentions.append((words, token, person))
        return {"subject": sid}


def _spelled(value: Any, mentions: list[tuple[str, str]]) -> Any:
    """`value` (a raw fragment) with the words of each mention replaced by its reference, in every string."""
    if isinstance(value, str):
        for words, token in mentions:
            if words in value:
                value = value.replace(words, token)
        return value
    if isinstance(value, dict):
        return {k: _spelled(v, mentions) for k, v in value.items()}
    if isinstance(value, list):
        return [_spelled(v, mentions) for v in value]
    return value


def _handled(text: str | None, typed: list[tuple[str, str, AuthorRef]]) -> str | None:
    """`text` with each typed handle (`@username`, in any case, as a whole handle) replaced by its reference."""
    if not text or "@" not in text:
        return text
    for username, token, _ in typed:
        text = re.sub(r"(?<![\w@./])@" + re.escape(username) + r"(?![\w@-]|\.\w)", lambda _m, t=token: t, text,
                      flags=re.IGNORECASE)
    return text


def _typed_in(value: Any, typed: list[tuple[str, str, AuthorRef]]) -> Any:
    """`value` (a raw fragment) with the typed handles replaced in every string (`_handled`)."""
    if isinstance(value, str):
        return _handled(value, typed)
    if isinstance(value, dict):
        return {k: _typed_in(v, typed) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed_in(v, typed) for v in value]
    return value


def mention_token(subject: str, shown: str) -> str:
    """How an item's text refers to a person it mentions: `[subject:<pseudonymous id>]` (`:username` when
    the text showed the username); readers put the name back while the person's key exists."""
    return f"[subject:{subject}]" if shown == "name" else f"[subject:{subject}:username]"


def _field(value: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


#: A mention's reference in an item's text (`mention_token`).
MENTION = re.compile(r"\[subject:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(:username)?\]")
#: What a mention of an erased person reads as.
ERASED_MENTION = "[erased]"


def show_mentions(text: str | None, identity: Callable[[UUID], dict[str, Any] | None]) -> str | None:
    """`text` with each mention's reference read back: the person's name (or username) while their key exists,
    "[erased]" once it is destroyed. `identity` gives a subject's identity, or None when it cannot be read."""
    if not text or "[subject:" not in text:
        return text

    def shown(m: re.Match[str]) -> str:
        who = identity(UUID(m.group(1)))
        if not who:
            return ERASED_MENTION
        words = who.get("username") if m.group(2) else who.get("name")
        return words or who.get("name") or who.get("username") or ERASED_MENTION

    return MENTION.sub(shown, text)
