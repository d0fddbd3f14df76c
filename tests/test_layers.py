"""Imports point down: cli -> app -> projections, archive -> core; core/domain imports nothing else of ours.

The layer contract is in pyproject.toml and checked by `import-linter` (the first
test). The others read the source (every import, also those inside functions), for
what import-linter does not see: an import inside a function that crosses a layer,
and an import cycle between modules of one layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import socialledger

ROOT = Path(socialledger.__file__).parent

#: layer -> the layers of the project it must never import
FORBIDDEN = {
    "socialledger.core": ("socialledger.app", "socialledger.projections", "socialledger.archive",
                          "socialledger.cli", "socialledger.plugins", "socialledger.demo", "socialledger.testing"),
    "socialledger.projections": ("socialledger.app", "socialledger.cli", "socialledger.demo"),
    "socialledger.archive": ("socialledger.app", "socialledger.cli", "socialledger.demo"),
    "socialledger.render": ("socialledger.app", "socialledger.cli", "socialledger.demo", "socialledger.projections",
                            "socialledger.archive"),
    "socialledger.app": ("socialledger.cli",),
}


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, whether the import is inside a function or class) for every import of ours."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.col_offset > 0) for a in node.names if a.name.startswith("socialledger")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("socialledger"):
            found += [(f"{node.module}.{a.name}", node.col_offset > 0) for a in node.names]
    return found


def under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_layer_contract_holds():
    """The contract in pyproject.toml ([tool.importlinter]), checked by import-linter itself."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_imports_point_down():
    wrong = []
    for name, path in modules().items():
        for target, _ in imports(path):
            if under(name, "socialledger.core.domain") and not under(target, "socialledger.core.domain"):
                wrong.append(f"{name} -> {target}")
            for layer, forbidden in FORBIDDEN.items():
                if under(name, layer) and any(under(target, f) for f in forbidden):
                    wrong.append(f"{name} -> {target}")
    assert not wrong


#: the only imports of ours made inside a function, each for a reason other than a cycle or a layer
LATE_IMPORTS = {
    # `import socialledger` must stay light: a channel plugin imports it for `hookimpl` alone
    ("socialledger", "socialledger.app.open_ledger"),
    # each storage backend is imported only when the configuration chooses it
    ("socialledger.core.storage.backends", "socialledger.core.storage.sqlite.backend.SQLiteStorage"),
    ("socialledger.core.storage.backends", "socialledger.core.storage.postgresql.backend.PostgreSQLStorage"),
    # the printout's module needs WeasyPrint; the offline verifier works without it
    ("socialledger.archive.verify", "socialledger.archive.pdf.pdfa_identification"),
    # every command starts without loading the web view's server stack (Starlette, Jinja2): only `web` needs it
    ("socialledger.cli.web", "socialledger.web.app.create_app"),
    # nor the application (the domain's event classes, the stores, the read models, the archive modules): `--help`,
    # `--version` and a command's own help need none of it; a command loads it when it opens the ledger
    ("socialledger.cli.app", "socialledger.app.open_ledger"),
    ("socialledger.cli.app", "socialledger.app.Ledger"),  # for the type checker alone
    # nor the capture service's server (uvicorn, Starlette) and poller (httpx): only `serve` and `poll` need them
    ("socialledger.cli.service", "socialledger.service.server.serve"),
    ("socialledger.cli.service", "socialledger.service.polling.Poller"),
    ("socialledger.cli.service", "socialledger.service.polling.PollFailed"),
}


def test_nothing_of_ours_is_imported_inside_a_function_but_the_listed():
    """No import is hidden in a function to dodge a layer or a cycle; the few late ones say why above."""
    late = {(name, target) for name, path in modules().items() for target, nested in imports(path) if nested}
    assert late - LATE_IMPORTS == set()


def test_no_import_cycles():
    mods = modules()

    def resolve(target: str) -> str:
        while target and target not in mods:
            target = target.rpartition(".")[0]
        return target

    graph = {name: {resolve(t) for t, _ in imports(path)} - {name, ""} for name, path in mods.items()}
    cycles, index, low, stack, on = [], {}, {}, [], set()

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []
