"""Decisions complete or announce themselves (issue 17, point 3): an erasure or a disposal killed (SIGKILL)
between any two of its steps is reported by `audit verify` while its keys still exist, and finished by
running the same command again, which records no second decision."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import UNIT, form, who

from socialledger.app import Ledger
from socialledger.app.decisions import STEPS
from socialledger.core.domain.roles import Role

pytestmark = pytest.mark.slow
FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
ASA = "facebook:10152345"
POINTS = [*STEPS, "seal"]


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("decisions") / "ledger"
    mp.delenv("SOCIALLEDGER_MASTER_KEY", raising=False)
    mp.delenv("SOCIALLEDGER_RECEIPTS", raising=False)
    ledger = Ledger(home)
    ledger.init("ingrid", who("ingrid"), organisation="Exempelkommunen", organisation_code="SE2120001234")
    ledger.grant_role(who("ingrid"), "maria", Role.MANAGER, UNIT)
    ledger.grant_role(who("maria"), "kalle", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(who("maria"), "sara", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(who("ingrid"), "arvid", Role.ARCHIVIST)
    account = ledger.apply_account(who("kalle"), form())
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(who("ingrid"), account, "information-unit")
    ledger.link(who("kalle"), account, PAGE)
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(account))
    ledger.export_archive(who("arvid"), account, "2024H1", home.parent / "out")  # disposal follows delivery
    ledger.close()
    mp.undo()
    return home


def run(home: Path, *argv: str, user: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER=user)
    if crash:
        env["SOCIALLEDGER_TEST_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "socialledger.cli", *argv], env=env, capture_output=True,
                          text=True, timeout=300)


COMMANDS = {
    "erasure": (["gdpr", "erase", "--subject", ASA, "--decision", "KS 2026/1", "--override"], "ingrid",
                "SubjectErased"),
    "disposal": (["retention", "apply", "--as-of", "2030-01-01", "--decision", "KS 2030/1"], "arvid",
                 "DisposalDecided"),
}


def decisions(ledger: Ledger, kind: str) -> int:
    return sum(1 for e in ledger.audit_log(who("ingrid")) if e.type.startswith(kind))


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_a_decision_killed_at_any_step_is_finished_by_running_it_again(original, tmp_path, kind, point):
    argv, user, event = COMMANDS[kind]
    home = tmp_path / "ledger"
    shutil.copytree(original, home)
    crash = "seal:inventory-recorded" if point == "seal" else f"{kind}:{point}"
    killed = run(home, *argv, user=user, crash=crash)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    ledger = Ledger(home)
    try:
        assert decisions(ledger, event) == 1
        report = ledger.verify(who("ingrid"))
        if point == "decided":  # the keys still exist: the verifier says so, naming the decision's position
            assert not report.ok and any("was not carried out" in p for p in report.problems), report.problems
        else:
            assert report.ok, report.problems
    finally:
        ledger.close()
    again = run(home, *argv, user=user)
    assert again.returncode == 0, again.stderr
    assert "no second decision" in again.stdout, again.stdout
    ledger = Ledger(home)
    try:
        assert decisions(ledger, event) == 1
        assert ledger.verify(who("ingrid")).ok
        from socialledger.app.decisions import unfinished

        items = [i for i in ledger.content(who("ingrid")) if i["erased"]]
        assert items, "nothing reads as erased"
        keys = [i["id"] for i in items]
        from uuid import UUID

        assert not unfinished(ledger.store, [UUID(k) for k in keys], [UUID(k) for k in keys])
    finally:
        ledger.close()
    third = run(home, *argv, user=user)  # a third run: nothing left to finish, nothing new decided
    ledger = Ledger(home)
    try:
        assert decisions(ledger, event) == 1
    finally:
        ledger.close()
    if kind == "erasure":
        assert third.returncode == 4 and "erased already" in third.stderr
    else:
        assert third.returncode == 0 and "0 items disposed of" in third.stdout, third.stdout
