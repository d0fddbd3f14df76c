"""Read models and the catch-up loop that keeps them, exactly once per event.

Each read model is a class with its tables and a handler per event type. The
runner reads the ledger's notification log from a model's tracked position, in
pages, and applies each page to the model's tables in one transaction of
`readmodels.sqlite` together with the model's tracking row (the library's
`SQLiteTrackingRecorder`, which refuses a position that is not past the
recorded one). A crash loses at most the page in progress, which the next
catch-up applies again; two processes catching up at once cannot both apply a
page. SQLite has no subscriptions, so every read catches up first.
"""

from __future__ import annotations

import abc
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder

from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.topics import topics_of

READ_MODELS_FILE = "readmodels.sqlite"
PAGE = 25000

Progress = Callable[[str, int, int], None]


class ReadModel(abc.ABC):
    """One read model: its tables, and what each event does to them."""

    name: ClassVar[str]
    #: the shape of its tables: a store that holds another version drops them and rebuilds from position 0
    version: ClassVar[int] = 1
    #: the tables it owns (dropped by a rebuild)
    tables: ClassVar[tuple[str, ...]]
    #: whether it reads sealed fields (captured text): models that do not are fed undecrypted events
    needs_content: ClassVar[bool] = False
    #: indexes only the queries use: a rebuild makes them after loading, which is faster
    query_indexes: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._dispatch: dict[type, Callable[[SQLiteCursor, Any, int], None] | None] = {}

    @abc.abstractmethod
    def create(self, c: SQLiteCursor) -> None:
        """Create the tables (IF NOT EXISTS)."""

    @abc.abstractmethod
    def handlers(self) -> dict[type, Callable[[SQLiteCursor, Any, int], None]]:
        """Event class -> handler(cursor, event, position); subclasses of a class are handled by it."""

    def start(self, c: SQLiteCursor) -> None:
        """Called once at the start of a catch-up run, before its first page."""

    def begin(self, c: SQLiteCursor) -> None:
        """Called at the start of every page, inside its transaction (to load small context tables)."""

    def end(self, c: SQLiteCursor) -> None:
        """Called at the end of every page, inside its transaction (to write what was buffered)."""

    def topics(self) -> list[str]:
        """The topics of every event class this model handles, subclasses included."""
        out: list[str] = []
        for cls in self.handlers():
            out.extend(topics_of(with_subclasses(cls)))
        return out

    def apply(self, c: SQLiteCursor, event: Any, position: int) -> None:
        cls = type(event)
        try:
            handler = self._dispatch[cls]
        except KeyError:
            handler = next((h for base, h in self.handlers().items() if issubclass(cls, base)), None)
            self._dispatch[cls] = handler
        if handler is not None:
            handler(c, event, position)


def with_subclasses(cls: type) -> Iterator[type]:
    yield cls
    for sub in cls.__subclasses__():
        yield from with_subclasses(sub)


class ReadModelStore:
    """`readmodels.sqlite`: the read models' tables and their tracking rows."""

    def __init__(self, path: Path, models: Iterable[ReadModel], *, query_indexes: bool = True) -> None:
        self.path = path
        self.datastore = SQLiteDatastore(db_name=str(path), lock_timeout=60)
        self.tracking = SQLiteTrackingRecorder(self.datastore)
        self.tracking.create_table()
        self.models = {m.name: m for m in models}
        # With the write lock from the start: another process may be writing (a parallel rebuild).
        with self.write() as c:
            c.execute("CREATE TABLE IF NOT EXISTS read_model_versions (name TEXT PRIMARY KEY, version INTEGER)")
            for m in self.models.values():
                self._check_version(c, m)
                m.create(c)
                if query_indexes:
                    for statement in m.query_indexes:
                        c.execute(statement)

    @staticmethod
    def _check_version(c: SQLiteCursor, model: ReadModel) -> None:
        """A model whose tables another version of the code made starts again from position 0."""
        c.execute("SELECT version FROM read_model_versions WHERE name=?", (model.name,))
        row = c.fetchone()
        if row is not None and row[0] == model.version:
            return
        if row is not None or model.version != 1:  # (a store made before versions were kept holds version 1)
            for table in model.tables:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (model.name,))
        c.execute("INSERT OR REPLACE INTO read_model_versions VALUES (?, ?)", (model.name, model.version))

    def model(self, name: str) -> ReadModel:
        return self.models[name]

    def position(self, name: str) -> int:
        return self.tracking.max_tracking_id(name) or 0

    @contextmanager
    def write(self) -> Iterator[SQLiteCursor]:
        """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

        Two processes catching up different read models write to this one file; a
        deferred transaction that read first could not take the lock after the other
        committed ("database is locked"), while this one waits its turn.
        """
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def index(self, names: Iterable[str]) -> None:
        """Make the named models' query indexes (after a rebuild loaded their tables)."""
        with self.write() as c:
            for name in names:
                for statement in self.models[name].query_indexes:
                    c.execute(statement)

    def drop(self, names: Iterable[str]) -> None:
        """Drop and recreate the named models' tables, without their query indexes; position 0."""
        with self.write() as c:
            for name in names:
                model = self.models[name]
                for table in model.tables:
                    c.execute(f"DROP TABLE IF EXISTS {table}")
                c.execute("DELETE FROM tracking WHERE application_name=?", (name,))
                model.create(c)

    def close(self) -> None:
        self.datastore.close()


class Runner:
    """Catches read models up with a ledger's notification log."""

    def __init__(self, ledger: LedgerStore, store: ReadModelStore) -> None:
        self.ledger = ledger
        self.store = store

    def catch_up(self, names: Iterable[str] | None = None, *, until: int | None = None,
                 progress: Progress | None = None, page: int = PAGE) -> int:
        """Apply every event up to `until` (default: the head) to the named models; the events applied."""
        head = self.ledger.head() if until is None else until
        wanted = list(names) if names is not None else list(self.store.models)
        applied = 0
        while True:
            # Models at the same position share one reading of the log.
            groups: dict[int, list[str]] = {}
            for name in wanted:
                position = self.store.position(name)
                if position < head:
                    groups.setdefault(position, []).append(name)
            if not groups:
                return applied
            start = min(groups)
            applied += self._run(groups[start], start, head, progress, page)

    def _run(self, names: list[str], start: int, head: int, progress: Progress | None, page: int) -> int:
        models = [self.store.model(n) for n in names]
        topics = sorted({t for m in models for t in m.topics()})
        recorder = self.ledger.recorder
        needs_content = any(m.needs_content for m in models)
        # Without a model that reads captured text, nothing is decrypted: a third of the decoding.
        mapper = self.ledger.mapper if needs_content else self.ledger.plain_mapper
        position, applied = start, 0
        with self.store.datastore.transaction(commit=False) as c:
            for m in models:
                m.start(c)
        while position < head:
            if hasattr(recorder, "read_rows"):
                notes = recorder.read_rows(position, page, head, topics)
            else:  # another store: the library's notification log
                notes = recorder.select_notifications(position, page, stop=head, topics=topics,
                                                      inclusive_of_start=False)
            end = notes[-1].id if len(notes) == page else head
            if needs_content:
                keys = self.ledger.keys
                keys.preload([str(n.originator_id) for n in notes])
            events = [(n.id, mapper.to_domain_event(n)) for n in notes]
            if needs_content:
                keys.forget()
            try:
                with self.store.write() as c:
                    for m in models:
                        m.begin(c)
                    for pos, event in events:
                        for m in models:
                            m.apply(c, event, pos)
                    for m in models:
                        m.end(c)
                    for n in names:
                        self.store.tracking._insert_tracking(c, Tracking(n, end))
            except (IntegrityError, sqlite3.IntegrityError):
                # Another process applied this page first: regroup from where things stand.
                return applied
            applied += len(events)
            position = end
            if progress:
                progress(",".join(names), position, head)
        return applied
