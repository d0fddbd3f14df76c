"""Erasure reaches every copy (issue 17, point 2; docs/gdpr.md, "What erasure reaches").

Åsa Öberg (`facebook:10152345`) appears as the author of a comment, as the parent
author of the page's reply and of another visitor's reply (Graph's `parent{from,
message}`: her name, id and whole question, quoted), and as a person another
visitor's comment tags (`message_tags`, her name in its text). After she is erased
(and once more for a comment she wrote afterwards: a new record, counted by the
ingest), her name, surname, user id and the words of her comments are searched for,
as UTF-8, UTF-16 (both byte orders) and JSON `\\u` escapes, in every file of the
ledger home, every read model's report, `content show --json` of every item,
`content list`, `audit log --json`, her access export, and every file of an archive
package exported afterwards: none is found.

The page's reply greets her by first name ("Hej Åsa!"): those are the account's own
words, a record of the organisation, kept as every channel keeps them; the search
is for what is hers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import CLI
from test_ingest_cli import FIX, PAGE, ingest

from socialledger.demo import write_samples

SUBJECT = "facebook:10152345"
ASA = {"name": "Åsa Öberg", "id": "10152345"}
THEIRS = ["Åsa Öberg", "Öberg", "10152345", "När öppnar biblioteket på söndag", "Och på måndag då"]
THREAD = "1122334455667788"


@pytest.fixture
def cli(home, monkeypatch):
    """A Facebook account, as in test_ingest_cli, in an organisation with its code (archive packages need it)."""
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Exempelkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    c("role", "grant", "arvid", "archivist", user="ingrid")
    c.account = c.json("account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit",
                       "Kultur", "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    c("account", "approve", c.account, "--level", "manager", user="maria")
    c("account", "approve", c.account, "--level", "information-unit", user="ingrid")
    c("account", "link", c.account, "--platform-id", PAGE, user="kalle")
    return c


def forms(needle: str) -> set[bytes]:
    """The ways a file may hold `needle`: UTF-8, UTF-16 either way round, JSON's ASCII escapes."""
    escaped = json.dumps(needle).strip('"')
    return {needle.encode(), needle.encode("utf-16-le"), needle.encode("utf-16-be"), escaped.encode(),
            escaped.upper().replace("\\U", "\\u").encode()}


def leaks(data: bytes, where: str) -> list[str]:
    return [f"{where}: {needle!r}" for needle in THEIRS for form in forms(needle) if form in data]


def comments_file(folder: Path, name: str, comments: list[dict]) -> Path:
    for c in comments:  # the page a comment belongs to, as Graph's permalinks say it
        c.setdefault("permalink_url", f"https://www.facebook.com/{PAGE}/posts/{THREAD}/?comment_id={c['id']}")
    path = folder / name
    # A saved page of `/{page}_{post}/comments`: its paging names the edge it was read from.
    edge = f"https://graph.facebook.com/v19.0/{PAGE}_{THREAD}/comments?limit=25&after=QVFI"
    path.write_text(json.dumps({"data": comments, "paging": {"next": edge}}, ensure_ascii=False), encoding="utf-8")
    return path


def around_her(tmp_path: Path) -> Path:
    """Others' items that embed her: a reply quoting her question, a comment tagging her by name."""
    folder = tmp_path / "more"
    folder.mkdir()
    quoted = {"created_time": "2024-03-01T10:02:11+0000", "from": ASA,
              "message": "När öppnar biblioteket på söndag? 😊", "id": f"{THREAD}_2233445566001"}
    comments_file(folder, "post_comments_p2.json", [
        {"id": f"{THREAD}_2233445566081", "created_time": "2024-03-01T12:00:00+0000",
         "from": {"name": "Märta Ängström", "id": "10151111"}, "message": "Jag undrar också!", "parent": quoted},
        {"id": f"{THREAD}_2233445566082", "created_time": "2024-03-01T12:30:00+0000",
         "from": {"name": "Göran Ärlemalm", "id": "10152222"}, "message": "Fråga Åsa Öberg, hon vet!",
         "message_tags": [{"id": "10152345", "name": "Åsa Öberg", "type": "user", "offset": 6, "length": 9}]},
    ])
    return folder


def her_later_comment(tmp_path: Path) -> Path:
    folder = tmp_path / "later"
    folder.mkdir(parents=True)
    comments_file(folder, "post_comments_p3.json", [
        {"id": f"{THREAD}_2233445566091", "created_time": "2024-03-02T09:00:00+0000", "from": ASA,
         "message": "Och på måndag då?"}])
    return folder


def search_everything(cli, tmp_path: Path) -> list[str]:
    found: list[str] = []
    for f in Path(cli.home).rglob("*"):
        if f.is_file():
            found += leaks(f.read_bytes(), f"ledger home {f.name}")
    listed = cli("content", "list", "--json", user="ingrid").stdout
    found += leaks(listed.encode(), "content list")
    for item in json.loads(listed):
        shown = cli("content", "show", item["id"], "--json", user="ingrid").stdout
        found += leaks(shown.encode(), f"content show {item['id']}")
        found += leaks(cli("content", "show", item["id"], user="ingrid").stdout.encode(), f"content show {item['id']}")
    found += leaks(cli("audit", "log", "--json", user="ingrid").stdout.encode(), "audit log")
    for report in (["stats", "--period", "2024H1"], ["sla", "status"], ["sla", "report", "--period", "2024H1"],
                   ["cadence", "report", "--period", "2024H1"], ["audit", "replay", "--until", "2030-01-01T00:00"]):
        found += leaks(cli(*report, "--json", user="ingrid").stdout.encode(), " ".join(report))
    tmp_path.mkdir(parents=True, exist_ok=True)
    access = tmp_path / "access.json"
    cli("gdpr", "export", "--subject", SUBJECT, "--out", str(access), user="ingrid")
    # The access export names the subject it was asked for (`facebook:10152345`): what else it holds is searched.
    found += leaks(access.read_bytes().replace(SUBJECT.encode(), b""), "gdpr export")
    out = tmp_path / "package"
    result = cli.json("archive", "export", "--account", cli.account, "--period", "2024H1", "--out", str(out),
                      user="arvid")
    assert result["packages"]
    for f in out.rglob("*"):
        if f.is_file():
            found += leaks(f.read_bytes(), f"package {f.relative_to(out)}")
    return found


@pytest.mark.parametrize("data", ["fixtures", "demo"])
def test_nothing_of_hers_is_left_anywhere(cli, tmp_path, data):
    if data == "demo":
        write_samples(tmp_path / "prov")  # what `socialledger demo --data-dir` writes (docs/gdpr.md runs it)
        source = tmp_path / "prov" / "facebook"
    else:
        source = FIX / "sv"
    ingest(cli, source)
    ingest(cli, around_her(tmp_path))
    before = cli.json("content", "show", f"facebook:{THREAD}_2233445566082", user="ingrid")
    assert before["text"] == "Fråga Åsa Öberg, hon vet!"  # the mention reads as written while she is not erased
    held = search_everything(cli, tmp_path / "before")
    assert held, "the search finds her before the erasure"
    erased = cli.json("gdpr", "erase", "--subject", SUBJECT, "--decision", "KS 2026/57", "--override", user="ingrid")
    assert erased["items"] == 1
    # She writes again: a new record, captured and counted; the same erasure command erases it.
    later = ingest(cli, her_later_comment(tmp_path))
    assert later["new"] == 1 and later["by_erased"] == 1
    text = cli("ingest", "facebook", str(her_later_comment(tmp_path / "again")), "--account", cli.account,
               "--recheck", user="kalle").stdout
    assert "by an erased subject" not in text  # held already: nothing new
    assert cli.json("gdpr", "erase", "--subject", SUBJECT, "--decision", "KS 2026/58", "--override",
                    user="ingrid")["items"] == 1
    cli("gdpr", "erase", "--subject", SUBJECT, "--decision", "KS 2026/59", "--override", user="ingrid", code=4)
    after = cli.json("content", "show", f"facebook:{THREAD}_2233445566082", user="ingrid")
    assert after["text"] == "Fråga [erased], hon vet!"
    found = search_everything(cli, tmp_path / "after")
    assert not found, "\n".join(found)
    assert cli.json("audit", "verify", user="ingrid")["ok"]
    shutil.rmtree(tmp_path / "before")
