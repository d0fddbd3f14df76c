"""`socialledger ingest` and `content list|show` from the command line, on the Facebook fixtures."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from test_cli import CLI

from socialledger.plugins._meta.webhooks import signature

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"


@pytest.fixture
def cli(home, monkeypatch):
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    c.account = c.json("account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit",
                       "Kultur", "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    c("account", "approve", c.account, "--level", "manager", user="maria")
    c("account", "approve", c.account, "--level", "information-unit", user="ingrid")
    c("account", "link", c.account, "--platform-id", PAGE, user="kalle")
    return c


def ingest(cli, path, *extra, code=0):
    return cli.json("ingest", "facebook", str(path), "--account", cli.account, *extra, user="kalle", code=code)


def zipped(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder).as_posix())
    return out


def test_ingest_prints_a_json_summary_and_is_idempotent(cli):
    first = ingest(cli, FIX / "sv")
    for key in ("new", "edited", "unchanged", "hidden", "removed", "metrics", "events"):
        assert isinstance(first[key], int), key
    assert first["new"] >= 7 and first["events"] > first["new"] and first["metrics"] > 0
    assert first["removed"] == 1
    # The accounting: items per kind, each recorded, unchanged or skipped with a reason; none unaccounted.
    assert first["items"]["reaction"]["skipped"] == {"who reacted is not kept (the API's counts are)": 1}
    assert sum(t["items"] for t in first["items"].values()) == first["records"]
    for tally in first["items"].values():
        assert tally["recorded"] + tally["unchanged"] + sum(tally["skipped"].values()) == tally["items"]
    again = ingest(cli, FIX / "sv")
    assert again["events"] == 0 and again["new"] == 0
    files = len([f for f in (FIX / "sv").iterdir() if f.suffix in (".json", ".jsonl")])
    assert again["files_skipped"] == files and again["records"] == first["records"]
    rechecked = ingest(cli, FIX / "sv", "--recheck")
    assert rechecked["files_skipped"] == 0 and rechecked["events"] == 0 and rechecked["records"] == first["records"]
    text = cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, user="kalle").stdout
    assert f"{files} files were ingested before, unchanged, and not read again" in text
    assert "Items by kind:" in text and f"  in files ingested before: {first['records']} " in text
    text = cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, "--recheck", user="kalle").stdout
    assert "  reaction: 1 (1 skipped: who reacted is not kept (the API's counts are))" in text


def test_content_list_and_show(cli):
    ingest(cli, FIX / "sv" / "page_feed_p1.json")
    ingest(cli, FIX / "sv" / "post_comments_p1.json")
    items = cli.json("content", "list", "--account", cli.account, user="kalle")
    for key in ("id", "native_id", "kind", "parent", "author", "author_name", "text", "created", "state", "versions"):
        assert key in items[0], key
    by_native = {i["native_id"]: i for i in items}
    question = by_native["facebook:1122334455667788_2233445566001"]
    post = by_native[f"facebook:{PAGE}_1122334455667788"]
    assert question["author"] == "facebook:10152345" and question["author_name"] == "Åsa Öberg"
    assert question["text"] == "När öppnar biblioteket på söndag? 😊"
    assert question["parent"] == post["id"] and question["kind"] == "comment"
    assert question["created"] == "2024-03-01T11:02:11+01:00"  # 10:02:11 UTC in Stockholm, with offset
    reply = by_native["facebook:1122334455667788_2233445566002"]
    assert reply["kind"] == "reply" and reply["parent"] == question["id"]
    assert by_native["facebook:1122334455667788_2233445566003"]["state"] == "hidden"

    shown = cli.json("content", "show", question["id"], user="kalle")
    version = shown["versions"][0]
    assert version["source"] == "api" and version["observed"] and version["recorded"]
    assert version["raw"]["message"] == "När öppnar biblioteket på söndag? 😊"
    assert "paging" not in json.dumps(version["raw"]) and "access_token" not in json.dumps(version["raw"])
    assert "När öppnar" in cli("content", "show", question["id"], user="kalle").stdout


def test_both_export_layouts_as_zip_with_mojibake_repaired(cli, tmp_path):
    old = ingest(cli, zipped(FIX / "export_old", tmp_path / "old.zip"))
    assert old["new"] >= 4
    new = ingest(cli, zipped(FIX / "export_new", tmp_path / "new.zip"))
    assert new["new"] == 0 and new["events"] == 0  # the same content, another layout
    texts = " ".join(i["text"] or "" for i in cli.json("content", "list", "--account", cli.account, user="kalle"))
    assert "Ã" not in texts and "å" in texts and "ö" in texts


def test_an_edit_then_an_older_observation(cli):
    ingest(cli, FIX / "sv" / "edit_older.json")
    assert ingest(cli, FIX / "sv" / "edit_newer.json")["edited"] == 1
    assert ingest(cli, FIX / "sv" / "edit_older.json")["edited"] == 0
    item = next(i for i in cli.json("content", "list", user="kalle") if i["native_id"].endswith("669001"))
    assert item["versions"] == 2 and "utom långfredag" in item["text"]


REAL_PAGES = {
    "comments_stream_p1.json": "19292868552",
    "comments_toplevel_with_from_p1.json": "2121008874780932",
    "page_feed_attachments_reactions_p1.json": "19292868552",
    "page_posts_fields_p1.json": "4",
}


def test_every_real_sample_ingests(cli):
    # The real recordings belong to other pages: one linked account per page.
    accounts: dict[str, str] = {}
    samples = sorted((FIX / "graph").glob("*.json")) + sorted((FIX / "webhooks").glob("*.json"))
    for sample in samples:
        page = REAL_PAGES.get(sample.name, "1234567890321")  # restfb's anonymised page
        if page not in accounts:
            account = cli.json("account", "apply", "--channel", "facebook", "--name", f"sida {page}",
                               "--unit", "Kultur", "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
            cli("account", "approve", account, "--level", "manager", user="maria")
            cli("account", "approve", account, "--level", "information-unit", user="ingrid")
            cli("account", "link", account, "--platform-id", page, user="kalle")
            accounts[page] = account
        result = cli.json("ingest", "facebook", str(sample), "--account", accounts[page], user="kalle")
        if sample.name == "feed-reaction-add-reply.json":
            assert result["events"] == 0  # who reacted is not kept (R23), only counts
        else:
            assert result["records"] >= 1, sample.name
    texts = {i["text"] for i in cli.json("content", "list", user="kalle")}
    assert "Let's see the Webhooks in action :D" in texts  # an `edited` verb
    assert "Happy July 4th! 🇺🇸" in texts


BAD = {
    "empty.json": b"",
    "malformed.json": b'{"data": [{"id": "104729384756102_1", "message": "Hej',
    "unknown.json": b'{"hello": "world"}',
    "latin1.json": '{"data": [{"id": "104729384756102_1", "message": "Hallå"}]}'.encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_exit_4_with_one_line_and_nothing_recorded(cli, tmp_path, name):
    before = cli.events()
    path = tmp_path / name
    path.write_bytes(BAD[name])
    result = cli("ingest", "facebook", str(path), "--account", cli.account, user="kalle", code=4)
    assert len(result.stderr.strip().splitlines()) == 1 and name in result.stderr
    assert cli.events() == before


def test_bad_zips_exit_4(cli, tmp_path, monkeypatch):
    before = cli.events()
    good = zipped(FIX / "export_old", tmp_path / "good.zip")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    traversal = tmp_path / "traversal.zip"
    with zipfile.ZipFile(traversal, "w") as z:
        z.writestr("../../../home/evil.json", (FIX / "sv" / "page_feed_p1.json").read_bytes())
    for path, words in [(truncated, "not a readable ZIP"), (traversal, "points outside the archive")]:
        result = cli("ingest", "facebook", str(path), "--account", cli.account, user="kalle", code=4)
        assert words in result.stderr
    monkeypatch.setenv("SOCIALLEDGER_MAX_UNPACKED_BYTES", "1000")
    result = cli("ingest", "facebook", str(good), "--account", cli.account, user="kalle", code=4)
    assert "size limit" in result.stderr or "more than 1000 bytes" in result.stderr
    assert cli.events() == before


def test_a_bad_file_late_in_a_directory_records_nothing_at_all(cli, tmp_path):
    folder = tmp_path / "crawl"
    shutil.copytree(FIX / "sv", folder)
    (folder / "zzz_broken.json").write_bytes(b'{"data": [')
    before = cli.events()
    cli("ingest", "facebook", str(folder), "--account", cli.account, user="kalle", code=4)
    assert cli.events() == before


def test_data_for_another_page_is_refused(cli):
    before = cli.events()
    result = cli("ingest", "facebook", str(FIX / "graph" / "page_posts_fields_p1.json"), "--account", cli.account,
                 user="kalle", code=4)
    assert "page 4" in result.stderr and PAGE in result.stderr
    assert cli.events() == before


def test_webhook_signature(cli, monkeypatch):
    delivery = FIX / "sv" / "webhook_comment_add.json"
    monkeypatch.setenv("FB_APP_SECRET", "hemlig-nyckel-åäö")
    good = signature(delivery.read_bytes(), "hemlig-nyckel-åäö".encode())
    before = cli.events()
    bad = cli("ingest", "facebook", str(delivery), "--account", cli.account, "--signature", "sha256=" + "0" * 64,
              "--secret-env", "FB_APP_SECRET", user="kalle", code=5)
    assert "does not match" in bad.stderr
    assert cli.events() == before
    cli("ingest", "facebook", str(delivery), "--account", cli.account, "--signature", good,
        "--secret-env", "NOT_SET_ANYWHERE", user="kalle", code=4)
    result = ingest(cli, delivery, "--signature", good, "--secret-env", "FB_APP_SECRET")
    assert result["new"] == 1


def test_only_an_active_account_of_the_same_channel_captures(cli):
    other = cli.json("account", "apply", "--channel", "instagram", "--name", "tornet", "--unit", "Kultur",
                     "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    result = cli("ingest", "facebook", str(FIX / "sv"), "--account", other, user="kalle", code=4)
    assert "instagram account" in result.stderr
    pending = cli.json("account", "apply", "--channel", "facebook", "--name", "ny", "--unit", "Kultur",
                       "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    result = cli("ingest", "facebook", str(FIX / "sv"), "--account", pending, user="kalle", code=3)
    assert result.stderr.startswith("error: R6:")
    cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, user="stranger", code=3)


def test_plugins_command(cli):
    rows = cli.json("plugins")
    assert any(c["name"] == "facebook" for r in rows for c in r["channels"])
    assert "facebook" in cli("plugins").stdout
    assert "register_channels" in cli("plugins", "--all").stdout


def test_without_the_master_key_nothing_is_captured(cli, home):
    key_file = home / "master.key"
    saved = key_file.read_bytes()
    key_file.unlink()
    before = cli.events()
    result = cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, user="kalle", code=4)
    assert "no master key" in result.stderr and "SOCIALLEDGER_MASTER_KEY" in result.stderr
    assert cli.events() == before
    key_file.write_bytes(saved)
    assert ingest(cli, FIX / "sv")["new"] > 0


def test_the_master_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALLEDGER_MASTER_KEY", "ab" * 32)
    c = CLI(tmp_path / "env-home", monkeypatch)
    c("init", "--admin", "ingrid")
    assert not (tmp_path / "env-home" / "master.key").exists()  # the key stays where the operator keeps it


def test_a_malformed_master_key_is_refused(cli, monkeypatch):
    monkeypatch.setenv("SOCIALLEDGER_MASTER_KEY", "för-kort")
    result = cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, user="kalle", code=4)
    assert "32 bytes" in result.stderr
