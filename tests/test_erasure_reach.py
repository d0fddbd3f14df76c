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

She is also named, with no structure around her name, in the titles of the account's
export (Facebook's mojibake repaired): "Kulturhuset Tornet kommenterade Åsa Öbergs
inlägg.", "... replied to Åsa Öberg's comment.", "... delte Åsa Öbergs opslag.": the
titles keep references, and read "[erased]s inlägg" after. A second test does the same
on Mastodon for a handle typed in a text without a structured mention
("@asa@mastodon.nu"), beside the mentions Mastodon does structure.

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


def leaks(data: bytes, where: str, theirs: list[str] = THEIRS) -> list[str]:
    return [f"{where}: {needle!r}" for needle in theirs for form in forms(needle) if form in data]


def mojibake(text: str) -> str:
    """How Facebook's account export writes a string: its UTF-8 bytes as Latin-1 code points."""
    return text.encode("utf-8").decode("latin-1")


def export_titles(tmp_path: Path) -> Path:
    """The account's export, whose entries' titles name her (Swedish, English, Danish), as Facebook writes it."""
    folder = tmp_path / "export" / "your_facebook_activity"
    (folder / "comments_and_reactions").mkdir(parents=True)
    (folder / "posts").mkdir(parents=True)
    comments = {"comments_v2": [
        {"timestamp": 1709301600, "title": mojibake("Kulturhuset Tornet kommenterade Åsa Öbergs inlägg.")},
        {"timestamp": 1709305200, "title": mojibake("Kulturhuset Tornet replied to Åsa Öberg's comment.")},
        {"timestamp": 1709308800, "title": mojibake("Kulturhuset Tornet svarade på Åsa Öbergs kommentar."),
         "data": [{"comment": {"timestamp": 1709308800, "comment": mojibake("Vi öppnar kl. 11 på söndag!"),
                               "author": "Kulturhuset Tornet"}}]},
    ]}
    posts = [{"timestamp": 1709312400, "title": mojibake("Kulturhuset Tornet delte Åsa Öbergs opslag.")}]
    (folder / "comments_and_reactions" / "comments.json").write_text(json.dumps(comments), encoding="utf-8")
    (folder / "posts" / "your_posts__check_ins__photos_and_videos_1.json").write_text(json.dumps(posts),
                                                                                      encoding="utf-8")
    return tmp_path / "export"


def titles(cli) -> set[str]:
    """The titles of every version of every item, as `content show` reads them."""
    out = set()
    for item in cli.json("content", "list", "--json", user="ingrid"):
        for v in cli.json("content", "show", item["id"], user="ingrid")["versions"]:
            if v.get("title"):
                out.add(v["title"])
    return out


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


def search_everything(cli, tmp_path: Path, theirs: list[str] = THEIRS, subject: str = SUBJECT,
                      half: str = "2024H1") -> list[str]:
    found: list[str] = []
    for f in Path(cli.home).rglob("*"):
        if f.is_file():
            found += leaks(f.read_bytes(), f"ledger home {f.name}", theirs)
    listed = cli("content", "list", "--json", user="ingrid").stdout
    found += leaks(listed.encode(), "content list", theirs)
    for item in json.loads(listed):
        shown = cli("content", "show", item["id"], "--json", user="ingrid").stdout
        found += leaks(shown.encode(), f"content show {item['id']}", theirs)
        found += leaks(cli("content", "show", item["id"], user="ingrid").stdout.encode(), f"content show {item['id']}",
                       theirs)
    found += leaks(cli("audit", "log", "--json", user="ingrid").stdout.encode(), "audit log", theirs)
    for report in (["stats", "--period", half], ["sla", "status"], ["sla", "report", "--period", half],
                   ["cadence", "report", "--period", half], ["audit", "replay", "--until", "2030-01-01T00:00"]):
        found += leaks(cli(*report, "--json", user="ingrid").stdout.encode(), " ".join(report), theirs)
    tmp_path.mkdir(parents=True, exist_ok=True)
    access = tmp_path / "access.json"
    cli("gdpr", "export", "--subject", subject, "--out", str(access), user="ingrid")
    # The access export names the subject it was asked for (`facebook:10152345`): what else it holds is searched.
    found += leaks(access.read_bytes().replace(subject.encode(), b""), "gdpr export", theirs)
    out = tmp_path / "package"
    result = cli.json("archive", "export", "--account", cli.account, "--period", half, "--out", str(out),
                      user="arvid")
    assert result["packages"]
    for f in out.rglob("*"):
        if f.is_file():
            found += leaks(f.read_bytes(), f"package {f.relative_to(out)}", theirs)
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
    ingest(cli, export_titles(tmp_path))
    before = cli.json("content", "show", f"facebook:{THREAD}_2233445566082", user="ingrid")
    assert before["text"] == "Fråga Åsa Öberg, hon vet!"  # the mention reads as written while she is not erased
    # The export's titles read as Facebook wrote them (mojibake repaired) while she is not erased.
    assert {"Kulturhuset Tornet kommenterade Åsa Öbergs inlägg.", "Kulturhuset Tornet replied to Åsa Öberg's comment.",
            "Kulturhuset Tornet delte Åsa Öbergs opslag."} <= titles(cli)
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
    # The titles still say what happened, and whose it was no more.
    assert {"Kulturhuset Tornet kommenterade [erased]s inlägg.", "Kulturhuset Tornet replied to [erased]'s comment.",
            "Kulturhuset Tornet delte [erased]s opslag."} <= titles(cli)
    found = search_everything(cli, tmp_path / "after")
    assert not found, "\n".join(found)
    assert cli.json("audit", "verify", user="ingrid")["ok"]
    shutil.rmtree(tmp_path / "before")


# A handle typed in a text (issue 17): Mastodon ----------------------------------------------------------------------

MASTODON = Path(__file__).parent / "fixtures" / "mastodon"
ASA_MASTODON = "mastodon:https://mastodon.nu/users/asa"
#: Her name, her handle as typed, her actor uri and profile url, the HTML of a structured mention of her, her question.
HERS_ON_MASTODON = ["Åsa Öberg", "Öberg", "asa@mastodon.nu", "mastodon.nu/users/asa", "mastodon.nu/@asa",
                    "<span>asa</span>", "När öppnar museet på söndag"]


def typed_handle(tmp_path: Path) -> Path:
    """A reply by Göran to the account that types her handle as plain text: Mastodon gives no `mentions` entry
    for it (its server did not resolve it)."""
    folder = tmp_path / "typed" / "contexts"
    folder.mkdir(parents=True)
    source = MASTODON / "sv" / "contexts" / "context_111900000000000101.json"
    context = json.loads(source.read_text(encoding="utf-8"))
    goran = next(s for s in context["descendants"] if s["id"] == "111900000000000203")
    status = {**goran, "id": "111900000000000299", "created_at": "2026-02-12T12:30:00.000Z",
              "uri": "https://social.example.se/users/goran/statuses/111900000000000299",
              "url": "https://social.example.se/@goran/111900000000000299",
              "in_reply_to_id": "111900000000000101", "in_reply_to_account_id": "109000000000000001",
              # addressed to the account (a structured mention of it), her handle only typed
              "content": '<p><span class="h-card" translate="no"><a href="https://social.example.se/@kommunen" '
                         'class="u-url mention">@<span>kommunen</span></a></span> Fråga @asa@mastodon.nu, hon vet! '
                         "Eller @Asa@Mastodon.nu.</p>",
              "mentions": [m for s in context["descendants"] for m in s["mentions"] if m["acct"] == "kommunen"][:1]}
    (folder / source.name).write_text(json.dumps({"ancestors": [], "descendants": [status]}, ensure_ascii=False),
                                      encoding="utf-8")
    headers = source.with_name("context_111900000000000101.headers.json")
    (folder / headers.name).write_bytes(headers.read_bytes())
    return folder.parent


def test_a_handle_typed_in_a_text_is_erased_with_its_person(home, monkeypatch, tmp_path):
    from test_mastodon_ingest import ME, new_account

    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Exempelkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "arvid", "archivist", user="ingrid")
    c.account = new_account(c, "Malmö stad på Mastodon", ME)
    for path in (MASTODON / "sv", typed_handle(tmp_path)):
        c.json("ingest", "mastodon", str(path), "--account", c.account, user="kalle")
    listed = {i["text"] for i in c.json("content", "list", "--json", user="ingrid")}
    # While she is not erased, the handle reads as it was typed (in lower case: handles have no case).
    assert "@kommunen Fråga @asa@mastodon.nu, hon vet! Eller @asa@mastodon.nu." in listed
    assert search_everything(c, tmp_path / "before", HERS_ON_MASTODON, ASA_MASTODON, "2026H1")
    c.json("gdpr", "erase", "--subject", ASA_MASTODON, "--decision", "KS 2026/57", "--override", user="ingrid")
    listed = {i["text"] for i in c.json("content", "list", "--json", user="ingrid")}
    assert "@kommunen Fråga @[erased], hon vet! Eller @[erased]." in listed
    assert any(t and t.startswith("@[erased] Konsthallen har öppet") for t in listed)  # the structured mention
    found = search_everything(c, tmp_path / "after", HERS_ON_MASTODON, ASA_MASTODON, "2026H1")
    assert not found, "\n".join(found)
    assert c.json("audit", "verify", user="ingrid")["ok"]
