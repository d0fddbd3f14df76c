"""The interim report: its figures agree with the read models, and it is written as a PDF and as a workbook."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import who
from pypdf import PdfReader

from socialledger.app import Ledger
from socialledger.app.interim import slices
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.periods import parse as period
from socialledger.render.report import html_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import report_sample

AT = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A half year of a page with its plan (built once: about a thousand events)."""
    home = tmp_path_factory.mktemp("report") / "home"
    ledger = Ledger(home)
    account = report_sample.build(ledger)
    yield ledger, account
    ledger.close()


@pytest.fixture(scope="module")
def data(sample):
    ledger, _ = sample
    return ledger.interim_report(who("ingrid"), "2026Q3", at=AT)


def test_the_figures_are_the_read_models(sample, data):
    ledger, account = sample
    assert data["period"] == "2026Q3" and data["previous"] == "2026Q2"
    (a,) = data["accounts"]
    (stats,) = ledger.stats(who("ingrid"), "2026Q3", account)
    (before,) = ledger.stats(who("ingrid"), "2026Q2", account)
    for key in ("posts", "comments", "reactions", "reach", "followers", "followers_baseline", "followers_growth"):
        assert a["current"][key] == stats[key], key
        assert a["previous"][key] == before[key], key
    # Over time: the slices add up to the period's figures, for this period and the one before.
    assert sum(a["series"]["current"]["posts"]) == stats["posts"]
    assert sum(a["series"]["current"]["reactions"]) == stats["reactions"]
    assert sum(a["series"]["current"]["reach"]) == stats["reach"]
    assert sum(a["series"]["previous"]["posts"]) == before["posts"]
    assert a["series"]["current"]["followers"][-1] == stats["followers"]
    # Every post with its engagement rate; their average is the statistics' own.
    assert len(a["posts"]) == stats["posts"]
    rates = [p["engagement_rate"] for p in a["posts"]]
    assert sum(rates) / len(rates) == pytest.approx(stats["engagement_rate_average"])
    # Response times: every inbound item of the period counted, the unanswered ones too.
    (sla,) = ledger.sla_report(who("ingrid"), "2026Q3", account)
    r = a["response"]
    assert (r["count"], r["breached"], r["open"]) == (sla["count"], sla["breached"], sla["open"])
    assert r["count"] == r["answered"] + r["late"] + r["breached"] + r["open"] + r["moderated"]
    assert r["breached"] > 0  # the sample leaves some questions unanswered
    # Cadence: the whole weeks of the quarter, judged.
    (cad,) = ledger.cadence_report(who("ingrid"), "2026Q3", account)
    assert a["cadence"]["weeks_short"] == cad["weeks_short"] and a["cadence"]["weeks_judged"] == 12  # whole ISO weeks: 6 July to 27 September
    # Planned against published: every planned post of the quarter, by what became of it.
    counts = a["plan"]["counts"]
    assert counts["missed"] == 3 and counts["cancelled"] == 1 and counts["published"] + counts["late"] > 40
    assert sum(counts.values()) == len(ledger.plan_list(who("ingrid"), "2026Q3", now=AT))
    # Best hours and days: the averages of the posts' engagement.
    assert set(a["days"]) <= {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
    assert a["current"]["top_posts"][0]["engagement"] == max(p["engagement"] for p in a["posts"])


def test_the_pdf_and_the_workbook(sample, data, tmp_path):
    ledger, _ = sample
    written = ledger.write_report(who("ingrid"), "2026Q3", pdf=tmp_path / "r.pdf", xlsx=tmp_path / "r.xlsx", at=AT)
    reader = PdfReader(tmp_path / "r.pdf")
    assert written["pages"] == len(reader.pages) >= 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("Interim report 2026Q3", "Key figures", "Over the period", "Engagement rate per post",
                    "Best hours and days", "Top posts", "Response times", "Cadence", "Planned and published"):
        assert heading in text, heading
    (a,) = data["accounts"]
    unanswered = a["response"]["breached"] + a["response"]["open"]
    assert f"{unanswered} items without any response" in text
    # Nine charts, drawn as SVG: four over time, the engagement rate, hours, days, and two bars of states.
    assert html_of(data).count("data:image/svg+xml") == 9

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == written["sheets"] == ["Report", "Figures", "Over time", "Posts", "Best hours", "Best days",
                                                    "Top posts", "Response times", "Cadence", "Plan"]
    posts = list(book["Posts"].iter_rows(values_only=True))
    assert len(posts) == 1 + a["current"]["posts"]
    figures = {r[2]: r for r in book["Figures"].iter_rows(min_row=2, values_only=True)}
    assert figures["2026Q3"][3] == a["current"]["posts"] and figures["2026Q2"][3] == a["previous"]["posts"]
    plan = list(book["Plan"].iter_rows(min_row=2, values_only=True))
    assert len(plan) == sum(a["plan"]["counts"].values())


def test_who_may_read_it_and_bad_input(sample, tmp_path):
    ledger, account = sample
    with pytest.raises(RuleViolation):
        ledger.interim_report(who("nobody"), "2026Q3")
    with pytest.raises(BadInput, match="period"):
        ledger.interim_report(who("ingrid"), "2026Q5")
    with pytest.raises(BadInput, match="--out"):
        ledger.write_report(who("ingrid"), "2026Q3")
    with pytest.raises(BadInput, match="no folder"):
        ledger.write_report(who("ingrid"), "2026Q3", pdf=tmp_path / "missing" / "r.pdf")
    with pytest.raises(BadInput, match="no account"):
        ledger.interim_report(who("ingrid"), "2026Q3", unit="Tekniska förvaltningen")
    assert ledger.interim_report(who("kalle"), "2026Q3", account=account)["scope"] == "Kulturhuset Tornet"


def test_the_report_from_the_cli(sample, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from socialledger.cli import main

    ledger, _ = sample
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(ledger.home))
    result = CliRunner().invoke(main, ["report", "--period", "2026Q3", "--all", "--xlsx", str(tmp_path / "q3.xlsx"),
                                       "--as", "ingrid"])
    assert result.exit_code == 0, result.output
    assert "Interim report 2026Q3 of 1 account:" in result.output and (tmp_path / "q3.xlsx").exists()
    result = CliRunner().invoke(main, ["report", "--period", "2026Q3", "--all", "--unit", "X", "--as", "ingrid"])
    assert result.exit_code == 2


def test_slices():
    assert len(slices(period("2026-03"))) == 31
    q3 = slices(period("2026Q3"))
    assert len(q3) == 13 and q3[-1][2] == date(2026, 9, 30)  # the quarter's 92nd day joins the last week
    assert [s[1].month for s in slices(period("2026"))] == list(range(1, 13))
