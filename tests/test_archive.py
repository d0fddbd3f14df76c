"""Archive packages from a real ledger: export, the outside validator, verify, determinism,
moderation (R18), cases (R21), supplements (R20) and closing an account (R8)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from test_archive_eark import MISFIRING, _eark_validator
from test_ingest_cli import FIX, PAGE, cli, ingest  # noqa: F401 - the fixture
from socialledger.core.domain.events import ledger_id

pytestmark = pytest.mark.usefixtures("cli")


@pytest.fixture
def archived(cli, tmp_path):  # noqa: F811 - the fixture imported above
    identify(cli, tmp_path)
    cli("role", "grant", "arvid", "archivist", user="ingrid")
    ingest(cli, FIX / "sv")
    cli.out = tmp_path / "out"
    return cli


def identify(c, tmp_path: Path) -> None:
    """The organisation's own identification code: packages are refused under the shipped placeholder."""
    policy = tmp_path / "identity.toml"
    policy.write_text('[organisation]\nname = "Exempelkommunen"\ncode = "SE2120001234"\n', encoding="utf-8")
    c("policy", "set", str(policy), user="ingrid")


def export(c, *args: str) -> list[Path]:
    result = c.json("archive", "export", "--account", c.account, "--out", str(c.out), *args, user="arvid")
    return [Path(p) for p in result["packages"]]


def feed(package: Path) -> dict:
    return json.loads((package / "representations" / "rep1" / "data" / "feed.json").read_text(encoding="utf-8"))


def test_export_writes_a_package_that_verifies(archived):
    (package,) = export(archived, "--period", "2024H1")
    assert (package / "METS.xml").exists() and list(package.rglob("*.pdf"))
    data = feed(package)
    assert data["account"]["platform_id"] == PAGE and data["period"] == "2024H1"
    by_native = {i["native_id"]: i for i in data["items"]}
    question = by_native["facebook:1122334455667788_2233445566001"]
    assert question["author"]["name"] == "Åsa Öberg" and question["versions"][0]["raw"]["message"]
    assert {e["type"] for e in data["events"]} >= {"capture", "removal"}
    hidden = by_native["facebook:1122334455667788_2233445566003"]
    assert hidden["state"] == "removed" and hidden["versions"][0]["text"].startswith("Köp billiga")
    assert data["seal"]["position"] > 0  # the audit seal it was cut from
    result = archived("archive", "verify", str(package), user="arvid")
    assert "conforms to socialledger" in result.stdout and "error:" not in result.stdout
    report = archived.json("archive", "verify", str(package), user="arvid")
    assert report["ok"] and report["errors"] == 0, report
    # No finding at all, warnings included (CSIP1, CSIPSTR13 and CSIP113 were the writer's gaps once).
    assert report["findings"] == [], report["findings"]
    assert archived.json("archive", "verify", str(package), "--strict", user="arvid")["ok"]


def test_the_outside_validator_on_an_exported_package(archived):
    (package,) = export(archived, "--period", "2024H1")
    packages = _eark_validator()
    from eark_validator.model import Severity
    from eark_validator.specifications.specification import SpecificationVersion

    report = packages.PackageValidator(package, SpecificationVersion.V2_1_0).validation_report
    messages = list(report.metadata.schema_results.messages) + list(report.metadata.schematron_results.messages)
    errors = {m.rule_id for m in messages if m.severity == Severity.ERROR}
    assert errors <= MISFIRING, errors


@pytest.mark.parametrize("damage", ["byte", "missing", "extra"])
def test_verify_names_each_problem_and_exits_5(archived, damage):
    (package,) = export(archived, "--period", "2024H1")
    target = package / "representations" / "rep1" / "data" / "feed.json"
    if damage == "byte":
        target.write_bytes(target.read_bytes().replace(b"Tornet", b"Tornat", 1))
    elif damage == "missing":
        next(package.rglob("*.pdf")).unlink()
    else:
        (package / "representations" / "rep1" / "data" / "smuggled.txt").write_text("hej")
    result = archived("archive", "verify", str(package), user="arvid", code=5)
    assert "error:" in result.stderr and ("feed" in result.stderr or "smuggled" in result.stderr)
    expected = {"byte": "[CSIP71]", "missing": "[CSIP79]", "extra": "[SL1]"}[damage]
    assert expected in result.stderr, result.stderr


def _normalise(text: str, package: Path, data: dict) -> str:
    text = text.replace(data["package_id"], "PACKAGE").replace(package.name, "PACKAGE")
    return re.sub(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "TIME", text)


def test_the_same_position_twice_gives_the_same_json_and_mets(archived):
    (first,) = export(archived, "--period", "2024H1")
    position = str(feed(first)["position"])
    (second,) = export(archived, "--period", "2024H1", "--position", position)
    a, b = feed(first), feed(second)
    for d in (a, b):
        for key in ("package_id", "created", "seal"):
            d.pop(key)
    assert a == b
    raw_a = (first / "representations/rep1/data/feed.json").read_text(encoding="utf-8")
    raw_b = (second / "representations/rep1/data/feed.json").read_text(encoding="utf-8")
    seal = re.compile(r'"seal": \{.*?\n  \}', re.DOTALL)
    assert seal.sub("", _normalise(raw_a, first, feed(first))) == seal.sub("", _normalise(raw_b, second, feed(second)))
    mets_a = _normalise((first / "representations/rep1/METS.xml").read_text(), first, feed(first))
    mets_b = _normalise((second / "representations/rep1/METS.xml").read_text(), second, feed(second))
    checksums = re.compile(r'(CHECKSUM|SIZE)="[^"]*"')
    assert checksums.sub("", mets_a) == checksums.sub("", mets_b)
    from socialledger.archive.pdf import pdf_text

    texts = [_normalise(pdf_text(next(p.rglob("*.pdf"))), p, feed(p)) for p in (first, second)]
    # The title page names the seal each package was cut from, which differs (a later seal).
    texts = [re.sub(r"hash:\s*[0-9a-f]{64}.*?time:\s*TIME", "SEAL", t, flags=re.DOTALL) for t in texts]
    assert texts[0] == texts[1] and "Åsa Öberg" in texts[0]


def test_nothing_new_writes_no_package_and_later_data_a_supplement(archived):
    (first,) = export(archived, "--period", "2024H1")
    assert export(archived, "--period", "2024H1") == []
    late = archived.out.parent / "late.json"  # a post of May 2024 that the crawl finds only later
    late.write_text(json.dumps({"data": [{"id": f"{PAGE}_555", "created_time": "2024-05-02T08:00:00+0000",
                                          "message": "Vårens sista konsert 🎻"}]}), encoding="utf-8")
    ingest(archived, late)
    (supplement,) = export(archived, "--period", "2024H1")
    data = feed(supplement)
    assert data["supplements"] == feed(first)["package_id"] and data["previous_position"] == feed(first)["position"]
    assert [i["native_id"] for i in data["items"] if i["in_period"]] == [f"facebook:{PAGE}_555"]
    assert "SUPPLEMENT" in (supplement / "METS.xml").read_text()


def test_moderation_is_recorded_and_archived(archived):
    items = {i["native_id"]: i for i in archived.json("content", "list", user="kalle")}
    target = items["facebook:1122334455667788_2233445566004"]
    archived("content", "remove", target["id"], "--reason", "Personuppgifter om annan", "--rule", "Regel 3",
             user="stranger", code=3)
    archived("content", "remove", target["id"], "--reason", "Personuppgifter om annan", "--rule", "Regel 3",
             user="kalle")
    archived("content", "hide", items["facebook:1122334455667788_2233445566002"]["id"], "--reason", "Test",
             "--rule", "Regel 1", user="sara")
    shown = archived.json("content", "show", target["id"], user="kalle")
    assert shown["state"] == "removed" and shown["versions"][0]["text"] == "Så fint det blev i foajén! 😍"
    assert shown["moderation"][-1]["rule"] == "Regel 3" and shown["moderation"][-1]["actor"] == "kalle"
    (package,) = export(archived, "--period", "2024H1")
    item = next(i for i in feed(package)["items"] if i["id"] == target["id"])
    assert item["state"] == "removed" and item["versions"][0]["text"] == "Så fint det blev i foajén! 😍"
    assert item["moderation"][-1]["source"] == "ledger" and item["moderation"][-1]["reason"]
    assert any(e["type"] == "removal" and e["actor"] == "kalle" for e in feed(package)["events"])


def test_cases_both_ways_and_in_the_package(archived):
    items = {i["native_id"]: i for i in archived.json("content", "list", user="kalle")}
    question = items["facebook:1122334455667788_2233445566001"]
    archived("case", "register", question["id"], "--diary-number", "KS 2024/0815", "--system", "Ciceron",
             user="arvid")
    by_number = archived.json("case", "list", "--diary-number", "KS 2024/0815", user="ingrid")
    assert [c["item"] for c in by_number] == [question["id"]]
    by_item = archived.json("case", "list", "--item", question["id"], user="ingrid")
    assert by_item[0]["diary_number"] == "KS 2024/0815" and by_item[0]["system"] == "Ciceron"
    archived("case", "register", question["id"], "--diary-number", "KS 2024/0815", user="arvid", code=4)
    (package,) = export(archived, "--period", "2024H1")
    item = next(i for i in feed(package)["items"] if i["id"] == question["id"])
    assert item["cases"][0]["diary_number"] == "KS 2024/0815"
    assert "KS 2024/0815" in (package / "metadata" / "descriptive" / "dc.xml").read_text()


def test_closing_needs_a_final_export(archived):
    archived("account", "request-close", archived.account, "--reason", "Verksamheten flyttar", user="kalle")
    refusal = archived("account", "close", archived.account, "--reason", "Enligt begäran", user="ingrid", code=3)
    assert refusal.stderr.startswith("error: R8:") and "archive export --account" in refusal.stderr
    (final,) = export(archived, "--final")
    assert feed(final)["final"] is True and "final" in (final / "METS.xml").read_text().lower()
    archived("account", "close", archived.account, "--reason", "Enligt begäran", user="ingrid")
    assert archived.json("account", "show", archived.account, user="ingrid")["state"] == "closed"


def test_erasure_lists_the_packages_that_hold_the_subject(archived):
    (package,) = export(archived, "--period", "2024H1")
    result = archived.json("gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 9", user="ingrid")
    assert result["packages"] == [str(package)]
    (after,) = [Path(p) for p in archived.json(
        "archive", "export", "--account", archived.account, "--out", str(archived.out / "later"), "--period",
        "2024H1", "--position", str(archived.json("audit", "verify", user="ingrid")["head"]), user="arvid")["packages"]]
    asked = str(ledger_id("facebook:1122334455667788_2233445566001"))  # its platform id is erased with it
    erased = next(i for i in feed(after)["items"] if i["id"] == asked)
    assert erased["erased"] and erased["author"]["name"] is None and erased["versions"][0]["text"] is None
    shutil.rmtree(archived.out)


def test_an_exports_media_are_captured_encrypted_and_packed(cli, tmp_path):  # noqa: F811
    identify(cli, tmp_path)
    cli("role", "grant", "arvid", "archivist", user="ingrid")
    cli.out = tmp_path / "out"
    archived = cli
    ingest(archived, FIX / "export_old")
    picture = (FIX / "export_old" / "posts" / "media" / "Tidslinjefoton_abc123" / "431234567_122109876543210_n.jpg")
    stored = [f for f in Path(archived.home, "media").rglob("*") if f.is_file()]
    assert len(stored) == 2  # the picture and the video, each under its item's key
    assert all(picture.read_bytes() not in f.read_bytes() for f in stored)  # never in plaintext
    (package,) = export(archived, "--period", "2024H1")
    packed = sorted((package / "representations" / "rep1" / "data" / "media").iterdir())
    assert picture.read_bytes() in [p.read_bytes() for p in packed]
    entry = next(m for i in feed(package)["items"] for v in i["versions"] for m in (v["media"] or [])
                 if m.get("uri", "").endswith("_n.jpg"))
    assert entry["file"].startswith("media/") and entry["size"] == picture.stat().st_size
    assert "media/" + entry["file"].split("/", 1)[1] in (package / "representations/rep1/METS.xml").read_text()
    archived("archive", "verify", str(package), user="arvid")
