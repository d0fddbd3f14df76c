"""A CLI process killed part-way and run again: what the kill tests share.

tests/test_ingest_crash.py (SQLite) and tests/test_backends.py (PostgreSQL) kill an ingest once part of it is
committed; tests/test_projection_crash.py kills a rebuild of the read models. Each needs a ledger with an active
account (made here in the test's process, through the library, as `init`, `role grant`, `account apply`,
`account approve` and `account link` make it: what is killed is a CLI process of its own), the CLI in a process
of its own, and a kill at the moment a condition on the store holds.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from conftest import form, who

from socialledger.app import Ledger
from socialledger.core.domain.roles import Role
from socialledger.core.storage.config import StorageConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from generate import PAGE_ID  # noqa: E402


def env(home: Path, user: str = "ingrid") -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    out.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER=user)
    return out


def cli(home: Path, *args: str, user: str = "ingrid", code: int = 0) -> subprocess.CompletedProcess[str]:
    """`socialledger ARGS` in a process of its own, acting as `user`; it must exit with `code`."""
    proc = subprocess.run([sys.executable, "-m", "socialledger.cli", *args], check=False, env=env(home, user),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    return proc


def start(home: Path, *args: str, user: str = "ingrid", text: bool = False) -> subprocess.Popen[Any]:
    """`socialledger ARGS` started in a process of its own, not waited for."""
    return subprocess.Popen([sys.executable, "-m", "socialledger.cli", *args], env=env(home, user),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text)


def ledger_with_account(home: Path) -> str:
    """A ledger in `home` (SQLite, or the PostgreSQL organisation its config.toml names) whose facebook account
    for the generated page (bench/generate.py's PAGE_ID) is active; its id. ingrid is the information unit,
    maria the unit's manager, kalle and sara its communicators (the owner and deputy hold a role there, R2)."""
    ledger = Ledger(home)
    try:
        ledger.init("ingrid", who("ingrid"))
        for user, role in [("maria", Role.MANAGER), ("kalle", Role.COMMUNICATOR), ("sara", Role.COMMUNICATOR)]:
            ledger.grant_role(who("ingrid"), user, role, "Kultur")
        account = ledger.apply_account(who("kalle"), form(name="Tornet", unit="Kultur", owner="kalle", deputy="sara"))
        ledger.approve(who("maria"), account, "manager")
        ledger.approve(who("ingrid"), account, "information-unit")
        ledger.link(who("ingrid"), account, PAGE_ID)
    finally:
        ledger.close()
    return str(account)


def state(home: Path, account: str) -> dict[str, Any]:
    """The account's items as `content list` shows them, by native id: versions, state, text, parent."""
    items = json.loads(cli(home, "content", "list", "--account", account, "--json").stdout)
    return {i["native_id"]: (i["versions"], i["state"], i["text"], i["parent"]) for i in items}


def server_connection(config: StorageConfig) -> psycopg.Connection[Any]:
    c = config.connection()
    return psycopg.connect(host=c.host, port=c.port, user=c.user, dbname=c.dbname, password=c.password,
                           autocommit=True)


def stored_events(home: Path) -> int:
    """How many events the store holds (not the head: PostgreSQL's positions may skip numbers)."""
    config = StorageConfig.load(home)
    if config.kind == "sqlite":
        db = sqlite3.connect(home / "ledger.sqlite", timeout=30)
        try:
            return int(db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])
        finally:
            db.close()
    with server_connection(config) as conn:
        return int(conn.execute(f'SELECT COUNT(*) FROM "{config.organisation}".socialledger_events').fetchone()[0])


def event_keys(home: Path) -> tuple[dict[str, int], set[tuple[str, int, str]]]:
    """How many events of each type, and every content item's (id, version, topic): item ids derive from native
    ids, so two ledgers of the same work hold the same ones (the sealed bytes differ: their nonces are random)."""
    config = StorageConfig.load(home)
    if config.kind == "sqlite":
        with sqlite3.connect(home / "ledger.sqlite", timeout=30) as db:
            rows = db.execute("SELECT originator_id, originator_version, topic FROM stored_events").fetchall()
    else:
        with server_connection(config) as conn:
            rows = conn.execute("SELECT replace(originator_id::text, '-', ''), originator_version, topic "
                                f'FROM "{config.organisation}".socialledger_events').fetchall()
    types: dict[str, int] = {}
    for _, _, topic in rows:
        types[topic] = types.get(topic, 0) + 1
    return types, {(str(o), int(v), str(t)) for o, v, t in rows if t.startswith("socialledger.core.domain.content")}


def kill_when(proc: subprocess.Popen[Any], reached: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """SIGKILL `proc` as soon as `reached()` holds (polled every 20 ms); fail if it ended before."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not reached():
        time.sleep(0.02)
    assert proc.poll() is None, f"{what} ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
