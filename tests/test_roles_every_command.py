"""R2 for every path (issue 17, point 4): every CLI command run as each of five people, with nothing recorded
when it is refused.

The people, on one ledger (built once, copied for each command):

- none:    "stranger", who never held a role;
- revoked: "sara", deputy of the account, whose communicator role in its unit was revoked;
- moved:   "kalle", owner of the account, whose communicator role moved to another unit (he holds a role,
           but none in the account's unit: the owner's powers went with it);
- wrong unit: "olof", manager of another unit, never named in the account;
- right:   the person the command is for (a communicator or manager of the unit, the information unit, the
           archivist), for whom it succeeds.

A refusal is exit 3 and one line `error: R<n>: ...`, and the event store (every table of ledger.sqlite and
keys.sqlite) is byte-for-byte what it was. Reads that show personal data or reports (every read of the ledger)
need a role, any role: the wrong unit reads, the others are refused. Commands that touch no ledger (`plugins`,
`account workflow`, `archive verify`, `demo`, and `init` of an existing ledger) answer everyone alike.
docs/audit.md ("Roles under test") gives the figures `test_the_figures` prints.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from test_cli import CLI, cli  # noqa: F401  (cli: the fixture the tests at the end build on)
from test_first_hour import QUESTION, _commands
from test_ingest_cli import FIX, PAGE

from socialledger.cli import main

UNIT, OTHER = "Kultur", "Teknik"
PEOPLE = ("none", "revoked", "moved", "wrong unit", "right")
WHO = {"none": "stranger", "revoked": "sara", "moved": "kalle", "wrong unit": "olof"}

#: What someone with a role, but in another unit, meets: "read" (allowed: a read that needs any role),
#: "refused" (it needs a role in the account's unit, or the information unit's, or the archivist's),
#: "open" (no ledger involved: everyone alike).
READ, REFUSED, OPEN = "read", "refused", "open"

#: command: (argv, the right person, what the wrong unit meets, the right person's exit code)
#: {account} the active account (owner kalle, deputy sara); {applied}, {rejected}, {approved}, {closing}:
#: applications kalle submitted (owner lisa, deputy nils), one applied, one rejected, one approved and not yet
#: linked, one active, asked to close and exported for the last time; {item} a captured comment (Åsa Öberg's),
#: {post} a captured post of the page (held), {plan} a planned post, {tmp} a scratch directory.
TABLE: dict[str, tuple[list[str], str | None, str, int | None]] = {
    "init": (["init", "--admin", "nils"], None, OPEN, 4),  # the ledger exists: bad input for anyone
    "demo": (["demo", "--data-dir", "{tmp}/samples"], None, OPEN, 0),
    "plugins": (["plugins"], None, OPEN, 0),
    "account workflow": (["account", "workflow"], None, OPEN, 0),
    "archive verify": (["archive", "verify", "{tmp}"], None, OPEN, 5),  # no package there: fails for anyone
    "policy show": (["policy", "show"], "lisa", READ, 0),
    "policy set": (["policy", "set", "{tmp}/policy.toml"], "ingrid", REFUSED, 0),
    "role grant": (["role", "grant", "nils", "auditor"], "ingrid", REFUSED, 0),
    "role revoke": (["role", "revoke", "nils", "communicator", "--unit", UNIT], "maria", REFUSED, 0),
    "role list": (["role", "list"], "lisa", READ, 0),
    "account apply": (["account", "apply", "--channel", "instagram", "--name", "x", "--unit", UNIT, "--owner",
                       "lisa", "--deputy", "nils"], "lisa", REFUSED, 0),
    "account revise": (["account", "revise", "{rejected}", "--purpose", "x"], "lisa", REFUSED, 0),
    "account approve": (["account", "approve", "{applied}", "--level", "manager"], "maria", REFUSED, 0),
    "account reject": (["account", "reject", "{applied}", "--level", "manager", "--reason", "x"], "maria",
                       REFUSED, 0),
    "account link": (["account", "link", "{approved}", "--platform-id", "2"], "lisa", REFUSED, 0),
    "account set": (["account", "set", "{account}", "--deputy", "lisa"], "maria", REFUSED, 0),
    "account request-close": (["account", "request-close", "{account}", "--reason", "x"], "maria", REFUSED, 0),
    "account close": (["account", "close", "{closing}", "--reason", "x"], "ingrid", REFUSED, 0),
    "account list": (["account", "list"], "lisa", READ, 0),
    "account show": (["account", "show", "{account}"], "lisa", READ, 0),
    "audit log": (["audit", "log"], "lisa", READ, 0),
    "audit verify": (["audit", "verify"], "lisa", READ, 0),
    "audit seal": (["audit", "seal"], "lisa", READ, 0),
    "audit public-key": (["audit", "public-key"], "lisa", READ, 0),
    "store backup": (["store", "backup", "--out", "{tmp}/backup"], "ingrid", REFUSED, 0),
    "audit replay": (["audit", "replay", "--until", "3"], "lisa", READ, 0),
    "ingest": (["ingest", "facebook", str(FIX / "sv"), "--account", "{account}"], "lisa", REFUSED, 0),
    "content list": (["content", "list"], "lisa", READ, 0),
    "content show": (["content", "show", "{item}"], "lisa", READ, 0),
    "content hide": (["content", "hide", "{item}", "--reason", "x", "--rule", "1"], "ingrid", REFUSED, 0),
    "content remove": (["content", "remove", "{item}", "--reason", "x", "--rule", "1"], "ingrid", REFUSED, 0),
    "sla status": (["sla", "status"], "lisa", READ, 0),
    "sla report": (["sla", "report", "--period", "2024-03"], "lisa", READ, 0),
    "sla ack": (["sla", "ack", "{item}"], "lisa", REFUSED, 0),
    "sla answer": (["sla", "answer", "{item}", "--final"], "lisa", REFUSED, 0),
    "cadence report": (["cadence", "report", "--period", "2024-03"], "lisa", READ, 0),
    "stats": (["stats", "--period", "2024-03"], "lisa", READ, 0),
    "projections status": (["projections", "status"], "lisa", READ, 0),
    "projections rebuild": (["projections", "rebuild"], "lisa", READ, 0),
    "projections update": (["projections", "update"], "lisa", READ, 0),
    "gdpr export": (["gdpr", "export", "--subject", "facebook:10152345"], "ingrid", REFUSED, 0),
    "gdpr erase": (["gdpr", "erase", "--subject", "facebook:10152345", "--decision", "KS 1"], "ingrid", REFUSED,
                   0),
    "retention apply": (["retention", "apply", "--as-of", "2026-12-31", "--decision", "KS 1", "--dry-run"],
                        "arvid", REFUSED, 0),
    "archive export": (["archive", "export", "--account", "{account}", "--period", "2024H1", "--out",
                        "{tmp}/out"], "arvid", REFUSED, 0),
    "archive status": (["archive", "status"], "arvid", REFUSED, 0),
    "case register": (["case", "register", "{item}", "--diary-number", "KS 1"], "lisa", REFUSED, 0),
    "case list": (["case", "list"], "lisa", READ, 0),
    "hold place": (["hold", "place", "--account", "{account}", "--reason", "x"], "arvid", REFUSED, 0),
    "hold release": (["hold", "release", "--item", "{post}", "--reason", "x"], "arvid", REFUSED, 0),
    "hold list": (["hold", "list"], "arvid", REFUSED, 0),
    "plan add": (["plan", "add", "--account", "{account}", "--at", "2026-03-02T08:30", "--format", "post",
                  "--responsible", "lisa"], "lisa", REFUSED, 0),
    "plan move": (["plan", "move", "{plan}", "--at", "2026-03-03T08:30"], "lisa", REFUSED, 0),
    "plan cancel": (["plan", "cancel", "{plan}", "--reason", "x"], "lisa", REFUSED, 0),
    "plan done": (["plan", "done", "{plan}", "--item", "{post}"], "lisa", REFUSED, 0),
    "plan list": (["plan", "list"], "lisa", READ, 0),
    "plan check": (["plan", "check", "--period", "2026-03"], "lisa", READ, 0),
    "plan ical": (["plan", "ical", "--out", "{tmp}/plan.ics"], "lisa", READ, 0),
    "report": (["report", "--period", "2024-03", "--account", "{account}", "--out", "{tmp}/report.pdf"], "lisa",
               READ, 0),
    "alerts run": (["alerts", "run", "--dry-run"], "ingrid", REFUSED, 0),
    # the right person's copy needs a PostgreSQL server: tests/test_postgresql_organisations.py makes one
    "store copy": (["store", "copy", "--to", "postgresql://nobody@127.0.0.1:1/none", "--org", "x"], "ingrid",
                   REFUSED, None),
    # the right person's service would run until stopped: tests/test_service_e2e.py runs it
    "serve": (["serve", "--port", "1"], "lisa", REFUSED, None),
    # the right person's poll has no token in the secrets here: one line, exit 3 (tests/test_polling.py polls)
    "poll": (["poll", "--account", "{account}", "--once"], "lisa", REFUSED, 3),
    # search reads what a role in the unit allows (another unit's manager finds none of its items); a records
    # request is the information unit's or the archivist's ("0123abcd" is no request: not found for them)
    "search find": (["search", "söndag"], "maria", READ, 0),
    "search thread": (["search", "thread", "{item}"], "maria", REFUSED, 0),
    "request open": (["request", "open", "--requester", "x", "--received", "2024-03-10", "--subject", "x"],
                     "arvid", REFUSED, 0),
    "request add": (["request", "add", "0123abcd", "{item}"], "arvid", REFUSED, 3),
    "request decide": (["request", "decide", "0123abcd", "{item}", "--release"], "arvid", REFUSED, 3),
    "request list": (["request", "list"], "arvid", REFUSED, 0),
    "request show": (["request", "show", "0123abcd"], "arvid", REFUSED, 3),
    "request release": (["request", "release", "0123abcd", "--out", "{tmp}/release"], "arvid", REFUSED, 3),
    # the information unit gives sign-ins; no password on standard input is bad input, kalle has no sign-in
    "web user add": (["web", "user", "add", "kalle"], "ingrid", REFUSED, 4),
    "web user remove": (["web", "user", "remove", "kalle"], "ingrid", REFUSED, 3),
    "web user list": (["web", "user", "list"], "ingrid", REFUSED, 0),
}

def expected(name: str, person: str) -> str:
    """What `person` meets running `name`: "refused", "done" (the right exit code) or "read"."""
    _, right, wrong_unit, _ = TABLE[name]
    if wrong_unit == OPEN or person == "right":
        return "done"
    if person in ("wrong unit", "moved") and wrong_unit == READ:
        return "done"  # a role, if in another unit, reads
    return "refused"  # none and revoked (no role left); moved and wrong unit (no role in the unit)


def test_the_table_names_every_command():
    assert set(TABLE) == {name for name, _ in _commands(main)}, "add the command to TABLE (and its right person)"


def snapshot(home: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the event store and the key store."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for db in ("ledger.sqlite", "keys.sqlite"):
        with sqlite3.connect(Path(home) / db) as c:
            for (table,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                rows[f"{db}:{table}"] = sorted(c.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
    return rows


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The ledger every command is tried on, built once through the CLI."""
    home = tmp_path_factory.mktemp("roles") / "home"
    mp = pytest.MonkeyPatch()
    try:
        c = CLI(home, mp)
        c("init", "--admin", "ingrid", "--organisation", "Kulturkommunen", "--organisation-code", "SE2120001234")
        for user, role, unit in [("maria", "manager", UNIT), ("olof", "manager", OTHER), ("arvid", "archivist", None),
                                 ("kalle", "communicator", UNIT), ("sara", "communicator", UNIT),
                                 ("lisa", "communicator", UNIT), ("nils", "communicator", UNIT)]:
            c("role", "grant", user, role, *(["--unit", unit] if unit else []), user="ingrid")
        ids: dict[str, str] = {}

        def apply(name: str, owner: str, deputy: str) -> str:
            return c.json("account", "apply", "--channel", "facebook", "--name", name, "--unit", UNIT, "--owner",
                          owner, "--deputy", deputy, "--answering-hours", "Vardagar 8-17", "--page-rules", "Saklig",
                          user="kalle")["id"]

        ids["account"] = apply("Kulturhuset Tornet", "kalle", "sara")
        ids["applied"] = apply("Ansökan", "lisa", "nils")
        ids["approved"] = apply("Godkänd", "lisa", "nils")
        ids["rejected"] = apply("Avslagen", "lisa", "nils")
        c("account", "reject", ids["rejected"], "--level", "manager", "--reason", "oklart", user="maria")
        ids["closing"] = apply("Stängs", "lisa", "nils")
        for key in ("account", "approved", "closing"):
            c("account", "approve", ids[key], "--level", "manager", user="maria")
            c("account", "approve", ids[key], "--level", "information-unit", user="ingrid")
        c("account", "link", ids["account"], "--platform-id", PAGE, user="kalle")
        c("account", "link", ids["closing"], "--platform-id", "3", user="lisa")
        c("ingest", "facebook", str(FIX / "sv"), "--account", ids["account"], user="sara")
        c("account", "request-close", ids["closing"], "--reason", "x", user="lisa")
        c("archive", "export", "--account", ids["closing"], "--final", "--out", str(home.parent / "final"),
          user="ingrid")
        ids["plan"] = c.json("plan", "add", "--account", ids["account"], "--at", "2026-03-02T08:30", "--format",
                             "post", "--responsible", "sara", user="sara")["id"]
        posts = [i for i in c.json("content", "list", "--account", ids["account"], user="ingrid")
                 if i["kind"] == "post"]
        ids["post"] = str(posts[0]["id"])
        c("hold", "place", "--item", ids["post"], "--reason", "x", user="ingrid")
        # then the owner moves to another unit and the deputy's role is revoked
        c("role", "revoke", "kalle", "communicator", "--unit", UNIT, user="maria")
        c("role", "grant", "kalle", "communicator", "--unit", OTHER, user="ingrid")
        c("role", "revoke", "sara", "communicator", "--unit", UNIT, user="maria")
        ids["item"] = QUESTION
    finally:
        mp.undo()
    return home, ids


@pytest.fixture
def tried(base, tmp_path, monkeypatch):
    """A copy of the base ledger, and the CLI on it."""
    source, ids = base
    home = tmp_path / "home"
    shutil.copytree(source, home)
    (tmp_path / "scratch").mkdir()
    c = CLI(home, monkeypatch)
    c.ids = ids
    c.scratch = tmp_path / "scratch"
    return c


def _argv(name: str, c, person: str) -> list[str]:
    out = []
    for a in TABLE[name][0]:
        for key, value in c.ids.items():
            a = a.replace("{" + key + "}", value)
        out.append(a.replace("{tmp}", str(c.scratch / person.replace(" ", "-"))))
    return out


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_command_as_each_person(tried, name, monkeypatch):
    def run(person: str, code: int):
        monkeypatch.setenv("SOCIALLEDGER_USER", WHO.get(person) or right or "ingrid")  # commands without --as too
        return tried(*argv_of[person], code=code)

    argv_of = {p: _argv(name, tried, p) for p in PEOPLE}
    for p in PEOPLE:
        (tried.scratch / p.replace(" ", "-")).mkdir()
        (tried.scratch / p.replace(" ", "-") / "policy.toml").write_text("[sla]\nhours = 12\n", encoding="utf-8")
    _, right, _, right_code = TABLE[name]
    open_code = right_code
    for person in PEOPLE[:-1]:
        before = snapshot(tried.home)
        want = expected(name, person)
        if want == "refused":
            result = run(person, 3)
            assert re.fullmatch(r"error: R\d+: [^\n]+\n", result.stderr), (name, person, result.stderr)
            assert "internal error" not in result.stderr
            assert snapshot(tried.home) == before, f"{name} as {person}: refused, but something was recorded"
        else:
            result = run(person, open_code)
            assert not re.match(r"error: R\d+: ", result.stderr), (name, person, result.stderr)
            if TABLE[name][2] == OPEN:
                assert snapshot(tried.home) == before, f"{name} touches no ledger, yet recorded something"
    if right_code is None:
        return
    result = run("right", right_code)
    assert not re.match(r"error: R\d+: ", result.stderr), (name, result.stderr)


def test_the_figures():
    """The counts docs/audit.md states (printed with -s; they follow from TABLE and `expected`)."""
    cases = [(n, p, expected(n, p)) for n in TABLE for p in PEOPLE if not (p == "right" and TABLE[n][3] is None)]
    refused = sum(1 for *_, o in cases if o == "refused")
    print(f"\n{len(TABLE)} commands, {len(PEOPLE)} people: {len(cases)} cases run, {refused} refused, "
          f"{len(cases) - refused} done")
    assert len(cases) >= 150 and refused >= 150
    page = (Path(__file__).parents[1] / "docs" / "audit.md").read_text(encoding="utf-8")
    section = page[page.index("## Roles under test"):]
    rows = re.finditer(r"^\| (?P<what>[^|]+?) \| (?P<n>\d+)\b", section, re.M)
    figures = {m["what"].split(" (")[0]: int(m["n"]) for m in rows}
    assert (figures["commands"], figures["cases run"], figures["refused"], figures["done"]) == (
        len(TABLE), len(cases), refused, len(cases) - refused), "docs/audit.md states other figures"


# What the adversarial test found (issue 17), one by one ---------------------------------------------------


@pytest.fixture
def roles_cli(cli):
    """test_cli's ledger (maria manager of Kultur, olof of Teknik, kalle communicator of Kultur) and an active
    account: owner kalle, deputy sara (a communicator of Kultur too), captured content."""
    cli("role", "grant", "sara", "communicator", "--unit", UNIT, user="maria")
    cli.account = cli.json("account", "apply", "--channel", "facebook", "--name", "Tornet", "--unit", UNIT,
                           "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    cli("account", "approve", cli.account, "--level", "manager", user="maria")
    cli("account", "approve", cli.account, "--level", "information-unit", user="ingrid")
    cli("account", "link", cli.account, "--platform-id", PAGE, user="kalle")
    cli("ingest", "facebook", str(FIX / "sv"), "--account", cli.account, user="kalle")
    return cli


def refused(c, *argv: str, user: str, rule: str = "R2") -> str:
    before = snapshot(c.home)
    result = c(*argv, user=user, code=3)
    assert result.stderr.startswith(f"error: {rule}: ") and len(result.stderr.splitlines()) == 1, result.stderr
    assert snapshot(c.home) == before
    return result.stderr


def test_a_deputy_without_a_role_cannot_hand_the_account_to_people_without_one(roles_cli):
    c = roles_cli
    c("role", "revoke", "sara", "communicator", "--unit", UNIT, user="maria")
    refused(c, "account", "set", c.account, "--owner", "mallory", user="sara")
    refused(c, "account", "set", c.account, "--deputy", "eve", user="sara")
    # and with her role back, she still cannot name people who hold none
    c("role", "grant", "sara", "communicator", "--unit", UNIT, user="maria")
    error = refused(c, "account", "set", c.account, "--owner", "mallory", user="sara")
    assert "mallory holds no role in Kultur and cannot be named owner of Tornet" in error
    refused(c, "account", "set", c.account, "--deputy", "olof", user="sara")  # a role, in another unit
    # whom she may name: a communicator or manager of the unit
    c("role", "grant", "lisa", "communicator", "--unit", UNIT, user="maria")
    c("account", "set", c.account, "--deputy", "lisa", user="sara")


def test_an_owner_whose_role_was_revoked_loses_the_accounts_powers(roles_cli):
    c = roles_cli
    c("role", "revoke", "kalle", "communicator", "--unit", UNIT, user="maria")
    for argv in (["content", "hide", QUESTION, "--reason", "x", "--rule", "1"],
                 ["ingest", "facebook", str(FIX / "sv"), "--account", c.account],
                 ["account", "set", c.account, "--deputy", "maria"],
                 ["account", "request-close", c.account, "--reason", "x"],
                 ["sla", "ack", QUESTION],
                 ["content", "list"]):
        refused(c, *argv, user="kalle")
    # holding a role elsewhere gives back the reading, not the account
    c("role", "grant", "kalle", "communicator", "--unit", OTHER, user="ingrid")
    c("content", "list", user="kalle")
    error = refused(c, "account", "set", c.account, "--deputy", "maria", user="kalle")
    assert "kalle is named owner of Tornet but holds no role in Kultur" in error
    refused(c, "content", "hide", QUESTION, "--reason", "x", "--rule", "1", user="kalle")
    refused(c, "account", "request-close", c.account, "--reason", "x", user="kalle")
    # the responsible communicator of a planned post acts in the account too
    refused(c, "plan", "add", "--account", c.account, "--at", "2027-03-02T08:30", "--format", "post",
            "--responsible", "kalle", user="sara")


def test_owner_and_deputy_hold_a_role_at_apply_revise_and_link(roles_cli):
    c = roles_cli
    refused(c, "account", "apply", "--channel", "instagram", "--name", "x", "--unit", UNIT, "--owner", "kalle",
            "--deputy", "nobody", user="kalle")
    refused(c, "account", "apply", "--channel", "instagram", "--name", "x", "--unit", UNIT, "--owner", "olof",
            "--deputy", "sara", user="kalle")  # olof manages Teknik, not Kultur
    second = c.json("account", "apply", "--channel", "instagram", "--name", "Tornet IG", "--unit", UNIT,
                    "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    c("account", "reject", second, "--level", "manager", "--reason", "oklart", user="maria")
    refused(c, "account", "revise", second, "--deputy", "nobody", user="kalle")
    c("account", "revise", second, "--purpose", "Evenemang", user="kalle")
    c("account", "approve", second, "--level", "manager", user="maria")
    c("account", "approve", second, "--level", "information-unit", user="ingrid")
    # the deputy lost her role between the application and the link: the information unit cannot activate it
    c("role", "revoke", "sara", "communicator", "--unit", UNIT, user="maria")
    error = refused(c, "account", "link", second, "--platform-id", "17841400000000001", user="ingrid")
    assert "sara holds no role in Kultur and cannot be named deputy" in error
    c("role", "grant", "sara", "communicator", "--unit", UNIT, user="maria")
    c("account", "link", second, "--platform-id", "17841400000000001", user="ingrid")


def test_a_submitter_without_a_role_cannot_revise(roles_cli):
    c = roles_cli
    second = c.json("account", "apply", "--channel", "instagram", "--name", "Tornet IG", "--unit", UNIT,
                    "--owner", "kalle", "--deputy", "sara", user="kalle")["id"]
    c("account", "reject", second, "--level", "manager", "--reason", "oklart", user="maria")
    c("role", "revoke", "kalle", "communicator", "--unit", UNIT, user="maria")
    refused(c, "account", "revise", second, "--purpose", "x", user="kalle")


def test_reads_of_the_ledger_need_a_role(roles_cli):
    for argv in (["policy", "show"], ["projections", "status"], ["projections", "update"]):
        refused(roles_cli, *argv, user="stranger")
        roles_cli(*argv, user="olof")  # any role
