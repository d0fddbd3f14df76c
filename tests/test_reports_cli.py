"""`sla`, `cadence`, `stats` and `projections` from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_ingest_cli import FIX, cli, ingest  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("cli")


@pytest.fixture
def loaded(cli):  # noqa: F811 - the fixture imported above
    ingest(cli, FIX / "sv")
    return cli


def test_sla_status_json(loaded):
    rows = loaded.json("sla", "status", "--account", loaded.account, user="kalle")
    assert rows and {"account", "native_id", "received", "due", "first_response", "state"} <= set(rows[0])
    assert {r["account"] for r in rows} == {loaded.account}
    by_native = {r["native_id"]: r for r in rows}
    question = by_native["facebook:1122334455667788_2233445566001"]
    assert question["state"] == "answered"
    assert question["received"] == "2024-03-01T11:02:11+01:00"
    assert question["due"] == "2024-03-04T17:00:00+01:00"  # a Friday: due Monday at the close of office hours
    assert by_native["facebook:1122334455667788_2233445566003"]["state"] == "moderated"


def test_sla_status_at_a_time(loaded):
    rows = loaded.json("sla", "status", "--at", "2024-03-01T12:00", user="kalle")
    assert {r["state"] for r in rows} <= {"open", "answered", "moderated"}
    assert all(r["received"] <= "2024-03-01T12:00:00+01:00" for r in rows)


def test_sla_report_and_ack(loaded):
    report = loaded.json("sla", "report", "--period", "2024-03", user="ingrid")
    (row,) = report
    assert row["count"] >= 5 and 0 <= row["within_sla_share"] <= 1
    assert row["quickest_seconds"] <= row["median_seconds"] <= row["slowest_seconds"]
    breached = next(r for r in loaded.json("sla", "status", user="kalle") if r["state"] == "breached")
    loaded("sla", "ack", breached["item"], user="kalle")
    again = {r["item"]: r for r in loaded.json("sla", "status", user="kalle")}
    assert again[breached["item"]]["state"] == "late" and again[breached["item"]]["first_response"]
    loaded("sla", "answer", breached["item"], "--final", user="sara")
    assert {r["item"]: r for r in loaded.json("sla", "status", user="kalle")}[breached["item"]]["final_answer"]
    loaded("sla", "ack", breached["item"], user="stranger", code=3)


def test_cadence_report(loaded):
    (row,) = loaded.json("cadence", "report", "--period", "2024-03", user="ingrid")
    assert row["posts"] == 2 and row["class"] == "standard"
    assert isinstance(row["weeks_short"], list) and isinstance(row["days_over"], list)


def test_stats_json_and_csv(loaded):
    (row,) = loaded.json("stats", "--period", "2024-03", user="ingrid")
    for key in ("posts", "comments", "reactions", "shares", "reach", "impressions", "followers", "followers_growth",
                "questions", "engagement_rate_average", "best_hours", "best_days", "top_posts", "response"):
        assert key in row, key
    assert row["posts"] == 2 and row["questions"] >= 2 and row["reactions"] > 0
    out = loaded("stats", "--period", "2024-03", "--account", loaded.account, "--csv", user="ingrid").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["account"] == loaded.account and rows[0]["posts"] == "2"
    lines = loaded("stats", "--period", "2024-03", user="ingrid").stdout.splitlines()  # a pipe: tab-separated
    assert lines[0].startswith("id\taccount\tposts\tcomments") and "\tKulturhuset Tornet\t2\t" in lines[1]


def test_a_bad_period_is_bad_input(loaded):
    result = loaded("stats", "--period", "2024-13", user="ingrid", code=4)
    assert "period" in result.stderr


def test_projections_status_and_rebuild(loaded):
    loaded("sla", "status", user="kalle")  # catches up
    status = loaded.json("projections", "status", user="ingrid")
    assert {s["name"] for s in status} == {"register", "sla", "cadence", "statistics", "metrics", "plan", "search"}
    assert all(s["behind"] == 0 for s in status)
    before = loaded.json("sla", "status", user="kalle")
    rebuilt = loaded.json("projections", "rebuild", "sla", user="ingrid")
    assert rebuilt["events"] > 0
    assert loaded.json("sla", "status", user="kalle") == before
    loaded("projections", "rebuild", user="ingrid")
    assert loaded.json("sla", "status", user="kalle") == before
    assert Path(loaded.home, "readmodels.sqlite").exists()


def test_stats_csv_for_excel_in_a_swedish_locale(loaded):
    raw = loaded("stats", "--period", "2024-03", "--csv", "--dialect", "excel", user="ingrid").stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, or Excel shows mojibake
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text
    (row,) = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert row["name"] == "Kulturhuset Tornet" and row["posts"] == "2"
    plain = next(csv.DictReader(io.StringIO(loaded("stats", "--period", "2024-03", "--csv", user="ingrid").stdout)))
    # The same figures, rounded to two decimals, with a decimal comma.
    rate = plain["engagement_rate_average"]
    assert rate and len(rate.partition(".")[2]) <= 2
    assert row["engagement_rate_average"] == rate.replace(".", ",")
    assert "." not in row["engagement_rate_average"]
    assert plain["response_median_seconds"].isdigit() or plain["response_median_seconds"] == ""
