"""Inputs that could escape, hang or crash an ingest, each ended as one line and its exit code (issue 17, point 6).

A symbolic link inside an input directory that leads outside it, a FIFO, a socket,
an encrypted ZIP entry, a `--secret-env` without `--signature` and a count of 10^30:
each is refused (exit 4, one line naming it, nothing recorded) or, for a value of one
item, that item is skipped and named; never an `internal error`, never a hang.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import zipfile
from pathlib import Path

import pytest
from test_ingest_cli import FIX, cli, ingest  # noqa: F401  (the fixture)

SV = FIX / "sv"


def refused(cli, path, words, *extra):  # noqa: F811
    before = cli.events()
    result = cli("ingest", "facebook", str(path), "--account", cli.account, *extra, user="kalle", code=4)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines
    assert "internal error" not in result.stderr
    assert cli.events() == before
    return lines[0]


def within(seconds, target):
    """Run `target` in a thread; fail (rather than hang the suite) when it has not ended in time."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = target()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            outcome["error"] = e

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), "ingest hangs"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def test_a_symlink_to_a_file_outside_the_directory_is_refused(cli, tmp_path):  # noqa: F811
    secret = tmp_path / "elsewhere" / "private.json"
    secret.parent.mkdir()
    shutil.copy(SV / "post_comments_p1.json", secret)
    folder = tmp_path / "crawl"
    shutil.copytree(SV, folder)
    (folder / "zz_link.json").symlink_to(secret)
    line = refused(cli, folder, "a symbolic link to a file outside")
    assert "zz_link.json" in line


def test_a_symlink_to_a_folder_outside_is_refused_and_one_inside_is_read(cli, tmp_path):  # noqa: F811
    outside = tmp_path / "outside"
    shutil.copytree(SV, outside)
    folder = tmp_path / "crawl"
    folder.mkdir()
    shutil.copy(SV / "page_feed_p1.json", folder / "page_feed_p1.json")
    (folder / "more").symlink_to(outside, target_is_directory=True)
    refused(cli, folder, "a symbolic link to a folder outside")
    (folder / "more").unlink()
    (folder / "same.json").symlink_to(folder / "page_feed_p1.json")  # inside: an ordinary file of the input
    assert ingest(cli, folder)["new"] > 0


@pytest.mark.parametrize("where", ["the path", "inside a directory"])
def test_a_fifo_is_refused_without_being_opened(cli, tmp_path, where):  # noqa: F811
    folder = tmp_path / "crawl"
    folder.mkdir()
    fifo = folder / "pipe.json"
    os.mkfifo(fifo)
    path = fifo if where == "the path" else folder
    within(20, lambda: refused(cli, path, "a FIFO"))


def test_a_socket_is_refused(cli, tmp_path):  # noqa: F811
    folder = Path("/tmp") / f"sl-sock-{os.getpid()}"  # a socket path must be short
    folder.mkdir(exist_ok=True)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "s.json"))
        within(20, lambda: refused(cli, folder, "a socket"))
    finally:
        sock.close()
        shutil.rmtree(folder)


def test_a_device_is_refused(cli):  # noqa: F811
    within(20, lambda: refused(cli, "/dev/zero", "a character device"))


def test_an_encrypted_zip_entry_is_refused(cli, tmp_path):  # noqa: F811
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("page_feed_p1.json", (SV / "page_feed_p1.json").read_bytes())
    # zipfile writes no encryption: set the entry's "encrypted" flag (bit 0) as a password tool leaves it.
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    path.write_bytes(bytes(data))
    refused(cli, path, "is encrypted")


def test_secret_env_without_signature_is_refused(cli, monkeypatch):  # noqa: F811
    monkeypatch.setenv("FB_APP_SECRET", "hemlig")
    refused(cli, SV / "webhook_comment_add.json", "--secret-env checks a webhook delivery's signature",
            "--secret-env", "FB_APP_SECRET")


def _one_comment(tmp_path, name, **changes):
    data = json.loads((SV / "post_comments_p1.json").read_text(encoding="utf-8"))
    first = dict(data["data"][2])
    first.update(changes)
    data["data"] = [first]
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _one_metric(tmp_path, name, value, end="2024-03-02T08:00:00+0000"):
    data = json.loads((SV / "page_insights.json").read_text(encoding="utf-8"))
    data["data"] = data["data"][:1]
    data["data"][0]["values"] = [{"value": value, "end_time": end}]
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


CASES = {
    "a count of 10^30 in the item": (lambda t: _one_comment(t, "like.json", like_count=10**30), "beyond 2^53"),
    "a metric of 10^30": (lambda t: _one_metric(t, "m30.json", 10**30), "beyond 2^53"),
    "a metric of 1e308": (lambda t: _one_metric(t, "m308.json", 1e308), "beyond 2^53"),
    "a negative metric": (lambda t: _one_metric(t, "neg.json", -5), "is negative"),
    "a post dated 9999-12-31": (lambda t: _one_comment(t, "y9999.json", created_time="9999-12-31T23:59:59+0000"),
                                "outside 2004-01-01.."),
    "a post dated 0001-01-01": (lambda t: _one_comment(t, "y0001.json", created_time="0001-01-01T00:00:00+0000"),
                                "outside 2004-01-01.."),
    "a metric dated 1970": (lambda t: _one_metric(t, "m1970.json", 5, "1970-01-02T00:00:00+0000"),
                            "outside 2004-01-01.."),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_impossible_value_skips_its_item_named(cli, tmp_path, case):  # noqa: F811
    make, words = CASES[case]
    path = make(tmp_path)
    result = cli("ingest", "facebook", str(path), "--account", cli.account, user="kalle")
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped: ")]
    assert skipped and all(path.name in line for line in skipped) and any(words in line for line in skipped)
    assert "internal error" not in result.stderr
    summary = cli.json("ingest", "facebook", str(path), "--account", cli.account, "--recheck", user="kalle")
    assert summary["refused"] and summary["skipped"] >= 1
    for tally in summary["items"].values():
        assert tally["recorded"] + tally["unchanged"] + sum(tally["skipped"].values()) == tally["items"]
    # Nothing stored that a reading command cannot show.
    for command in (["content", "list"], ["stats", "--period", "2024H1"], ["sla", "report", "--period", "2024H1"]):
        cli(*command, user="ingrid")


def test_the_window_is_configurable(cli, tmp_path, monkeypatch):  # noqa: F811
    path = _one_comment(tmp_path, "y2003.json", created_time="2003-06-01T00:00:00+0000", id="1_2003")
    first = cli.json("ingest", "facebook", str(path), "--account", cli.account, user="kalle")
    assert first["new"] == 0 and first["refused"]
    monkeypatch.setenv("SOCIALLEDGER_EARLIEST_YEAR", "2003")
    assert cli.json("ingest", "facebook", str(path), "--account", cli.account, "--recheck", user="kalle")["new"] == 1
    monkeypatch.setenv("SOCIALLEDGER_EARLIEST_YEAR", "soon")
    refused(cli, path, "SOCIALLEDGER_EARLIEST_YEAR must be a whole number")


def test_an_access_export_to_a_folder_that_does_not_exist_is_one_line(cli, tmp_path):  # noqa: F811
    ingest(cli, SV)
    result = cli("gdpr", "export", "--subject", "facebook:10152345", "--out", str(tmp_path / "no" / "a.json"),
                 user="ingrid", code=4)
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot be written" in result.stderr
