"""The search model's tables on PostgreSQL (`projections/search.py`): the stems as a tsvector under a GIN index.

The stems are the model's own (Swedish and Danish Snowball stems, computed in
Python at index and query time), kept as text and as a `tsvector` of the `simple`
configuration generated from it, so that both backends find exactly the same documents for a query.
A purge deletes the rows; PostgreSQL keeps dead row versions until VACUUM and its
write-ahead log longer (DESIGN.md, crypto-shredding on PostgreSQL): the store's
`compact` vacuums the tables, and docs/search.md says what remains in the WAL.
"""

from __future__ import annotations

from typing import Any, ClassVar

from socialledger.core.domain.content import KINDS
from socialledger.projections.postgresql.bulk import copy_rows
from socialledger.projections.search import ITEM_COLUMNS

_ITEM_TYPES = ("text", "text", "text", "text", "text", "text", "int4", "float8", "text", "int4")
_DOC_COLUMNS = ("doc", "item", "version", "account", "channel", "kind", "author", "occurred", "stems")
_DOC_TYPES = ("int8", "text", "int4", "text", "text", "text", "text", "float8", "text")

_FILTERS = {"account": "d.account = %s", "channel": "d.channel = %s", "kind": "d.kind = %s",
            "author": "d.author = %s", "start": "d.occurred >= %s", "end": "d.occurred < %s", "state": "i.state = %s",
            "accounts": "d.account = ANY(%s)", "kinds": "d.kind = ANY(%s)"}
_UNINDEXED = {"account": "d.account || '' = %s", "channel": "d.channel || '' = %s", "kind": "d.kind || '' = %s",
              "author": "d.author || '' = %s", "start": "d.occurred + 0 >= %s", "end": "d.occurred + 0 < %s",
              "state": "i.state || '' = %s", "accounts": "d.account || '' = ANY(%s)", "kinds": "d.kind || '' = ANY(%s)"}


#: the newest documents a search reads first (the next windows are twice as wide each)
NEWEST = 10000


def _query(alternatives: list[list[str]]) -> str:
    """A tsquery: every word, each as any of its stems (quoted lexemes: never operators)."""
    return " & ".join("(" + " | ".join("'" + a.replace("'", "''").replace("\\", "\\\\") + "'" for a in alts) + ")"
                      for alts in alternatives)


class PostgreSQLSearchView:
    tables = ("search_items", "search_docs")
    #: rows as `store copy` compares them with another backend's: each document with its stems
    contents_queries: ClassVar[dict[str, str | None]] = {
        "search_docs": "SELECT doc, item, version, account, channel, kind, author, occurred, stems FROM search_docs",
    }
    query_indexes = (
        "CREATE INDEX IF NOT EXISTS search_docs_item ON search_docs (item)",
        "CREATE INDEX IF NOT EXISTS search_items_parent ON search_items (parent)",
        "CREATE INDEX IF NOT EXISTS search_items_account ON search_items (account, occurred)",
        "CREATE INDEX IF NOT EXISTS search_docs_words ON search_docs USING gin (words)",
        # the filters that may lead a search (`find`): the period (with the kind), the account, the author, the state
        "CREATE INDEX IF NOT EXISTS search_docs_period ON search_docs (kind, occurred)",
        "CREATE INDEX IF NOT EXISTS search_docs_account ON search_docs (account, occurred)",
        "CREATE INDEX IF NOT EXISTS search_docs_author ON search_docs (author, occurred)",
        "CREATE INDEX IF NOT EXISTS search_items_state ON search_items (state)",
    )

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS search_items (item text PRIMARY KEY, account text, channel text, "
                  "kind text, author text, parent text, by_account integer, occurred double precision, state text, "
                  "versions integer)")
        c.execute("CREATE TABLE IF NOT EXISTS search_docs (doc bigint PRIMARY KEY, item text, version integer, "
                  "account text, channel text, kind text, author text, occurred double precision, stems text, "
                  "words tsvector GENERATED ALWAYS AS (to_tsvector('simple', stems)) STORED)")

    def __init__(self, c: Any) -> None:
        self.c = c

    def items_indexed(self, items: list[tuple[Any, ...]], docs: list[tuple[str, int, str]]) -> None:
        # Through COPY (`bulk.py`): a rebuild writes a row per item and per version.
        copy_rows(self.c, "search_items", ITEM_COLUMNS, _ITEM_TYPES, items, conflict=("item",))
        meta = {r[0]: r for r in items}
        missing = [d[0] for d in docs if d[0] not in meta]
        if missing:
            meta.update(self._raw(missing))
        self.c.execute("SELECT coalesce(max(doc), 0) FROM search_docs")
        first = self.c.fetchone()[0] + 1
        rows = []
        for n, (item, version, stems) in enumerate(docs, start=first):
            r = meta[item]
            rows.append((n, item, version, r[1], r[2], r[3], r[4], r[7], stems))
        copy_rows(self.c, "search_docs", _DOC_COLUMNS, _DOC_TYPES, rows)

    def _raw(self, items: list[str]) -> dict[str, tuple[Any, ...]]:
        self.c.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM search_items WHERE item = ANY(%s)", (list(items),))
        return {r[0]: tuple(r) for r in self.c.fetchall()}

    def version_added(self, item: str, stems: str) -> None:
        row = self._raw([item]).get(item)
        if row is None:
            return
        self.c.execute("UPDATE search_items SET versions = versions + 1 WHERE item = %s", (item,))
        self.items_indexed([], [(item, row[9] + 1, stems)])

    def state_changed(self, item: str, state: str) -> None:
        self.c.execute("UPDATE search_items SET state = %s WHERE item = %s", (state, item))

    def purge(self, items: list[str]) -> int:
        self.c.execute("DELETE FROM search_docs WHERE item = ANY(%s)", (list(items),))
        self.c.execute("DELETE FROM search_items WHERE item = ANY(%s)", (list(items),))
        return int(self.c.rowcount)

    def find(self, alternatives: list[list[str]], filters: dict[str, Any], limit: int,
             plan: str | None = None) -> list[tuple[str, int]]:
        """(item, version) of the newest matching documents, one per item.

        The documents are read newest first a window at a time (the newest
        `NEWEST`, then each window twice as wide as the one before, until the
        results are full), each window through the indexes PostgreSQL's planner
        picks from its statistics of the words (the tsvector's most common
        lexemes), of the filter columns and of the window: the word's documents
        through the GIN index, the filters' through their btree indexes (the
        period with the kind, the account, the author, the state), the window's
        through the primary key, or a bitmap of several, and-ed; then sorted. (The
        order is asked as `doc + 0`, which no index gives: in document order the
        planner walks the primary key backwards for a `LIMIT`, through every
        document for a word none holds. Over the whole table at once, it reads
        every document of a common word to sort them.) `plan` forces one over
        every document ("words": only the GIN index can serve; "filters", or a
        filter's name: only the btree indexes can), so the tests hold them against
        each other and against the choice.
        """
        words = "d.words @@ to_tsquery('simple', %s)"
        if plan is not None and plan != "words":
            words = f"coalesce({words}, false)"  # (an expression no index serves)
        where, params = [words], [_query(alternatives)]
        filters = dict(filters)
        if filters.get("kind") is None and (filters.get("start") is not None or filters.get("end") is not None):
            filters["kinds"] = list(KINDS)  # the period's index leads with the kind: every kind, for a period alone
        # (the words plan: the filter columns as expressions that no btree serves)
        forms = _UNINDEXED if plan == "words" else _FILTERS
        for key, value in filters.items():
            if value is not None:
                where.append(forms[key])
                params.append(list(value) if key in ("accounts", "kinds") else value)
        state = " JOIN search_items i ON i.item = d.item" if filters.get("state") is not None else ""
        query = "SELECT d.item, d.version FROM search_docs d" + state + " WHERE " + " AND ".join(where)
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        if plan is not None:
            self._collect(query + " ORDER BY d.doc + 0 DESC LIMIT %s OFFSET %s", params, limit, out, seen)
            return out
        # Newest first, a window of documents at a time, each twice as wide as the one before.
        self.c.execute("SELECT coalesce(max(doc), 0) FROM search_docs")
        high, width = int(self.c.fetchone()[0]), max(NEWEST, 1)
        while len(out) < limit and high > 0:
            low = max(high - width, 0)
            self._collect(query + " AND d.doc > %s AND d.doc <= %s ORDER BY d.doc + 0 DESC LIMIT %s OFFSET %s",
                          [*params, low, high], limit, out, seen)
            high, width = low, width * 2
        return out

    def _collect(self, query: str, params: list[Any], limit: int, out: list[tuple[str, int]],
                 seen: set[str]) -> None:
        """Add to `out` the newest document of each item not yet seen, until it holds `limit`."""
        batch, offset = limit * 2, 0
        while len(out) < limit:
            # (never a prepared statement: its generic plan knows neither the words nor the bounds, and reads
            # every document of a common word where the values' own plan reads a few)
            self.c.execute(query, (*params, batch, offset), prepare=False)
            rows = self.c.fetchall()
            for item, version in rows:
                if item not in seen:
                    seen.add(item)
                    out.append((item, version))
                    if len(out) == limit:
                        break
            if len(rows) < batch:
                break
            offset += batch

    def item_rows(self, items: list[str]) -> dict[str, dict[str, Any]]:
        return {k: dict(zip(ITEM_COLUMNS, v, strict=True)) for k, v in self._raw(items).items()}

    def roots_since(self, account: str, since: float) -> list[str]:
        self.c.execute("SELECT item FROM search_items WHERE account = %s AND occurred >= %s AND parent IS NULL",
                       (account, since))
        return [r[0] for r in self.c.fetchall()]

    def children(self, parents: list[str]) -> list[str]:
        self.c.execute("SELECT item FROM search_items WHERE parent = ANY(%s)", (list(parents),))
        return [r[0] for r in self.c.fetchall()]

    def count(self) -> tuple[int, int]:
        self.c.execute("SELECT (SELECT count(*) FROM search_items), (SELECT count(*) FROM search_docs)")
        items, docs = self.c.fetchone()
        return int(items), int(docs)
