"""The search's two plans (words first, filters first) and the choice between them find the same items in the same
order, on SQLite and on PostgreSQL: generated documents (random words, kinds, accounts, authors, times, states,
edits), random queries and filters, every plan held against the others and against a plain reading of the rows."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import who
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialledger.core.domain.content import KINDS
from socialledger.projections.search import query_stems, stems
from socialledger.projections.postgresql import search as postgresql_search
from socialledger.projections.sqlite import search as sqlite_search

WORDS = ["biljetten", "söndag", "parkering", "rullstol", "biblioteket", "konserten", "kommunen", "öppet",
         "sommarlovet", "badhuset"]
ACCOUNTS = [f"{n:032x}" for n in (1, 2, 3)]
AUTHORS = [f"{n:032x}" for n in (10, 11, 12, 13)]
MONTH = 30 * 86400
T0 = 1_700_000_000.0  # November 2023


def _documents(seed: int = 7, items: int = 600) -> list[dict[str, Any]]:
    """Items with one to three versions each; a word is common or rare by its place in WORDS."""
    rnd = random.Random(seed)
    out = []
    for n in range(items):
        text = " ".join(rnd.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rnd.randint(1, 4)))
        out.append({"item": f"{n + 1000:032x}", "account": rnd.choice(ACCOUNTS), "channel": rnd.choice(
            ["facebook", "instagram"]), "kind": rnd.choice(KINDS), "author": rnd.choice([*AUTHORS, None]),
            "occurred": T0 + rnd.randrange(24) * MONTH + rnd.randrange(MONTH),
            "state": rnd.choices(["visible", "hidden", "removed"], weights=[8, 1, 1])[0],
            "texts": [text] + [" ".join(rnd.choices(WORDS, k=2)) for _ in range(rnd.choice([0, 0, 0, 1, 2]))]})
    return out


DOCS = _documents()


def _fill(store: Any) -> list[tuple[int, dict[str, Any], int, str]]:
    """Index the documents (in pages, edits among later pages, as the model does); (doc, item, version, stems)."""
    held = []
    with store.write() as c:
        view = store.view("search", c)
        for page in range(0, len(DOCS), 100):
            chunk = DOCS[page:page + 100]
            view.items_indexed([(d["item"], d["account"], d["channel"], d["kind"], d["author"], None, 0,
                                 d["occurred"], "visible", 1) for d in chunk],
                               [(d["item"], 1, stems(d["texts"][0])) for d in chunk])
            held.extend((d, 1, d["texts"][0]) for d in chunk)
        for d in DOCS:
            for version, text in enumerate(d["texts"][1:], start=2):
                view.version_added(d["item"], stems(text))
                held.append((d, version, text))
            if d["state"] != "visible":
                view.state_changed(d["item"], d["state"])
    return [(n, d, version, stems(text)) for n, (d, version, text) in enumerate(held, start=1)]


def _expected(held: list[tuple[int, dict[str, Any], int, str]], query: str, filters: dict[str, Any],
              limit: int) -> list[tuple[str, int]]:
    """The newest matching document of each item, newest first, read plainly from the rows."""
    out, seen = [], set()
    for _, d, version, doc_stems in sorted(held, key=lambda h: -h[0]):
        held_stems = set(doc_stems.split())
        if not all(set(alts) & held_stems for alts in query_stems(query)):
            continue
        if any(filters.get(k) is not None and d[k] != filters[k] for k in ("account", "channel", "kind", "author",
                                                                          "state")):
            continue
        if filters.get("accounts") is not None and d["account"] not in filters["accounts"]:
            continue
        if filters.get("start") is not None and not filters["start"] <= d["occurred"] < filters["end"]:
            continue
        if d["item"] not in seen and len(out) < limit:
            seen.add(d["item"])
            out.append((d["item"], version))
    return out


@pytest.fixture
def indexed(ledger, backend):
    models = ledger.read_models(who("ingrid"), catch_up=False)
    held = _fill(models.store)
    yield models.store, held
    models.close()


searches = st.fixed_dictionaries({
    "query": st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map(" ".join),
    "account": st.sampled_from([None, *ACCOUNTS]),
    "accounts": st.sampled_from([None, ACCOUNTS[:1], ACCOUNTS[1:]]),
    "channel": st.sampled_from([None, "facebook"]),
    "kind": st.sampled_from([None, *KINDS]),
    "author": st.sampled_from([None, *AUTHORS]),
    "months": st.sampled_from([None, (0, 1), (3, 4), (5, 17), (0, 24)]),
    "state": st.sampled_from([None, "visible", "hidden", "removed"]),
    "limit": st.sampled_from([1, 3, 50]),
    "most": st.sampled_from([2, 40, sqlite_search.FILTER_FIRST_MOST]),
    "gap": st.sampled_from([0, 3, sqlite_search.RANGE_GAP]),
    "newest": st.sampled_from([1, 60, postgresql_search.NEWEST]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=searches)
def test_every_plan_finds_the_same(indexed, search, monkeypatch):
    store, held = indexed
    # (the plans' thresholds, small too, so that every branch of the choice is taken)
    monkeypatch.setattr(sqlite_search, "FILTER_FIRST_MOST", search["most"])
    monkeypatch.setattr(sqlite_search, "RANGE_GAP", search["gap"])
    monkeypatch.setattr(postgresql_search, "NEWEST", search["newest"])
    filters = {k: search[k] for k in ("account", "accounts", "channel", "kind", "author", "state")}
    if search["months"] is not None:
        filters["start"], filters["end"] = (T0 + m * MONTH for m in search["months"])
    expected = _expected(held, search["query"], filters, search["limit"])
    leaders = [k for k in ("author", "account", "accounts") if filters[k] is not None]
    if filters["kind"] is not None or search["months"] is not None:
        leaders.append("period")
    if filters["state"] not in (None, "visible"):
        leaders.append("state")
    with store.read() as c:
        view = store.view("search", c)
        for plan in [None, "words", "filters", *leaders]:
            found = view.find(query_stems(search["query"]), filters, search["limit"], plan=plan)
            assert found == expected, plan


def test_a_narrow_filter_leads_and_a_broad_one_does_not(indexed, backend, monkeypatch):
    # A word in one month's comments: the period's index leads (SQLite: its count is below the word's; PostgreSQL:
    # its planner may take the btree, EXPLAIN shows); with no filter, the words lead. Same items either way.
    store, held = indexed
    filters = {"start": T0 + 3 * MONTH, "end": T0 + 4 * MONTH, "kind": "comment"}
    led: list[str | None] = []
    if backend == "sqlite":
        original = sqlite_search.SQLiteSearchView._filters_first
        monkeypatch.setattr(sqlite_search.SQLiteSearchView, "_filters_first",
                            lambda self, match, driver, *a: led.append(driver) or original(self, match, driver, *a))
    with store.read() as c:
        view = store.view("search", c)
        chosen = view.find(query_stems("biljetten"), filters, 50)
        assert chosen == view.find(query_stems("biljetten"), filters, 50, plan="words") == \
            _expected(held, "biljetten", filters, 50) != []
        view.find(query_stems("biljetten"), {}, 50)
        if backend == "sqlite":
            assert led == ["period"]  # the filtered search, not the unfiltered one
        else:
            c.execute("SET LOCAL enable_seqscan = off")
            c.execute("EXPLAIN SELECT doc FROM search_docs d WHERE d.kind = ANY(%s) AND d.occurred >= %s AND "
                      "d.occurred < %s AND d.words @@ to_tsquery('simple', 'biljet')",
                      (["comment"], filters["start"], filters["end"]))
            explained = " ".join(r[0] for r in c.fetchall())
            assert "search_docs_period" in explained, explained
