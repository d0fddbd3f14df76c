"""The SLA read model's tables on SQLite (`projections/sla.py` says what they mean)."""

from __future__ import annotations

from typing import Any

from eventsourcing.sqlite import SQLiteCursor

_ITEMS = (
    "CREATE TABLE IF NOT EXISTS sla_items (item TEXT PRIMARY KEY, account TEXT, native_id TEXT, "
    "kind TEXT, thread TEXT, received REAL, due REAL, on_call INTEGER, clock TEXT, counts_ack INTEGER, "
    "replied REAL, acknowledged REAL, final_answer REAL, moderated REAL, position INTEGER)"
)


class SQLiteSLAView:
    tables = ("sla_items", "sla_threads", "sla_responses", "sla_policies", "sla_oncall")
    query_indexes = ("CREATE INDEX IF NOT EXISTS sla_items_account ON sla_items (account, received)",)

    @staticmethod
    def create(c: SQLiteCursor) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS sla_policies (since REAL, position INTEGER, policy TEXT)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_oncall (account TEXT, since REAL, on_call INTEGER)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_threads (item TEXT PRIMARY KEY, kind TEXT, thread TEXT)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_responses (thread TEXT, at REAL, item TEXT)")
        c.execute("CREATE INDEX IF NOT EXISTS sla_responses_thread ON sla_responses (thread, at)")
        c.execute(_ITEMS)
        c.execute("CREATE INDEX IF NOT EXISTS sla_items_thread ON sla_items (thread)")

    def __init__(self, c: SQLiteCursor) -> None:
        self.c = c

    def answered_threads(self) -> set[str]:
        self.c.execute("SELECT DISTINCT thread FROM sla_responses")
        return {r[0] for r in self.c.fetchall()}

    def stored_threads(self) -> set[str]:
        self.c.execute("SELECT DISTINCT thread FROM sla_items")
        return {r[0] for r in self.c.fetchall()}

    def policies(self) -> list[tuple[float, int, str]]:
        self.c.execute("SELECT since, position, policy FROM sla_policies ORDER BY since, position")
        return [tuple(r) for r in self.c.fetchall()]  # type: ignore[misc]

    def on_call_history(self) -> list[tuple[str, float, bool]]:
        self.c.execute("SELECT account, since, on_call FROM sla_oncall ORDER BY since")
        return [(account, since, bool(on_call)) for account, since, on_call in self.c.fetchall()]

    def policy_adopted(self, since: float, position: int, policy: str) -> None:
        self.c.execute("INSERT INTO sla_policies VALUES (?, ?, ?)", (since, position, policy))

    def on_call_marked(self, account: str, since: float, on_call: bool) -> None:
        self.c.execute("INSERT INTO sla_oncall VALUES (?, ?, ?)", (account, since, int(on_call)))

    def threads_of(self, items: list[str]) -> None:
        """Nothing to read ahead: SQLite answers each `thread_of` in-process, with no round trip."""

    def thread_of(self, item: str) -> tuple[str, str] | None:
        self.c.execute("SELECT kind, thread FROM sla_threads WHERE item=?", (item,))
        row = self.c.fetchone()
        return (row[0], row[1]) if row is not None else None

    def earliest_answer(self, thread: str, since: float) -> float | None:
        self.c.execute("SELECT MIN(at) FROM sla_responses WHERE thread=? AND at >= ?", (thread, since))
        return self.c.fetchone()[0]  # type: ignore[no-any-return]

    def answered(self, thread: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET replied=? WHERE thread=? AND received <= ? "
                       "AND (replied IS NULL OR replied > ?)", (at, thread, at, at))

    def acknowledged(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET acknowledged=? WHERE item=? AND acknowledged IS NULL", (at, item))

    def final_answer(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET final_answer=? WHERE item=?", (at, item))

    def moderated(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET moderated=? WHERE item=? AND (moderated IS NULL OR moderated > ?)",
                       (at, item, at))

    def items_received(self, threads: dict[str, tuple[str, str]], responses: list[tuple[str, float, str]],
                       items: list[list[Any]]) -> None:
        self.c.executemany("INSERT OR REPLACE INTO sla_threads VALUES (?, ?, ?)",
                           [(item, kind, thread) for item, (kind, thread) in threads.items()])
        self.c.executemany("INSERT INTO sla_responses VALUES (?, ?, ?)", responses)
        self.c.executemany("INSERT OR REPLACE INTO sla_items VALUES (" + ",".join("?" * 15) + ")", items)

    def items(self, at: float, account: str | None, received_from: float | None,
              received_to: float | None) -> list[tuple[Any, ...]]:
        query = ("SELECT item, account, native_id, kind, received, due, clock, counts_ack, replied, acknowledged, "
                 "final_answer, moderated FROM sla_items WHERE received <= ?")
        params: list[Any] = [at]
        if account:
            query += " AND account = ?"
            params.append(account)
        if received_from is not None:
            query += " AND received >= ? AND received < ?"
            params += [received_from, received_to]
        query += " ORDER BY received, item"
        self.c.execute(query, params)
        return [tuple(r) for r in self.c.fetchall()]
