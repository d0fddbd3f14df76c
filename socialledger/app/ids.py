"""Ids a person can type: what every command that takes a ledger id also takes (docs/cli.md, "Ids").

Accounts, captured items and planned posts:

- the ledger id itself, a UUID (`5d6c1a2b-93f0-4c1e-8a55-0b8f2f6e7d10`, with or without dashes);
- its short form, a prefix of at least 8 hex digits (`5d6c1a2b`), as the tables show it; a prefix that
  begins more than one id is refused, naming them;
- the platform's id, namespaced by channel: an item as `facebook:123_456`, an account as the page
  it is linked to, `facebook:104729384756102`.

Finding an id reads the ledger only: who may see what the id names is checked by the service
that asked (`authorisation.py`), before it asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.core.domain.account import Account
from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.errors import BadInput, NotFound
from socialledger.core.domain.events import ledger_hex
from socialledger.core.domain.planning import PlannedPost
from socialledger.core.domain.requests import RecordsRequest
from socialledger.core.domain.workflow import State
from socialledger.core.ledger import LedgerStore, parse_id
from socialledger.core.storage.topics import topics_of

T = TypeVar("T")
#: The fewest hex digits a short id has.
SHORT = 8
_HEX = re.compile(r"[0-9a-f]+")
_NATIVE = re.compile(r"(?P<channel>[a-z][a-z0-9_-]*):(?P<native>\S+)")
_LISTED = 5  # candidates named when a short id is ambiguous


class Ids:
    """Turns what a person typed into a ledger id, and a ledger id into the short form tables show."""

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    # From what was typed to the id ----------------------------------------------------------

    def account(self, given: str | UUID) -> Account:
        """The account `given` names: its id, a short form of it, or `channel:platform-id`."""
        if isinstance(given, UUID):
            return self.store.account(given)
        text = _typed(given)
        if (full := parse_id(text)) is not None:
            return self.store.account(full)
        if m := _NATIVE.fullmatch(str(given).strip()):
            linked = [a for a in self.store.accounts()
                      if a.channel == m["channel"] and a.platform_id == m["native"]]
            if not linked:
                raise NotFound(f"no account is linked to {given}")
            open_ = [a for a in linked if a.state is not State.CLOSED]
            return (open_ or linked)[-1]  # one open account per page (R6); else the one closed last
        prefix = _prefix(text, "an account")
        found = [a for a in self.store.accounts() if a.id.hex.startswith(prefix)]
        return self._one(text, found, "account", lambda a: f"{a.id} ({a.name})")

    def item(self, given: str | UUID) -> ContentItem:
        """The captured item `given` names: its id, a short form of it, or `channel:native-id`."""
        if isinstance(given, UUID):
            return self.store.item(given)
        text = _typed(given)
        if (full := parse_id(text)) is not None:
            return self.store.item(full)
        index = self.store.recorder
        if m := _NATIVE.fullmatch(str(given).strip()):
            key = ledger_hex(f"{m['channel']}:{m['native']}")
            key = index.aliases([key]).get(key, key)  # first captured without its id, then reconciled
            try:
                return self.store.item(UUID(hex=key))
            except NotFound:
                raise NotFound(f"no captured item has the platform id {given}") from None
        prefix = _prefix(text, "an item")
        found = [i for i in map(self._item_or_none, index.ids_with_prefix(prefix, 50)) if i is not None]
        return self._one(text, found, "captured item", lambda i: str(i.id))

    def _item_or_none(self, hex_: str) -> ContentItem | None:
        # The capture index also holds data subjects and metrics: only items count here.
        try:
            return self.store.item(UUID(hex=hex_))
        except NotFound:
            return None

    def planned(self, given: str | UUID) -> PlannedPost:
        """The planned post `given` names: its id or a short form of it."""
        return self._aggregate(given, self._planned_or_none, self._plan_ids, "planned post")

    def request(self, given: str | UUID) -> RecordsRequest:
        """The records request `given` names: its id or a short form of it."""
        return self._aggregate(given, self._request_or_none, self.request_ids, "records request")

    def _aggregate(self, given: str | UUID, load: Callable[[UUID], T | None], ids: Callable[[], Iterable[UUID]],
                   noun: str) -> T:
        """An aggregate with no platform id (a planned post, a records request) by its id or a short form."""
        text = _typed(str(given))
        full = given if isinstance(given, UUID) else parse_id(text)
        if full is not None:
            found = load(full)
            if found is None:
                raise NotFound(f"there is no {noun} with id {given}")
            return found
        prefix = _prefix(text, f"a {noun}", native=False)
        candidates = [a for a in map(load, (i for i in ids() if i.hex.startswith(prefix))) if a is not None]
        return self._one(text, candidates, noun, lambda a: str(a.id))  # type: ignore[attr-defined]

    def request_ids(self) -> list[UUID]:
        return [n.originator_id for n in self.store.notifications(topics=topics_of((RecordsRequest.Opened,)))]

    def _request_or_none(self, rid: UUID) -> RecordsRequest | None:
        try:
            found = self.store.repository.get(rid)
        except AggregateNotFoundError:
            self.store.roster()
            return None
        return found if isinstance(found, RecordsRequest) else None

    def _plan_ids(self) -> list[UUID]:
        return [n.originator_id for n in self.store.notifications(topics=topics_of((PlannedPost.PostPlanned,)))]

    def _planned_or_none(self, pid: UUID) -> PlannedPost | None:
        try:
            found = self.store.repository.get(pid)
        except AggregateNotFoundError:
            self.store.roster()  # an uninitialised ledger says so first
            return None
        return found if isinstance(found, PlannedPost) else None

    @staticmethod
    def _one(text: str, found: list[T], what: str, name: Callable[[T], str]) -> T:
        if not found:
            raise NotFound(f"there is no {what} with an id beginning {text}")
        if len(found) > 1:
            named = ", ".join(name(f) for f in found[:_LISTED]) + (", ..." if len(found) > _LISTED else "")
            raise BadInput(f"{text} is ambiguous: {len(found)} {what}s have an id beginning so ({named}); "
                           "give more of the id")
        return found[0]

    # From the id to what a table shows ------------------------------------------------------

    def short(self, ids: Iterable[str | UUID]) -> dict[str, str]:
        """Full id (as a string) -> its short form: the shortest prefix of at least 8 hex digits that no
        other account, captured item or planned post begins with (almost always the first 8)."""
        wanted = {str(i) for i in ids}
        if not wanted:
            return {}
        accounts = [a.id.hex for a in self.store.accounts()] + [p.hex for p in self._plan_ids()] + [
            r.hex for r in self.request_ids()]
        index = self.store.recorder
        out = {}
        for full in wanted:
            hex_ = UUID(full).hex
            digits = SHORT
            while digits < 32:
                prefix = hex_[:digits]
                others = {h for h in index.ids_with_prefix(prefix, 2)} | {h for h in accounts if h.startswith(prefix)}
                if others <= {hex_}:
                    break
                digits += 1
            out[full] = _dashed(full, digits)
        return out


def _typed(given: str) -> str:
    return str(given).strip().lower()


def _prefix(text: str, what: str, *, native: bool = True) -> str:
    digits = text.replace("-", "")
    if not _HEX.fullmatch(digits):
        raise BadInput(f"{text!r} is not an id: give {what}'s ledger id, at least its first {SHORT} characters "
                       "as the tables show them" + (", or its platform id as channel:id (facebook:123_456)"
                                                     if native else ""))
    if len(digits) < SHORT:
        raise BadInput(f"{text} is too short to find an id by: give at least {SHORT} characters")
    return digits


def _dashed(full: str, digits: int) -> str:
    """The prefix of the UUID string `full` that holds `digits` hex digits."""
    out, n = [], 0
    for ch in full:
        if n == digits:
            break
        out.append(ch)
        if ch != "-":
            n += 1
    return "".join(out)
