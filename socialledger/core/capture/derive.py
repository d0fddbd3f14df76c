"""What an ingest derives from a record alone: ledger ids, keyed fingerprints, fallback keys.

None of it depends on what the ledger already holds, so the first pass, which
reads and checks every record, derives it too (on both cores when the input is
read in two halves, `halfreader.py`) and spools it beside the records. The
second pass, which decides against the capture index and must run in one
process, then only reads it. What is derived is what the capture index itself
holds (uuid5 ids and keyed BLAKE2b hashes): nothing more readable than that.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC
from typing import Any

import msgspec

from socialledger.core.domain.account import Account
from socialledger.core.domain.events import ledger_hex
from socialledger.core.domain.records import AuthorRef, ContentRecord, MetricsRecord, ModerationRecord, Record
from socialledger.core.storage.hashing import Hasher
from socialledger.core.storage.ports import KeyStore

_encode = msgspec.json.Encoder(order="sorted").encode
#: The fingerprint of an item known only by its ids: any fuller observation is news.
PARTIAL = bytes(16)
FINGERPRINT_PURPOSE = "socialledger fingerprint"
PSEUDONYM_PURPOSE = "socialledger pseudonym"


class Derived(msgspec.Struct, array_like=True, frozen=True):
    """A record's derived values, as the capture index names them (32 hex digits, 16-byte digests)."""

    item: str | None = None  # a content or moderation record's item (by native id); a metric's own id
    parent: str | None = None  # the parent item of a content record; the counted item of a metric
    subject: str | None = None  # the author's pseudonymous subject id
    identity: bytes | None = None  # keyed fingerprint of the author's identity as given
    fallback: str | None = None  # the fallback key of a content record (DESIGN.md), if it has a creation time
    fingerprint: bytes | None = None  # keyed fingerprint of the content, or of a metric's value


#: The time note of an item known only from a moderation the platform reported.
MODERATED_NOTE = ("known only from the platform's {action} of it: captured from what that delivery says "
                  "(its place in the thread{more}); created is the delivery's time")


def moderated_item(r: ModerationRecord) -> ContentRecord:
    """The item a moderation is about, as far as the record tells it (R18: archive first).

    The channel's own `item` when it gives one; otherwise an item known only by its
    id, kind, parent and the moderation's time, whose content any later observation fills in.
    """
    if r.item is not None:
        return r.item
    return ContentRecord(
        channel=r.channel, kind=r.kind, source=r.source, observed=r.observed, native_id=r.native_id,
        page_id=r.page_id, parent_native_id=r.parent_native_id, created=r.observed, partial=True,
        time_note=MODERATED_NOTE.format(action=r.action, more=""), raw=r.raw)


def normalised_text(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def subject_key(channel: str, author: AuthorRef) -> str:
    """`facebook:10152345`, else by username or name when the data gives no user id."""
    if author.native_id:
        return f"{channel}:{author.native_id}"
    if author.username:
        return f"{channel}:username:{author.username}"
    return f"{channel}:name:{normalised_text(author.name)}"


def alias_keys(channel: str, identity: dict[str, Any]) -> list[str]:
    """The other subject keys the person of `identity` may be known by on `channel` (`subject_key`).

    By name: a name an account export's title gives (`facebook:name:Åsa Öberg`; for a name that
    ends in s also without it, as a Swedish genitive "Klas Lars inlägg" is read). By username: a
    handle typed in a text (`x:username:anna_b`, kept in lower case), and on Mastodon a local
    username with the host of the person's uri as well (`anna@social.example`).
    """
    keys: list[str] = []
    name = identity.get("name")
    if isinstance(name, str) and name.strip():
        n = normalised_text(name)
        keys.append(f"{channel}:name:{n}")
        if n.endswith("s") and len(n) > 1:
            keys.append(f"{channel}:name:{n[:-1]}")
    username = identity.get("username")
    if isinstance(username, str) and username.strip("@ "):
        u = username.strip("@ ")
        keys += [f"{channel}:username:{u}", f"{channel}:username:{u.lower()}"]
        native = identity.get("native_id")
        if "@" not in u and isinstance(native, str) and native.startswith(("https://", "http://")):
            host = native.split("/")[2].split("@")[-1].split(":")[0].lower()
            if host:
                keys.append(f"{channel}:username:{u.lower()}@{host}")
    native = identity.get("native_id")
    if isinstance(native, str) and native.startswith(("https://", "http://")) and "/users/" in native:
        # An ActivityPub actor's uri (https://host/users/anna) and the profile url Mastodon's mentions
        # name the same person by (https://host/@anna)
        base, _, user = native.rpartition("/users/")
        if user and "/" not in user:
            keys.append(f"{channel}:{base}/@{user}")
    own = identity.get("subject")
    return [k for k in dict.fromkeys(keys) if k != own]


def identity_of(key: str, author: AuthorRef) -> dict[str, Any]:
    """What a subject's events seal as its identity."""
    return {"subject": key, "native_id": author.native_id, "name": author.name, "username": author.username}


def subject_name(pseudonyms: Hasher, key: str) -> str:
    """The natural key a data subject's ledger id is made from: a keyed hash of `facebook:10152345`.

    The ingest names subjects by it and `gdpr` finds them by it: the two must agree.
    """
    return "subject:" + pseudonyms.hex(key.encode())


def index_id(natural_key: str) -> str:
    """The capture index's id of `natural_key`: the hex of its ledger id (uuid5)."""
    return ledger_hex(natural_key)


class Deriver:
    def __init__(self, channel: str, account_id: str, platform_id: str, fingerprint_key: bytes,
                 pseudonym_key: bytes) -> None:
        self.channel = channel
        self.account_id = account_id
        self.platform_id = platform_id
        self.fingerprint_key = fingerprint_key
        self.pseudonym_key = pseudonym_key
        self.fingerprints = Hasher(fingerprint_key)
        self.pseudonyms = Hasher(pseudonym_key)
        # A page names the same post (as parent, as counted item) and author many times.
        self._natives: dict[str, str] = {}
        self._subjects: dict[str, str] = {}
        self._identities: dict[tuple[str, str | None, str | None], bytes] = {}

    @classmethod
    def for_account(cls, keys: KeyStore, channel: str, account: Account) -> Deriver:
        return cls(channel, str(account.id), account.platform_id, keys.derived(FINGERPRINT_PURPOSE),
                   keys.derived(PSEUDONYM_PURPOSE))

    def page(self, records: list[Record]) -> list[Derived | None]:
        try:
            return [self.derive(r) for r in records]
        finally:
            self.forget()

    def forget(self) -> None:
        self._natives.clear()
        self._subjects.clear()
        self._identities.clear()

    def derive(self, r: Record) -> Derived | None:
        if isinstance(r, ContentRecord):
            subject = identity = None
            if r.author is not None:
                key = subject_key(self.channel, r.author)
                subject = self.subject(key)
                identity = self.identity(key, r.author)
            # An item with a title and no text (a title-only share or comment) is keyed by its title.
            text = normalised_text(r.text if r.text is not None or r.title is None else r.title)
            return Derived(
                item=self.native(r.native_id) if r.native_id else None,
                parent=self.native(r.parent_native_id) if r.parent_native_id else None,
                subject=subject, identity=identity, fallback=self.fallback(r, text),
                fingerprint=self.content_fingerprint(r, text))
        if isinstance(r, MetricsRecord):
            return Derived(item=self.metric(r), parent=self.native(r.native_id) if r.native_id else None,
                           fingerprint=self.fingerprints.digest(_encode([r.value, r.breakdown])))
        if isinstance(r, ModerationRecord):
            # What the moderated item itself derives: captured from it when the ledger does not hold it.
            return self.derive(moderated_item(r))
        return None

    def native(self, native_id: str) -> str:
        found = self._natives.get(native_id)
        if found is None:
            found = self._natives[native_id] = index_id(f"{self.channel}:{native_id}")
        return found

    def subject(self, key: str) -> str:
        found = self._subjects.get(key)
        if found is None:
            found = self._subjects[key] = index_id(subject_name(self.pseudonyms, key))
        return found

    def identity(self, key: str, author: AuthorRef) -> bytes:
        memo = (key, author.name, author.username)
        found = self._identities.get(memo)
        if found is None:
            found = self._identities[memo] = self.fingerprints.digest(_encode(identity_of(key, author)))
        return found

    def fallback(self, r: ContentRecord, text: str) -> str | None:
        """DESIGN.md's fallback key: channel, account, kind, creation time and normalised text, keyed."""
        if r.created is None:
            return None
        material = f"{self.channel}|{self.account_id}|{r.kind}|{r.created.astimezone(UTC).isoformat()}|{text}"
        return self.fingerprints.hex(material.encode())

    def fallback_id(self, fallback: str) -> str:
        return index_id(f"{self.channel}:fallback:{fallback}")

    def content_fingerprint(self, r: ContentRecord, text: str) -> bytes:
        if r.partial:
            return PARTIAL
        # The same picture is a signed CDN URL (new on every fetch) in the API and a
        # path in an export (different in each export layout): what tells versions
        # apart is the text and how many attachments there are.
        return self.fingerprints.digest(_encode([text, len(r.media)]))

    def metric(self, r: MetricsRecord) -> str:
        key = f"{r.channel}|{r.page_id or self.platform_id}|{r.native_id or ''}|{r.metric}|{r.period}|{r.start}|{r.end}"
        if r.end is None:  # an untimed lifetime count: the value itself tells observations apart
            key += f"|{r.value}|{sorted((r.breakdown or {}).items())}"
        return index_id("metric:" + key)
