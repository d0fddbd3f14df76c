"""docs/rules.md says, for every rule R1-R23, where the code enforces it; this keeps that true."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

RULES_MD = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
ROW = re.compile(r"^\| (R\d+) \| (`([\w.]+):([\w.]+)`|not enforced) \| (.+) \|$")


def table() -> dict[str, tuple[str | None, str]]:
    rows: dict[str, tuple[str | None, str]] = {}
    for line in RULES_MD.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m.group(1) not in rows, f"{m.group(1)} has two rows"
            rows[m.group(1)] = (f"{m.group(3)}:{m.group(4)}" if m.group(3) else None, m.group(5))
    return rows


def test_every_rule_has_a_row():
    assert sorted(table(), key=lambda r: int(r[1:])) == [f"R{n}" for n in range(1, 24)]


@pytest.mark.parametrize("rule", [f"R{n}" for n in range(1, 24)])
def test_the_named_place_exists_and_names_its_rule(rule: str):
    where, what = table()[rule]
    if where is None:
        assert len(what) > 40, f"{rule} is not enforced: the row must say why"
        return
    module, _, qualname = where.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    text = inspect.getsource(obj) if callable(obj) else repr(obj)
    assert re.search(rf"\b{rule}\b", text), f"{where} does not name {rule}"
