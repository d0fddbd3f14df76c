"""Shared fixtures: a real ledger home on disk, people with roles, and a way to act as them.

Storage backends: a test that takes the `backend` fixture runs twice, on SQLite
and on PostgreSQL; its `home` is then configured for that backend (a fresh
organisation, i.e. schema, on the session's server). `pg_server` is that server:
one throwaway PostgreSQL cluster per test session (`socialledger.testing_postgresql`),
started on first use. Tests that use it carry the `postgresql` marker (added
here), which a developer without PostgreSQL may deselect: `-m "not postgresql"`.
When the server cannot be started, those tests fail; they are never skipped.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from socialledger.app import Ledger
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.roles import Role
from socialledger.core.storage.config import ORG_ENV, PASSWORD_FILE_ENV, STORE_ENV, StorageConfig
from socialledger.testing_postgresql import ServerUnavailable, TemporaryServer

UNIT = "Kulturförvaltningen"
OTHER = "Tekniska förvaltningen"
ORGANISATION_CODE = "SE2120001234"  # archive packages need the organisation's own code (not the placeholder)


def who(name: str) -> Actor:
    return Actor(name=name, os_user="tester", host="testhost")


def at_once(target: Callable[[], object], n: int) -> None:
    """Run `target` in `n` threads started together; return when all have ended."""
    threads = [threading.Thread(target=target) for _ in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


def form(**overrides: object) -> ApplicationForm:
    fields: dict[str, object] = dict(
        channel="facebook",
        name="Kulturhuset Tornet",
        unit=UNIT,
        owner="kalle",
        deputy="sara",
        purpose="Evenemang och öppettider",
        goals="Två inlägg i veckan",
        audience="Unga vuxna",
        gdpr_handling="Registrator svarar",
        answering_hours="Vardagar 08–17",
        page_rules="Kränkande inlägg tas bort.",
    )
    fields.update(overrides)
    return ApplicationForm(**fields)  # type: ignore[arg-type]


def final_export(ledger, account, tmp_path: Path) -> Path:
    """R8: the final archive export a closing account needs, made by the information unit."""
    (package,) = ledger.export_archive(who("ingrid"), account, None, tmp_path / "final", final=True)
    return package


# A store chosen in the developer's environment must not leak into the tests (a test that wants one sets it).
for _name in (STORE_ENV, ORG_ENV, PASSWORD_FILE_ENV):
    os.environ.pop(_name, None)

_organisations = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TemporaryServer]:
    """One throwaway PostgreSQL cluster for the session; each test takes an organisation (schema) of its own."""
    try:
        server = TemporaryServer().start()
    except ServerUnavailable as e:
        pytest.fail(f"PostgreSQL could not be started: {e}. The tests need PostgreSQL 15 (Debian: apt-get install "
                    "postgresql); without it, deselect these tests with -m 'not postgresql'", pytrace=False)
    yield server
    server.stop()


def new_organisation() -> str:
    return f"org{os.getpid()}_{next(_organisations)}"


def postgres_home(home: Path, server: TemporaryServer, organisation: str | None = None) -> Path:
    """Configure `home` for a (new) organisation on `server`: its config.toml, as `init --store --org` writes it."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = attrs.evolve(StorageConfig().with_store(server.url(), organisation or new_organisation()),
                          password_file=str(server.password_file))
    config.save(home)
    return home


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request: pytest.FixtureRequest) -> str:
    """The storage backend a test runs on (the test runs once for each)."""
    return str(request.param)


@pytest.fixture
def home(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A ledger home: on SQLite, or on a fresh organisation of the session's server for `backend` postgresql."""
    path = tmp_path / "home"
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgresql":
        postgres_home(path, request.getfixturevalue("pg_server"))
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgresql)
    # The slow tests first (otherwise in collection order): the two processes (`-n 2 --dist worksteal` in
    # pyproject.toml) share them while there is work left to take, rather than one ending the run on them.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def ledger(home: Path):
    """An initialised ledger: ingrid (information unit), maria (manager of UNIT),
    olof (manager of OTHER), kalle and sara (communicators of UNIT: the owner and deputy `form` names hold a role
    in its unit, R2), arvid (archivist)."""
    led = Ledger(home)
    led.init("ingrid", who("ingrid"), organisation="Exempelkommunen", organisation_code=ORGANISATION_CODE)
    for user, role, unit in [
        ("maria", Role.MANAGER, UNIT),
        ("olof", Role.MANAGER, OTHER),
        ("kalle", Role.COMMUNICATOR, UNIT),
        ("sara", Role.COMMUNICATOR, UNIT),
        ("arvid", Role.ARCHIVIST, None),
    ]:
        led.grant_role(who("ingrid"), user, role, unit)
    yield led
    led.close()


@pytest.fixture
def applied(ledger: Ledger):
    """An application by kalle, owner kalle, deputy sara."""
    return ledger.apply_account(who("kalle"), form())


@pytest.fixture
def approved(ledger: Ledger, applied):
    ledger.approve(who("maria"), applied, "manager")
    ledger.approve(who("ingrid"), applied, "information-unit")
    return applied


@pytest.fixture
def active(ledger: Ledger, approved):
    ledger.link(who("kalle"), approved, "104729384756102")
    return approved


# Entry points of whatever else is installed stay out of the tests (as datasette's do);
# the plugin tests load them in a subprocess on purpose.
import sys as _sys  # noqa: E402

_sys._called_from_test = True  # type: ignore[attr-defined]
