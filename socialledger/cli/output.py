"""How results are shown: JSON for scripts, tables for people."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import click
import msgspec
from rich.console import Console
from rich.table import Table

from socialledger.cli.app import session


def local(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with offset, in the organisation's time zone."""
    return value.astimezone(zone).isoformat() if value is not None else None


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


def emit_json(value: Any) -> None:
    click.echo(msgspec.json.format(msgspec.json.encode(value), indent=2).decode("utf-8"))


def console() -> Console:
    c = Console(highlight=False)
    if not c.is_terminal:
        # In a pipe or a file, no terminal width to respect: keep rows whole.
        c = Console(highlight=False, width=200)
    return c


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console().print(t)


def short_time(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""


def done(message: str, **payload: Any) -> None:
    """Report a finished command: its message for people, its payload for --json."""
    if session().json:
        emit_json(payload)
    else:
        click.echo(message)


def clip(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"
