"""Property: random platform times and counts go through ingest, and then every reading command works.

Hypothesis makes Facebook Graph pages (a post, its comments) and Insights with
times anywhere from year 1 to 9999 (ISO text and POSIX seconds, milliseconds too)
and counts from -10^30 to 10^30 (integers and floats up to 1e308). The ingest
records what is plausible and skips the rest, each named (issue 17, point 5:
`core/domain/plausibility.py`); it never ends in an internal error. Afterwards
every command that reads what was stored (content list and show, stats, the SLA
status and report, cadence, the audit log and verify, the access export, an
archive export and status) ends with exit code 0, as text and as JSON.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import CLI

from socialledger.cli import main
from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.plausibility import Window
from socialledger.core.domain.records import AuthorRef, ContentRecord, MetricsRecord
from socialledger.core.domain.roles import Role
from socialledger.testing import actor, make_ledger

PAGE = "104729384756102"
POST = f"{PAGE}_1122334455667788"
LATEST_YEAR = (datetime.now(UTC) + timedelta(days=1)).year

times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+0000")),
    st.datetimes(min_value=datetime(2004, 1, 2), max_value=datetime(2027, 12, 30)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+0000")),
    st.integers(-10**12, 10**14),
)
counts = st.one_of(st.integers(-10**30, 10**30), st.integers(0, 10**6),
                   st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False))


@st.composite
def crawl(draw):
    comments = [{"id": f"1122334455667788_{900 + i}", "created_time": draw(times),
                 "from": {"name": f"Besökare {i}", "id": str(7000 + i)}, "message": f"Fråga {i}?",
                 "like_count": draw(counts), "comment_count": draw(counts), "is_hidden": False}
                for i in range(draw(st.integers(1, 4)))]
    post = {"id": POST, "created_time": draw(times), "message": "Välkommen!",
            "from": {"name": "Kulturhuset", "id": PAGE}}
    insights = {"data": [{"name": "page_fans", "period": "day", "id": f"{PAGE}/insights/page_fans/day",
                          "values": [{"value": draw(counts), "end_time": draw(times)}
                                     for _ in range(draw(st.integers(1, 3)))]}]}
    return post, comments, insights


READERS = [
    ["content", "list"],
    ["stats", "--period", "2004-01-01..2027-12-31"],
    ["sla", "status"],
    ["sla", "report", "--period", "2004-01-01..2027-12-31"],
    ["cadence", "report", "--period", "2004-01-01..2027-12-31"],
    ["audit", "log"],
    ["audit", "verify"],
    ["archive", "status"],
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=crawl())
def test_random_times_and_counts_never_break_a_reading_command(monkeypatch, data):
    post, comments, insights = data
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "ledger"
        ledger, account = make_ledger(home, "facebook", PAGE)
        ledger.grant_role(actor("info"), "arkivarie", Role.ARCHIVIST)
        ledger.close()
        folder = Path(tmp) / "crawl"
        folder.mkdir()
        (folder / "page_feed_p1.json").write_text(json.dumps({"data": [post]}), encoding="utf-8")
        (folder / "post_comments_p1.json").write_text(json.dumps({"data": comments}), encoding="utf-8")
        (folder / "page_insights.json").write_text(json.dumps(insights), encoding="utf-8")
        cli = CLI(home, monkeypatch)
        result = cli.runner.invoke(main, ["ingest", "facebook", str(folder), "--account", account, "--json",
                                          "--as", "kommunikatör"])
        assert result.exit_code in (0, 4), (result.output, result.stderr)
        assert "internal error" not in result.stderr
        if result.exit_code == 4:  # POSIX seconds past the year 9999 are no time at all: the file is refused
            assert len(result.stderr.strip().splitlines()) == 1
        else:
            summary = json.loads(result.stdout)
            # What is recorded is plausible; what is not is skipped, and each skipped item is named.
            skipped = sum(sum(t["skipped"].values()) for t in summary["items"].values())
            assert len(summary["refused"]) == skipped
        for command in READERS:
            cli(*command, user="info")
            cli(*command, "--json", user="info")
        listed = cli.json("content", "list", user="info")
        for item in listed:
            cli("content", "show", item["id"], user="info")
            cli("content", "show", item["id"], "--json", user="info")
            assert item["created"] is None or 2004 <= datetime.fromisoformat(item["created"]).year <= LATEST_YEAR
        if any(not i["by_account"] for i in listed):
            cli("gdpr", "export", "--subject", "facebook:7000", "--out", str(Path(tmp) / "a.json"), user="info",
                code=0 if any(i["author"] == "facebook:7000" for i in listed) else 3)
        cli("archive", "export", "--account", account, "--period", "2024H1", "--out", str(Path(tmp) / "out"),
            user="arkivarie")


def test_the_window_runs_from_the_founding_year_to_a_day_after_now():
    w = Window.for_channel(2004)
    now = datetime.now(UTC)
    assert w.earliest == datetime(2004, 1, 1, tzinfo=UTC)
    assert now < w.latest <= now + timedelta(days=1, seconds=5)


def test_extreme_values_stored_by_earlier_versions_are_shown(monkeypatch, tmp_path):
    """A ledger that holds year 9999 and year 1 times and a negative count (stored before the edge checked
    them: written here straight through the writer) still answers every reading command."""
    ledger, account = make_ledger(tmp_path / "ledger", "facebook", PAGE)
    ledger.grant_role(actor("info"), "arkivarie", Role.ARCHIVIST)
    far, old = datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)
    CaptureWriter(ledger.store, ledger.store.account(UUID(account)), "facebook", actor("kalle")).write_page([
        ContentRecord(channel="facebook", kind="comment", source="api", observed=far, created=far, native_id="1_9",
                      page_id=PAGE, parent_native_id=POST, text="x", author=AuthorRef(native_id="5", name="N")),
        ContentRecord(channel="facebook", kind="post", source="api", observed=old, created=old,
                      native_id=f"{PAGE}_2", page_id=PAGE, text="y"),
        MetricsRecord(channel="facebook", source="api", metric="followers", platform_metric="page_fans",
                      period="day", end=far, value=-5.0, page_id=PAGE)])
    ledger.close()
    cli = CLI(tmp_path / "ledger", monkeypatch)
    for command in READERS:
        cli(*command, user="info")
        cli(*command, "--json", user="info")
    for item in cli.json("content", "list", user="info"):
        cli("content", "show", item["id"], "--json", user="info")
    cli("gdpr", "export", "--subject", "facebook:5", user="info")
    cli("archive", "export", "--account", account, "--period", "9999H2", "--out", str(tmp_path / "o"),
        user="arkivarie", code=4)  # a period the calendar cannot hold: one line, exit 4
