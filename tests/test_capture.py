"""The capture core: records become events idempotently, in platform-time order, sealed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import at_once, who

from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.records import AuthorRef, ContentRecord, MetricsRecord, ModerationRecord

PAGE = "104729384756102"


def t(hour: int, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def comment(text: str, observed: datetime, **kw) -> ContentRecord:
    fields = dict(channel="facebook", kind="comment", source="api", observed=observed,
                  native_id="900_1", page_id=PAGE, parent_native_id=f"{PAGE}_900", created=t(9),
                  text=text, author=AuthorRef(native_id="10152345", name="Åsa Öberg"))
    fields.update(kw)
    return ContentRecord(**fields)


@pytest.fixture
def writer(ledger, active):
    return CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))


def items(ledger, account):
    return {i["native_id"]: i for i in ledger.content(who("ingrid"), account)}


def test_capture_then_same_again_records_nothing(ledger, active, writer):
    page = [comment("När öppnar ni?", t(9))]
    first = writer.write_page(page)
    assert (first.new, first.subjects, first.events) == (1, 1, 2)
    head = ledger.head()
    again = writer.write_page(page)
    assert (again.events, again.unchanged) == (0, 1)
    assert ledger.head() == head


def test_an_edit_and_no_edit_back(ledger, active, writer):
    writer.write_page([comment("När öppnar ni?", t(9))])
    assert writer.write_page([comment("När öppnar ni på söndag?", t(11))]).edited == 1
    # An older observation (an export made before the edit) changes nothing.
    stale = writer.write_page([comment("När öppnar ni?", t(10), source="export")])
    assert (stale.edited, stale.stale, stale.events) == (0, 1, 0)
    item = items(ledger, active)["facebook:900_1"]
    assert item["text"] == "När öppnar ni på söndag?" and item["versions"] == 2


def test_at_the_same_platform_time_an_export_does_not_override_the_api(ledger, active, writer):
    writer.write_page([comment("Ny text", t(9))])
    assert writer.write_page([comment("Gammal text", t(9), source="export")]).edited == 0


def test_hide_unhide_and_removal_keep_the_content(ledger, active, writer):
    writer.write_page([comment("Köp billiga klockor här", t(9))])
    assert writer.write_page([comment("Köp billiga klockor här", t(10), hidden=True)]).hidden == 1
    assert writer.write_page([comment("Köp billiga klockor här", t(11), hidden=False)]).unhidden == 1
    removal = ModerationRecord(channel="facebook", kind="comment", source="webhook", action="remove",
                               native_id="900_1", observed=t(12), page_id=PAGE)
    assert writer.write_page([removal]).removed == 1
    assert writer.write_page([removal]).events == 0
    item = ledger.content_item(who("ingrid"), items(ledger, active)["facebook:900_1"]["id"])
    assert item["state"] == "removed"
    assert item["versions"][0]["text"] == "Köp billiga klockor här"  # captured content stays
    assert [m["action"] for m in item["moderation"]] == ["ItemHidden", "ItemUnhidden", "ItemRemoved"]


def test_replies_link_to_their_parent(ledger, active, writer):
    post = ContentRecord(channel="facebook", kind="post", source="api", observed=t(8),
                         native_id=f"{PAGE}_900", page_id=PAGE, created=t(8), text="Välkommen!")
    reply = comment("Hej Åsa, vi öppnar 11.", t(10), native_id="900_2", kind="reply", parent_native_id="900_1",
                    author=AuthorRef(native_id=PAGE, name="Kulturhuset"))
    writer.write_page([post, comment("När?", t(9)), reply])
    by_native = items(ledger, active)
    assert by_native["facebook:900_1"]["parent"] == by_native[f"facebook:{PAGE}_900"]["id"]
    assert by_native["facebook:900_2"]["parent"] == by_native["facebook:900_1"]["id"]
    assert by_native["facebook:900_2"]["by_account"] and not by_native["facebook:900_1"]["by_account"]


def test_an_item_without_native_id_is_reconciled_when_the_id_turns_up(ledger, active, writer):
    exported = ContentRecord(channel="facebook", kind="post", source="export", observed=t(8),
                             created=t(8), text="Välkommen  till vårens program!")
    assert writer.write_page([exported]).new == 1
    assert writer.write_page([exported]).events == 0  # the fallback key is stable
    from_api = ContentRecord(channel="facebook", kind="post", source="api", observed=t(8),
                             native_id=f"{PAGE}_77", page_id=PAGE, created=t(8),
                             text="Välkommen till vårens program!")
    result = writer.write_page([from_api])
    assert (result.new, result.reconciled) == (0, 1)
    assert writer.write_page([from_api]).events == 0
    assert writer.write_page([exported]).events == 0
    listed = ledger.content(who("ingrid"), active)
    assert len(listed) == 1 and listed[0]["native_id"] == f"facebook:{PAGE}_77"


def test_the_export_after_the_api_finds_the_same_item(ledger, active, writer):
    writer.write_page([ContentRecord(channel="facebook", kind="post", source="api", observed=t(8),
                                     native_id=f"{PAGE}_78", page_id=PAGE, created=t(8), text="Höstlov! 🍂")])
    again = writer.write_page([ContentRecord(channel="facebook", kind="post", source="export", observed=t(8),
                                             created=t(8), text="Höstlov! 🍂")])
    assert again.new == 0 and again.events == 0
    assert len(ledger.content(who("ingrid"), active)) == 1


def test_metrics_once_per_value_and_period(ledger, active, writer):
    daily = MetricsRecord(channel="facebook", source="api", metric="reach", platform_metric="page_impressions_unique",
                          period="day", start=t(0), end=t(0, 3), value=120, page_id=PAGE)
    assert writer.write_page([daily]).metrics == 1
    assert writer.write_page([daily]).events == 0
    revised = MetricsRecord(**{**{f: getattr(daily, f) for f in daily.__struct_fields__}, "value": 125})
    assert writer.write_page([revised]).metrics == 1
    count = MetricsRecord(channel="facebook", source="api", metric="reactions", platform_metric="reactions",
                          period="lifetime", end=None, value=3, native_id=f"{PAGE}_1", breakdown={"like": 2, "love": 1})
    assert writer.write_page([count]).metrics == 1
    assert writer.write_page([count]).events == 0


def test_concurrent_writers_record_each_item_once(ledger, active, home):
    from socialledger.app import Ledger

    page = [comment(f"Fråga {i}", t(9), native_id=f"900_{i}") for i in range(200)]
    results = []

    def run():
        other = Ledger(home)
        try:
            results.append(CaptureWriter(other.store, other.store.account(active), "facebook", who("kalle")).write_page(page))
        finally:
            other.close()

    at_once(run, 3)
    assert sum(r.new for r in results) == 200
    assert len(ledger.content(who("ingrid"), active)) == 200


def test_an_item_known_only_by_ids_gets_its_text_whatever_the_time(ledger, active, writer):
    # A mention webhook (only ids, delivered at 12:00), then the API's view of the comment (created 09:00).
    mention = ContentRecord(channel="facebook", kind="comment", source="webhook", observed=t(12), created=t(12),
                            native_id="900_1", page_id=PAGE, partial=True)
    assert writer.write_page([mention]).new == 1
    assert writer.write_page([mention]).events == 0
    assert writer.write_page([comment("Hej @Tornet!", t(9))]).edited == 1
    assert writer.write_page([mention]).events == 0  # ids again change nothing
    item = items(ledger, active)["facebook:900_1"]
    assert item["text"] == "Hej @Tornet!" and item["versions"] == 2


def test_a_key_an_interrupted_ingest_left_is_the_one_a_new_item_is_sealed_with(ledger, active, writer):
    from uuid import UUID

    from socialledger.core.capture.derive import index_id

    key_id = str(UUID(hex=index_id("facebook:900_1")))
    ledger.store.keys.ensure([key_id])  # made and stored, and then the ingest was killed before its events
    left = ledger.store.keys.cipher(key_id)
    ledger.store.keys.forget()
    assert writer.write_page([comment("När öppnar ni?", t(9))]).new == 1
    ledger.store.keys.forget()
    probe = left.encrypt(bytes(12), b"x", None)
    assert ledger.store.keys.cipher(key_id).decrypt(bytes(12), probe, None) == b"x"  # the stored key, not a new one
    assert items(ledger, active)["facebook:900_1"]["text"] == "När öppnar ni?"


def test_an_edit_observed_after_a_ledger_users_hide_is_recorded_after_it(ledger, active, writer):
    # The capture index follows every event of an item, the application's too (a hide, a case, an answer):
    # before it did, the next ingest wrote the edit at the hide's version and failed (issue 17).
    writer.write_page([comment("När öppnar ni?", t(9))])
    item = items(ledger, active)["facebook:900_1"]["id"]
    ledger.moderate(who("kalle"), item, "hide", "Utanför ämnet", "Kränkande inlägg tas bort")
    assert writer.write_page([comment("När öppnar ni på söndag?", t(11))]).edited == 1
    assert ledger.verify(who("ingrid")).ok


def test_another_persons_platform_id_met_later_is_sealed_in_its_reconciliation(ledger, active, writer):
    # A visitor's comment first known without its id (as an export would give it), then from the API with it:
    # the reconciliation names the id by a keyed hash and seals it under the item's key (issue 17).
    native = "900_77"
    first = comment("Hur dags?", t(9), native_id=None, source="export")
    assert writer.write_page([first]).new == 1
    result = writer.write_page([comment("Hur dags?", t(9), native_id=native)])
    assert result.reconciled == 1
    stored = ledger.store.recorder.select_notifications(0, 10_000)
    reconciled = [n for n in stored if n.topic.endswith("NativeIdReconciled")]
    assert len(reconciled) == 1 and native.encode() not in bytes(reconciled[0].state)
    assert b'"native_id":"keyed:' in bytes(reconciled[0].state)
    assert f"facebook:{native}" in items(ledger, active)  # read under the item's key while it exists
    assert ledger.verify(who("ingrid")).ok
    ledger.erase_subject(who("ingrid"), "facebook:10152345", "KS 2026/57", override=True)
    after = b"".join(bytes(n.state) for n in ledger.store.recorder.select_notifications(0, 10_000))
    assert native.encode() not in after
    assert f"facebook:{native}" not in items(ledger, active)
    assert ledger.verify(who("ingrid")).ok
