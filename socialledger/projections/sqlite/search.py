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

from socialledger.projections.search import ITEM_COLUMNS

_FILTERS = {"account": "d.account = ?", "channel": "d.channel = ?", "kind": "d.kind = ?",
            "author": "d.author = ?", "start": "d.occurred >= ?", "end": "d.occurred < ?", "state": "i.state = ?"}


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

    def find(self, alternatives: list[list[str]], filters: dict[str, Any], limit: int) -> list[tuple[str, int]]:
        where, params = ["search_text MATCH ?"], [_match(alternatives)]
        for key, value in filters.items():
            if value is None:
                continue
            if key == "accounts":
                where.append(f"d.account IN ({', '.join('?' * len(value))})")
                params.extend(value)
            else:
                where.append(_FILTERS[key])
                params.append(value)
        # The items' table only when the state is asked for (a lookup a document saved otherwise).
        items = " JOIN search_items i ON i.item = d.item" if filters.get("state") is not None else ""
        query = ("SELECT d.item, d.version FROM search_text JOIN search_docs d ON d.doc = search_text.rowid"
                 + items + " WHERE " + " AND ".join(where) + " ORDER BY search_text.rowid DESC LIMIT ? OFFSET ?")
        out: list[tuple[str, int]] = []
        seen: set[str] = set()
        batch, offset = limit * 2, 0
        while len(out) < limit:
            self.c.execute(query, (*params, batch, offset))
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
        return out

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
