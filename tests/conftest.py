"""Shared fixtures: a real ledger home on disk, people with roles, and a way to act as them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from socialledger.app import Ledger
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.roles import Role

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


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ledger(home: Path):
    """An initialised ledger: ingrid (information unit), maria (manager of UNIT),
    olof (manager of OTHER), kalle (communicator of UNIT), arvid (archivist)."""
    led = Ledger(home)
    led.init("ingrid", who("ingrid"), organisation="Exempelkommunen", organisation_code=ORGANISATION_CODE)
    for user, role, unit in [
        ("maria", Role.MANAGER, UNIT),
        ("olof", Role.MANAGER, OTHER),
        ("kalle", Role.COMMUNICATOR, UNIT),
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
