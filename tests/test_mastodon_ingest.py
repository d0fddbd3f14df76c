"""The Mastodon channel end to end through the CLI: linking, every source, SLA, statistics, moderation,
archive packages and erasure, on our Swedish and Danish fixtures and on every real sample."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli import CLI
from test_ingest_cli import zipped

from socialledger.plugins.mastodon.common import status_key

FIX = Path(__file__).parent / "fixtures" / "mastodon"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "platform-samples" / "mastodon"
ME = "https://social.example.se/users/kommunen"
STATUS = ME + "/statuses/"
ASA = "mastodon:https://mastodon.nu/users/asa"
# Statuses by others are keyed by a hash of their uri (a uri names its author).
C1 = status_key("https://mastodon.nu/users/asa/statuses/111900000000000201", ME)
C5 = status_key("https://mastodon.nu/users/asa/statuses/111900000000000205", ME)
SOREN_C2 = status_key("https://mastodon.dk/users/soren/statuses/111900000000000202", ME)
GORAN_C3 = status_key("https://social.example.se/users/goran/statuses/111900000000000203", ME)


def new_account(c: CLI, name: str, platform_id: str) -> str:
    account = c.json("account", "apply", "--channel", "mastodon", "--name", name, "--unit", "Kultur",
                     "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    c("account", "approve", account, "--level", "manager", user="maria")
    c("account", "approve", account, "--level", "information-unit", user="ingrid")
    c("account", "link", account, "--platform-id", platform_id, user="kalle")
    return account


@pytest.fixture
def cli(home, monkeypatch):
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Exempelkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "arvid", "archivist", user="ingrid")
    c.account = new_account(c, "Malmö stad på Mastodon", ME)
    return c


def ingest(c: CLI, path: Path, *extra: str, account: str | None = None, code: int = 0) -> dict:
    return c.json("ingest", "mastodon", str(path), "--account", account or c.account, *extra, user="kalle",
                  code=code)


def items(c: CLI) -> dict[str, dict]:
    return {i["native_id"]: i for i in c.json("content", "list", "--account", c.account, user="kalle")}


def accounted(summary: dict) -> None:
    assert sum(t["items"] for t in summary["items"].values()) == summary["records"]
    for tally in summary["items"].values():
        assert tally["recorded"] + tally["unchanged"] + sum(tally["skipped"].values()) == tally["items"]


def items_in(path: Path) -> int:
    """The items a file holds, by the test's own reading of the shapes (it shares nothing with the channel):
    statuses, stream events, deliveries, archive activities and listed statuses, history versions, sources,
    errors. The account and counts are no items."""
    if path.is_dir():
        return sum(items_in(p) for p in path.rglob("*") if p.is_file())
    if path.suffix == ".zip":
        return 0
    text = path.read_text(encoding="utf-8") if path.suffix in (".json", ".jsonl", ".txt") else ""
    if path.name.endswith(".headers.json") or not text.strip():
        return 0
    if path.suffix == ".txt":  # event-stream text: one item an event
        return sum(1 for line in text.splitlines() if line.startswith("event:"))
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    n = 0
    for doc in docs:
        if isinstance(doc, list):
            n += len(doc)
        elif "ancestors" in doc:
            n += len(doc["ancestors"]) + len(doc["descendants"])
        elif "orderedItems" in doc:
            n += len(doc["orderedItems"])  # json keeps the last of the repeated key, as the archive means
        elif doc.get("type") == "Person":
            n += 0
        else:
            n += 1  # a status, a source, an error, a delivery, an event
    return n


def counted(summary: dict) -> int:
    return sum(t["items"] for k, t in summary["items"].items() if k not in ("metric", "account"))


def test_a_crawl_ingests_every_item_accounted_for_and_twice_records_nothing(cli):
    first = ingest(cli, FIX / "sv")
    accounted(first)
    assert counted(first) == items_in(FIX / "sv")
    assert first["items"]["direct message"]["skipped"] == {"direct messages are out of scope (R17)": 1}
    assert first["items"]["boost"]["skipped"]
    assert first["items"]["status source"]["skipped"]
    assert first["removed"] == 1 and first["new"] >= 10 and first["metrics"] > 0
    again = ingest(cli, FIX / "sv", "--recheck")
    assert again["events"] == 0 and again["new"] == 0 and again["records"] == first["records"]
    assert ingest(cli, FIX / "sv")["events"] == 0


def test_statuses_are_keyed_by_uri_and_replies_by_others_linked(cli):
    ingest(cli, FIX / "sv")
    by = items(cli)
    post = by["mastodon:" + STATUS + "111900000000000101"]
    question = by["mastodon:" + C1]
    answer = by["mastodon:" + STATUS + "111900000000000103"]
    assert question["kind"] == "comment" and question["parent"] == post["id"]
    assert question["author"] == ASA and question["author_name"] == "Åsa Öberg"
    assert question["text"] == "@kommunen När öppnar museet på söndag? 😊"
    assert answer["kind"] == "reply" and answer["parent"] == question["id"]
    assert post["text"].endswith("https://malmo.example.se/kulturnatten")  # invisible parts of the link kept
    danish = by["mastodon:" + SOREN_C2]
    assert "Hvornår åbner udstillingen" in danish["text"]
    shown = cli.json("content", "show", post["id"], user="kalle")
    raw = shown["versions"][0]["raw"]
    assert raw["content"].startswith("<p>Välkommen") and raw["visibility"] == "public"  # HTML kept raw
    unlisted = cli.json("content", "show", by["mastodon:" + STATUS + "111900000000000105"]["id"], user="kalle")
    assert unlisted["versions"][0]["raw"]["visibility"] == "unlisted"


def test_a_deleted_reply_is_a_removal_with_its_content_kept(cli):
    ingest(cli, FIX / "sv" / "user_stream.txt")
    reply = items(cli)["mastodon:" + C5]
    assert reply["state"] == "removed" and reply["text"] == "@kommunen Tack! Plogas Lilla Torg idag?"
    post = items(cli)["mastodon:" + STATUS + "111900000000000106"]
    assert post["versions"] == 2 and "plogas först" in post["text"]  # the status.update is an edit


def test_the_edit_history_keeps_every_version_oldest_first(cli):
    ingest(cli, FIX / "history")
    ingest(cli, FIX / "sv")
    item = items(cli)["mastodon:" + STATUS + "111900000000000102"]
    shown = cli.json("content", "show", item["id"], user="kalle")
    texts = [v["text"] for v in shown["versions"]]
    assert texts == ["Stadsbiblioteket stänger kl. 15 på fredag.",
                     "Stadsbiblioteket stänger kl. 16 på fredag på grund av personalmöte."]


def test_a_history_without_its_request_is_reported_not_recorded(cli, tmp_path):
    shutil.copy(FIX / "history" / "history.json", tmp_path / "history.json")
    summary = ingest(cli, tmp_path / "history.json")
    assert summary["new"] == 0 and summary["items"]["version"]["skipped"] and len(summary["errors"]) == 2
    assert "headers.json" in summary["errors"][0]


def test_a_signed_admin_webhook(cli, monkeypatch):
    monkeypatch.setenv("MASTODON_WEBHOOK_SECRET", "hemlig-nyckel-for-test")
    delivery = FIX / "webhook" / "status_created.json"
    good = (FIX / "webhook" / "status_created.signature").read_text().strip()
    bad = "sha256=" + "0" * 64
    cli("ingest", "mastodon", str(delivery), "--account", cli.account, "--signature", bad,
        "--secret-env", "MASTODON_WEBHOOK_SECRET", user="kalle", code=5)
    assert items(cli) == {}
    summary = ingest(cli, delivery, "--signature", good, "--secret-env", "MASTODON_WEBHOOK_SECRET")
    assert summary["new"] == 1
    (reply,) = items(cli).values()
    assert reply["kind"] == "comment" and "Finns det parkering" in reply["text"]


def test_the_archive_zip_and_the_api_agree_on_every_status(cli, tmp_path):
    archive = zipped(FIX / "archive", tmp_path / "archive-20260215.zip")
    first = ingest(cli, archive)
    accounted(first)
    assert counted(first) == items_in(FIX / "archive")
    assert first["items"]["post"]["recorded"] == 3 and first["items"]["comment"]["recorded"] == 1
    assert first["items"]["direct message"]["skipped"] and first["items"]["boost"]["skipped"]
    assert first["items"]["liked status"]["items"] == 2
    assert first["files_passed"] == 2  # the picture and the avatar, read as media
    by = items(cli)
    road = cli.json("content", "show", by["mastodon:" + STATUS + "111900000000000105"]["id"], user="kalle")
    assert road["versions"][0]["media"][0]["description"] == "Karta över omledningen förbi Amiralsgatan"
    api = ingest(cli, FIX / "sv" / "statuses" / "account_statuses.json")
    assert api["items"]["post"]["unchanged"] == 3 and api["edited"] == 0  # the same statuses, by uri


def test_another_accounts_data_is_refused(cli):
    head = cli.events()
    result = cli("ingest", "mastodon", str(FIX / "other" / "other_account.json"), "--account", cli.account,
                 user="kalle", code=4)
    assert "page" in result.stderr and cli.events() == head
    result = cli("ingest", "mastodon", str(FIX / "archive" / "outbox.json"), "--account",
                 new_account(cli, "Hamnen", "https://social.example.se/users/hamnen"), user="kalle", code=4)
    assert "linked to https://social.example.se/users/hamnen" in result.stderr
    # A user stream is its owner's: ingested into another account, it is refused whole.
    result = cli("ingest", "mastodon", str(FIX / "sv" / "user_stream.txt"), "--account",
                 new_account(cli, "Hamnen 2", "https://social.example.se/users/hamnen2"), user="kalle", code=4)
    assert "a user stream of another account" in result.stderr and cli.events() == head + 8


def test_sla_statistics_moderation_archive_and_erasure(cli, tmp_path):
    ingest(cli, FIX / "sv")
    ingest(cli, FIX / "webhook" / "status_created.json")
    status = {r["native_id"]: r for r in cli.json("sla", "status", "--account", cli.account, user="kalle")}
    assert status["mastodon:" + C1]["state"] == "answered"  # the account's reply answers it
    assert status["mastodon:" + SOREN_C2]["state"] in ("open", "breached")  # a reply by others is inbound
    assert "mastodon:" + STATUS + "111900000000000101" not in status  # the account's own post is not
    (row,) = cli.json("stats", "--period", "2026-02", "--account", cli.account, user="ingrid")
    assert row["posts"] == 4 and row["reactions"] == 39 and row["shares"] == 10 and row["comments"] > 0
    # The profile's followers carry no time in the data: a level observed when it was captured.
    (now,) = cli.json("stats", "--period", datetime.now(UTC).strftime("%Y-%m"), "--account", cli.account,
                      user="ingrid")
    assert now["followers"] == 2318
    # Moderation by the organisation (R18), as for any channel: recorded, then in the package.
    spam = items(cli)["mastodon:" + GORAN_C3]
    cli("content", "hide", spam["id"], "--reason", "Utanför ämnet", "--rule", "Inga påhopp", user="kalle")
    assert items(cli)[spam["native_id"]]["state"] == "hidden"
    out = tmp_path / "out"
    result = cli.json("archive", "export", "--account", cli.account, "--period", "2026H1", "--out", str(out),
                      user="arvid")
    (package,) = [Path(p) for p in result["packages"]]
    feed = json.loads((package / "representations" / "rep1" / "data" / "feed.json").read_text(encoding="utf-8"))
    by_native = {i["native_id"]: i for i in feed["items"]}
    assert by_native["mastodon:" + C5]["state"] == "removed"
    assert by_native["mastodon:" + C1]["author"]["name"] == "Åsa Öberg"
    assert by_native[spam["native_id"]]["state"] == "hidden"
    assert "intact" in cli("archive", "verify", str(package), user="arvid").stdout
    # Erasure: Åsa's words and name go with her keys, and so does her status's uri (its platform id).
    c1 = items(cli)["mastodon:" + C1]["id"]
    erased = cli.json("gdpr", "erase", "--subject", ASA, "--decision", "KS 2026/57", "--override", user="ingrid")
    assert erased["items"] == 2
    after = items(cli)
    assert "mastodon:" + C1 not in after
    gone = next(i for i in after.values() if i["id"] == c1)
    assert gone["text"] is None and gone["native_id"].startswith("mastodon:keyed:")
    assert after["mastodon:" + SOREN_C2]["text"].startswith("@kommunen Tak for")


# Every real sample: each file is data of one account (the actor uri its statuses name).
REAL = {
    "api/account_statuses_p1.json": "http://localhost:3000/ap/users/117020565966271181",
    "api/account_statuses_p2_max_id.json": "http://localhost:3000/ap/users/117020565966271181",
    "api/status_history_unedited.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_history_after_edit.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_after_edit.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_source.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_context_empty.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_reply.json": "http://localhost:3000/ap/users/117020566092212359",
    "api/status_delete_response.json": "http://localhost:3000/ap/users/117020566092212359",
    "streaming/user_stream_sse.txt": "http://localhost:3000/ap/users/117020617404561855",
    "streaming/user_stream_events.json": "http://localhost:3000/ap/users/117020617404561855",
    "archive": "https://indieweb.social/users/dealingwith",
}


@pytest.mark.skipif(not SAMPLES.exists(), reason="the shared platform samples are not beside the repository")
def test_every_real_sample_ingests_accounted_for_and_twice_records_nothing(cli, tmp_path):
    listed = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.json*") if not p.name.endswith(".headers.json")}
    listed |= {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.txt")}
    assert {k for k in listed if not k.startswith("archive/")} == {k for k in REAL if k != "archive"}
    accounts: dict[str, str] = {}
    for rel, actor in REAL.items():
        if actor not in accounts:
            accounts[actor] = new_account(cli, f"Prov {len(accounts)}", actor)
        path = SAMPLES / rel
        if rel == "archive":  # the archive as the ZIP an account owner downloads
            path = zipped(SAMPLES / "archive", tmp_path / "archive.zip")
        elif (SAMPLES / rel.replace(".json", ".headers.json")).exists():
            folder = tmp_path / rel.replace("/", "_")  # a response with the request it answered
            folder.mkdir()
            shutil.copy(SAMPLES / rel, folder)
            shutil.copy(SAMPLES / rel.replace(".json", ".headers.json"), folder)
            path = folder
        first = ingest(cli, path, account=accounts[actor])
        accounted(first)
        assert counted(first) == items_in(SAMPLES / rel), (rel, first["items"])
        assert not first["errors"], (rel, first["errors"])
        again = ingest(cli, path, "--recheck", account=accounts[actor])
        assert again["events"] == 0 and again["records"] == first["records"], rel
