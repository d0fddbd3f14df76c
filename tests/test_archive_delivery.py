"""What is delivered (R8, R20): archive status per account and half-year, a complete final package,
every captured item in exactly one package, and empty periods said out loud."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import who

from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.records import AuthorRef, ContentRecord

PAGE = "104729384756102"


def history(ledger, account, start: datetime, months: int) -> None:
    """An existing page onboarded with its history: a post a month, a visitor's comment on it and the
    account's reply, all ingested now (long after they were written)."""
    records = []
    for m in range(months):
        when = start + timedelta(days=30 * m)
        post = f"{PAGE}_{1000 + m}"
        records += [
            ContentRecord(channel="facebook", kind="post", source="api", observed=when, created=when,
                          native_id=post, page_id=PAGE, text=f"Månadens program {m + 1}",
                          author=AuthorRef(native_id=PAGE, name="Kulturhuset Tornet")),
            ContentRecord(channel="facebook", kind="comment", source="api", observed=when + timedelta(hours=2),
                          created=when + timedelta(hours=2), native_id=f"{1000 + m}_1", page_id=PAGE,
                          parent_native_id=post, text=f"Fråga {m + 1}: när öppnar ni?",
                          author=AuthorRef(native_id=str(500 + m % 3), name=f"Besökare {m % 3}")),
            ContentRecord(channel="facebook", kind="reply", source="api", observed=when + timedelta(hours=3),
                          created=when + timedelta(hours=3), native_id=f"{1000 + m}_2", page_id=PAGE,
                          parent_native_id=f"{1000 + m}_1", text=f"Svar {m + 1}: kl. 10.",
                          author=AuthorRef(native_id=PAGE, name="Kulturhuset Tornet")),
        ]
    CaptureWriter(ledger.store, ledger.store.account(account), "facebook", who("kalle")).write_page(records)


def feed(package: Path) -> dict:
    return json.loads((package / "representations" / "rep1" / "data" / "feed.json").read_text(encoding="utf-8"))


def captured_ids(ledger, account) -> set[str]:
    return {i["id"] for i in ledger.content(who("ingrid"), account)}


def delivered_by(packages: list[Path]) -> dict[str, list[str]]:
    """item id -> the packages that deliver it (its capture), from each package's feed.json."""
    out: dict[str, list[str]] = {}
    for package in packages:
        data = feed(package)
        for item in data["items"]:
            if item["delivered_here"]:
                out.setdefault(item["id"], []).append(data["package_id"])
            for copy in item["duplicates"]:
                if copy["delivered_here"]:
                    out.setdefault(copy["id"], []).append(data["package_id"])
    return out


def periods(status: list[dict]) -> dict[str, dict]:
    (account,) = status
    return {p["period"]: p for p in account["periods"]}


def test_two_years_of_history_one_half_year_then_final_every_item_in_exactly_one_package(ledger, active, tmp_path):
    # Arrange: a page onboarded in 2026 with its posts and comments of 2024 and 2025.
    history(ledger, active, datetime(2024, 1, 10, 9, tzinfo=UTC), 24)
    items = captured_ids(ledger, active)
    assert len(items) == 72
    before = periods(ledger.archive_status(who("arvid"), active))
    assert {before[h]["state"] for h in ("2024H1", "2024H2", "2025H1", "2025H2")} == {"due"}
    assert before["2025H1"]["undelivered_items"] == 18

    # Act: the archivist delivers 2025H1; closure is requested; the final package follows.
    (half,) = ledger.export_archive(who("arvid"), active, "2025H1", tmp_path / "out")
    after_half = periods(ledger.archive_status(who("arvid"), active))
    assert after_half["2025H1"]["state"] == "delivered"
    assert after_half["2025H1"]["packages"][0]["package_id"] == feed(half)["package_id"]
    assert after_half["2025H1"]["packages"][0]["position"] == feed(half)["position"]
    assert after_half["2024H2"]["state"] == "due"
    ledger.request_close(who("kalle"), active, "Verksamheten flyttar")
    (account,) = ledger.archive_status(who("arvid"), active)
    assert account["final"]["state"] == "final due" and account["final"]["undelivered_items"] == 54
    with pytest.raises(RuleViolation):
        ledger.close_account(who("ingrid"), active, "Enligt begäran")
    (final,) = ledger.export_archive(who("arvid"), active, None, tmp_path / "out", final=True)

    # Assert: every captured item is delivered by exactly one of the two packages, whatever its date.
    delivered = delivered_by([half, final])
    assert set(delivered) == items
    assert all(len(p) == 1 for p in delivered.values()), {i: p for i, p in delivered.items() if len(p) != 1}
    final_feed = feed(final)
    assert final_feed["final"] is True
    assert final_feed["period_start"].startswith("2024-01-10")  # history from before the account was opened
    created = {i["id"]: i["created"] for i in final_feed["items"] if i["delivered_here"]}
    assert min(created.values()).startswith("2024-01") and max(created.values()).startswith("2025-11")
    (account,) = ledger.archive_status(who("arvid"), active)
    assert account["final"]["state"] == "final delivered"
    assert {p["state"] for p in account["periods"] if p["period"] < "2026H1"} == {"delivered"}
    ledger.close_account(who("ingrid"), active, "Enligt begäran")


def test_late_items_make_a_supplement_due_and_the_supplement_delivers_only_them(ledger, active, tmp_path):
    history(ledger, active, datetime(2025, 1, 10, 9, tzinfo=UTC), 6)
    (first,) = ledger.export_archive(who("arvid"), active, "2025H1", tmp_path / "out")
    late = datetime(2025, 3, 3, 12, tzinfo=UTC)
    CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page([ContentRecord(
        channel="facebook", kind="comment", source="api", observed=late, created=late, native_id="1001_9",
        page_id=PAGE, parent_native_id=f"{PAGE}_1001", text="En sen fråga", author=AuthorRef(native_id="77"))])
    row = periods(ledger.archive_status(who("arvid"), active))["2025H1"]
    assert (row["state"], row["undelivered_items"]) == ("supplement due", 1)
    (supplement,) = ledger.export_archive(who("arvid"), active, "2025H1", tmp_path / "out")
    data = feed(supplement)
    assert [i["native_id"] for i in data["items"] if i["delivered_here"]] == ["facebook:1001_9"]
    post = next(i for i in data["items"] if i["native_id"] == f"facebook:{PAGE}_1001")
    assert post["delivered_here"] is False  # shown for its thread, delivered by the first package
    assert delivered_by([first, supplement]).keys() == captured_ids(ledger, active)
    assert periods(ledger.archive_status(who("arvid"), active))["2025H1"]["state"] == "delivered"


def test_status_needs_the_archivist_or_the_information_unit(ledger, active):
    assert ledger.archive_status(who("ingrid"))  # the information unit
    with pytest.raises(RuleViolation) as refused:
        ledger.archive_status(who("kalle"))
    assert refused.value.rule == "R20"


def test_an_empty_period_writes_nothing_unless_allowed(ledger, active, tmp_path, monkeypatch):
    from test_cli import CLI

    c = CLI(ledger.home, monkeypatch)
    out = tmp_path / "out"
    result = c("archive", "export", "--account", str(active), "--period", "2026H1", "--out", str(out), user="arvid")
    assert result.stdout.strip() == "No items in 2026H1 for Kulturhuset Tornet; no package written " \
                                    "(--allow-empty writes one)."
    assert not out.exists() or not any(out.iterdir())
    skipped = c.json("archive", "export", "--account", str(active), "--period", "2026H1", "--out", str(out),
                     user="arvid")
    assert skipped["packages"] == [] and "no items in 2026H1 for Kulturhuset Tornet" in skipped["skipped"][0]["reason"]
    written = c.json("archive", "export", "--account", str(active), "--period", "2026H1", "--out", str(out),
                     "--allow-empty", user="arvid")
    (package,) = [Path(p) for p in written["packages"]]
    assert feed(package)["items"] == []
    c("archive", "verify", str(package), user="arvid")


def test_status_from_the_cli(ledger, active, tmp_path, monkeypatch):
    from test_cli import CLI

    history(ledger, active, datetime(2025, 1, 10, 9, tzinfo=UTC), 3)
    c = CLI(ledger.home, monkeypatch)
    c("archive", "export", "--account", str(active), "--period", "2025H1", "--out", str(tmp_path / "o"), user="arvid")
    data = c.json("archive", "status", "--account", str(active), user="arvid")
    (account,) = data["accounts"]
    row = next(p for p in account["periods"] if p["period"] == "2025H1")
    assert row["state"] == "delivered" and row["packages"][0]["date"].endswith(("+01:00", "+02:00"))
    text = c("archive", "status", user="ingrid").stdout
    assert "2025H1" in text and "delivered" in text
    c("archive", "status", user="kalle", code=3)


def test_export_is_refused_under_the_placeholder_code_naming_the_fix(tmp_path, monkeypatch):
    from test_cli import CLI

    c = CLI(str(tmp_path / "home"), monkeypatch)
    c("init", "--admin", "ingrid")
    c("role", "grant", "arvid", "archivist", user="ingrid")
    refused = c("archive", "export", "--all-accounts", "--period", "2026H1", "--out", str(tmp_path / "o"),
                user="arvid", code=3)
    assert "ORG:2120000000" in refused.stderr and "--organisation-code" in refused.stderr
    assert "[organisation] code" in refused.stderr
    policy = tmp_path / "p.toml"
    policy.write_text('[organisation]\ncode = "SE2120001234"\n', encoding="utf-8")
    c("policy", "set", str(policy), user="ingrid")
    c("archive", "export", "--all-accounts", "--period", "2026H1", "--out", str(tmp_path / "o"), user="arvid")
    # A later policy that leaves out the organisation keeps its identity.
    policy.write_text("[sla]\nhours = 12\n", encoding="utf-8")
    c("policy", "set", str(policy), user="ingrid")
    shown = c.json("policy", "show", user="ingrid")
    assert shown["organisation"]["code"] == "SE2120001234" and shown["sla"]["hours"] == 12


def test_init_names_the_organisation(tmp_path, monkeypatch):
    from test_cli import CLI

    c = CLI(str(tmp_path / "home"), monkeypatch)
    made = c.json("init", "--admin", "ingrid", "--organisation", "Region Norr", "--organisation-code",
                  "SE2321000000")
    assert made["organisation"] == "Region Norr" and made["organisation_code"] == "SE2321000000"
    shown = c.json("policy", "show", user="ingrid")
    assert shown["organisation"]["name"] == "Region Norr" and shown["organisation"]["code"] == "SE2321000000"
    bad = CLI(str(tmp_path / "other"), monkeypatch)
    refused = bad("init", "--admin", "ingrid", "--organisation-code", "SE 21 20", code=4)
    assert "organisation.code" in refused.stderr
