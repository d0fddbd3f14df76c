"""Read models: the SLA states, cadence, statistics, rebuild equal to incremental, tombstones."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from conftest import who

from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.periods import parse as period
from socialledger.core.domain.records import AuthorRef, ContentRecord, MetricsRecord, ModerationRecord
from socialledger.projections import cadence, sla, statistics

PAGE = "104729384756102"
STHLM = ZoneInfo("Europe/Stockholm")
PAGE_AUTHOR = AuthorRef(native_id=PAGE, name="Kulturhuset")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


def item(native, kind, when, text, author=None, parent=None, **kw):
    return ContentRecord(channel="facebook", kind=kind, source="api", observed=t(when), created=t(when),
                         native_id=native, page_id=PAGE, parent_native_id=parent, text=text,
                         author=author or AuthorRef(native_id="10152345", name="Åsa Öberg"), **kw)


POST = item(f"{PAGE}_1", "post", "2026-11-16 08:00", "Veckans program 🎭", PAGE_AUTHOR)
RECORDS = [
    POST,
    item("1_c1", "comment", "2026-11-17 10:00", "När öppnar ni?", parent=f"{PAGE}_1"),
    item("1_r1", "reply", "2026-11-17 11:00", "Klockan 11!", PAGE_AUTHOR, parent="1_c1"),
    item("1_c2", "comment", "2026-11-20 16:45", "Är det gratis?", parent=f"{PAGE}_1"),
    item("1_r2", "reply", "2026-11-23 18:00", "Ja.", PAGE_AUTHOR, parent="1_c2"),
    item("1_c3", "comment", "2026-11-17 12:00", "Hörslinga?", parent=f"{PAGE}_1"),
    item("1_c4", "comment", "2026-11-17 12:30", "Köp klockor billigt", parent=f"{PAGE}_1"),
    ModerationRecord(channel="facebook", kind="comment", source="webhook", action="hide", native_id="1_c4",
                     observed=t("2026-11-17 13:00"), page_id=PAGE),
    item(f"{PAGE}_v1", "visitor_post", "2026-11-18 09:00", "Tack för i går!"),
    item("v1_c1", "comment", "2026-11-18 09:30", "Tack själva!", PAGE_AUTHOR, parent=f"{PAGE}_v1"),
    MetricsRecord(channel="facebook", source="api", metric="reactions", platform_metric="reactions",
                  period="lifetime", end=None, value=12, native_id=f"{PAGE}_1", breakdown={"like": 10, "love": 2}),
    MetricsRecord(channel="facebook", source="api", metric="followers", platform_metric="page_follows",
                  period="instant", end=t("2026-11-01 07:00"), value=1000, page_id=PAGE),
    MetricsRecord(channel="facebook", source="api", metric="followers", platform_metric="page_follows",
                  period="instant", end=t("2026-11-29 07:00"), value=1040, page_id=PAGE),
    MetricsRecord(channel="facebook", source="api", metric="reach", platform_metric="page_impressions_unique",
                  period="day", start=t("2026-11-16 00:00"), end=t("2026-11-17 00:00"), value=300, page_id=PAGE),
]


@pytest.fixture
def captured(ledger, active):
    CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page(RECORDS)
    return active


def status(ledger, at=None) -> list[dict]:
    """The SLA model's rows, each with its item's platform id read from the item (the model keeps a visitor's
    item's id only as a keyed hash: `writer.sealed_native`)."""
    rows = sla.status(ledger.read_models(who("ingrid")).store, at=at)
    for r in rows:
        assert r["native_id"].startswith("facebook:keyed:"), r  # never the platform id of another's item
        item = ledger.store.item(UUID(hex=r["item"]))
        r["native_id"] = f"{item.channel}:{item.native_id}"
    return rows


def states(ledger, at: str) -> dict[str, str]:
    return {r["native_id"]: r["state"] for r in status(ledger, at=t(at))}


def test_sla_states(ledger, captured):
    assert states(ledger, "2026-11-30 12:00") == {
        "facebook:1_c1": "answered",
        "facebook:1_c2": "late",  # due Monday 17:00, answered 18:00
        "facebook:1_c3": "breached",
        "facebook:1_c4": "moderated",
        f"facebook:{PAGE}_v1": "answered",
    }
    assert states(ledger, "2026-11-17 13:00")["facebook:1_c3"] == "open"
    assert "facebook:1_c2" not in states(ledger, "2026-11-17 13:00")  # not yet received then
    assert states(ledger, "2026-11-23 17:30")["facebook:1_c2"] == "breached"  # as it stood then


def test_due_times_follow_r12(ledger, captured):
    rows = {r["native_id"]: r for r in status(ledger, at=t("2026-11-30 12:00"))}
    due = datetime.fromtimestamp(rows["facebook:1_c2"]["due"], UTC).astimezone(STHLM)
    assert due.strftime("%a %H:%M") == "Mon 17:00"


def test_an_acknowledgement_is_a_first_response(ledger, captured):
    c3 = next(r for r in ledger.content(who("ingrid")) if r["native_id"] == "facebook:1_c3")
    assert ledger.acknowledge(who("kalle"), c3["id"])
    assert not ledger.acknowledge(who("kalle"), c3["id"])
    # Acknowledged now (long after it was due): late, not breached.
    assert states(ledger, "2030-01-01 00:00")["facebook:1_c3"] == "late"
    ledger.mark_final_answer(who("sara"), c3["id"])
    row = next(r for r in status(ledger) if r["native_id"] == "facebook:1_c3")
    assert row["final_answer"] is not None


def test_the_answer_before_the_question_in_ledger_order(ledger, active):
    writer = CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))
    writer.write_page([POST, RECORDS[2]])  # the reply first
    writer.write_page([RECORDS[1]])  # then the question it answers
    assert states(ledger, "2026-11-30 12:00") == {"facebook:1_c1": "answered"}


def test_the_policy_in_force_when_the_item_arrived(ledger, active, tmp_path):
    writer = CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))
    writer.write_page([POST, item("1_old", "comment", "2026-11-17 10:00", "Före", parent=f"{PAGE}_1")])
    f = tmp_path / "p.toml"
    f.write_text("[sla]\nhours = 48\n")
    ledger.set_policy(who("ingrid"), f.read_text())
    later = datetime.now(UTC).astimezone(STHLM).replace(hour=10, minute=0, second=0, microsecond=0)
    later += timedelta(days=3)
    while later.weekday() != 1:  # a Tuesday after the change, so that 48 hours stay on working days
        later += timedelta(days=1)
    new = ContentRecord(channel="facebook", kind="comment", source="api", observed=later, created=later,
                        native_id="1_new", page_id=PAGE, parent_native_id=f"{PAGE}_1", text="Efter",
                        author=AuthorRef(native_id="10152345", name="Åsa Öberg"))
    writer.write_page([new])
    rows = {r["native_id"]: r for r in status(ledger, at=later + timedelta(days=9))}
    assert rows["facebook:1_old"]["due"] - rows["facebook:1_old"]["received"] == 24 * 3600
    assert rows["facebook:1_new"]["due"] - rows["facebook:1_new"]["received"] == 48 * 3600


def test_on_call_accounts(ledger, active):
    ledger.set_properties(who("kalle"), active, {"on_call": True})
    writer = CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))
    later = datetime(2030, 11, 22, 20, 0, tzinfo=STHLM)  # a Friday evening, after the change
    writer.write_page([POST, ContentRecord(channel="facebook", kind="comment", source="api", observed=later,
                                          created=later, native_id="1_oc", page_id=PAGE, parent_native_id=f"{PAGE}_1",
                                          text="Jour?", author=AuthorRef(native_id="1", name="X"))])
    row = next(r for r in status(ledger, at=datetime(2031, 1, 1, tzinfo=UTC)))
    assert row["due"] - row["received"] == 24 * 3600 and row["clock"] == "on-call"


def test_sla_report(ledger, captured):
    store = ledger.read_models(who("ingrid")).store
    start, end = period("2026-11").bounds(STHLM)
    report = sla.report(store, start.timestamp(), end.timestamp(), at=t("2026-11-30 12:00"))
    (figures,) = report.values()
    assert figures["count"] == 5 and figures["answered"] == 2 and figures["late"] == 1
    assert figures["quickest_seconds"] == 30 * 60  # the visitor post, answered in half an hour
    assert figures["slowest_seconds"] == (t("2026-11-23 18:00") - t("2026-11-20 16:45")).total_seconds()
    assert figures["within_sla_share"] == pytest.approx(2 / 4)  # answered / (answered + late + breached)


def test_cadence(ledger, captured):
    store = ledger.read_models(who("ingrid")).store
    rows = cadence.report(store, period("2026-11"), ledger.policy())
    (row,) = rows
    # Active since now (2026-11-21), first post 2026-11-16: weeks from W47 on; W47 had a post, W48 none.
    assert [w["week"] for w in row["weeks_short"]] == ["2026-W48"]
    assert row["posts"] == 1 and row["days_over"] == []


def test_cadence_days_over(ledger, active):
    writer = CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))
    writer.write_page([item(f"{PAGE}_{i}", "post", f"2026-11-16 0{i}:00", f"Inlägg {i}", PAGE_AUTHOR)
                      for i in range(1, 6)])
    (row,) = cadence.report(ledger.read_models(who("ingrid")).store, period("2026-W47"), ledger.policy())
    assert row["days_over"] == [{"day": "2026-11-16", "posts": 5, "maximum": 3}]


def test_statistics(ledger, captured):
    store = ledger.read_models(who("ingrid")).store
    start, end = period("2026-11").bounds(STHLM)
    figures = statistics.account_stats(store, ledger.store.account(captured).id.hex, start.timestamp(),
                                       end.timestamp(), STHLM, at=t("2026-11-30 12:00"))
    assert figures["posts"] == 1 and figures["comments"] == 4 and figures["visitor_posts"] == 1
    assert figures["questions"] == 3  # the comments with a question mark
    assert figures["reactions"] == 12 and figures["reach"] == 300
    assert (figures["followers"], figures["followers_baseline"], figures["followers_growth"]) == (1040, 1000, 40)
    assert figures["engagement_rate_average"] == pytest.approx(12 / 1040 * 100)
    assert figures["top_posts"][0]["excerpt"] == "Veckans program 🎭"
    assert figures["best_days"][0]["when"] == "Monday"
    assert figures["response"]["count"] == 5


def dump(path) -> dict[str, list]:
    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name != 'tracking'")]
    # A full-text table compares by its rows; its shadow tables hold segments, which merge differently when
    # built at once than page by page.
    virtual = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    tables = [t for t in tables if not any(t.startswith(v + "_") for v in virtual)]
    return {name: sorted(db.execute(f"SELECT rowid, * FROM {name}" if name in virtual else f"SELECT * FROM {name}")
                         .fetchall(), key=repr) for name in tables}


def test_a_rebuilt_read_model_equals_the_incremental_one(ledger, active, tmp_path):
    writer = CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle"))
    models = ledger.read_models(who("ingrid"))
    for i in range(0, len(RECORDS), 3):  # caught up after every few records, as CLI calls do
        writer.write_page(RECORDS[i:i + 3])
        models.catch_up()
    ledger.acknowledge(who("kalle"), ledger.content(who("ingrid"))[2]["id"])
    models.catch_up()
    incremental = dump(models.path)
    models.rebuild()
    assert dump(models.path) == incremental
    assert all(s["behind"] == 0 for s in models.status())


def test_tombstones_never_fail(ledger, captured):
    models = ledger.read_models(who("ingrid"))
    # Destroy every content item's key (what erasure and disposal do), then rebuild.
    ids = [i["id"] for i in ledger.content(who("ingrid"))]
    ledger.store.keys.destroy(ids)
    ledger.store.keys.forget()
    models.rebuild()
    assert len(sla.status(models.store)) == 5
    start, end = period("2026-11").bounds(STHLM)
    figures = statistics.account_stats(models.store, ledger.store.account(captured).id.hex, start.timestamp(),
                                       end.timestamp(), STHLM)
    assert figures["questions"] == 0 and figures["top_posts"][0]["excerpt"] is None


def test_a_rebuild_split_over_processes_equals_one_in_a_single_process(ledger, captured, monkeypatch):
    import socialledger.projections as projections

    models = ledger.read_models(who("ingrid"))
    single = dump(models.path)
    monkeypatch.setattr(projections, "PARALLEL_FROM", 1)
    models.rebuild()
    assert dump(models.path) == single
    assert all(s["behind"] == 0 for s in models.status())
