"""How results are shown: JSON for scripts, plain words and tables for people (docs/cli.md, "Output").

- JSON (`--json`) is the application's result made plain: ids as strings, times ISO 8601 with the
  organisation's offset, `null` for what is not known.
- Text never shows a Python repr: no `None`, `True` or microseconds. `cell` turns a value into words
  (nothing for None, yes/no, times to the minute with their offset, lists joined); `count` puts a
  number and its noun together ("1 item", "2 items").
- A table on a terminal is drawn to fit it (rich honours `COLUMNS`); in a pipe or a file it is plain
  lines, a header and a row a line, the columns separated by one tab (`cut -f2`, `awk -F'\\t'`).
- An empty result says so in one line ("No accounts in the register.") rather than an empty table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import click
import msgspec

from socialledger.cli.app import session
from socialledger.cli.safe import escape_controls, raw_stdout

if TYPE_CHECKING:  # rich is imported by what draws a table, not by every command
    from rich.console import Console


def _in_zone(value: datetime, zone: ZoneInfo) -> datetime:
    """`value` in `zone`; as it is (UTC) at the edge of the calendar, where the zone's offset overflows
    (year 9999 or 1, stored by versions that did not check platform times: docs/ingest.md)."""
    try:
        return value.astimezone(zone)
    except (OverflowError, ValueError):
        return value


def local(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with offset, in the organisation's time zone (JSON: full precision)."""
    return _in_zone(value, zone).isoformat() if value is not None else None


def when(value: datetime | str | float | None, zone: ZoneInfo | None = None, *, seconds: bool = False) -> str:
    """A time for people: ISO 8601 in the organisation's time zone with its offset, to the minute
    (`2026-03-02T10:01+01:00`), or to the second; nothing for no time. Takes a datetime, an ISO
    string as `plain` makes them, or POSIX seconds (the read models' times)."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, ZoneInfo("UTC"))
    elif isinstance(value, str):
        value = datetime.fromisoformat(value)
    if zone is not None:
        value = _in_zone(value, zone)
    return value.isoformat(timespec="seconds" if seconds else "minutes")


def plain(value: Any, zone: ZoneInfo) -> Any:
    """A JSON-ready copy: datetimes local with offset, ids as strings."""
    if isinstance(value, datetime):
        return local(value, zone)
    if isinstance(value, dict):
        return {str(k): plain(v, zone) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [plain(v, zone) for v in items]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def cell(value: Any) -> str:
    """A value in words, for a table cell or a line of text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, float):
        return f"{int(value)}" if value.is_integer() else f"{value:.2f}"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {cell(v)}" for k, v in value.items())
    return escape_controls(str(value))


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 item`, `2 items`, `0 items` (`plural` for nouns that do not just take an s)."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def emit_json(value: Any) -> None:
    click.echo(msgspec.json.format(msgspec.json.encode(value), indent=2).decode("utf-8"))


def console() -> Console:
    """A console on stdout: rich finds the terminal's width (or `COLUMNS`) itself."""
    from rich.console import Console

    return Console(highlight=False, file=raw_stdout())


#: on a terminal: columns never broken, free text clipped to one line, times that may take two lines
_WHOLE = {"id", "item", "pos", "state"}
_CLIPPED = {"text", "excerpt"}
_TIMES = {"received", "due", "first response", "created", "time", "applied"}
_TIME_OF_DAY = len("10:01+01:00")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          empty: str | None = None) -> None:
    """Rows under their column names: a table fitted to a terminal, tab-separated lines elsewhere.

    With no rows, the one line `empty` (default: "Nothing to show.") instead.
    """
    rows = [[cell(v) for v in row] for row in rows]
    if not rows:
        click.echo(empty or "Nothing to show.")
        return
    out = console()
    widths = _fit(columns, rows, out.width) if out.is_terminal else None
    if widths is None:  # a pipe or a file, or a terminal too narrow for the table: plain lines
        for line in [list(columns), *rows]:
            click.echo("\t".join(" ".join(v.split()) for v in line))
        return
    from rich import box
    from rich.table import Table

    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
              collapse_padding=True)
    for c, w in zip(columns, widths, strict=True):
        if c in _CLIPPED:  # free text: one line, cut with an ellipsis where its width ends
            t.add_column(c, width=w, no_wrap=True, overflow="ellipsis")
        else:  # what the next command takes and times fit whole; names fold onto more lines
            t.add_column(c, width=w, overflow="fold")
    for row in rows:
        t.add_row(*row)
    out.print(t)


def _fit(columns: Sequence[str], rows: list[list[str]], width: int) -> list[int] | None:
    """Column widths that fit `width` (two spaces between columns), or None.

    Free text is clipped first (to 12 characters at least); then times go onto two lines, the date
    above the time of day (`2026-03-02T` / `10:01+01:00`); then names fold; ids never break.
    """
    from rich.cells import cell_len

    room = width - 2 * (len(columns) - 1)
    natural = [max(cell_len(c), *(cell_len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    widths = list(natural)

    def shrink(indices: list[int], least: dict[int, int]) -> None:
        # a character at a time from the widest that may give one: the widths even out
        while sum(widths) > room:
            giving = [i for i in indices if widths[i] > least[i]]
            if not giving:
                return
            widths[max(giving, key=lambda i: widths[i] - least[i])] -= 1

    texts = [i for i, c in enumerate(columns) if c in _CLIPPED]
    shrink(texts, {i: min(widths[i], 12) for i in texts})
    if sum(widths) > room:
        for i, c in enumerate(columns):
            if c in _TIMES and widths[i] > _TIME_OF_DAY:
                widths[i] = max(_TIME_OF_DAY, len(c) if " " not in c else max(map(len, c.split())))
    names = [i for i, c in enumerate(columns) if c not in _CLIPPED and c not in _TIMES and c not in _WHOLE]
    shrink(names, {i: min(widths[i], 10) for i in names})
    if sum(widths) > room:
        return None
    for i in texts:  # what folding the times left over goes back to the text
        grow = min(room - sum(widths), natural[i] - widths[i])
        widths[i] += max(grow, 0)
    return widths


def heading(text: str) -> None:
    """A section's heading before its table (a line of its own, in a pipe too)."""
    click.echo(text)


def short_ids(ids: Iterable[str | UUID | None]) -> dict[str, str]:
    """Full id -> the short form tables show, which every command takes (`socialledger.app.ids`)."""
    s = session()
    wanted = sorted({str(i) for i in ids if i})
    return s.ledger().short_ids(s.actor, wanted) if wanted else {}


def short_time(value: datetime | None, zone: ZoneInfo) -> str:
    return when(value, zone)


def done(message: str, **payload: Any) -> None:
    """Report a finished command: its message for people, its payload for --json."""
    if session().json:
        emit_json(payload)
    else:
        click.echo(message)


def clip(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["cell", "clip", "console", "count", "done", "emit_json", "heading", "local", "plain", "short_ids",
           "short_time", "table", "when"]
