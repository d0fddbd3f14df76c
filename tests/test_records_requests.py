"""Records requests: a case with a decision event per item, and a release that carries only what was released."""

from __future__ import annotations

import json
import zlib
from datetime import date
from pathlib import Path

import pypdf
import pytest
from conftest import who

from socialledger.core.domain.errors import BadInput, NotFound, RuleViolation

FIX = Path(__file__).parent / "fixtures" / "facebook"


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    return ledger


def found(ledger, query, **kw):
    return {r["text"]: r for r in ledger.search(who("ingrid"), query, **kw)["results"]}


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def inflated_streams(data: bytes) -> bytes:
    """Every FlateDecode stream of a PDF, inflated (what a `grep` of the decompressed file sees)."""
    out, at = [], 0
    while (start := data.find(b"stream", at)) != -1:
        start = data.find(b"\n", start) + 1
        end = data.find(b"endstream", start)
        try:
            out.append(zlib.decompress(data[start:end]))
        except zlib.error:
            pass
        at = end + 9
    return b"".join(out)


def test_a_request_from_opening_to_release(filled, tmp_path):
    ingrid = who("ingrid")
    # Open, add what a search found, decide each item: release, mask a name, withhold one.
    rid = filled.open_request(ingrid, "Journalist Jan Jansson", date(2024, 3, 10), "Allt om söndagsöppet")
    items = found(filled, "söndag")
    question = items["När öppnar biblioteket på söndag? 😊"]
    answer = items["Hej Åsa! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖"]
    post = next(iter(found(filled, "konsert").values()))
    assert filled.add_to_request(ingrid, str(rid)[:8], [question["id"], answer["id"], post["id"]])
    assert filled.add_to_request(ingrid, rid, [post["id"]]) == []  # nothing new: nothing recorded
    head = filled.head()
    filled.decide_on_item(ingrid, rid, question["id"], "withhold", ground="OSL 26:1", note="enskilds förhållanden")
    filled.decide_on_item(ingrid, rid, answer["id"], "mask", spans=["Åsa"], ground="OSL 21:7")
    filled.decide_on_item(ingrid, rid, post["id"], "release")
    assert filled.head() == head + 3  # every decision is an event
    decisions = [e for e in filled.audit_log(ingrid) if e.type == "ItemDecided"]
    assert [(e.actor, e.details["decision"], e.details["ground"]) for e in decisions] == [
        ("ingrid", "withhold", "OSL 26:1"), ("ingrid", "mask", "OSL 21:7"), ("ingrid", "release", None)]

    result = filled.release_request(ingrid, rid, tmp_path / "out")
    assert result["released"] == 2 and result["withheld"] == 1
    release = json.loads((tmp_path / "out" / "release.json").read_text())
    texts = [i["text"] for i in release["items"]]
    assert "Hej [masked: OSL 21:7]! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖" in texts
    assert [d["decision"] for d in release["decisions"]] == ["withheld", "release with masking", "release"]
    assert release["decisions"][0]["item"] is None and release["decisions"][0]["ground"] == "OSL 26:1"
    assert all(d["decided_by"] == "ingrid" and d["decided"] for d in release["decisions"])
    text = pdf_text(tmp_path / "out" / "release.pdf")
    assert "[OSL 21:7]" in text and "Biblioteket öppnar kl. 11" in text and "OSL 26:1" in text

    # The withheld item, the masked name and the internal note are in no byte of the release.
    pdf = (tmp_path / "out" / "release.pdf").read_bytes()
    everything = pdf + inflated_streams(pdf) + (tmp_path / "out" / "release.json").read_bytes() + text.encode()
    for secret in ["När öppnar biblioteket", "Åsa Öberg", "10152345", question["native_id"].split(":", 1)[1],
                   question["id"], "Åsa", "enskilds förhållanden", "Jan Jansson"]:
        for encoded in {secret.encode(), secret.encode("utf-16-be"), json.dumps(secret).encode()}:
            assert encoded not in everything, secret
    # The release is an event, with the checksums of its files.
    (released,) = [e for e in filled.audit_log(ingrid) if e.type == "Released"]
    assert set(released.details["files"]) == {"release.json", "release.pdf"}


def test_refusals(filled, tmp_path):
    ingrid = who("ingrid")
    with pytest.raises(RuleViolation):
        filled.open_request(who("kalle"), "Jan", date(2024, 3, 10), "x")  # a communicator handles no requests
    with pytest.raises(BadInput):
        filled.open_request(ingrid, "Jan", date(2999, 1, 1), "x")
    rid = filled.open_request(ingrid, "Jan", date(2024, 3, 10), "Allt")
    with pytest.raises(NotFound):
        filled.add_to_request(ingrid, rid, ["facebook:0_0"])
    item = next(iter(found(filled, "söndag").values()))
    filled.add_to_request(ingrid, rid, [item["id"]])
    head = filled.head()
    with pytest.raises(BadInput):
        filled.decide_on_item(ingrid, rid, item["id"], "withhold")  # no ground
    with pytest.raises(BadInput):
        filled.decide_on_item(ingrid, rid, item["id"], "mask", spans=["ord som inte finns"], ground="OSL 21:7")
    with pytest.raises(BadInput):
        filled.release_request(ingrid, rid, tmp_path / "out")  # undecided
    assert filled.head() == head
    with pytest.raises(RuleViolation):
        filled.decide_on_item(who("arvid-not"), rid, item["id"], "release")


def test_the_cli_path(filled, tmp_path):
    from click.testing import CliRunner

    from socialledger.cli import main

    def run(*args):
        r = CliRunner().invoke(main, ["--home", str(filled.home), "--as", "ingrid", *args])
        return r.exit_code, r.output

    filled.close()
    code, out = run("request", "open", "--requester", "Anonym", "--received", "2024-03-10", "--subject", "Söndag",
                    "--json")
    assert code == 0, out
    rid = json.loads(out)["id"]
    code, out = run("search", "söndagar", "--kind", "comment", "--json")
    assert code == 0, out
    (item,) = json.loads(out)["results"]
    assert run("request", "add", rid, item["id"])[0] == 0
    assert run("request", "decide", rid, item["id"], "--release", "--mask-author")[0] == 2  # usage
    assert run("request", "decide", rid, item["id"], "--mask-author", "--ground", "OSL 21:7")[0] == 0
    assert run("request", "release", rid, "--out", str(tmp_path / "r"))[0] == 0
    assert "Åsa Öberg" not in (tmp_path / "r" / "release.json").read_text()
    assert run("request", "release", rid, "--out", str(tmp_path / "r"))[0] == 4  # not a new directory
