"""The SLA read model's tables on PostgreSQL (`projections/sla.py` says what they mean)."""

from __future__ import annotations

from typing import Any

from socialledger.projections.postgresql.bulk import copy_rows

_ITEM_COLUMNS = ("item", "account", "native_id", "kind", "thread", "received", "due", "on_call", "clock",
                 "counts_ack", "replied", "acknowledged", "final_answer", "moderated", "position")
_ITEMS = (
    "CREATE TABLE IF NOT EXISTS sla_items (item text PRIMARY KEY, account text, native_id text, "
    "kind text, thread text, received double precision, due double precision, on_call integer, clock text, "
    "counts_ack integer, replied double precision, acknowledged double precision, final_answer double precision, "
    "moderated double precision, position bigint)"
)
_ITEM_TYPES = ("text", "text", "text", "text", "text", "float8", "float8", "int4", "text", "int4", "float8", "float8",
               "float8", "float8", "int8")


class PostgreSQLSLAView:
    tables = ("sla_items", "sla_threads", "sla_responses", "sla_policies", "sla_oncall")
    query_indexes = ("CREATE INDEX IF NOT EXISTS sla_items_account ON sla_items (account, received)",)

    @staticmethod
    def create(c: Any) -> None:
        c.execute("CREATE TABLE IF NOT EXISTS sla_policies (since double precision, position bigint, policy text)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_oncall (account text, since double precision, on_call integer)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_threads (item text PRIMARY KEY, kind text, thread text)")
        c.execute("CREATE TABLE IF NOT EXISTS sla_responses (thread text, at double precision, item text)")
        c.execute("CREATE INDEX IF NOT EXISTS sla_responses_thread ON sla_responses (thread, at)")
        c.execute(_ITEMS)
        c.execute("CREATE INDEX IF NOT EXISTS sla_items_thread ON sla_items (thread)")

    def __init__(self, c: Any) -> None:
        self.c = c
        self._threads: dict[str, tuple[str, str] | None] = {}  # thread_of, for this page's transaction

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
        self.c.execute("INSERT INTO sla_policies VALUES (%s, %s, %s)", (since, position, policy))

    def on_call_marked(self, account: str, since: float, on_call: bool) -> None:
        self.c.execute("INSERT INTO sla_oncall VALUES (%s, %s, %s)", (account, since, int(on_call)))

    def threads_of(self, items: list[str]) -> None:
        wanted = [i for i in items if i not in self._threads]
        if not wanted:
            return
        found: dict[str, tuple[str, str] | None] = dict.fromkeys(wanted)
        self.c.execute("SELECT item, kind, thread FROM sla_threads WHERE item = ANY(%s)", (wanted,))
        for item, kind, thread in self.c.fetchall():
            found[item] = (kind, thread)
        self._threads.update(found)

    def thread_of(self, item: str) -> tuple[str, str] | None:
        if item in self._threads:
            return self._threads[item]
        self.c.execute("SELECT kind, thread FROM sla_threads WHERE item=%s", (item,))
        row = self.c.fetchone()
        found = self._threads[item] = (row[0], row[1]) if row is not None else None
        return found

    def earliest_answer(self, thread: str, since: float) -> float | None:
        self.c.execute("SELECT MIN(at) FROM sla_responses WHERE thread=%s AND at >= %s", (thread, since))
        return self.c.fetchone()[0]  # type: ignore[no-any-return]

    def answered(self, thread: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET replied=%s WHERE thread=%s AND received <= %s "
                       "AND (replied IS NULL OR replied > %s)", (at, thread, at, at))

    def acknowledged(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET acknowledged=%s WHERE item=%s AND acknowledged IS NULL", (at, item))

    def final_answer(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET final_answer=%s WHERE item=%s", (at, item))

    def moderated(self, item: str, at: float) -> None:
        self.c.execute("UPDATE sla_items SET moderated=%s WHERE item=%s AND (moderated IS NULL OR moderated > %s)",
                       (at, item, at))

    def items_received(self, threads: dict[str, tuple[str, str]], responses: list[tuple[str, float, str]],
                       items: list[list[Any]]) -> None:
        copy_rows(self.c, "sla_threads", ("item", "kind", "thread"), ("text", "text", "text"),
                  [(item, kind, thread) for item, (kind, thread) in threads.items()], conflict=("item",))
        self._threads.update(threads)
        copy_rows(self.c, "sla_responses", ("thread", "at", "item"), ("text", "float8", "text"), responses)
        latest = list({row[0]: row for row in items}.values())  # an upsert touches each row once per statement
        copy_rows(self.c, "sla_items", _ITEM_COLUMNS, _ITEM_TYPES, latest, conflict=("item",))

    def items(self, at: float, account: str | None, received_from: float | None,
              received_to: float | None) -> list[tuple[Any, ...]]:
        query = ("SELECT item, account, native_id, kind, received, due, clock, counts_ack, replied, acknowledged, "
                 "final_answer, moderated FROM sla_items WHERE received <= %s")
        params: list[Any] = [at]
        if account:
            query += " AND account = %s"
            params.append(account)
        if received_from is not None:
            query += " AND received >= %s AND received < %s"
            params += [received_from, received_to]
        query += ' ORDER BY received, item COLLATE "C"'
        self.c.execute(query, params)
        return [tuple(r) for r in self.c.fetchall()]
