"""A throwaway PostgreSQL server for tests, benchmarks and the docs' examples.

`TemporaryServer` runs the machine's PostgreSQL (`initdb`, `pg_ctl`, from PATH or
`/usr/lib/postgresql/*/bin`) on a fresh cluster in a temporary directory,
listening only on a unix socket in that directory, with password
authentication (scram-sha-256) for its superuser. PostgreSQL refuses to run as
root: as root, the cluster belongs to an unprivileged system user,
`socialledger-pg` (made with `useradd` if it is missing), and the server runs
as that user (`runuser`); as anyone else, it runs as the caller.

    with TemporaryServer() as server:
        url = server.url()            # postgresql://postgres@/postgres?host=/tmp/...
        server.password_file          # a file holding the superuser's password

`python -m socialledger.testing_postgresql` starts one and prints
`export` lines (the URL, the password file) until interrupted.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self

SERVER_USER = "socialledger-pg"
SUPERUSER = "postgres"


class ServerUnavailable(RuntimeError):
    """The server could not be started: its reason, and what to install."""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    raise ServerUnavailable(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)")


def _server_user() -> str | None:
    """The unprivileged user to run the server as (None: the caller, who is not root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
                       check=True, capture_output=True)
    return SERVER_USER


class TemporaryServer:
    def __init__(self, settings: dict[str, str] | None = None, *, durable: bool = False) -> None:
        """`settings`: server settings (`-c name=value`). `durable`: keep fsync and synchronous commit on
        (benchmarks); tests run without them, which changes nothing they check."""
        self.settings = {"max_connections": "200", "shared_buffers": "128MB", "listen_addresses": "''"}
        if not durable:
            self.settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        self.settings.update(settings or {})
        self.dir: Path | None = None
        self.password = secrets.token_urlsafe(16)
        self._user: str | None = None

    # Paths ----------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.dir is not None
        return self.dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.dir is not None
        return self.dir

    @property
    def password_file(self) -> Path:
        assert self.dir is not None
        return self.dir / "password"

    def libpq_env(self) -> dict[str, str]:
        """libpq's variables for this server's administrator (`psql`, `pg_dump`, docs/operations.md read them)."""
        return {"PGHOST": str(self.socket_dir), "PGPORT": "5432", "PGUSER": SUPERUSER, "PGPASSWORD": self.password}

    def url(self, user: str = SUPERUSER, dbname: str = "postgres") -> str:
        """A URL without a password (it is in `password_file`): the socket directory as the host."""
        return f"postgresql://{user}@/{dbname}?host={self.socket_dir}"

    # Running ----------------------------------------------------------------------------

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def start(self) -> Self:
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self._user = _server_user()
        self.dir = Path(tempfile.mkdtemp(prefix="socialledger-pg-"))
        self.password_file.write_text(self.password + "\n", encoding="utf-8")
        self.password_file.chmod(0o644 if self._user else 0o600)
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self.dir.chmod(0o755)  # the tests read the data directory; the data directory itself stays 0700
        done = self._run(initdb, "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(self.password_file),
                         "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
                         "--locale=C", "--no-sync")
        if done.returncode != 0:
            self.stop()
            raise ServerUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        self.password_file.chmod(0o600)
        options = " ".join(f"-c {k}={v}" for k, v in {**self.settings,
                                                       "unix_socket_directories": f"'{self.socket_dir}'"}.items())
        done = self._run(pg_ctl, "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options,
                         "-w", "-t", "60", "start")
        if done.returncode != 0:
            log = (self.dir / "server.log").read_text(errors="replace")[-2000:] if (self.dir / "server.log").exists() \
                else ""
            self.stop()
            raise ServerUnavailable(f"pg_ctl start failed: {done.stderr.strip()} {log}")
        return self

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement as the superuser (autocommit); its rows, if any."""
        import psycopg  # (only where a server is used)

        with psycopg.connect(host=str(self.socket_dir), user=SUPERUSER, dbname=dbname, password=self.password,
                             autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def stop(self) -> None:
        if self.dir is None:
            return
        if (self.data / "postmaster.pid").exists():
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    with TemporaryServer(durable="--durable" in sys.argv) as server:
        print(f"export SOCIALLEDGER_STORE='{server.url()}'")
        print(f"export SOCIALLEDGER_STORE_PASSWORD_FILE='{server.password_file}'")
        print(f"# data directory: {server.data}; stop with Ctrl-C", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
