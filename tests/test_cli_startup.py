"""The CLI loads a command when it is used (`socialledger.cli.COMMANDS`), and a command imports what it uses.

Every `socialledger` command is a process of its own; what it imports before it does anything is paid by every
command of a docs page and every step of a script (docs/benchmarks.md, "CLI start-up"). The figures are
bench/cli_startup.py's; here, what each kind of command must not import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from socialledger.cli import COMMANDS, main
from socialledger.cli.app import LazyLedgerGroup

#: what only the commands that use them import: the service and the web view (uvicorn, starlette, httpx), tables
#: (rich), PDF reading (pypdf)
HEAVY = ("httpx", "uvicorn", "starlette", "rich", "pypdf", "socialledger.service.server",
         "socialledger.service.polling", "socialledger.web")

PROBE = """
import json, runpy, sys
sys.argv = ["socialledger", *sys.argv[1:]]
try:
    runpy.run_module("socialledger", run_name="__main__")
except SystemExit as e:
    code = e.code
print("\\n@@modules " + json.dumps(sorted(sys.modules)) + " " + json.dumps(code))
"""


def imported(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    """The modules a `socialledger ARGS` process had imported when it ended, and its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(SOCIALLEDGER_HOME=str(tmp_path / "home"), SOCIALLEDGER_USER="ingrid")
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], check=False, env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    out, _, tail = proc.stdout.rpartition("\n@@modules ")
    names, code = tail.rsplit(" ", 1)
    assert json.loads(code) in (0, None), (args, proc.stdout, proc.stderr)
    return set(json.loads(names)), out


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_every_command_of_the_table_is_the_command_it_names():
    for name, (module, attribute, _) in COMMANDS.items():
        command = main.get_command(click.Context(main), name)
        assert isinstance(command, click.Command) and command.name == name, (name, module, attribute)
        assert command.callback is None or command.callback.__module__ == f"socialledger.cli.{module}"
    assert set(main.commands) == set(COMMANDS)  # `commands` holds them all, for whoever walks the tree


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_help_lists_each_command_as_the_command_itself_would(width):
    """The table's short help is the command's own: the lazy listing equals the loaded one (else: copy the
    command's first sentence into COMMANDS)."""
    fresh = LazyLedgerGroup(name="socialledger", lazy=COMMANDS, package="socialledger.cli")
    lazy = CliRunner().invoke(fresh, ["--help"], terminal_width=width)
    assert lazy.exit_code == 0 and not fresh._loaded, "listing the commands imported one"
    main.commands  # noqa: B018 - every command imported
    loaded = CliRunner().invoke(main, ["--help"], terminal_width=width)

    def listing(output: str) -> str:
        return output[output.index("Commands:"):]

    assert listing(lazy.output) == listing(loaded.output)
    assert "account" in listing(lazy.output) and "web" in listing(lazy.output)


def test_help_and_version_import_no_command(tmp_path):
    modules, out = imported(tmp_path, "--help")
    assert "Commands:" in out and "ingest" in out
    assert not heavy(modules) and "socialledger.app" not in modules, heavy(modules)
    assert not [m for m in modules if m.startswith("socialledger.cli.") and m not in (
        "socialledger.cli.app", "socialledger.cli.safe", "socialledger.cli.__main__")]
    modules, out = imported(tmp_path, "--version")
    assert "version" in out and not heavy(modules) and "socialledger.app" not in modules


def test_an_ordinary_command_imports_what_it_uses(tmp_path):
    """`init` and `account list` use the application, not the service, the web view or a PDF library; the
    capture service's own commands load the server only when it runs."""
    modules, _ = imported(tmp_path, "init", "--admin", "ingrid")
    assert "socialledger.app" in modules and not heavy(modules), heavy(modules)
    modules, out = imported(tmp_path, "account", "list")
    assert "No accounts" in out and not heavy(modules), heavy(modules)
    modules, out = imported(tmp_path, "serve", "--help")
    assert "--poll-every" in out and not heavy(modules), heavy(modules)
