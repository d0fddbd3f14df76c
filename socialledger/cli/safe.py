"""Terminal safety: captured text is shown, never obeyed (docs/cli.md, "Output")."""

from __future__ import annotations

import re
import sys
from typing import Any

#: What captured text may carry that a terminal would act on: C0 controls but tab and newline, DEL, C1
#: controls (CSI, OSC, ...), and the bidirectional overrides and isolates that reorder what is shown.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(m: re.Match[str]) -> str:
    # C0 as `\x1b`; DEL, C1 and the bidirectional marks as `\u009b`, which inside a JSON string (msgspec
    # writes these characters as they are) is the JSON escape of the same character: the data is kept.
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x20 else f"\\u{c:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character a terminal would act on shown as an escape (`\\x1b`).

    Captured text (a commenter's name, a comment) may carry ANSI and OSC sequences; tables and
    plain output show them as visible escapes, never as instructions to the terminal. JSON
    keeps them as data (its encoder escapes them as `\\u001b`).
    """
    return _CONTROLS.sub(_escaped, text) if _CONTROLS.search(text) else text


class SafeStream:
    """A text stream that writes through `escape_controls`: what the CLI prints for people.

    Installed over stdout for every command (`LedgerGroup`); rich tables are drawn to the
    stream beneath it (`console`), their cells escaped by `cell`. Bytes written to the
    stream's `buffer` are not touched (a file written to stdout).
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def raw_stdout() -> Any:
    """The stream beneath the CLI's stdout (for rich, which writes its own escapes)."""
    out = sys.stdout
    return out._stream if isinstance(out, SafeStream) else out
