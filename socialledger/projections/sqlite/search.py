"""The search model's tables on SQLite (`projections/search.py`): FTS5 over the stems of every version.

`search_text` is an FTS5 table whose rowid is a document (one version of one item),
`search_docs` names the item and version of each document and carries the columns
a search filters on, `search_items` one row per item (its state and version count).
The newest documents come first (FTS5 walks its rowids backwards), so a query stops
after the first `limit` items however many documents match.

Purging (an erasure, a disposal) deletes the rows with `secure_delete` on, so that
SQLite overwrites what it frees, and merges the FTS5 index into one segment
(`optimize`), which drops the deleted documents' entries from the index's own
B-tree: FTS5 on this SQLite (3.40) otherwise keeps them in older segments until a
merge. The store checkpoints its write-ahead log afterwards (`compact`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.sqlite import SQLiteCursor

from socialledger.core.domain.content import KINDS
from socialledger.projections.search import ITEM_COLUMNS

_FILTERS = {"account": "d.account = ?", "channel": "d.channel = ?", "kind": "d.kind = ?",
            "author": "d.author = ?", "start": "d.occurred >= ?", "end": "d.occurred < ?", "state": "i.state = ?"}
#: the filters that may drive a search (filters first), the narrowest first when several are given, by their index
_INDEXES = {"author": "search_docs_author", "accounts": "search_docs_account", "account": "search_docs_account",
            "period": "search_docs_period", "state": "search_items_state"}
#: the filters each driver's index holds (its count of documents is taken on these)
_DRIVER_FILTERS = {"author": ("author", "start", "end"), "account": ("account", "start", "end"),
                   "accounts": ("accounts", "start", "end"), "period": ("kind", "start", "end"), "state": ("state",)}
#: a filter with more documents than this never leads: the words do (counting it costs up to this many steps)
FILTER_FIRST_MOST = 20000
#: documents apart beyond which the filters-first plan reads the full-text index in a new rowid range rather than
#: walking the word's documents between two of its own (a range costs about what ~50 walked documents do)
RANGE_GAP = 512


def _conditions(filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for key, value in filters.items():
        if value is None:
            continue
        if key == "accounts":
            where.append(f"d.account IN ({', '.join('?' * len(value))})")
            params.extend(value)
        else:
            where.append(_FILTERS[key])
            params.append(value)
    if filters.get("kind") is None and (filters.get("start") is not None or filters.get("end") is not None):
        # the period's index leads with the kind: every kind, so that it serves a period alone
        where.append(f"d.kind IN ({', '.join(repr(k) for k in KINDS)})")
    return where, params


def _drivers(filters: dict[str, Any]) -> list[str]:
    """The given filters whose index may lead a search: the author's, the account's (or accounts'), the period's
    (or the kind's), a state other than visible."""
    given = {k for k, v in filters.items() if v is not None}
    out = [d for d in ("author", "account", "accounts") if d in given]
    if given & {"start", "end", "kind"}:
        out.append("period")
    if "state" in given and filters["state"] != "visible":
        out.append("state")
    return out


def _match(alternatives: list[list[str]]) -> str:
    """An FTS5 query: every word, each as any of its stems (quoted: a stem is never an operator)."""
    return " AND ".join("(" + " OR ".join('"' + a.replace('"', '""') + '"' for a in alts) + ")"
                        for alts in alternatives)


class SQLiteSearchView:
    tables = ("search_items", "search_docs", "search_text")
    #: rows as `store copy` compares them with another backend's: each document with its stems
    contents_queries: ClassVar[dict[str, str | None]] = {
        "search_docs": "SELECT d.doc, d.item, d.version, d.account, d.channel, d.kind, d.author, d.occurred, t.stems "
                       "FROM search_docs d JOIN search_text t ON t.rowid = d.doc",
        "search_text": None,
    }
    query_indexes = (
        "CREATE INDEX IF NOT EXISTS search_docs_item ON search_docs (item)",
        "CREATE INDEX IF NOT EXISTS search_items_parent ON search_items (parent)",
        "CREATE INDEX IF NOT EXISTS search_items_account ON search_items (account, occurred)",
        # the filters that may lead a search (`find`): the period (with the kind), the account, the author, the state
        "CREATE INDEX IF NOT EXISTS search_docs_period ON search_docs (kind, occurred)",
        "CREATE INDEX IF NOT EXISTS search_docs_account ON search_docs (account, occurred)",
        "CREATE INDEX IF NOT EXISTS search_docs_author ON search_docs (author, occurred)",
        "CREATE INDEX IF NOT EXISTS search_items_state ON search_items (state)",
    )

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS search_items (item TEXT PRIMARY KEY, account TEXT, channel TEXT, "
                  "kind TEXT, author TEXT, parent TEXT, by_account INTEGER, occurred REAL, state TEXT, "
                  "versions INTEGER)")
        c.execute("CREATE TABLE IF NOT EXISTS search_docs (doc INTEGER PRIMARY KEY, item TEXT, version INTEGER, "
                  "account TEXT, channel TEXT, kind TEXT, author TEXT, occurred REAL)")
        c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(stems, "
                  "tokenize = 'unicode61 remove_diacritics 0')")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def items_indexed(self, items: list[tuple[Any, ...]], docs: list[tuple[str, int, str]]) -> None:
        self.c.executemany(f"INSERT OR REPLACE INTO search_items VALUES ({', '.join('?' * len(ITEM_COLUMNS))})",
                           items)
        meta = {r[0]: r for r in items}
        missing = [d[0] for d in docs if d[0] not in meta]
        if missing:
            meta.update(self.item_rows_raw(missing))
        self.c.execute("SELECT coalesce(max(doc), 0) FROM search_docs")
        first = self.c.fetchone()[0] + 1
        rows, texts = [], []
        for n, (item, version, stems) in enumerate(docs, start=first):
            r = meta[item]
            rows.append((n, item, version, r[1], r[2], r[3], r[4], r[7]))
            texts.append((n, stems))
        self.c.executemany("INSERT INTO search_docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.c.executemany("INSERT INTO search_text (rowid, stems) VALUES (?, ?)", texts)

    def item_rows_raw(self, items: list[str]) -> dict[str, tuple[Any, ...]]:
        out: dict[str, tuple[Any, ...]] = {}
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            self.c.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM search_items WHERE item IN "
                           f"({', '.join('?' * len(chunk))})", chunk)
            out.update({r[0]: tuple(r) for r in self.c.fetchall()})
        return out

    def version_added(self, item: str, stems: str) -> None:
        row = self.item_rows_raw([item]).get(item)
        if row is None:
            return
        self.c.execute("UPDATE search_items SET versions = versions + 1 WHERE item = ?", (item,))
        self.items_indexed([], [(item, row[9] + 1, stems)])

    def state_changed(self, item: str, state: str) -> None:
        self.c.execute("UPDATE search_items SET state = ? WHERE item = ?", (state, item))

    def purge(self, items: list[str]) -> int:
        self.c.execute("PRAGMA secure_delete = ON")
        held = 0
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            marks = ", ".join("?" * len(chunk))
            self.c.execute(f"SELECT doc FROM search_docs WHERE item IN ({marks})", chunk)
            docs = [r[0] for r in self.c.fetchall()]
            for j in range(0, len(docs), 500):
                part = docs[j:j + 500]
                self.c.execute(f"DELETE FROM search_text WHERE rowid IN ({', '.join('?' * len(part))})", part)
            self.c.execute(f"DELETE FROM search_docs WHERE item IN ({marks})", chunk)
            self.c.execute(f"DELETE FROM search_items WHERE item IN ({marks})", chunk)
            self.c.execute("SELECT changes()")
            held += self.c.fetchone()[0]
        # The deleted documents' entries leave the index only when its segments merge: merge them all.
        self.c.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")
        return held

    def find(self, alternatives: list[list[str]], filters: dict[str, Any], limit: int,
             plan: str | None = None) -> list[tuple[str, int]]:
        """(item, version) of the newest matching documents, one per item.

        Two plans find the same documents in the same order. Words first walks the
        word's documents newest first and checks each against the filters: quick
        when the filters let many through (it stops after `limit` items), slow when
        a common word meets narrow filters (it walks every match, a lookup each, to
        find the few). Filters first takes the documents of the narrowest filter
        that has an index (the period with the kind, the account, the author, a
        state other than visible) and keeps those the word's documents hold, read
        as rowid ranges of the full-text index (where FTS5 seeks rather than walks).

        The choice is made from counts. The narrowest filter's documents are
        counted through its index, up to `FILTER_FIRST_MOST` (at or above it, the
        words lead). Below it, the words lead over as many of the word's newest
        documents as the filter holds, and the filters over the rest if the results
        are still short: a search costs about what the cheaper plan would, at most
        twice it, whether the filters let many or few through.

        `plan` forces one: "words", "filters" (over every document), or the name of
        a filter to lead (the tests hold them against each other).
        """
        match = _match(alternatives)
        where, params = _conditions(filters)
        state = " JOIN search_items i ON i.item = d.item" if filters.get("state") is not None else ""
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        if plan == "words":
            self._words_first(match, where, params, state, None, limit, out, seen)
            return out
        if plan is not None:
            driver = None if plan == "filters" else plan
            if driver is not None and driver not in _drivers(filters):
                raise ValueError(f"no {plan} filter given to lead the search")
            self._filters_first(match, driver, where, params, state, limit, out, seen)
            return out
        # (A rebuild drops the indexes until it ends: a search meanwhile is led by the words.)
        self.c.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'search%'")
        indexes = {r[0] for r in self.c.fetchall()}
        drivers = [d for d in _drivers(filters) if _INDEXES[d] in indexes]
        # The narrowest filter, by its count of documents (counted up to `FILTER_FIRST_MOST`).
        rows, driver = min(((self._count(d, filters), d) for d in drivers), default=(FILTER_FIRST_MOST, None))
        if rows >= FILTER_FIRST_MOST:  # no filter narrow enough: the words lead
            self._words_first(match, where, params, state, None, limit, out, seen)
            return out
        # The word's newest `rows` documents words first (enough when the filters let many through), and the
        # older ones, if it has more and the results are still short, filters first.
        self.c.execute("SELECT rowid FROM search_text WHERE search_text MATCH ? ORDER BY rowid DESC "
                       "LIMIT 1 OFFSET ?", (match, rows))
        found = self.c.fetchone()
        bound = None if found is None else found[0]
        self._words_first(match, where, params, state, bound, limit, out, seen)
        if bound is not None and len(out) < limit:
            self._filters_first(match, driver, [*where, "d.doc <= ?"], [*params, bound], state, limit, out, seen)
        return out

    def _words_first(self, match: str, where: list[str], params: list[Any], state: str, above: int | None,
                     limit: int, out: list[tuple[str, int]], seen: set[str]) -> None:
        """The word's documents newest first (those above rowid `above`), each checked against the filters."""
        if above is not None:
            where, params = [*where, "search_text.rowid > ?"], [*params, above]
        query = ("SELECT d.item, d.version FROM search_text JOIN search_docs d ON d.doc = search_text.rowid"
                 + state + " WHERE search_text MATCH ?" + "".join(" AND " + w for w in where)
                 + " ORDER BY search_text.rowid DESC LIMIT ? OFFSET ?")
        batch, offset = limit * 2, 0
        while len(out) < limit:
            self.c.execute(query, (match, *params, batch, offset))
            rows = self.c.fetchall()
            self._keep(rows, limit, out, seen)
            if len(rows) < batch:
                break
            offset += batch

    def _filters_first(self, match: str, driver: str | None, where: list[str], params: list[Any], state: str,
                       limit: int, out: list[tuple[str, int]], seen: set[str]) -> None:
        """The documents the filters let through (through the driver's index), kept where the word is held."""
        candidates = self._candidates(driver, where, params, state)
        held = self._matching(match, [c[0] for c in candidates])
        self._keep([(item, version) for doc, item, version in candidates if doc in held], limit, out, seen)

    def _candidates(self, driver: str | None, where: list[str], params: list[Any],
                    state: str) -> list[tuple[int, str, int]]:
        """(doc, item, version) of every document the filters let through, newest first, through the driver's index."""
        conditions = (" WHERE " + " AND ".join(where)) if where else ""
        if driver == "state":  # the items in that state first, then their documents
            query = ("SELECT d.doc, d.item, d.version FROM search_items i INDEXED BY search_items_state "
                     "CROSS JOIN search_docs d ON d.item = i.item" + conditions)
        else:
            index = f" INDEXED BY {_INDEXES[driver]}" if driver is not None else ""
            query = "SELECT d.doc, d.item, d.version FROM search_docs d" + index + state + conditions
        self.c.execute(query + " ORDER BY d.doc DESC", params)
        return [tuple(r) for r in self.c.fetchall()]

    def _matching(self, match: str, docs: list[int]) -> set[int]:
        """Which of these documents (newest first) the full-text query matches: the index read over rowid ranges
        around them (a range where they lie close together, a new one across a wide gap)."""
        held: set[int] = set()
        i = 0
        while i < len(docs):
            high = low = docs[i]
            i += 1
            while i < len(docs) and low - docs[i] <= RANGE_GAP:
                low = docs[i]
                i += 1
            self.c.execute("SELECT rowid FROM search_text WHERE search_text MATCH ? AND rowid BETWEEN ? AND ?",
                           (match, low, high))
            held.update(r[0] for r in self.c.fetchall())
        return held

    def _count(self, driver: str, filters: dict[str, Any]) -> int:
        """The documents (the items, for a state) of the driving filter, counted up to `FILTER_FIRST_MOST`."""
        if driver == "state":
            query, params = "SELECT 1 FROM search_items INDEXED BY search_items_state WHERE state = ?", \
                [filters["state"]]
        else:
            where, params = _conditions({k: v for k, v in filters.items() if k in _DRIVER_FILTERS[driver]})
            query = f"SELECT 1 FROM search_docs d INDEXED BY {_INDEXES[driver]} WHERE " + " AND ".join(where)
        self.c.execute(f"SELECT count(*) FROM ({query} LIMIT ?)", (*params, FILTER_FIRST_MOST))
        return int(self.c.fetchone()[0])

    @staticmethod
    def _keep(rows: list[Any], limit: int, out: list[tuple[str, int]], seen: set[str]) -> None:
        """Add to `out` the newest document of each item not yet seen, until it holds `limit`."""
        for item, version in rows:
            if item not in seen:
                seen.add(item)
                out.append((item, version))
                if len(out) == limit:
                    return

    def item_rows(self, items: list[str]) -> dict[str, dict[str, Any]]:
        return {k: dict(zip(ITEM_COLUMNS, v, strict=True)) for k, v in self.item_rows_raw(items).items()}

    def roots_since(self, account: str, since: float) -> list[str]:
        self.c.execute("SELECT item FROM search_items WHERE account = ? AND occurred >= ? AND parent IS NULL",
                       (account, since))
        return [r[0] for r in self.c.fetchall()]

    def children(self, parents: list[str]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(parents), 500):
            chunk = parents[i:i + 500]
            self.c.execute(f"SELECT item FROM search_items WHERE parent IN ({', '.join('?' * len(chunk))})", chunk)
            out.extend(r[0] for r in self.c.fetchall())
        return out

    def count(self) -> tuple[int, int]:
        self.c.execute("SELECT (SELECT count(*) FROM search_items), (SELECT count(*) FROM search_docs)")
        items, docs = self.c.fetchone()
        return items, docs
