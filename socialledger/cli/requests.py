"""`request open|add|decide|show|list|release`: a records request as a case (docs/records-requests.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from socialledger.cli.app import common_options, json_option, session
from socialledger.cli.output import clip, done, emit_json, plain, short_ids, table, when
from socialledger.core.domain.errors import BadInput


@click.group("request")
def request_group() -> None:
    """Records requests (utlämnande av allmän handling; aktindsigt): find, decide per item, release."""


@request_group.command("open")
@common_options
@click.option("--requester", required=True, help="Who asked ('anonymous' when they gave no name).")
@click.option("--received", required=True, help="When the request arrived (YYYY-MM-DD).")
@click.option("--subject", required=True, help="What is asked for, in the requester's words.")
@json_option
def request_open(requester: str, received: str, subject: str, as_json: bool) -> None:
    """Open a records request."""
    try:
        day = date.fromisoformat(received)
    except ValueError:
        raise BadInput(f"--received is a date, YYYY-MM-DD, not {received!r}") from None
    s = session()
    rid = s.ledger().open_request(s.actor, requester, day, subject)
    done(f"Records request {rid} opened.", id=str(rid))


@request_group.command("add")
@common_options
@click.argument("request")
@click.argument("items", nargs=-1, required=True)
@json_option
def request_add(request: str, items: tuple[str, ...], as_json: bool) -> None:
    """Add found items (ids as search shows them) to REQUEST."""
    s = session()
    new = s.ledger().add_to_request(s.actor, request, list(items))
    done(f"{len(new)} item(s) added" + (f", {len(items) - len(new)} already in the request." if len(new) < len(items)
                                        else "."), added=[str(i) for i in new])


@request_group.command("decide")
@common_options
@click.argument("request")
@click.argument("item")
@click.option("--release", "decision", flag_value="release", help="Release the item as it is.")
@click.option("--withhold", "decision", flag_value="withhold", help="Withhold the item (secrecy).")
@click.option("--mask", "spans", multiple=True, help="Release, masking this span of text (repeatable).")
@click.option("--mask-author", is_flag=True, help="Release, masking the author's identity.")
@click.option("--mask-media", is_flag=True, help="Release, masking the media files.")
@click.option("--ground", help="The legal ground: 'OSL 21:7', 'GDPR art. 6.1 e', ... (needed to mask or withhold).")
@click.option("--note", help="Why, for the case file (not given to the requester).")
@json_option
def request_decide(request: str, item: str, decision: str | None, spans: tuple[str, ...], mask_author: bool,
                   mask_media: bool, ground: str | None, note: str | None, as_json: bool) -> None:
    """Decide on ITEM of REQUEST: --release, --mask TEXT / --mask-author / --mask-media, or --withhold."""
    masking = bool(spans or mask_author or mask_media)
    if masking and decision is not None:
        raise click.UsageError("--mask, --mask-author and --mask-media release with masking: leave out "
                               f"--{decision}")
    if not masking and decision is None:
        raise click.UsageError("give one decision: --release, --mask TEXT, --mask-author, --mask-media or --withhold")
    s = session()
    s.ledger().decide_on_item(s.actor, request, item, "mask" if masking else str(decision), spans=list(spans),
                              author=mask_author, media=mask_media, ground=ground, note=note)
    what = "release with masking" if masking else str(decision)
    done(f"Decided: {what}" + (f" ({ground})" if ground else "") + ".", decision=what, ground=ground)


@request_group.command("list")
@common_options
@json_option
def request_list(as_json: bool) -> None:
    """Every records request."""
    s = session()
    ledger = s.ledger()
    rows = plain(ledger.requests(s.actor), ledger.policy().zone)
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo("No records requests.")
    else:
        short = short_ids(r["id"] for r in rows)
        table("Records requests", ["id", "received", "requester", "subject", "items", "decided", "released"],
              [(short[r["id"]], r["received"], clip(r["requester"], 24), clip(r["subject"], 40), r["items"],
                r["decided"], "yes" if r["released"] else "") for r in rows])


@request_group.command("show")
@common_options
@click.argument("request")
@json_option
def request_show(request: str, as_json: bool) -> None:
    """A request with its items and the decision on each."""
    s = session()
    ledger = s.ledger()
    detail = ledger.request_detail(s.actor, request)
    zone = ledger.policy().zone
    if as_json:
        emit_json(plain(detail, zone))
        return
    click.echo(f"Request {detail['id']}: received {detail['received']} from {detail['requester']}: "
               f"{detail['subject']}")
    short = short_ids(i["id"] for i in detail["items"])
    table("Items", ["nr", "id", "kind", "created", "author", "text", "decision", "ground", "by"],
          [(i["number"], short[i["id"]], i["kind"], when(i["created"], zone), i["author_name"] or "",
            clip(i["text"] or "", 40), _decision(i["decision"]), (i["decision"] or {}).get("ground") or "",
            (i["decision"] or {}).get("actor") or "") for i in detail["items"]])


def _decision(d: dict | None) -> str:
    if d is None:
        return "(undecided)"
    if d["decision"] == "mask":
        return "mask " + ", ".join((["text"] if d["spans"] else []) + (["author"] if d["author"] else [])
                                   + (["media"] if d["media"] else []))
    return d["decision"]


@request_group.command("release")
@common_options
@click.argument("request")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new directory for release.pdf and release.json.")
@json_option
def request_release(request: str, out: Path, as_json: bool) -> None:
    """Write the release: a PDF and a JSON file with only what was released, masks as black boxes with their
    ground, and the decision list."""
    s = session()
    result = s.ledger().release_request(s.actor, request, out)
    done(f"Released {result['released']} item(s), {result['withheld']} withheld: {out}/release.pdf, "
         f"{out}/release.json", **result)
