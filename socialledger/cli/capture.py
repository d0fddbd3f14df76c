"""`ingest`, `content` and `plugins`: capturing platform data and reading it back."""

from __future__ import annotations

import os
import sys

import click
import msgspec

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import clip, count, done, emit_json, plain, short_ids, short_time, table, when
from socialledger.cli.safe import escape_controls
from socialledger.core.domain.errors import BadInput
from socialledger.core.plugins import describe, plugin_manager


@click.command()
@common_options
@click.argument("channel")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--account", "account_id", required=True,
              help="The account the data belongs to: its ledger id, the short form, or the page as channel:id.")
@click.option("--signature", help="A webhook delivery's X-Hub-Signature-256 header, checked over the file's bytes.")
@click.option("--secret-env", help="The environment variable that holds the app secret (never the secret itself).")
@click.option("--recheck", is_flag=True,
              help="Read every file, also those this account has already ingested unchanged.")
@json_option
def ingest(channel: str, path: str, account_id: str, signature: str | None, secret_env: str | None,
           recheck: bool, as_json: bool) -> None:
    """Capture CHANNEL data from PATH (a file, a directory or a ZIP) into an account."""
    s = session()
    secret = None
    if secret_env:
        value = os.environ.get(secret_env)
        if not value:
            raise BadInput(f"--secret-env {secret_env}: that environment variable is not set")
        secret = value.encode("utf-8")
    show_bar = not as_json and sys.stderr.isatty()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("capturing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=not show_bar, transient=True) as bar:
        task = bar.add_task("ingest", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = s.ledger().ingest(s.actor, channel, path, account_id, signature=signature, secret=secret,
                                    progress=progress, recheck=recheck)
    result = summary.as_dict()
    if as_json:
        emit_json(result)
        return
    click.echo(
        f"{count(result['records'], 'record')}: {result['new']} new, {result['edited']} edited, "
        f"{result['unchanged']} unchanged, {result['hidden']} hidden, {result['unhidden']} unhidden, "
        f"{result['removed']} removed, {result['reconciled']} reconciled, {count(result['metrics'], 'metric value')}; "
        f"{count(result['events'], 'event')} recorded."
    )
    if result["files_skipped"]:
        n = result["files_skipped"]
        click.echo(f"{count(n, 'file')} {'was' if n == 1 else 'were'} ingested before, unchanged, and not read "
                   f"again (their records count as unchanged; --recheck reads them).")
    if result["stale"]:
        n = result["stale"]
        click.echo(f"{count(n, 'observation')} {'was' if n == 1 else 'were'} older than what the ledger holds and "
                   "changed nothing.")
    if result["files_passed"]:
        n = result["files_passed"]
        click.echo(f"{count(n, 'file')} of the input {'holds' if n == 1 else 'hold'} no items (media, HTML, "
                   "other files) and {'was' if n == 1 else 'were'} passed over.")
    if result["by_erased"]:
        n = result["by_erased"]
        click.echo(f"{count(n, 'item')} by an erased subject: see gdpr.md (new records, captured; "
                   "erase them with the same gdpr erase again)")
    if result["media_attached"]:
        n = result["media_attached"]
        click.echo(f"{count(n, 'media file')} {'was' if n == 1 else 'were'} attached to items captured earlier.")
    for line in accounting_lines(result["items"]):
        click.echo(line)
    for line in result["refused"]:
        click.echo(f"skipped: {escape_controls(line)}", err=True)
    for error in result["errors"]:
        click.echo(f"not delivered by the platform: {escape_controls(error)}", err=True)


def accounting_lines(items: dict) -> list[str]:
    """The accounting, one line a kind: `post: 12 (10 recorded, 2 unchanged)`, skips with their reasons."""
    lines = ["Items by kind:"] if items else []
    for kind, tally in items.items():
        parts = [f"{tally[k]} {k}" for k in ("recorded", "unchanged") if tally[k]]
        parts += [f"{n} skipped: {why}" for why, n in tally["skipped"].items()]
        lines.append(f"  {kind}: {tally['items']} ({', '.join(parts)})")
    return lines


@click.group()
def content() -> None:
    """List and show captured posts, comments and replies."""


@content.command("list")
@common_options
@click.option("--account", "account_id", help="Only this account's content.")
@json_option
def content_list(account_id: str | None, as_json: bool) -> None:
    """Every captured item with its current text, state and number of versions."""
    s = session()
    ledger = s.ledger()
    zone = ledger.policy().zone
    rows = ledger.content(s.actor, account_id)
    if as_json:
        emit_json([plain(r, zone) for r in rows])
        return
    short = short_ids(r["id"] for r in rows)
    table(
        "Captured content",
        ["id", "native id", "kind", "author", "created", "state", "versions", "text"],
        [(short[r["id"]], r["native_id"], r["kind"], _author(r),
          short_time(r["created"], zone), r["state"], r["versions"],
          clip(r["text"]) if not r["erased"] else "(erased)") for r in rows],
        empty="No content captured" + (" in this account." if account_id else "."),
    )


def _author(item: dict) -> str:
    if item["author_name"]:
        return item["author_name"]
    if item["author"]:
        return "erased"
    return "(the account)" if item["by_account"] else "(not given)"


@content.command("show")
@common_options
@click.argument("item_id", metavar="ITEM")
@json_option
def content_show(item_id: str, as_json: bool) -> None:
    """Every version of one item: when, observed when, from which source, and its raw fragment."""
    s = session()
    ledger = s.ledger()
    zone = ledger.policy().zone
    item = plain(ledger.content_item(s.actor, item_id), zone)
    if as_json:
        emit_json(item)
        return
    click.echo(f"{item['kind']} {item['id']} ({item['native_id'] or 'no native id'}), {item['state']}")
    click.echo(f"author: {_author(item)}; created {when(item['created'], seconds=True) or 'at an unknown time'}")
    for n, v in enumerate(item["versions"], 1):
        click.echo(f"\nversion {n}: {v['change']}, observed {when(v['observed'], seconds=True)} via {v['source']}, "
                   f"recorded {when(v['recorded'], seconds=True)}")
        click.echo(f"  {v['text'] if v['text'] is not None else '(erased)'}")
        if v["time_note"]:
            click.echo(f"  note: {v['time_note']}")
        if v["raw"] is not None:
            click.echo(f"  raw: {msgspec.json.encode(v['raw']).decode()}")
    for m in item["moderation"]:
        action = {"ItemHidden": "hidden", "ItemUnhidden": "unhidden", "ItemRemoved": "removed"}.get(m["action"],
                                                                                              m["action"])
        why = f": {m['reason']} (page rule {m['rule']})" if m.get("reason") else ""
        click.echo(f"\n{action} by {m['by']}, {when(m['observed'], seconds=True)} via {m['source']}{why}")


def _moderate(action: str, item_id: str, reason: str, rule: str) -> None:
    s = session()
    changed = s.ledger().moderate(s.actor, item_id, action, reason, rule)
    past = {"hide": "hidden", "remove": "removed"}[action]
    done(f'Item {item_id} {past} under the page rule "{rule}"; its captured content stays in the ledger.'
         if changed else f"Item {item_id} was {past} already; nothing recorded.",
         item=item_id, action=action, changed=changed)


@content.command("hide")
@common_options
@click.argument("item_id", metavar="ITEM")
@click.option("--reason", required=True, help="Why (R18).")
@click.option("--rule", required=True, help="The page rule it breaks.")
@json_option
def content_hide(item_id: str, reason: str, rule: str, as_json: bool) -> None:
    """Hide an item under a page rule (R18): recorded with who, when and which rule."""
    _moderate("hide", item_id, reason, rule)


@content.command("remove")
@common_options
@click.argument("item_id", metavar="ITEM")
@click.option("--reason", required=True, help="Why (R18).")
@click.option("--rule", required=True, help="The page rule it breaks.")
@json_option
def content_remove(item_id: str, reason: str, rule: str, as_json: bool) -> None:
    """Remove an item under a page rule (R18). The captured content is archived, never deleted."""
    _moderate("remove", item_id, reason, rule)


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Also hooks, versions and distributions.")
@json_option
def plugins(show_all: bool, as_json: bool) -> None:
    """The plugins and the channels they provide."""
    rows = describe(plugin_manager())
    if as_json:
        emit_json(rows)
        return
    if show_all:
        table("Plugins", ["plugin", "distribution", "version", "hooks", "channels"],
              [(r["name"], r["distribution"], r["version"], ", ".join(r["hooks"]),
                ", ".join(c["name"] for c in r["channels"])) for r in rows])
    else:
        table("Channels", ["channel", "title", "reads", "plugin"],
              [(c["name"], c["title"], ", ".join(c["reads"]), r["name"]) for r in rows for c in r["channels"]])


