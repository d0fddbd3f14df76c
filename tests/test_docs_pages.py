"""Every page of docs/, and the README's "Using it", runs as written (issue 24).

The conventions a page writer keeps (also in docs/cli.md, "Pages that run"):

- Every ```sh block of a page runs, in page order, in one bash session per page (`set -e -o pipefail`,
  so variables such as `$ID` carry from block to block and the first failing command fails the test),
  on a fresh ledger: HOME is an empty temporary directory (so `~/ledger` is new), the working directory
  another, no SOCIALLEDGER_* variable is set, the login name is `reader` (who holds no role).
  Pages are found by globbing docs/*.md: a page added later is covered without a line here.
- A ```text block right after a ```sh block (only blank lines between) holds lines that must each
  appear in that block's output (stdout and stderr together; runs of white space compare as one
  space, so a table's tab-separated row is written with spaces).
- A command line ending in `# exit N` must exit with N (a refusal shown on purpose); any other
  command must succeed.
- `<!-- file: PATH -->` right before a fenced block writes the block to PATH under the working
  directory before the page runs (the plugin guide's files).
- `<!-- docs-test: needs NAME -->` on a line of its own anywhere in a page runs the page with the fixture NAME of `NEEDS`
  below (a server, a virtual environment); a need with no fixture fails, naming it.
- `<!-- docs-test: not run: REASON -->` right before a ```sh block shows it without running it
  (benchmarks that take minutes); the reason is required.
- A `socialledger` command in a fenced block that is not ```sh fails the test: it would never run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))

FENCE = re.compile(r"^```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
NEEDS_MARK = re.compile(r"^<!--\s*docs-test:\s*needs\s+(?P<need>[\w-]+)\s*-->", re.MULTILINE)
NOT_RUN = re.compile(r"<!--\s*docs-test:\s*not run:\s*(?P<reason>[^>]*?)\s*-->\s*$")
FILE_MARK = re.compile(r"<!--\s*file:\s*(?P<path>\S+)\s*-->\s*$")
EXIT = re.compile(r"^(?P<command>.*?)\s+#\s*exits?\s+(?P<code>\d+)\s*$")
MARK = "@@docs-test block {}@@"


class Block:
    def __init__(self, number: int, body: str, line: int) -> None:
        self.number = number
        self.body = body
        self.line = line  # where the block starts in its page, for the failure message
        self.expected: list[str] = []


def page_text(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    if page.name == "README.md":  # its "Using it" section: the rest installs and tests the project
        start = text.index("## Using it")
        end = text.find("\n## ", start + 1)
        text = text[start:end if end != -1 else None]
    return text


def parse(text: str) -> tuple[list[Block], dict[str, str], list[str]]:
    """The page's runnable blocks (with what their output must show), its files, and its needs."""
    blocks: list[Block] = []
    files: dict[str, str] = {}
    fences = list(FENCE.finditer(text))
    for i, m in enumerate(fences):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if f := FILE_MARK.search(before):
            files[f["path"]] = m["body"]
        if m["lang"] == "sh":
            not_run = NOT_RUN.search(before)
            if not_run:
                assert not_run["reason"], f"a block not run says why (line {text.count(chr(10), 0, m.start()) + 1})"
                continue
            blocks.append(Block(len(blocks) + 1, m["body"], text.count("\n", 0, m.start()) + 1))
        elif m["lang"] == "text" and i > 0 and blocks and fences[i - 1]["lang"] == "sh" \
                and not text[fences[i - 1].end():m.start()].strip():
            blocks[-1].expected = [line.strip() for line in m["body"].splitlines() if line.strip()]
    return blocks, files, NEEDS_MARK.findall(text)


def script(blocks: list[Block]) -> str:
    out = ["set -e -o pipefail", "exec 2>&1"]
    for block in blocks:
        out.append(f"echo '{MARK.format(block.number)}'")
        out.extend(_checked(block.body))
    out.append(f"echo '{MARK.format('end')}'")
    return "\n".join(out) + "\n"


def _checked(body: str) -> list[str]:
    """The block's lines, a command ending in `# exit N` made to check its exit code instead of failing."""
    lines, pending = [], ""
    for line in body.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line + "\n"
            continue
        whole, pending = pending + line, ""
        m = EXIT.match(whole)
        if m and not whole.lstrip().startswith("#"):
            code = m["code"]
            lines.append(f"__rc=0; {m['command']} || __rc=$?\n"
                         f"[ \"$__rc\" = {code} ] || {{ echo \"docs-test: expected exit {code}, got $__rc\"; exit 97; }}")
        else:
            lines.append(whole)
    return lines


def _normal(text: str) -> str:
    return " ".join(text.split())


# Needs: what a page may ask for with <!-- docs-test: needs NAME --> --------------------------------------


def _venv(work: Path, env: dict[str, str]) -> None:
    """A virtual environment of the page's own, first on PATH: what the page installs goes there, not into
    the environment running the tests; it sees socialledger and everything installed beside it."""
    where = work.parent / "venv"
    venv.EnvBuilder(with_pip=True).create(where)
    site = next((where / "lib").glob("python*/site-packages"))
    ours = [p for p in sys.path if p.endswith("site-packages")]
    # addsitedir, not a bare path: the site's own .pth files (the editable install of socialledger) count too
    (site / "socialledger-tests.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours))
    launcher = where / "bin" / "socialledger"
    launcher.write_text(f"#!{where / 'bin' / 'python'}\nfrom socialledger.cli import main\nmain()\n")
    launcher.chmod(0o755)
    env["PATH"] = f"{where / 'bin'}:{env['PATH']}"
    env["VIRTUAL_ENV"] = str(where)


def _postgresql(work: Path, env: dict[str, str]) -> Callable[[], None]:
    """A PostgreSQL server of the page's own (a throwaway cluster, as the tests' `postgres_server`), its
    superuser's connection in libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD): what an operator's
    shell has. Stopped when the page is done."""
    from socialledger.testing_postgresql import TemporaryServer

    server = TemporaryServer().start()
    for name in [k for k in env if k.startswith("PG")]:
        del env[name]
    env.update(server.libpq_env())
    return server.stop


#: need -> fixture(working directory, environment): it starts what the page needs and sets the environment,
#: and returns what stops it again (or None)
NEEDS: dict[str, Callable[[Path, dict[str, str]], Callable[[], None] | None]] = {
    "venv": _venv,
    "postgresql": _postgresql,
}


def fixtures(page: str, needs: list[str]) -> list[Callable[[Path, dict[str, str]], Callable[[], None] | None]]:
    """The fixtures a page's needs name; a need without one fails, loudly and by name."""
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        pytest.fail(f"{page} needs {', '.join(map(repr, unknown))}, which tests/test_docs_pages.py has no fixture "
                    f"for: add one to NEEDS")
    return [NEEDS[n] for n in needs]


def test_an_unknown_need_fails_naming_it():
    (need,) = parse("<!-- docs-test: needs mainframe -->\n")[2]  # a need no fixture will ever meet
    with pytest.raises(pytest.fail.Exception, match="needs 'mainframe', which .* no fixture"):
        fixtures("some-page.md", [need])
    assert fixtures("plugins.md", ["venv"]) == [_venv]


def _pages() -> list[Path]:
    return [*PAGES, ROOT / "README.md"]


def test_the_pages_are_found_and_most_have_commands():
    runnable = [p.name for p in _pages() if parse(page_text(p))[0]]
    assert "README.md" in runnable and "accounts.md" in runnable and len(runnable) >= 10, runnable


def test_a_text_block_after_a_sh_block_is_its_expected_output():
    blocks, files, needs = parse(textwrap.dedent("""\
        <!-- docs-test: needs venv -->
        <!-- file: a.txt -->
        ```text
        hello
        ```

        ```sh
        echo hi   # exit 0
        ```

        ```text
        hi
        ```
        <!-- docs-test: not run: it takes an hour -->
        ```sh
        sleep 3600
        ```
        """))
    assert [b.expected for b in blocks] == [["hi"]] and files == {"a.txt": "hello\n"} and needs == ["venv"]


UNRUN_SHELL = re.compile(r"^(\$ )?socialledger ", re.MULTILINE)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_no_command_hides_outside_a_sh_block(page):
    """A `socialledger` command in a block that is not ```sh would never be run: it could rot unseen."""
    text = page_text(page)
    for m in FENCE.finditer(text):
        if m["lang"] != "sh" and UNRUN_SHELL.search(m["body"]):
            line = text.count("\n", 0, m.start()) + 1
            pytest.fail(f"{page.name}, line {line}: a socialledger command in a ```{m['lang']} block; write it as "
                        "```sh so that it runs (or mark that block <!-- docs-test: not run: REASON -->)")


def _runnable() -> list[Path]:
    """The pages with shell commands (architecture, decisions and the rules have none)."""
    return [p for p in _pages() if parse(page_text(p))[0]]


@pytest.mark.parametrize("page", _runnable(), ids=lambda p: p.name)
def test_the_page_runs_as_written(page, tmp_path):
    blocks, files, needs = parse(page_text(page))
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    for rel, body in files.items():
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    env.update(HOME=str(home), USER="reader", LOGNAME="reader", COLUMNS="100",
               PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin")
    env.pop("VIRTUAL_ENV", None)
    stops = []
    try:
        for fixture in fixtures(page.name, needs):
            stop = fixture(work, env)
            if stop is not None:
                stops.append(stop)
        result = subprocess.run(["bash", "-c", script(blocks)], check=False, cwd=work, env=env,
                                capture_output=True, text=True, timeout=900)
    finally:
        for stop in reversed(stops):
            stop()
    outputs = dict(_split(result.stdout))
    ran = [b for b in blocks if str(b.number) in outputs]
    last = ran[-1] if ran else blocks[0]
    if result.returncode != 0:
        pytest.fail(f"{page.name}: the block at line {last.line} failed (exit {result.returncode}):\n"
                    f"{last.body}\n--- its output ---\n{outputs.get(str(last.number), result.stdout)}"
                    f"{result.stderr}")
    assert "end" in outputs, result.stdout
    for block in blocks:
        shown = _normal(outputs[str(block.number)])
        for line in block.expected:
            assert _normal(line) in shown, (f"{page.name}, the block at line {block.line}: its output no longer "
                                            f"shows {line!r}:\n{outputs[str(block.number)]}")
        assert "internal error" not in shown and "Traceback" not in shown, outputs[str(block.number)]


def _split(stdout: str) -> list[tuple[str, str]]:
    parts = re.split(r"^@@docs-test block (\w+)@@\n", stdout, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))
