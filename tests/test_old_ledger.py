"""A ledger written by an earlier layout of the code still opens, reads the same and verifies.

`tests/fixtures/ledger-0.1/home` is the demo's ledger as the flat `core/` layout
(before the layers of DESIGN.md) wrote it, with a moderation, an acknowledgement,
a case and a seal added; `expected/` holds what that code printed for it. Its
stored events name their classes by the old module paths (the topics are part of
the hashed chain, so they are never rewritten): the code must keep reading them.

One answer was corrected on purpose since: `content list` names no parent the
ledger does not hold (a comment on an Instagram media that was never captured
showed the id the media would have had); the expected listing says `null` there.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialledger.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-0.1"


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    home = tmp_path / "old-home"
    shutil.copytree(FIXTURE / "home", home)
    home.chmod(0o700)
    return home


def run(home: Path, *args: str, user: str = "ingrid", code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--home", str(home), "--as", user, *args])
    assert result.exit_code == code, (args, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    return result.stdout


COMMANDS = {
    "account-list": ("account", "list", "--json"),
    "content-list": ("content", "list", "--json"),
    "audit-log": ("audit", "log", "--json"),
    "role-list": ("role", "list", "--json"),
    "case-list": ("case", "list", "--json"),
    "stats-2024H1": ("stats", "--period", "2024H1", "--json"),
    "sla-report-2024H1": ("sla", "report", "--period", "2024H1", "--json"),
    "cadence-2024H1": ("cadence", "report", "--period", "2024H1", "--json"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_old_ledger_reads_as_it_did(old_home: Path, name: str) -> None:
    # Arrange: the old ledger, and what the old code printed for it.
    expected = json.loads((FIXTURE / "expected" / f"{name}.json").read_text())
    # Act: the same command through today's code.
    got = json.loads(run(old_home, *COMMANDS[name]))
    # Assert: the same answer.
    assert got == expected


def test_an_old_ledger_verifies_and_takes_new_events(old_home: Path, tmp_path: Path) -> None:
    assert "The ledger verifies" in run(old_home, "audit", "verify", user="astrid")
    before = len(json.loads(run(old_home, "audit", "log", "--json")))
    # New events written by today's code beside the old ones.
    run(old_home, "role", "grant", "nina", "communicator", "--unit", "Kulturförvaltningen")
    accounts = json.loads(run(old_home, "account", "list", "--json"))
    facebook = next(a for a in accounts if a["channel"] == "facebook")
    from socialledger.demo import sample

    run(old_home, "ingest", "facebook", str(sample("facebook")), "--account", facebook["id"], "--recheck",
        user="kalle")
    log = json.loads(run(old_home, "audit", "log", "--json"))
    # The grant; the samples, read again, hold nothing new; the first ingest of today's code records the
    # key inventory and seals (docs/audit.md, "Keys").
    assert [e["type"] for e in log[before:]] == ["RoleGranted", "KeysCounted", "SealAdded"]
    assert "The ledger verifies" in run(old_home, "audit", "verify", user="astrid")
    # The read models rebuilt from position 0 give the same register as caught up.
    run(old_home, "projections", "rebuild")
    assert json.loads(run(old_home, "account", "list", "--json")) == accounts


def test_stored_graph_api_sources_read_as_api(old_home: Path) -> None:
    # Arrange: the old code stored the Graph API's observations with source "graph-api"
    # (the events' bytes are sealed by the chain, never rewritten).
    import sqlite3

    with sqlite3.connect(old_home / "ledger.sqlite") as db:
        stored = db.execute("SELECT count(*) FROM stored_events "
                            "WHERE CAST(state AS TEXT) LIKE '%\"source\":\"graph-api\"%'").fetchone()[0]
    db.close()
    assert stored > 0
    # Act: read the events through today's code.
    log = json.loads(run(old_home, "audit", "log", "--json"))
    sources = [e["details"]["source"] for e in log if "source" in e.get("details", {})]
    # Assert: the channel-neutral name, for every one of them; the stored bytes unchanged.
    assert sources.count("api") == stored and "graph-api" not in sources
    assert "The ledger verifies" in run(old_home, "audit", "verify", user="astrid")
