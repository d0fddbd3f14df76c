"""The search read model: every version of every captured item, findable by its words in their inflected forms.

Swedish and Danish inflect (kommun, kommunen, kommunens, kommunerna; kommunerne):
each word is reduced to its Snowball stem, in Swedish and in Danish (where the two
differ both are kept), when a version is indexed and when a query is asked, so that
"biblioteket" finds "bibliotekens". The stems of a version are one document of a
full-text index (SQLite FTS5 on the embedded backend: `projections/sqlite/search.py`;
PostgreSQL's own text search on the shared one); beside it, per item, the columns
that searches filter on (account, channel, kind, author pseudonym, created, state).

The index holds a person's words (as stems), so it is purged like the keys:
`SubjectErased` and a disposal's decision name their items, and this model deletes
every row of them and has the backend rewrite the index so that no copy of their
words is left in its files (`purge`). A rebuild after an erasure indexes nothing of
the erased items, whose texts no longer decrypt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

import Stemmer

from socialledger.core.domain.content import ContentItem
from socialledger.core.domain.retention import Disposals
from socialledger.core.domain.subjects import Subject
from socialledger.projections.base import ReadModel

#: the languages whose inflected forms a search finds (Snowball stemmers, both applied)
LANGUAGES = ("swedish", "danish")
_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMERS = tuple(Stemmer.Stemmer(lang) for lang in LANGUAGES)
#: the most items one query returns
MAX_RESULTS = 500
#: the columns of an item's row, in order
ITEM_COLUMNS = ("item", "account", "channel", "kind", "author", "parent", "by_account", "occurred", "state", "versions")


def words(text: str) -> list[str]:
    """The words of a text, case folded (digits and letters of any script; punctuation splits)."""
    return [w.casefold() for w in _WORD.findall(text)]


def stems(text: str) -> str:
    """What the index holds of a text: each word's Swedish stem, and its Danish stem where that differs."""
    ws = words(text)
    if not ws:
        return ""
    out: list[str] = []
    per_language = [s.stemWords(ws) for s in _STEMMERS]
    for i in range(len(ws)):
        seen = None
        for stemmed in per_language:
            if stemmed[i] != seen:
                out.append(stemmed[i])
                seen = stemmed[i]
    return " ".join(out)


def query_stems(query: str) -> list[list[str]]:
    """Per word of a query, the stems it may be found under (any of them matches; every word must)."""
    out: list[list[str]] = []
    for w in words(query):
        alternatives = sorted({s.stemWord(w) for s in _STEMMERS})
        out.append(alternatives)
    return out


class SearchView(Protocol):
    """The search model's tables (SQLite: `projections/sqlite/search.py`, PostgreSQL: `projections/postgresql/`)."""

    def items_indexed(self, items: list[tuple[Any, ...]], docs: list[tuple[str, int, str]]) -> None:
        """Write a page's new items (rows of `ITEM_COLUMNS`) and their versions' documents (item, version, stems)."""

    def version_added(self, item: str, stems: str) -> None:
        """Another version of an item held (an edit): its document, and the item's version count (nothing for
        an item not held)."""

    def state_changed(self, item: str, state: str) -> None: ...

    def purge(self, items: list[str]) -> int:
        """Delete every row and document of these items, leaving no copy of their words in the index's files;
        the number of items that were held."""

    def find(self, alternatives: list[list[str]], filters: dict[str, Any], limit: int,
             plan: str | None = None) -> list[tuple[str, int]]:
        """(item, version) of the newest matching documents, one per item, at most `limit` items.

        The words or the narrowest filter lead, by counts (`plan` None); `plan` forces one, the same items in
        the same order whichever: "words", "filters", or the filter to lead ("author", "account", "accounts",
        "period", "state")."""

    def item_rows(self, items: list[str]) -> dict[str, dict[str, Any]]:
        """The rows of these items, by item."""

    def roots_since(self, account: str, since: float) -> list[str]:
        """Items of `account` without a parent (posts) that the platform dates at or after `since`."""
        ...

    def children(self, parents: list[str]) -> list[str]:
        """The items whose parent is one of these."""

    def count(self) -> tuple[int, int]:
        """(items, documents) held."""


class Search(ReadModel):
    """Every captured version's words, and what a search filters on."""

    name = "search"
    needs_content = True  # it indexes the captured text

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[str, list[Any]] = {}  # a page's new items, by item, in event order
        self._docs: list[tuple[str, int, str]] = []

    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        return {
            ContentItem.Captured: self.captured,
            ContentItem.Edited: self.edited,
            ContentItem.Moderated: self.moderated,
            Subject.SubjectErased: self.erased,
            Disposals.RetentionApplied: self.disposed,
            Disposals.RetentionAppliedAgain: self.disposed,
        }

    def begin(self, view: SearchView) -> None:
        self._items, self._docs = {}, []

    def end(self, view: SearchView) -> None:
        self._flush(view)

    def _flush(self, view: SearchView) -> None:
        if self._items or self._docs:
            view.items_indexed([tuple(r) for r in self._items.values()], self._docs)
        self._items, self._docs = {}, []

    def captured(self, view: SearchView, e: Any, position: int) -> None:
        text = e.content.get("text") if e.content else None
        if e.content is None:
            return  # erased or disposed before this (re)build: nothing of it is indexed
        item = e.originator_id.hex
        self._items[item] = [item, e.account.hex, e.channel, e.kind, e.author.hex if e.author else None,
                             e.parent.hex if e.parent else None, int(e.by_account),
                             (e.occurred or e.observed).timestamp(), "hidden" if e.hidden else "visible", 1]
        self._docs.append((item, 1, stems(text or "")))

    def edited(self, view: SearchView, e: Any, position: int) -> None:
        if e.content is None:
            return
        item = e.originator_id.hex
        text = e.content.get("text") or ""
        if item in self._items:  # captured in this page: its row is still to be written
            row = self._items[item]
            row[9] += 1
            self._docs.append((item, row[9], stems(text)))
            return
        self._flush(view)
        view.version_added(item, stems(text))

    def moderated(self, view: SearchView, e: Any, position: int) -> None:
        self._flush(view)
        view.state_changed(e.originator_id.hex, e.state)

    def erased(self, view: SearchView, e: Any, position: int) -> None:
        self._flush(view)
        view.purge([i.hex for i in e.items])

    def disposed(self, view: SearchView, e: Any, position: int) -> None:
        self._flush(view)
        view.purge([i.hex for i in e.items])


def find(store: Any, alternatives: list[list[str]], filters: dict[str, Any], limit: int) -> list[tuple[str, int]]:
    """(item, matched version) of the newest items matching, through the store's search view."""
    with store.read() as c:
        return store.view("search", c).find(alternatives, filters, limit)


def thread(store: Any, root: str) -> list[str]:
    """The items below `root` (replies of replies too), as the index holds them."""
    with store.read() as c:
        view = store.view("search", c)
        out: list[str] = []
        level = [root]
        while level and len(out) < 10000:
            level = view.children(level)
            out.extend(level)
        return out


def window(store: Any, account: str, seen: list[str], since: float | None) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """What a poll that saw `seen` (item ids) in full should have returned of `account`: the posts dated from
    `since` on and the threads under the items it saw (replies of replies too); with their rows."""
    with store.read() as c:
        view = store.view("search", c)
        out: dict[str, None] = dict.fromkeys(view.roots_since(account, since) if since is not None else ())
        level = list(seen)
        while level and len(out) < 1_000_000:
            level = [i for i in view.children(level) if i not in out]
            out.update(dict.fromkeys(level))
        found = list(out)
        return found, view.item_rows(found)


def counts(store: Any) -> tuple[int, int]:
    with store.read() as c:
        return store.view("search", c).count()
