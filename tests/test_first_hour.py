"""What a new user meets in the first hour (issue 24): ids they can type, one exit code per situation,
the SLA list to work from, plain words, `stats --by`, and the sample data to try it on."""

from __future__ import annotations

import json
import re
from itertools import count

import click
import pytest
from test_cli import CLI
from test_ingest_cli import FIX, PAGE

from socialledger.cli import main
from socialledger.core.domain.events import ledger_hex


@pytest.fixture
def cli(home, monkeypatch):
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Kulturkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    c.account = c("account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit", "Kultur",
                  "--owner", "kalle", "--deputy", "sara", "--answering-hours", "Vardagar 8-17",
                  "--page-rules", "Inga påhopp", user="kalle").stdout.strip()
    c("account", "approve", c.account[:8], "--level", "manager", user="maria")  # the short form, at once
    c("account", "approve", c.account[:8], "--level", "information-unit", user="ingrid")
    c("account", "link", c.account[:8], "--platform-id", PAGE, user="kalle")
    return c


@pytest.fixture
def loaded(cli):
    cli("ingest", "facebook", str(FIX / "sv"), "--account", f"facebook:{PAGE}", user="kalle")  # the page's id
    return cli


def tsv(text: str) -> list[dict[str, str]]:
    """A table printed into a pipe: a header line and tab-separated rows."""
    header, *rows = text.splitlines()
    names = header.split("\t")
    assert all(len(r.split("\t")) == len(names) for r in rows), text
    return [dict(zip(names, r.split("\t"), strict=True)) for r in rows]


QUESTION = "facebook:1122334455667788_2233445566001"  # Åsa Öberg's question in the samples


# Ids a person can type -------------------------------------------------------------------------------


def test_every_table_id_is_one_the_next_command_takes(loaded):
    listed = tsv(loaded("account", "list", user="ingrid").stdout)
    assert [a["id"] for a in listed] == [loaded.account[:8]]
    assert loaded.json("account", "show", listed[0]["id"], user="ingrid")["id"] == loaded.account
    items = tsv(loaded("content", "list", "--account", listed[0]["id"], user="kalle").stdout)
    assert items and all(len(i["id"]) == 8 for i in items)
    for i in items[:3]:
        shown = loaded.json("content", "show", i["id"], user="kalle")
        assert shown["id"].startswith(i["id"]) and shown["native_id"] == (i["native id"] or None)
    sla = tsv(loaded("sla", "status", user="kalle").stdout)
    breached = next(r for r in sla if r["state"] == "breached")
    assert loaded("sla", "ack", breached["item"], user="kalle").stdout.startswith("Item ")
    log = tsv(loaded("audit", "log", "--account", listed[0]["id"], user="ingrid").stdout)
    assert {r["aggregate"] for r in log} == {f"Account {loaded.account[:8]}"}


def test_a_namespaced_platform_id_names_an_item_and_an_account(loaded):
    item = loaded.json("content", "show", QUESTION, user="kalle")
    assert item["native_id"] == QUESTION
    assert loaded.json("sla", "ack", QUESTION, user="kalle") == {"item": QUESTION, "acknowledged": True}
    assert loaded.json("account", "show", f"facebook:{PAGE}", user="kalle")["id"] == loaded.account
    result = loaded("content", "show", "facebook:1_999", user="kalle", code=3)
    assert result.stderr == "error: no captured item has the platform id facebook:1_999\n"
    loaded("account", "show", "instagram:" + PAGE, user="kalle", code=3)


def _colliding_native_ids() -> tuple[str, str, str]:
    """Two Facebook post ids whose ledger ids begin with the same 8 hex digits (a birthday search)."""
    seen: dict[str, str] = {}
    for n in count():
        native = f"{PAGE}_{9_000_000_000 + n}"
        prefix = ledger_hex(f"facebook:{native}")[:8]
        if prefix in seen:
            return seen[prefix], native, prefix
        seen[prefix] = native
    raise AssertionError("unreachable")


def test_an_ambiguous_short_id_is_refused_naming_the_candidates(cli, tmp_path):
    first, second, prefix = _colliding_native_ids()
    page = {"data": [{"id": native, "created_time": f"2024-03-0{n}T09:00:00+0000", "message": f"Inlägg {n}",
                      "from": {"name": "Kulturhuset Tornet", "id": PAGE}} for n, native in ((1, first), (2, second))]}
    (tmp_path / "feed.json").write_text(json.dumps(page), encoding="utf-8")
    cli("ingest", "facebook", str(tmp_path / "feed.json"), "--account", cli.account, user="kalle")
    before = cli.events()
    result = cli("content", "hide", prefix, "--reason", "x", "--rule", "1", user="kalle", code=4)
    full = {str(i["id"]) for i in cli.json("content", "list", user="kalle")}
    assert result.stderr.startswith(f"error: {prefix} is ambiguous: 2 captured items") and all(
        f in result.stderr for f in full)
    assert cli.events() == before
    # The table shows each the longer prefix that tells them apart, and that one works.
    shown = [r["id"] for r in tsv(cli("content", "list", user="kalle").stdout)]
    assert len(set(shown)) == 2 and all(len(s.replace("-", "")) > 8 for s in shown)
    assert cli.json("content", "show", shown[0], user="kalle")["id"].startswith(shown[0])


def test_ids_too_short_or_not_ids_are_bad_input(cli):
    for given, words in (("1234567", "too short"), ("not-an-id", "is not an id")):
        result = cli("account", "show", given, user="ingrid", code=4)
        assert words in result.stderr and len(result.stderr.splitlines()) == 1


# One exit code per situation ---------------------------------------------------------------------------

#: every command that takes a ledger id: the argv with {id} where the id goes (the rest valid)
ID_COMMANDS = {
    "account revise": ["account", "revise", "{id}", "--purpose", "x"],
    "account approve": ["account", "approve", "{id}", "--level", "manager"],
    "account reject": ["account", "reject", "{id}", "--level", "manager", "--reason", "x"],
    "account link": ["account", "link", "{id}", "--platform-id", "1"],
    "account set": ["account", "set", "{id}", "--deputy", "lisa"],
    "account request-close": ["account", "request-close", "{id}", "--reason", "x"],
    "account close": ["account", "close", "{id}", "--reason", "x"],
    "account show": ["account", "show", "{id}"],
    "ingest": ["ingest", "facebook", str(FIX / "sv"), "--account", "{id}"],
    "content list": ["content", "list", "--account", "{id}"],
    "content show": ["content", "show", "{id}"],
    "content hide": ["content", "hide", "{id}", "--reason", "x", "--rule", "1"],
    "content remove": ["content", "remove", "{id}", "--reason", "x", "--rule", "1"],
    "sla status": ["sla", "status", "--account", "{id}"],
    "sla report": ["sla", "report", "--period", "2024-03", "--account", "{id}"],
    "sla ack": ["sla", "ack", "{id}"],
    "sla answer": ["sla", "answer", "{id}", "--final"],
    "cadence report": ["cadence", "report", "--period", "2024-03", "--account", "{id}"],
    "stats": ["stats", "--period", "2024-03", "--account", "{id}"],
    "archive export": ["archive", "export", "--account", "{id}", "--period", "2024H1", "--out", "{tmp}"],
    "case register": ["case", "register", "{id}", "--diary-number", "KS 1"],
    "case list": ["case", "list", "--item", "{id}"],
    "audit log": ["audit", "log", "--account", "{id}"],
    "archive status": ["archive", "status", "--account", "{id}"],
    "hold place": ["hold", "place", "--account", "{id}", "--reason", "x"],
    "hold release": ["hold", "release", "--account", "{id}", "--reason", "x"],
    "plan add": ["plan", "add", "--account", "{id}", "--at", "2026-03-02T08:30", "--format", "post",
                 "--responsible", "kalle"],
    "plan move": ["plan", "move", "{id}", "--at", "2026-03-03T08:30"],
    "plan cancel": ["plan", "cancel", "{id}", "--reason", "x"],
    "plan done": ["plan", "done", "{id}", "--item", QUESTION],
    "plan list": ["plan", "list", "--account", "{id}"],
    "plan check": ["plan", "check", "--period", "2026-03", "--account", "{id}"],
    "plan ical": ["plan", "ical", "--account", "{id}", "--out", "{tmp}/plan.ics"],
    "report": ["report", "--period", "2024-03", "--account", "{id}", "--out", "{tmp}/report.pdf"],
    "poll": ["poll", "--account", "{id}", "--once"],
    "search find": ["search", "söndag", "--account", "{id}"],
    "search thread": ["search", "thread", "{id}"],
}
_ID_PARAMS = {"account_id", "item_id", "reply_id", "plan_id"}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name)), command


def test_the_table_names_every_command_that_takes_an_id():
    taking = {name for name, command in _commands(main) if _ID_PARAMS & {p.name for p in command.params}}
    assert taking == set(ID_COMMANDS), "add the command to ID_COMMANDS (and docs/cli.md)"


@pytest.mark.parametrize("name", sorted(ID_COMMANDS))
def test_not_found_is_3_and_a_malformed_id_is_4_for_every_command(loaded, name, tmp_path):
    before = loaded.events()
    forms = [("00000000-0000-4000-8000-000000000000", 3), ("0123abcd", 3), ("no such id", 4), ("0123", 4)]
    # a planned post has no platform id: channel:id is no id of one
    forms.append(("facebook:1_2", 4 if name in ("plan move", "plan cancel", "plan done") else 3))
    for given, code in forms:
        argv = [a.replace("{id}", given).replace("{tmp}", str(tmp_path)) for a in ID_COMMANDS[name]]
        result = loaded(*argv, user="ingrid", code=code)
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: "), (argv, result.stderr)
        assert "internal error" not in result.stderr
        under_json = json.loads(loaded(*argv, "--json", user="ingrid", code=code).stdout) if "--json" in _options(
            name) else None
        assert under_json is None or set(under_json) == {"error", "rule"}
    assert loaded.events() == before


def _options(name: str) -> set[str]:
    command = dict(_commands(main))[name]
    return {o for p in command.params for o in getattr(p, "opts", [])}


def test_a_subject_not_found_is_3_and_a_malformed_one_4(loaded):
    loaded("gdpr", "export", "--subject", "facebook:999", user="ingrid", code=3)
    loaded("gdpr", "erase", "--subject", "facebook:999", "--decision", "KS 1", user="ingrid", code=3)
    loaded("gdpr", "export", "--subject", "999", user="ingrid", code=4)


def test_a_missing_role_is_3_before_any_lookup(loaded):
    for argv in (["account", "show", "0123abcd"], ["content", "show", QUESTION], ["sla", "status"]):
        result = loaded(*argv, user="stranger", code=3)
        assert result.stderr.startswith("error: R2: ")


# The SLA list a communicator works from ------------------------------------------------------------------


def test_sla_status_shows_author_excerpt_and_the_id_ack_takes_sorted_by_due(loaded):
    rows = loaded.json("sla", "status", user="kalle")
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    question = next(r for r in rows if r["native_id"] == QUESTION)
    assert question["author_name"] == "Åsa Öberg" and question["excerpt"].startswith("När öppnar biblioteket")
    table = tsv(loaded("sla", "status", user="kalle").stdout)
    assert list(table[0]) == ["item", "account", "kind", "author", "text", "received", "due", "first response",
                              "state"]
    row = next(r for r in table if r["author"] == "Åsa Öberg")
    assert row["item"] == question["item"][:8] and row["account"] == "Kulturhuset Tornet"
    assert row["received"] == "2024-03-01T11:02+01:00"


def test_sla_status_filters_by_state_and_account(loaded):
    every = loaded.json("sla", "status", user="kalle")
    for state in ("breached", "answered", "moderated"):
        only = loaded.json("sla", "status", "--state", state, "--account", loaded.account[:8], user="kalle")
        assert only and only == [r for r in every if r["state"] == state]
    both = loaded.json("sla", "status", "--state", "open", "--state", "breached", user="kalle")
    assert {r["state"] for r in both} == {"breached"}
    assert loaded("sla", "status", "--state", "open", user="kalle").stdout == "No inbound items in the state open.\n"
    loaded("sla", "status", "--state", "closed", user="kalle", code=2)  # click's own usage error


def test_an_erased_author_reads_erased(loaded):
    loaded("gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 2026/57", user="ingrid")
    row = next(r for r in tsv(loaded("sla", "status", user="kalle").stdout) if r["kind"] == "comment"
               and r["received"] == "2024-03-01T11:02+01:00")
    assert (row["author"], row["text"]) == ("erased", "(erased)")


# Plain words ---------------------------------------------------------------------------------------------


def test_text_output_has_no_python_reprs(loaded):
    loaded("account", "set", loaded.account[:8], "--on-call", user="kalle")
    texts = [loaded(*argv, user="ingrid").stdout for argv in (
        ["account", "show", loaded.account[:8]], ["account", "list"], ["content", "list"], ["sla", "status"],
        ["content", "show", QUESTION], ["stats", "--period", "2024-03"], ["role", "list"], ["audit", "log"],
        ["audit", "replay", "--until", "2024-03-31"], ["cadence", "report", "--period", "2024-03"])]
    for text in texts:
        assert not re.search(r"\b(None|True|False)\b", text), text
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", text), text  # no microseconds
        assert "{'" not in text  # no dict reprs
    shown = dict(line.split("\t", 1) for line in texts[0].splitlines()[1:])
    assert shown["on call (R14)"] == "yes" and shown["platform id"] == PAGE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", shown["applied"])


def test_plurals(loaded):
    text = loaded("audit", "verify", user="ingrid").stdout
    assert "1 receipt match" in text and "events chained" in text  # the ingest's, written automatically
    loaded("audit", "seal", user="ingrid")
    assert "2 recorded seals and 2 receipts match" in loaded("audit", "verify", user="ingrid").stdout
    loaded("projections", "update", user="ingrid")
    assert loaded("projections", "update", user="ingrid").stdout == "Applied 0 events.\n"


@pytest.mark.parametrize("argv, line", [
    (["content", "list", "--account", "{account}"], "No content captured in this account."),
    (["content", "list"], "No content captured."),
    (["sla", "status"], "No inbound items."),
    (["sla", "report", "--period", "2024-03"], "No inbound items received in 2024-03."),
    (["case", "list"], "No cases registered."),
])
def test_an_empty_result_says_so_in_one_line(cli, argv, line):
    argv = [a.replace("{account}", cli.account) for a in argv]
    assert cli(*argv, user="ingrid").stdout == line + "\n"


# stats --by ---------------------------------------------------------------------------------------------


def test_stats_by_account_is_a_row_per_account(loaded):
    rows = tsv(loaded("stats", "--period", "2024-03", "--by", "account", user="ingrid").stdout)
    assert [(r["id"], r["account"]) for r in rows] == [(loaded.account[:8], "Kulturhuset Tornet")]
    assert rows[0]["posts"] == "2"
    one = tsv(loaded("stats", "--period", "2024-03", "--account", loaded.account[:8], user="ingrid").stdout)
    assert {"figure": "posts", "value": "2"} in one


def test_stats_by_period_has_a_column_per_part(loaded):
    rows = tsv(loaded("stats", "--period", "2024Q1", "--by", "period", user="ingrid").stdout)
    assert list(rows[0]) == ["id", "account", "2024-01", "2024-02", "2024-03"]
    assert rows[0]["2024-03"] == "2" and rows[0]["2024-01"] == "0"
    parts = loaded.json("stats", "--period", "2024-03", "--by", "period", "--figure", "comments", user="ingrid")
    (account,) = parts
    labels = [p["period"] for p in account["parts"]]
    assert labels[0] == "2024-03-01..2024-03-03" and labels[1] == "2024-W10" and labels[-1] == "2024-W13"
    monthly = loaded.json("stats", "--period", "2024-03", user="ingrid")[0]["comments"]
    assert sum(p["comments"] for p in account["parts"]) == monthly


# The sample data ------------------------------------------------------------------------------------------


def test_demo_data_dir_writes_the_samples_to_ingest(cli, tmp_path):
    out = cli("demo", "--data-dir", str(tmp_path / "samples")).stdout
    assert f"facebook: {tmp_path / 'samples' / 'facebook'} (the page {PAGE})" in out
    summary = cli.json("ingest", "facebook", str(tmp_path / "samples" / "facebook"), "--account", cli.account,
                       user="kalle")
    assert summary["new"] > 5
    again = cli("demo", "--data-dir", str(tmp_path / "samples"), code=4)  # never overwritten
    assert "is not empty" in again.stderr


def test_the_demo_speaks_plainly(cli):
    out = cli("demo").stdout
    assert "None" not in out and "(s)" not in out
    assert "name erased, text erased" in out


def test_bad_home_and_missing_file_are_bad_input(cli, tmp_path):
    cli("--home", str(tmp_path / "nothing"), "account", "list", user="ingrid", code=4)
    cli("policy", "set", str(tmp_path / "none.toml"), user="ingrid", code=4)
    cli("ingest", "facebook", str(tmp_path / "none"), "--account", cli.account, user="kalle", code=4)
    cli("archive", "verify", str(tmp_path / "none"), code=4)


# Every command: a refusal for a stranger, and bad input where input can be bad ------------------------------

#: every command with a valid command line ({account}, {item}, {tmp} filled in), and whether it needs a role
EVERY_COMMAND = {
    "init": (["init", "--admin", "nils"], False),  # refused as bad input: the ledger exists (below)
    "policy show": (["policy", "show"], False),
    "policy set": (["policy", "set", "{tmp}/policy.toml"], True),
    "role grant": (["role", "grant", "lisa", "auditor"], True),
    "role revoke": (["role", "revoke", "kalle", "communicator", "--unit", "Kultur"], True),
    "role list": (["role", "list"], True),
    "account apply": (["account", "apply", "--channel", "instagram", "--name", "x", "--unit", "Kultur", "--owner",
                       "kalle", "--deputy", "sara"], True),
    "account revise": (["account", "revise", "{account}", "--purpose", "x"], True),
    "account approve": (["account", "approve", "{account}", "--level", "manager"], True),
    "account reject": (["account", "reject", "{account}", "--level", "manager", "--reason", "x"], True),
    "account link": (["account", "link", "{account}", "--platform-id", "1"], True),
    "account set": (["account", "set", "{account}", "--deputy", "lisa"], True),
    "account request-close": (["account", "request-close", "{account}", "--reason", "x"], True),
    "account close": (["account", "close", "{account}", "--reason", "x"], True),
    "account list": (["account", "list"], True),
    "account show": (["account", "show", "{account}"], True),
    "account workflow": (["account", "workflow"], False),
    "audit log": (["audit", "log"], True),
    "audit verify": (["audit", "verify"], True),
    "audit seal": (["audit", "seal"], True),
    "audit public-key": (["audit", "public-key"], True),
    "store backup": (["store", "backup", "--out", "{tmp}/backup"], True),
    "audit replay": (["audit", "replay", "--until", "3"], True),
    "ingest": (["ingest", "facebook", str(FIX / "sv"), "--account", "{account}"], True),
    "content list": (["content", "list"], True),
    "content show": (["content", "show", "{item}"], True),
    "content hide": (["content", "hide", "{item}", "--reason", "x", "--rule", "1"], True),
    "content remove": (["content", "remove", "{item}", "--reason", "x", "--rule", "1"], True),
    "plugins": (["plugins"], False),
    "sla status": (["sla", "status"], True),
    "sla report": (["sla", "report", "--period", "2024-03"], True),
    "sla ack": (["sla", "ack", "{item}"], True),
    "sla answer": (["sla", "answer", "{item}", "--final"], True),
    "cadence report": (["cadence", "report", "--period", "2024-03"], True),
    "stats": (["stats", "--period", "2024-03"], True),
    "projections status": (["projections", "status"], False),
    "projections rebuild": (["projections", "rebuild"], True),
    "projections update": (["projections", "update"], False),
    "gdpr export": (["gdpr", "export", "--subject", "facebook:10152345"], True),
    "gdpr erase": (["gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 1"], True),
    "retention apply": (["retention", "apply", "--as-of", "2026-12-31", "--decision", "KS 1", "--dry-run"], True),
    "archive export": (["archive", "export", "--account", "{account}", "--period", "2024H1", "--out", "{tmp}/out"],
                       True),
    "archive verify": (["archive", "verify", "{tmp}"], False),
    "case register": (["case", "register", "{item}", "--diary-number", "KS 1"], True),
    "case list": (["case", "list"], True),
    "demo": (["demo", "--data-dir", "{tmp}/samples"], False),
    "archive status": (["archive", "status"], True),
    "hold place": (["hold", "place", "--account", "{account}", "--reason", "x"], True),
    "hold release": (["hold", "release", "--account", "{account}", "--reason", "x"], True),
    "hold list": (["hold", "list"], True),
    "plan add": (["plan", "add", "--account", "{account}", "--at", "2026-03-02T08:30", "--format", "post",
                  "--responsible", "kalle"], True),
    "plan move": (["plan", "move", "0123abcd", "--at", "2026-03-03T08:30"], True),
    "plan cancel": (["plan", "cancel", "0123abcd", "--reason", "x"], True),
    "plan done": (["plan", "done", "0123abcd", "--item", "{item}"], True),
    "plan list": (["plan", "list"], True),
    "plan check": (["plan", "check", "--period", "2026-03"], True),
    "plan ical": (["plan", "ical", "--out", "{tmp}/plan.ics"], True),
    "report": (["report", "--period", "2024-03", "--account", "{account}", "--out", "{tmp}/report.pdf"], True),
    "alerts run": (["alerts", "run", "--dry-run"], True),
    "store copy": (["store", "copy", "--to", "postgresql://nobody@127.0.0.1:1/none", "--org", "x"], True),
    "serve": (["serve", "--port", "1"], True),  # a stranger is refused before anything listens
    "poll": (["poll", "--account", "{account}", "--once"], True),
    "search find": (["search", "söndag"], True),
    "search thread": (["search", "thread", "{item}"], True),
    "request open": (["request", "open", "--requester", "x", "--received", "2024-03-10", "--subject", "x"], True),
    "request add": (["request", "add", "0123abcd", "{item}"], True),
    "request decide": (["request", "decide", "0123abcd", "{item}", "--release"], True),
    "request list": (["request", "list"], True),
    "request show": (["request", "show", "0123abcd"], True),
    "request release": (["request", "release", "0123abcd", "--out", "{tmp}/release"], True),
    "web user add": (["web", "user", "add", "kalle"], True),
    "web user remove": (["web", "user", "remove", "kalle"], True),
    "web user list": (["web", "user", "list"], True),
}

#: commands and a bad value of theirs (exit 4), beside the ids above
BAD_INPUT = {
    "init": ["init", "--admin", "nils"],  # the ledger is initialised already
    "policy set": ["policy", "set", "{tmp}/bad.toml"],
    "audit replay": ["audit", "replay", "--until", "yesterday"],
    "sla status": ["sla", "status", "--at", "soon"],
    "sla report": ["sla", "report", "--period", "2024-13"],
    "cadence report": ["cadence", "report", "--period", "2024H3"],
    "stats": ["stats", "--period", "march"],
    "gdpr export": ["gdpr", "export", "--subject", "10152345"],
    "retention apply": ["retention", "apply", "--as-of", "31/12/2026", "--decision", "KS 1"],
    "archive export": ["archive", "export", "--all-accounts", "--period", "2024H9", "--out", "{tmp}/out"],
    "ingest": ["ingest", "facebook", "{tmp}/policy.toml", "--account", "{account}"],
    "account apply": ["account", "apply", "--channel", "facebook", "--name", "x", "--unit", "Kultur", "--owner",
                      "kalle", "--deputy", "sara", "--class", "no-such-class"],
    "search find": ["search", "söndag", "--period", "2024H3"],
    "request open": ["request", "open", "--requester", "x", "--received", "10/3/2024", "--subject", "x"],
    "web user add": ["web", "user", "add", "kalle"],  # no password on standard input
}


def _fill(argv: list[str], cli, tmp_path) -> list[str]:
    return [a.replace("{account}", cli.account).replace("{item}", QUESTION).replace("{tmp}", str(tmp_path))
            for a in argv]


def test_the_table_names_every_command():
    assert set(EVERY_COMMAND) == {name for name, _ in _commands(main)}, "add the command to EVERY_COMMAND"


@pytest.mark.parametrize("name", sorted(n for n, (_, role) in EVERY_COMMAND.items() if role))
def test_a_stranger_is_refused_3_by_every_command_that_needs_a_role(loaded, name, tmp_path):
    (tmp_path / "policy.toml").write_text("[sla]\nhours = 12\n", encoding="utf-8")
    before = loaded.events()
    result = loaded(*_fill(EVERY_COMMAND[name][0], loaded, tmp_path), user="stranger", code=3)
    assert re.match(r"error: R\d+: ", result.stderr) and len(result.stderr.splitlines()) == 1, result.stderr
    assert loaded.events() == before


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_input_is_4_in_every_command_that_reads_it(loaded, name, tmp_path):
    (tmp_path / "policy.toml").write_text("[sla]\nhours = 12\n", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[sla]\nhours = \"twelve\"\n", encoding="utf-8")
    before = loaded.events()
    result = loaded(*_fill(BAD_INPUT[name], loaded, tmp_path), user="ingrid", code=4)
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert loaded.events() == before


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_a_wrong_option_is_usage_2_in_every_command(cli, name):
    cli(*name.split(), "--no-such-option", user="ingrid", code=2)


@pytest.mark.parametrize("columns", [60, 80, 120, 200])
def test_tables_on_a_terminal_fit_its_width_or_become_plain_lines(loaded, monkeypatch, columns):
    from rich.cells import cell_len

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: a terminal, though the runner captures the output
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", str(columns))
    for argv in (["sla", "status"], ["account", "list"], ["content", "list"], ["audit", "log"]):
        out = re.sub(r"\x1b\[[0-9;]*m", "", loaded(*argv, user="ingrid").stdout)
        if "\t" in out:  # too narrow for this table: the plain lines of a pipe
            assert all(len(line.split("\t")) == len(out.splitlines()[0].split("\t")) for line in out.splitlines())
            continue
        assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= columns, out
        if argv == ["sla", "status"]:
            assert "446e6627" in out  # an id is never broken across lines
    wide = re.sub(r"\x1b\[[0-9;]*m", "", loaded("sla", "status", user="ingrid").stdout)
    assert ("\t" in wide) == (columns < 110), wide  # the SLA list is a table from about 110 columns
