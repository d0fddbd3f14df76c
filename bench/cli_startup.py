"""CLI start-up: how long a `socialledger` command takes to start, against Python's own start-up.

Every command of the CLI (and every step of a docs page, and every kill test) is a process of its own; what
it imports before it does anything is paid each time. Prints, from one run, per command: the median wall
time and CPU time (user + system) of `--runs` runs, the baseline `python -c pass` of the same interpreter,
and how many modules the command imported. With `--python` another installation (the code before a change,
e.g. the main checkout's `.venv/bin/python`) is timed in the same run, command by command, interleaved.

    .venv/bin/python bench/cli_startup.py [--runs 7] [--python OTHER/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import PAGE_ID
from ingest import machine

FIX = HERE.parent / "tests" / "fixtures" / "facebook" / "sv"

#: name -> the arguments after `python -m socialledger` ("{account}" is the bench ledger's account)
COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "account list": ["account", "list"],
    "role list": ["role", "list"],
    "content list": ["content", "list", "--account", "{account}"],
    "audit log": ["audit", "log", "--account", "{account}"],
    "ingest (unchanged)": ["ingest", "facebook", str(FIX), "--account", "{account}"],
    "serve --help": ["serve", "--help"],
}


def run(python: str, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([python, *args], check=False, env=env, capture_output=True, text=True,
                          cwd=env["SOCIALLEDGER_HOME"])
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def modules(python: str, args: list[str], env: dict[str, str]) -> int:
    """How many modules the command imports (one run, through -X importtime)."""
    proc = subprocess.run([python, "-X", "importtime", "-m", "socialledger", *args], check=False, env=env,
                          capture_output=True, text=True, cwd=env["SOCIALLEDGER_HOME"])
    return sum(1 for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line) - 1


def ledger(python: str, home: Path) -> tuple[dict[str, str], str]:
    """A ledger with one linked account and the sample page's data, made by `python`'s CLI."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(SOCIALLEDGER_HOME=str(home), SOCIALLEDGER_USER="ingrid", COLUMNS="100")

    def cli(*args: str, user: str = "ingrid") -> str:
        proc = subprocess.run([python, "-m", "socialledger", *args], check=False,
                              env={**env, "SOCIALLEDGER_USER": user}, capture_output=True, text=True, cwd=home.parent)
        if proc.returncode != 0:
            raise SystemExit(f"setting up: {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    # (run from the home's parent, not from a checkout: `-m` would import the package of the working directory)
    cli("init", "--admin", "ingrid")
    for user, role in [("maria", "manager"), ("kalle", "communicator"), ("sara", "communicator")]:
        cli("role", "grant", user, role, "--unit", "Kultur")
    account = json.loads(cli("account", "apply", "--channel", "facebook", "--name", "Tornet", "--unit", "Kultur",
                             "--owner", "kalle", "--deputy", "sara", "--json", user="kalle"))["id"]
    cli("account", "approve", account, "--level", "manager", user="maria")
    cli("account", "approve", account, "--level", "information-unit")
    cli("account", "link", account, "--platform-id", PAGE_ID)
    cli("ingest", "facebook", str(FIX), "--account", account)
    return env, account


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--python", action="append", default=[],
                        help="another installation's python to time beside this one (repeatable)")
    opts = parser.parse_args()
    pythons = [sys.executable, *opts.python]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; {opts.runs} runs each, medians")
    with tempfile.TemporaryDirectory() as tmp:
        setups = {p: ledger(p, Path(tmp) / f"home{i}") for i, p in enumerate(pythons)}
        baseline = {p: [run(p, ["-c", "pass"], setups[p][0]) for _ in range(opts.runs)] for p in pythons}
        print()
        header = f"{'command':<22}" + "".join(f"  {'wall ms':>8} {'cpu ms':>7} {'modules':>7}" for _ in pythons)
        print("columns per python: " + ", ".join(pythons))
        print(header)
        base = "".join(f"  {statistics.median(w for w, _ in baseline[p]) * 1000:8.0f} "
                       f"{statistics.median(c for _, c in baseline[p]) * 1000:7.0f} {'':>7}" for p in pythons)
        print(f"{'python -c pass':<22}{base}")
        for name, template in COMMANDS.items():
            line = f"{name:<22}"
            for p in pythons:
                env, account = setups[p]
                args = ["-m", "socialledger", *(a.replace("{account}", account) for a in template)]
                times = [run(p, args, env) for _ in range(opts.runs)]
                line += (f"  {statistics.median(w for w, _ in times) * 1000:8.0f} "
                         f"{statistics.median(c for _, c in times) * 1000:7.0f} "
                         f"{modules(p, args[2:], env):7d}")
            print(line, flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
