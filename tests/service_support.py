"""Starting `socialledger serve` for a test: a real process on a loopback port, over a real ledger home."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SOCIALLEDGER = str(Path(sys.executable).with_name("socialledger"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`socialledger serve` as a child process: start, stop (SIGTERM), kill (SIGKILL), ask /health."""

    def __init__(self, home: Path, env: dict[str, str], port: int | None = None, args: tuple[str, ...] = ()) -> None:
        self.home = home
        self.env = {**os.environ, **env}
        self.port = port or free_port()
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    def start(self, timeout: float = 60) -> Serve:
        log = self.home.parent / f"serve-{len(self.logs)}.log"
        self.logs.append(log)
        self.proc = subprocess.Popen([SOCIALLEDGER, "--home", str(self.home), "serve", "--port", str(self.port),
                                      *self.args], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(log, "wb"), start_new_session=True)
        deadline = time.monotonic() + timeout
        while self.health() is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{self.log()}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def health(self) -> dict | None:
        try:
            with urllib.request.urlopen(self.url("/health"), timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def wait_ingested(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            h = self.health()
            if h is not None and h["inbox_depth"] == 0:
                return h
            if time.monotonic() > deadline:
                raise AssertionError(f"the inbox was not emptied: {h}\n{self.log()}")
            time.sleep(0.1)

    def wait_metric(self, line: str, timeout: float = 30) -> str:
        """/metrics once it holds `line` (the worker's counters reach the server a moment after its inbox marks)."""
        deadline = time.monotonic() + timeout
        while True:
            _, metrics = self.get("/metrics")
            if line in metrics or time.monotonic() > deadline:
                return metrics
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the service (its worker dies with it)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        # The worker is told by the kernel (PR_SET_PDEATHSIG); wait until it is gone, by its process group.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError("the worker outlived the killed service")

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)
