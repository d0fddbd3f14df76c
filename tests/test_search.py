"""Search: every captured item and version by its words in their inflected forms (Swedish, Danish), filtered,
with thread context; an index that erasure and disposal purge down to the bytes of its files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import who

from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation
from socialledger.core.domain.records import AuthorRef, ContentRecord
from socialledger.projections.search import query_stems, stems

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
ASA = "facebook:10152345"


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


def write(ledger, account, native_id, text, *, kind="comment", parent=None, author=("10152345", "Åsa Öberg"),
          when=datetime(2024, 3, 4, 10, tzinfo=UTC), observed=None):
    CaptureWriter(ledger.store, ledger.store.account(account), "facebook", who("kalle")).write_page([ContentRecord(
        channel="facebook", kind=kind, source="api", observed=observed or when, created=when, native_id=native_id,
        page_id=PAGE, parent_native_id=parent, text=text,
        author=AuthorRef(native_id=author[0], name=author[1]) if author else None)])


def texts(found):
    return sorted(r["text"] for r in found["results"])


def test_stems_hold_swedish_and_danish_forms():
    # Each word is kept under its Swedish and (where different) its Danish stem; a query word matches either.
    assert stems("Kommunerna") == stems("kommunen").split()[0] + " " + stems("Kommunerna").split()[-1] \
        or "kommun" in stems("Kommunerna")
    assert "kommun" in stems("kommunerne").split() and "kommun" in stems("kommunernas").split()
    assert ["bibliotek"] in query_stems("biblioteken")


def test_inflected_swedish_forms_are_found(filled):
    # "söndagen" finds "söndag" and "söndagar"; "bibliotekets" finds "biblioteket".
    found = filled.search(who("ingrid"), "söndagen")
    assert texts(found) == ["Hej Åsa! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖",
                            "När öppnar biblioteket på söndag? 😊"]
    assert texts(filled.search(who("ingrid"), "bibliotekets söndag")) == texts(found)
    # Every word must be there.
    assert filled.search(who("ingrid"), "bibliotek konsert")["results"] == []


def test_danish_inflected_forms_are_found(filled, active):
    write(filled, active, f"{PAGE}_9001", "Hvornår åbner kommunernes biblioteker igen?", author=("555", "Søren Ø"))
    assert texts(filled.search(who("ingrid"), "kommunen biblioteket")) == [
        "Hvornår åbner kommunernes biblioteker igen?"]


def test_every_version_is_searched_and_the_result_shows_the_edits(filled, active):
    write(filled, active, f"{PAGE}_9002", "Parkeringen är full", when=datetime(2024, 3, 5, 9, tzinfo=UTC))
    write(filled, active, f"{PAGE}_9002", "Cykelstället är fullt", when=datetime(2024, 3, 5, 9, tzinfo=UTC),
          observed=datetime(2024, 3, 5, 12, tzinfo=UTC))
    (old,) = filled.search(who("ingrid"), "parkeringar")["results"]
    assert old["matched_version"] == 1 and old["text"] == "Cykelstället är fullt"
    assert [v["text"] for v in old["versions"]] == ["Parkeringen är full", "Cykelstället är fullt"]
    (new,) = filled.search(who("ingrid"), "cykelställen")["results"]
    assert new["id"] == old["id"] and new["matched_version"] == 2


def test_filters(filled, active):
    posts = filled.search(who("ingrid"), "öppet", kind="post")["results"]
    assert posts and {r["kind"] for r in posts} == {"post"}
    assert filled.search(who("ingrid"), "söndag", kind="reply")["count"] == 1
    assert filled.search(who("ingrid"), "söndag", kind="comment")["count"] == 1
    assert filled.search(who("ingrid"), "söndag", author=ASA)["count"] == 1
    assert filled.search(who("ingrid"), "söndag", period="2023")["count"] == 0
    assert filled.search(who("ingrid"), "söndag", channel="instagram")["count"] == 0
    assert filled.search(who("ingrid"), "söndag", account=str(active))["count"] == 2
    (removed,) = filled.search(who("ingrid"), "glasögonen", state="removed")["results"]  # removed on the page
    assert removed["moderation"][0]["action"] == "ItemRemoved"
    assert filled.search(who("ingrid"), "glasögon", state="visible")["count"] == 0
    (konsert,) = filled.search(who("ingrid"), "konserten", state="visible")["results"]
    filled.moderate(who("kalle"), konsert["id"], "hide", "test", "Regel 3")
    (hidden,) = filled.search(who("ingrid"), "konsert", state="hidden")["results"]
    assert hidden["id"] == konsert["id"] and hidden["moderation"][-1]["rule"] == "Regel 3"
    with pytest.raises(BadInput):
        filled.search(who("ingrid"), "söndag", kind="tweet")
    with pytest.raises(BadInput):
        filled.search(who("ingrid"), "   ")


def test_results_show_their_thread(filled):
    (comment,) = filled.search(who("ingrid"), "söndag", kind="comment")["results"]
    assert comment["parent"]["text"].startswith("Välkommen till Kulturhuset!")
    thread = filled.thread(who("ingrid"), comment["id"])
    assert thread["root"]["text"].startswith("Välkommen till Kulturhuset!")
    replies = [r["text"] for r in thread["replies"]]
    assert "När öppnar biblioteket på söndag? 😊" in replies
    assert "Hej Åsa! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖" in replies


def test_roles(filled, ledger, active):
    assert filled.search(who("kalle"), "söndag")["count"] == 2  # a communicator of the account's unit
    assert filled.search(who("arvid"), "söndag")["count"] == 2  # the archivist: every account
    assert filled.search(who("olof"), "söndag")["count"] == 0  # a manager of another unit: not its accounts
    with pytest.raises(RuleViolation):
        filled.search(who("nobody"), "söndag")
    with pytest.raises(RuleViolation):
        filled.thread(who("olof"), filled.search(who("ingrid"), "söndag")["results"][0]["id"])
    with pytest.raises(RuleViolation):
        filled.search(who("olof"), "söndag", account=str(active))


def test_a_search_that_shows_items_is_recorded_for_auditors(filled):
    head = filled.head()
    found = filled.search(who("kalle"), "söndag")
    events = [e for e in filled.audit_log(who("ingrid")) if e.type == "PersonalDataViewed"]
    assert filled.head() == head + 1 and len(events) == 1 and events[0].actor == "kalle"
    assert found["count"] == 2
    print(events[0].details)
    assert sorted(str(i) for i in events[0].details["items"]) == sorted(r["id"] for r in found["results"])


def _index_bytes(home: Path) -> bytes:
    return b"".join(f.read_bytes() for f in home.glob("readmodels.sqlite*"))


def test_erasure_purges_the_index_down_to_its_file_bytes(filled, active):
    write(filled, active, f"{PAGE}_9003", "Zebrafinkarnas xylofonkonsert i Ödeshög?", parent=None)
    assert filled.search(who("ingrid"), "xylofonkonserten")["count"] == 1
    unique = [s.encode() for s in stems("Zebrafinkarnas xylofonkonsert Ödeshög").split()]
    assert all(s in _index_bytes(filled.home) for s in unique)  # the index held her words
    filled.erase_subject(who("ingrid"), ASA, "KS 2026/9", override=True)
    assert filled.search(who("ingrid"), "xylofonkonsert")["count"] == 0
    assert filled.search(who("ingrid"), "söndag", kind="comment")["count"] == 0
    data = _index_bytes(filled.home)
    for s in unique:
        assert s not in data, s
    # A rebuild from the events indexes nothing of the erased items either.
    filled.read_models(who("ingrid")).rebuild(["search"])
    assert filled.search(who("ingrid"), "xylofonkonsert")["count"] == 0


def test_disposal_purges_the_index(filled, active):
    write(filled, active, f"{PAGE}_9004", "Gallringsbara vattenmelonerna", author=("777", "Bo B"),
          when=datetime(2016, 3, 4, 10, tzinfo=UTC))
    assert filled.search(who("ingrid"), "vattenmelon")["count"] == 1
    result = filled.apply_retention(who("ingrid"), date(2040, 1, 1), "KS 2040/1", undelivered=True)
    assert result["items"]
    assert filled.search(who("ingrid"), "vattenmelon")["count"] == 0
    assert stems("vattenmelonerna").split()[0].encode() not in _index_bytes(filled.home)


def test_both_backends_find_the_same_and_forget_the_same(ledger, active, backend):
    # The same stems on SQLite (FTS5) and PostgreSQL (tsvector): the same items found, the same purged.
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    write(ledger, active, f"{PAGE}_9101", "Kommunernes biblioteker åbner igen", author=("555", "Søren Ø"))
    assert texts(ledger.search(who("ingrid"), "söndagen")) == [
        "Hej Åsa! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖", "När öppnar biblioteket på söndag? 😊"]
    assert texts(ledger.search(who("ingrid"), "kommunen bibliotekerne")) == ["Kommunernes biblioteker åbner igen"]
    assert ledger.search(who("ingrid"), "söndag", kind="comment", period="2024-03")["count"] == 1
    ledger.erase_subject(who("ingrid"), ASA, "KS 2026/9", override=True)
    assert ledger.search(who("ingrid"), "söndag")["count"] == 1  # the page's own answer stays
    models = ledger.read_models(who("ingrid"))
    from socialledger.projections.search import counts
    items, docs = counts(models.store)
    assert items == docs and items == len(ledger.content(who("ingrid"))) - 1  # everything but her one comment
