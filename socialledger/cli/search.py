"""`search QUERY` and `search thread ITEM`: full-text search over every captured item and version."""

from __future__ import annotations

from typing import Any

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import clip, emit_json, plain, short_ids, table, when


class SearchGroup(click.Group):
    """`search QUERY...` searches; `search thread ITEM` shows a thread (a first word that is no subcommand is
    the query)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["find", *args]
        return super().parse_args(ctx, args)


@click.group("search", cls=SearchGroup)
def search_group() -> None:
    """Full-text search over every captured item and version, Swedish and Danish words in any inflected form.

    socialledger search QUERY [--account ID] [--channel C] [--kind K] [--period P] [--author S] [--state S]
    """


@search_group.command("find")
@common_options
@click.argument("query", nargs=-1, required=True)
@click.option("--account", "account_id", help="Only this account (its id or short id, or channel:platform-id).")
@click.option("--channel", help="Only this channel (facebook, instagram, ...).")
@click.option("--kind", help="Only this kind: post, comment, reply, visitor_post.")
@click.option("--period", help="Created in this period: 2026H1, 2026Q2, 2026-03, 2026-W12, A..B.")
@click.option("--author", help="Written by this subject (facebook:<user id>).")
@click.option("--state", help="Only items now visible, hidden or removed.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many items, newest first.")
@json_option
def search_find(query: tuple[str, ...], account_id: str | None, channel: str | None, kind: str | None,
                period: str | None, author: str | None, state: str | None, limit: int, as_json: bool) -> None:
    """Find items with every word of QUERY (in any inflected form), newest first, with their thread context."""
    s = session()
    ledger = s.ledger()
    found = ledger.search(s.actor, " ".join(query), account=account_id, channel=channel, kind=kind, period=period,
                          author=author, state=state, limit=limit)
    zone = ledger.policy().zone
    if as_json:
        emit_json(plain(found, zone))
        return
    rows = found["results"]
    if not rows:
        click.echo(f"Nothing found for {found['query']!r}.")
        return
    short = short_ids([r["id"] for r in rows] + [r["parent"]["id"] for r in rows if r["parent"]])
    table(f"{len(rows)} found for {found['query']!r}", ["id", "account", "kind", "created", "author", "state",
                                                        "versions", "text", "in reply to"],
          [_row(r, short, zone) for r in rows])
    more = " (the newest; --limit shows more)" if len(rows) == found["limit"] else ""
    click.echo(f"{len(rows)} found for {found['query']!r}{more}.")


def _row(r: dict[str, Any], short: dict[str, str], zone: Any) -> tuple[Any, ...]:
    parent = r["parent"]
    return (short[r["id"]], r["account_name"], r["kind"], when(r["created"], zone), r["author_name"] or "",
            r["state"] + (" (moderated)" if r["moderation"] else ""), len(r["versions"]),
            clip(r["text"] or ("(erased)" if r["erased"] else ""), 50),
            "" if parent is None else f"{short[parent['id']]} {clip(parent['text'] or '', 30)}")


@search_group.command("thread")
@common_options
@click.argument("item_id", metavar="ITEM")
@json_option
def search_thread(item_id: str, as_json: bool) -> None:
    """An item's whole thread: the post it belongs to and every reply under it, with edits and moderation."""
    s = session()
    ledger = s.ledger()
    found = ledger.thread(s.actor, item_id)
    zone = ledger.policy().zone
    if as_json:
        emit_json(plain(found, zone))
        return
    rows = [found["root"], *found["replies"]]
    short = short_ids([r["id"] for r in rows] + [r["parent"]["id"] for r in rows if r["parent"]])
    table("Thread", ["id", "kind", "created", "author", "state", "versions", "text", "in reply to"],
          [(("> " if r["id"] == found["item"] else "") + short[r["id"]], r["kind"], when(r["created"], zone),
            r["author_name"] or "", r["state"], len(r["versions"]), clip(r["text"] or "", 60),
            short[r["parent"]["id"]] if r["parent"] else "") for r in rows])
