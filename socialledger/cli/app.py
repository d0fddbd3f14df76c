"""The click group, the options every command shares, and how errors leave the CLI."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import click

from socialledger.cli.safe import SafeStream, escape_controls
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import SocialLedgerError
from socialledger.core.storage.config import StorageConfig

if TYPE_CHECKING:  # the application is imported when a command opens the ledger (`Session.ledger`)
    from socialledger.app import Ledger


@attrs.define
class Session:
    """What a CLI call knows about where it runs and who runs it."""

    home: str | None = None
    as_user: str | None = None
    json: bool = False
    _ledger: Ledger | None = None

    @property
    def actor(self) -> Actor:
        return Actor.current(self.as_user)

    def ledger(self, *, create: bool = False, config: StorageConfig | None = None, check_keys: bool = True) -> Ledger:
        if self._ledger is None:
            from socialledger.app import open_ledger

            self._ledger = open_ledger(self.home, create=create, config=config, check_keys=check_keys)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None


def session() -> Session:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = Session()
    return root.obj


def _store(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            setattr(session(), attr, value)
        return value

    return callback


def common_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """`--home` and `--as` on every command as well as on the group."""
    f = click.option(
        "--as", "as_user", expose_value=False, callback=_store("as_user"), envvar=None,
        help="Act as this ledger user (else SOCIALLEDGER_USER, else the login name).",
    )(f)
    f = click.option(
        "--home", expose_value=False, callback=_store("home"), type=click.Path(file_okay=False),
        help="Ledger home directory (else SOCIALLEDGER_HOME, else the per-user data directory).",
    )(f)
    return f


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, callback=_store("json"), help="Print JSON instead of a table."
    )(f)


class LedgerGroup(click.Group):
    """Turns every user-caused error into one line and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        shown = sys.stdout
        if not isinstance(shown, SafeStream):
            sys.stdout = SafeStream(shown)  # type: ignore[assignment]
        try:
            return super().invoke(ctx)
        except SocialLedgerError as e:
            # A command that already printed its JSON result (a failed verification's report) adds none.
            payload = None if getattr(e, "reported", False) else {"error": e.message, "rule": e.rule}
            _fail(e.line(), e.exit_code, payload)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader stopped reading (`| head`): nothing more to say, and no error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("interrupted", 130, {"error": "interrupted", "rule": None})
        except Exception as e:
            from eventsourcing.persistence import PersistenceError  # here: a command that stores nothing needs none

            if isinstance(e, PersistenceError):
                _fail(f"the ledger store failed: {e}", 1, {"error": str(e), "rule": None})
            if os.environ.get("SOCIALLEDGER_DEBUG"):
                raise
            _fail(
                f"internal error: {type(e).__name__}: {e} (set SOCIALLEDGER_DEBUG=1 for the traceback)",
                1,
                {"error": f"{type(e).__name__}: {e}", "rule": None},
            )
        finally:
            sys.stdout = shown
            root = ctx.find_root()
            if isinstance(root.obj, Session):
                root.obj.close()


class LazyLedgerGroup(LedgerGroup):
    """A `LedgerGroup` whose commands are imported when first used: `lazy` maps a command's name to its module
    (under `package`), the command's name in that module, and its short help, which the group's own help lists
    without importing the command (`socialledger.cli.COMMANDS`).

    `commands` still holds every command for whoever walks the tree (it imports them all); the group itself
    (running a command, completing or listing names) imports only the command it runs."""

    def __init__(self, *args: Any, lazy: Mapping[str, tuple[str, str, str]], package: str, **kwargs: Any) -> None:
        self._lazy = dict(lazy)
        self._package = package
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        for name in self._lazy:
            self._load(name)
        return self._loaded

    @commands.setter
    def commands(self, value: Mapping[str, click.Command]) -> None:
        self._loaded = dict(value)

    def _load(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            module, attribute, _ = self._lazy[name]
            command = getattr(importlib.import_module(f"{self._package}.{module}"), attribute)
            self._loaded[name] = command
        return command

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._loaded[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            return self._load(cmd_name)
        return self._loaded.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._lazy, *self._loaded})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, with a command not yet imported shown by the short help `lazy` gives it."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self._loaded.get(name) or click.Command(name, help=self._lazy[name][2])
            if not command.hidden:
                rows.append((name, command))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


def _fail(line: str, code: int, payload: dict[str, Any] | None) -> None:
    root = click.get_current_context().find_root()
    if payload is not None and isinstance(root.obj, Session) and root.obj.json:
        click.echo(json.dumps(payload, ensure_ascii=False))
    click.echo(f"error: {escape_controls(line)}", err=True)
    sys.exit(code)
