"""Which store the ledger runs on: a setting in the home's config.toml, or `SOCIALLEDGER_STORE`.

SQLite in the ledger home is the embedded default. PostgreSQL (the
`eventsourcing` library's own `eventsourcing.postgres` module) is the store of
a shared service: `init --store postgresql://USER@HOST:PORT/DB --org NAME`
writes to the home's config.toml::

    [store]
    kind = "postgresql"
    url = "postgresql://kommun_a@db.example:5432/socialledger"
    organisation = "kommun_a"

and every command then works on that organisation's schema of that database.
`SOCIALLEDGER_STORE` (a URL, or `sqlite`) overrides the file's store; the
organisation comes from the file, else `SOCIALLEDGER_ORG`.

Credentials never go into the ledger or its config: a password comes from the
URL in `SOCIALLEDGER_STORE` (a URL given to `init` is written without it), a
password file (`password_file` in the config, or `SOCIALLEDGER_STORE_PASSWORD_FILE`),
`PGPASSWORD`, or libpq's own `~/.pgpass` / `PGPASSFILE`.

The settings become the `eventsourcing` library's environment in one place
(`event_store_env`), so each backend is one more branch here, not a rewrite.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import attrs
import tomli_w

from socialledger.core.domain.errors import BadInput
from socialledger.core.storage.home import CONFIG_FILE, EVENT_STORE_FILE, create_private_file

SUPPORTED = ("sqlite", "postgresql")
STORE_ENV = "SOCIALLEDGER_STORE"
ORG_ENV = "SOCIALLEDGER_ORG"
PASSWORD_FILE_ENV = "SOCIALLEDGER_STORE_PASSWORD_FILE"
KEY_DIR_ENV = "SOCIALLEDGER_KEY_DIR"
#: An organisation's name is its schema's name: lower-case letters, digits and _, starting with a letter.
ORG_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: The directory (in the home, unless `SOCIALLEDGER_KEY_DIR` or `key_directory` names another) that holds
#: PostgreSQL's key-encryption keys, outside the database (`postgresql/keys.py`).
KEY_DIR = "keys"


@attrs.frozen
class Connection:
    """Where a PostgreSQL server is and who connects: the parts of a `postgresql://` URL."""

    host: str
    port: int
    user: str
    dbname: str
    password: str = attrs.field(default="", repr=False)


@attrs.frozen
class StorageConfig:
    kind: str = "sqlite"
    lock_timeout_seconds: int = 30
    #: postgresql: the server and database, as a URL (never with a password when read from a file)
    url: str = ""
    #: postgresql: the organisation, which is its schema's name
    organisation: str = ""
    #: postgresql: a file holding the password (its first line)
    password_file: str = ""
    #: postgresql: where the key-encryption keys are kept (default: `keys/` in the home)
    key_directory: str = ""

    @classmethod
    def load(cls, home: Path) -> StorageConfig:
        path = home / CONFIG_FILE
        data: dict[str, object] = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                raise BadInput(f"{path}: not valid TOML: {e}") from None
        store = data.get("store", {})
        if not isinstance(store, dict):
            raise BadInput(f"{path}: [store] must be a table")
        kind = store.get("kind", "sqlite")
        if kind not in SUPPORTED:
            raise BadInput(f"{path}: store.kind: {kind!r} is not supported here (supported: {', '.join(SUPPORTED)})")
        timeout = store.get("lock_timeout_seconds", 30)
        if not isinstance(timeout, int) or timeout <= 0:
            raise BadInput(f"{path}: store.lock_timeout_seconds: must be a positive integer")
        texts = {}
        for name in ("url", "organisation", "password_file", "key_directory"):
            value = store.get(name, "")
            if not isinstance(value, str):
                raise BadInput(f"{path}: store.{name}: must be a string")
            texts[name] = value
        config = cls(kind=kind, lock_timeout_seconds=timeout, **texts)
        return config.from_environment()

    def from_environment(self) -> StorageConfig:
        """`SOCIALLEDGER_STORE` over the file's store; `SOCIALLEDGER_ORG` where the file names no organisation."""
        config = self
        env = os.environ.get(STORE_ENV, "").strip()
        if env:
            config = config.with_store(env)
        if config.kind == "postgresql" and not config.organisation and os.environ.get(ORG_ENV):
            config = attrs.evolve(config, organisation=os.environ[ORG_ENV].strip())
        return config  # (checked when the store is opened: `init --org` may still name the organisation)

    def with_store(self, store: str, organisation: str | None = None) -> StorageConfig:
        """This config with the store named by `--store` or `SOCIALLEDGER_STORE`: `sqlite` or a URL."""
        if store == "sqlite":
            return attrs.evolve(self, kind="sqlite", url="", organisation="")
        scheme = urlsplit(store).scheme
        if scheme not in ("postgresql", "postgres"):
            raise BadInput(f"a store is 'sqlite' or a URL postgresql://USER@HOST:PORT/DB, not {_safe(store)!r}")
        return attrs.evolve(self, kind="postgresql", url=store,
                            organisation=organisation if organisation is not None else self.organisation)

    def check(self) -> None:
        if not self.url:
            raise BadInput("the PostgreSQL store needs its URL: postgresql://USER@HOST:PORT/DB")
        if not self.organisation:
            raise BadInput(f"the PostgreSQL store needs the organisation: init --org NAME, or {ORG_ENV}")
        if not ORG_NAME.match(self.organisation):
            raise BadInput(f"an organisation is named by lower-case letters a-z, digits and _ (a letter first, "
                           f"at most 40), as its schema will be: not {self.organisation!r}")
        self.connection()  # a malformed URL, now

    def connection(self) -> Connection:
        """The server, user and database of the URL, and the password from wherever it is kept."""
        parts = urlsplit(self.url)
        query = parse_qs(parts.query)
        try:
            port = parts.port or int(query.get("port", [os.environ.get("PGPORT") or "5432"])[0])
        except ValueError:
            raise BadInput(f"the store's URL {_safe(self.url)!r}: the port is not a number") from None
        host = unquote(parts.hostname or "") or query.get("host", [""])[0] or os.environ.get("PGHOST") or \
            "/var/run/postgresql"
        user = unquote(parts.username or "") or os.environ.get("PGUSER") or ""
        dbname = unquote(parts.path.lstrip("/")) or os.environ.get("PGDATABASE") or user
        if not user:
            raise BadInput(f"the store's URL {_safe(self.url)!r} names no user: postgresql://USER@HOST:PORT/DB")
        return Connection(host=host, port=port, user=user, dbname=dbname, password=self._password(parts))

    def _password(self, parts: object) -> str:
        if getattr(parts, "password", None):
            return unquote(parts.password)  # type: ignore[attr-defined]
        file = self.password_file or os.environ.get(PASSWORD_FILE_ENV, "")
        if file:
            try:
                lines = Path(file).expanduser().read_text(encoding="utf-8").splitlines()
            except OSError as e:
                raise BadInput(f"the store's password file {file}: {e.strerror}") from None
            return lines[0].strip() if lines else ""
        return os.environ.get("PGPASSWORD", "")  # "" : libpq looks in PGPASSFILE or ~/.pgpass

    def key_dir(self, home: Path) -> Path:
        return Path(self.key_directory or os.environ.get(KEY_DIR_ENV) or home / KEY_DIR).expanduser()

    def save(self, home: Path) -> None:
        """Write this store into the home's config.toml (`init`): the URL without a password, never a secret."""
        path = home / CONFIG_FILE
        data: dict[str, object] = {}
        if path.exists():
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        store: dict[str, object] = {"kind": self.kind}
        if self.kind == "postgresql":
            store.update(url=_safe(self.url), organisation=self.organisation)
            if self.password_file:
                store["password_file"] = self.password_file
            if self.key_directory:
                store["key_directory"] = self.key_directory
        if self.lock_timeout_seconds != 30:
            store["lock_timeout_seconds"] = self.lock_timeout_seconds
        data["store"] = store
        create_private_file(path)
        path.write_text(tomli_w.dumps(data), encoding="utf-8")

    def describe(self) -> str:
        """Where the ledger is, for messages: the home's file, or the organisation on its server (no password)."""
        if self.kind == "postgresql":
            return f"organisation {self.organisation} on {_safe(self.url)}"
        return "sqlite"

    def event_store_env(self, home: Path) -> dict[str, str]:
        """The eventsourcing settings for this store."""
        if self.kind == "postgresql":
            c = self.connection()
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": c.dbname,
                "POSTGRES_HOST": c.host,
                "POSTGRES_PORT": str(c.port),
                "POSTGRES_USER": c.user,
                "POSTGRES_PASSWORD": c.password,
                "POSTGRES_SCHEMA": self.organisation,
                "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
                "POSTGRES_POOL_SIZE": "1",
                "POSTGRES_MAX_OVERFLOW": "4",
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "0",
            }
        db = home / EVENT_STORE_FILE
        create_private_file(db)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(db),
            "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
        }


def _safe(url: str) -> str:
    """The URL without its password (for files and messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[1]}"))
