"""No cyclic garbage collection while an ingest works through its pages.

An ingest allocates millions of small objects (records, index rows, the
Structs of its events), nearly all of them freed by reference counting as a
page is done. CPython's cyclic collector, left at its defaults (a collection
every 700 net allocations, the oldest generation traversed whenever it has
grown by a quarter), spent about 0.5 s of a 4.5 s ingest of 100,000 records
traversing objects that were never garbage; at a collection every 50,000
allocations it still spent 0.15 s. An ingest makes next to no reference
cycles (63 unreachable objects after an ingest of 100,000 records with the
collector off, none of them per record), so for the length of the work the
collector is off, and what existed before it began is set aside from later
traversals (`gc.freeze`). Afterwards the collector runs as before and finds
the few cycles there are.

A read model's catch-up is the same kind of work, a page of 25,000 events at a
time (`projections/base.py`): with the collector on, it took 30 % of a rebuild
of 105,295 events on PostgreSQL (bench/postgresql.py: 6.0 s, 4.3 s without).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
