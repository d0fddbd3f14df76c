"""Captured text reaches the terminal shown, never obeyed (issue 17, point 8; docs/cli.md, "Output").

A commenter's name and words may carry ANSI (CSI) and OSC escape sequences, bells,
carriage returns and bidirectional overrides. Tables and plain output show each as
a visible escape (`\\x1b`, `\\u202e`); JSON keeps them as data (its encoder writes
`\\u001b`), so a script reads back exactly what was captured.
"""

from __future__ import annotations

import io
import json

from rich.console import Console
from test_ingest_cli import FIX, cli, ingest  # noqa: F401 - the fixture

from socialledger.cli.output import cell
from socialledger.cli.safe import SafeStream, escape_controls

NAME = "Evil\x1b]0;pwned\x07\x1b[31mRed\u202e\x9b2J"
TEXT = "hej\x1b[2J\rdär\x00"
RAW = set("\x1b\x07\u202e\x9b\x00\r")


def hostile(tmp_path):
    data = json.loads((FIX / "sv" / "post_comments_p1.json").read_text(encoding="utf-8"))
    first = data["data"][0]
    first["from"]["name"] = NAME
    first["message"] = TEXT
    data["data"] = [first]
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_escape_controls():
    assert escape_controls(NAME) == "Evil\\x1b]0;pwned\\x07\\x1b[31mRed\\u202e\\u009b2J"
    assert escape_controls("rad\ttab\nny rad åäö 😊") == "rad\ttab\nny rad åäö 😊"  # nothing else is touched
    assert cell(NAME) == escape_controls(NAME)


def test_a_rich_table_on_a_terminal_shows_escapes(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("socialledger.cli.output.console",
                        lambda: Console(file=out, force_terminal=True, width=120, highlight=False))
    from socialledger.cli import output

    output.table(None, ["author", "text"], [[NAME, TEXT]])
    shown = out.getvalue()
    assert "\\x1b]0;pwned" in shown and "]0;pwned\x07" not in shown and "\u202e" not in shown


def test_the_stream_escapes_what_is_written_to_it():
    under = io.StringIO()
    SafeStream(under).write(f"author: {NAME}\n")
    assert not RAW & set(under.getvalue()) and under.getvalue().endswith("\n")


def test_content_list_and_show_escape_and_json_keeps_the_data(cli, tmp_path):  # noqa: F811
    ingest(cli, hostile(tmp_path))
    for args in (["content", "list"], ["content", "show", "facebook:1122334455667788_2233445566001"],
                 ["sla", "status"], ["audit", "log"]):
        shown = cli(*args, user="ingrid").stdout
        assert not RAW & set(shown), (args, shown)
    assert "Evil\\x1b]0;pwned" in cli("content", "list", user="ingrid").stdout
    (item,) = cli.json("content", "list", user="ingrid")
    assert item["author_name"] == NAME and item["text"] == TEXT  # JSON: the data as captured
