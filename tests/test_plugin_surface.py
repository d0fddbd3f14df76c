"""Channels see one stable surface: `socialledger.channels`, never `socialledger.core`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import socialledger.channels

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "socialledger" / "plugins"
GUIDE = ROOT / "docs" / "plugins.md"


def project_imports(source: str) -> list[str]:
    """Every `socialledger...` module a piece of Python imports (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "socialledger"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "socialledger":
            found += [node.module] if node.module != "socialledger" else [f"socialledger.{a.name}" for a in node.names]
    return found


def allowed(module: str) -> bool:
    return module == "socialledger.channels" or module.startswith("socialledger.plugins.")


def test_no_plugin_module_imports_the_core():
    # Arrange: every module of every built-in channel, and of plugins/_meta.
    modules = sorted(PLUGINS.rglob("*.py"))
    assert len(modules) > 10
    # Act: read what each imports of socialledger.
    wrong = {str(m.relative_to(ROOT)): [i for i in project_imports(m.read_text(encoding="utf-8")) if not allowed(i)]
             for m in modules}
    # Assert: only socialledger.channels and the plugins' own packages.
    assert {m: i for m, i in wrong.items() if i} == {}


def test_the_check_sees_an_import_of_the_core():
    # A plugin reaching into the core, at module level or inside a function, is caught.
    source = "from socialledger.core.domain.records import Media\n" \
             "def f():\n    import socialledger.core.capture.inputs\n    from socialledger import open_ledger\n"
    assert [i for i in project_imports(source) if not allowed(i)] == [
        "socialledger.core.domain.records", "socialledger.core.capture.inputs", "socialledger.open_ledger"]


def test_the_plugin_guide_imports_only_the_surface():
    blocks = re.findall(r"```python\n(.*?)\n```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    imports = [i for b in blocks for i in project_imports(b)]
    assert imports and all(i in ("socialledger.channels", "socialledger.testing") for i in imports), imports


def test_the_surface_exports_what_it_names():
    for name in socialledger.channels.__all__:
        assert hasattr(socialledger.channels, name), name
    assert {"Channel", "ContentRecord", "InputFile", "BadInput", "FormatError", "hookimpl", "VOCABULARY",
            "as_id", "parse_time", "clean", "repair_tree", "json_documents", "Peeked"} <= set(
        socialledger.channels.__all__)
