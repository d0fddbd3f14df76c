"""Read models and the catch-up loop that keeps them, exactly once per event.

Each read model is a class with a handler per event type; its handlers write
through the model's view (domain-named methods; the SQL is in the view's
backend implementation, `projections/sqlite/`), never a raw cursor. The runner
reads the ledger's notification log from a model's tracked position, in
pages, and applies each page through the models' views in one transaction of
the read-model store (the storage port's `ReadModelStore`) together with the
models' tracking positions, which refuse a position that is not past the
recorded one. A crash loses at most the page in progress, which the next
catch-up applies again; two processes catching up at once cannot both apply a
page. SQLite has no subscriptions, so every read catches up first.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError

from socialledger.core.collecting import collection_paused
from socialledger.core.domain.events import with_subclasses
from socialledger.core.ledger import LedgerStore
from socialledger.core.storage.ports import ReadModelStore
from socialledger.core.storage.topics import topics_of

PAGE = 25000

Progress = Callable[[str, int, int], None]


class ReadModel(abc.ABC):
    """One read model: what each event does to it, through its view (`view` below: the store's `view(name, tx)`)."""

    name: ClassVar[str]
    #: the shape of its tables: a store that holds another version drops them and rebuilds from position 0
    version: ClassVar[int] = 1
    #: whether it reads sealed fields (captured text): models that do not are fed undecrypted events
    needs_content: ClassVar[bool] = False

    def __init__(self) -> None:
        self._dispatch: dict[type, Callable[[Any, Any, int], None] | None] = {}

    @abc.abstractmethod
    def handlers(self) -> dict[type, Callable[[Any, Any, int], None]]:
        """Event class -> handler(view, event, position); subclasses of a class are handled by it."""

    def start(self, view: Any) -> None:
        """Called once at the start of a catch-up run, before its first page."""

    def begin(self, view: Any) -> None:
        """Called at the start of every page, inside its transaction (to load small context tables)."""

    def end(self, view: Any) -> None:
        """Called at the end of every page, inside its transaction (to write what was buffered)."""

    def prepare(self, view: Any, events: list[tuple[int, Any]]) -> None:
        """Called after `begin` with the page's events (position, event): to read in one query what they
        will look up one by one (on a server, each lookup is a round trip)."""

    def topics(self) -> list[str]:
        """The topics of every event class this model handles, subclasses included."""
        out: list[str] = []
        for cls in self.handlers():
            out.extend(topics_of(with_subclasses(cls)))
        return out

    def apply(self, view: Any, event: Any, position: int) -> None:
        cls = type(event)
        try:
            handler = self._dispatch[cls]
        except KeyError:
            handler = next((h for base, h in self.handlers().items() if issubclass(cls, base)), None)
            self._dispatch[cls] = handler
        if handler is not None:
            handler(view, event, position)


class Runner:
    """Catches read models up with a ledger's notification log."""

    def __init__(self, ledger: LedgerStore, store: ReadModelStore, models: Iterable[ReadModel]) -> None:
        self.ledger = ledger
        self.store = store
        self.models = {m.name: m for m in models}

    def catch_up(self, names: Iterable[str] | None = None, *, until: int | None = None,
                 progress: Progress | None = None, page: int = PAGE) -> int:
        """Apply every event up to `until` (default: the head) to the named models; the events applied."""
        head = self.ledger.head() if until is None else until
        wanted = list(names) if names is not None else list(self.models)
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
        models = [self.models[n] for n in names]
        topics = sorted({t for m in models for t in m.topics()})
        recorder = self.ledger.recorder
        needs_content = any(m.needs_content for m in models)
        # Without a model that reads captured text, nothing is decrypted: a third of the decoding.
        mapper = self.ledger.mapper if needs_content else self.ledger.plain_mapper
        position, applied = start, 0
        with self.store.read() as c:
            for m in models:
                m.start(self.store.view(m.name, c))
        while position < head:
            with collection_paused():  # a page's events live until it is written (`collecting.py`)
                notes = recorder.read_rows(position, page, head, topics)  # the event store port's light rows
                end = notes[-1].id if len(notes) == page else head
                if needs_content:
                    keys = self.ledger.keys
                    keys.preload([str(n.originator_id) for n in notes])
                events = [(n.id, mapper.to_domain_event(n)) for n in notes]
                if needs_content:
                    keys.forget()
                written = self._write(models, names, events, end)
            if not written:
                # Another process applied this page first: regroup from where things stand.
                return applied
            applied += len(events)
            position = end
            if progress:
                progress(",".join(names), position, head)
        return applied

    def _write(self, models: list[ReadModel], names: list[str], events: list[tuple[int, Any]], end: int) -> bool:
        """Apply a page's events to `models` and track `end`, in one transaction; False if another process had."""
        try:
            with self.store.write() as c:
                views = [self.store.view(m.name, c) for m in models]
                for m, view in zip(models, views, strict=True):
                    m.begin(view)
                    m.prepare(view, events)
                if len(models) == 1:
                    apply, view = models[0].apply, views[0]
                    for pos, event in events:
                        apply(view, event, pos)
                else:
                    pairs = list(zip(models, views, strict=True))
                    for pos, event in events:
                        for m, view in pairs:
                            m.apply(view, event, pos)
                for m, view in zip(models, views, strict=True):
                    m.end(view)
                for n in names:
                    self.store.track(c, n, end)
        except IntegrityError:
            return False
        return True
