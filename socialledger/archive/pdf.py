"""The human-readable PDF/A rendition of an archive package: the printout of the feed.

Archivists used to print an account's feed; this is that printout, made from the
`PackageContent` of a package (R20). It shows the feed in reading order (a post or
visitor post, then its comments in time order, each followed by its replies), threads
indented, every version of an edited item, moderation (hidden, removed: with who, when,
reason and page rule, R18), case diary numbers (R21), erased texts as "[raderat]", and
small-print metrics and ids.

The rendition is PDF/A-2b, written by WeasyPrint, in fonts bundled in `fonts/` (DejaVu Sans
for text, Noto Emoji for emoji) so that it never depends on the fonts of the machine. It is
split into volumes (`feed-001.pdf`, `feed-002.pdf`, ...) of at most `items_per_volume` items,
so that peak memory stays bounded however long the period: each volume is laid out, written
and dropped before the next. The text depends only on the content: the one time of "now" in
it is `content.created`, which also dates the PDF's metadata.
"""

from __future__ import annotations

import gc
import html
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from socialledger.archive.model import Author, Item, PackageContent, Version

PDF_VARIANT = "pdf/a-2b"
HERE = Path(__file__).resolve().parent
FONTS = HERE / "fonts"
STYLESHEET = HERE / "templates" / "printout.css"

KIND_LABELS = {"post": "Post", "visitor_post": "Visitor post", "comment": "Comment", "reply": "Reply"}
KIND_DEPTH = {"post": 0, "visitor_post": 0, "comment": 1, "reply": 2}
FIRST_METRICS = ("reactions", "comments", "shares")
MAX_DEPTH = 4
# About 250 pages of A4. WeasyPrint holds every page of a document until it is written (about
# 0.6 MB a page): a volume this size peaks at about 300 MB.
CHARS_PER_VOLUME = 1_500_000
ERASED_TEXT = "[raderat] (erased)"
DISPOSED_TEXT = "[raderat] (disposed of under the retention rules)"

_LINES = {0x0D: "\n", 0x2028: "\n", 0x2029: "\n\n"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]|[\ud800-\udfff]")


def render(content: PackageContent, out_dir: Path, *, items_per_volume: int = 1500,
           chars_per_volume: int = CHARS_PER_VOLUME, zone: ZoneInfo | str = "Europe/Stockholm") -> list[Path]:
    """Write the printout of `content` as `out_dir/feed-001.pdf`, `feed-002.pdf`, ...; return their paths in order.

    Each volume holds at most `items_per_volume` items, and about `chars_per_volume`
    characters of text and labels (so that a period of long posts, too, is laid out in
    bounded memory). Volumes end between threads where they can; a thread longer than a
    volume goes on in the next one, and both say so. Times are shown in `zone` (the
    organisation's time zone).
    """
    if items_per_volume < 1 or chars_per_volume < 1:
        raise ValueError("items_per_volume and chars_per_volume must be at least 1")
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    items = content.items
    depths = _depths(items)
    numbers = {item.id: i for i, item in enumerate(items, start=1)}
    volumes = _volumes(items, items_per_volume, chars_per_volume)
    font_config = FontConfiguration()
    base = CSS(filename=str(STYLESHEET), font_config=font_config)
    paths: list[Path] = []
    for number, (start, end) in enumerate(volumes, start=1):
        page_css = CSS(string=_page_css(content, number, len(volumes)), font_config=font_config)
        document = _volume_html(content, items, depths, numbers, start, end, number, len(volumes), tz)
        path = out_dir / f"feed-{number:03d}.pdf"
        with _source_date(content.created):
            HTML(string=document, base_url=str(STYLESHEET)).write_pdf(
                path, stylesheets=[base, page_css], font_config=font_config, pdf_variant=PDF_VARIANT)
        paths.append(path)
        del document
        gc.collect()  # the laid-out pages of a volume go before the next is laid out
    return paths


@contextmanager
def _source_date(created: datetime) -> Iterator[None]:
    """Date what the PDF libraries stamp with "now" by `created` instead.

    fontTools writes the time of the run into every font subset it embeds (the `head`
    table's modified date) unless SOURCE_DATE_EPOCH (reproducible-builds.org) says otherwise.
    """
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def pdfa_identification(path: Path) -> tuple[int, str] | None:
    """(pdfaid:part, pdfaid:conformance) from the PDF's XMP metadata, e.g. (2, "B"); None when it claims no PDF/A."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        ref = reader.trailer["/Root"].get("/Metadata")
        if ref is None:
            return None
        data = ref.get_object().get_data()
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError):
        return None
    return _pdfaid(data)


def pdf_text(path: Path) -> str:
    """The text of a PDF, page by page (pypdf's extraction): compare renditions by it."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


# -- PDF/A identification -------------------------------------------------------------

_PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def _pdfaid(xmp: bytes) -> tuple[int, str] | None:
    start, end = xmp.find(b"<x:xmpmeta"), xmp.rfind(b"</x:xmpmeta>")
    if start >= 0 and end > start:
        xmp = xmp[start:end + len(b"</x:xmpmeta>")]
    try:
        root = ET.fromstring(xmp)
    except ET.ParseError:
        return None
    part = conformance = None
    for element in root.iter():
        for name in ("part", "conformance"):
            value = element.get(f"{{{_PDFAID}}}{name}")
            if value is None and element.tag == f"{{{_PDFAID}}}{name}":
                value = element.text
            if value is not None and value.strip():
                if name == "part":
                    part = value.strip()
                else:
                    conformance = value.strip()
    if part is None or not part.isdigit():
        return None
    return int(part), (conformance or "").upper()


# -- volumes and threads ---------------------------------------------------------------

def _depths(items: Sequence[Item]) -> list[int]:
    """Indentation of each item: one more than its parent's when the parent is in the package, else by kind."""
    by_id: dict[str, int] = {}
    out = []
    for item in items:
        if item.parent is not None and item.parent in by_id:
            depth = by_id[item.parent] + 1
        else:
            depth = KIND_DEPTH.get(item.kind, 1 if item.parent else 0)
        by_id[item.id] = depth
        out.append(depth)
    return out


def _weight(item: Item) -> int:
    """About how many characters an item puts on paper: what the memory of laying out a volume grows with."""
    return 400 + sum(100 + len(v.text or "") for v in item.versions) + 200 * (len(item.moderation) + len(item.cases))


def _volumes(items: Sequence[Item], limit: int, budget: int) -> list[tuple[int, int]]:
    """Item ranges [start, end) of the volumes.

    A volume holds at most `limit` items and about `budget` characters (one item at least).
    It ends between threads where it can: a thread that does not fit in the rest of a volume
    begins the next, and a thread longer than a whole volume is split.
    """
    weights = [_weight(item) for item in items]
    volumes: list[tuple[int, int]] = []
    start = count = load = 0
    i, n = 0, len(items)
    while i < n:
        j = i + 1
        while j < n and items[j].thread == items[i].thread:
            j += 1
        if count and (count + j - i > limit or load + sum(weights[i:j]) > budget):
            volumes.append((start, i))
            start, count, load = i, 0, 0
        for k in range(i, j):
            if count and (count + 1 > limit or load + weights[k] > budget):
                volumes.append((start, k))
                start, count, load = k, 0, 0
            count += 1
            load += weights[k]
        i = j
    if count or not volumes:
        volumes.append((start, n))
    return volumes


# -- HTML -----------------------------------------------------------------------------

@cache
def _covered() -> frozenset[int]:
    """The code points the bundled fonts have glyphs for."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for name in ("DejaVuSans.ttf", "NotoEmoji-Regular.ttf"):
        points.update(TTFont(FONTS / name, lazy=True).getBestCmap())
    return frozenset(points)


def _shown(char: str, covered: frozenset[int]) -> str:
    point = ord(char)
    if point in covered or char in "\n\t":
        return char
    category = unicodedata.category(char)
    if category == "Cf" or 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF:
        return char  # invisible: joiners, direction marks, variation selectors, tags
    if category == "Zs":
        return " "
    return f"[U+{point:04X}]"


def _clean(text: str) -> str:
    """Text as the bundled fonts can show it.

    Control characters and lone surrogates become U+FFFD; a character that no bundled font
    has becomes "[U+XXXX]" (its code point), rather than a missing glyph (.notdef, which
    PDF/A forbids) or a glyph from a font of the machine (which would make the printout
    depend on the machine). The JSON representation of the package keeps the text as written.
    """
    text = _CONTROL.sub("\ufffd", text).replace("\r\n", "\n").translate(_LINES)
    if text.isascii():
        return text
    covered = _covered()
    return "".join(_shown(c, covered) for c in text)


def _e(text: object) -> str:
    return html.escape(_clean(str(text)), quote=True)


def _time(value: datetime | None, tz: ZoneInfo) -> str:
    if value is None:
        return "time unknown"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).isoformat(sep=" ", timespec="seconds")


def _date(value: datetime, tz: ZoneInfo) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).date().isoformat()


def _w3c(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _css_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " .,:-_/()·" else f"\\{ord(c):x} " for c in _clean(text)) + '"'


def _header(content: PackageContent) -> str:
    return f"{content.account.name} · {content.period} · {content.package_id}"


def _page_css(content: PackageContent, number: int, count: int) -> str:
    return (f"@page {{ @top-left {{ content: {_css_string(_header(content))}; }}"
            f" @bottom-left {{ content: {_css_string(f'{content.organisation} · volume {number} of {count}')}; }} }}")


def _volume_html(content: PackageContent, items: Sequence[Item], depths: list[int], numbers: dict[str, int],
                 start: int, end: int, number: int, count: int, tz: ZoneInfo) -> str:
    account = content.account
    title = f"{account.name} {content.period}: archive printout, volume {number} of {count}"
    parts = [
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">",
        f"<title>{_e(title)}</title>",
        f"<meta name=\"author\" content=\"{_e(content.organisation)}\">",
        f"<meta name=\"description\" content=\"{_e(f'Archive package {content.package_id}')}\">",
        "<meta name=\"generator\" content=\"socialledger\">",
        f"<meta name=\"dcterms.created\" content=\"{_w3c(content.created)}\">",
        f"<meta name=\"dcterms.modified\" content=\"{_w3c(content.created)}\">",
        "</head><body>",
        _title_page(content, start, end, number, count, tz),
    ]
    if not items:
        parts.append("<p class=\"empty\">No posts, comments or replies in this package.</p>")
    thread = None
    for index in range(start, end):
        item = items[index]
        if item.thread != thread:
            if thread is not None:
                parts.append("</section>")
            parts.append("<section class=\"thread\">")
            if index == start and index > 0 and items[index - 1].thread == item.thread:
                parts.append(f"<p class=\"continued\">The thread goes on from volume {number - 1}.</p>")
            thread = item.thread
        parts.append(_item_html(item, index + 1, depths[index], numbers, tz))
    if thread is not None:
        if end < len(items) and items[end].thread == thread:
            parts.append(f"<p class=\"continued\">The thread goes on in volume {number + 1}.</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def _title_page(content: PackageContent, start: int, end: int, number: int, count: int, tz: ZoneInfo) -> str:
    account = content.account
    last_day = _date(content.period_end - timedelta(microseconds=1), tz)
    rows = [
        ("Organisation", content.organisation),
        ("Account", account.name),
        ("Channel", account.channel + (f" ({account.platform_id})" if account.platform_id else "")),
        ("Unit", account.unit),
        ("Account state", account.state),
        ("Account id", account.id),
        ("Period", f"{content.period}: {_date(content.period_start, tz)} to {last_day}"),
        ("Ledger position", (f"after {content.previous_position} up to {content.position}"
                             if content.previous_position else f"up to {content.position}")),
        ("Package", content.package_id),
    ]
    if content.supplements:
        rows.append(("Supplement to", content.supplements))
    rows += [
        ("Package made", _time(content.created, tz)),
        ("Volume", f"{number} of {count}"),
        ("Items", (f"{start + 1} to {end} of {len(content.items)}" if end > start
                   else f"none of {len(content.items)}")),
        ("Time zone", str(getattr(tz, "key", tz))),
    ]
    out = ["<div class=\"title\">",
           "<h1>Archive printout</h1>",
           "<p class=\"kind\">The feed of a social media account, as archived</p>",
           f"<p class=\"account\">{_e(account.name)}</p>"]
    if content.final:
        out.append("<p class=\"banner\">FINAL: the final export of the account before it closes.</p>")
    if content.supplements:
        out.append(f"<p class=\"banner\">Supplement to {_e(content.supplements)}: what arrived for the period "
                   "after that package was made.</p>")
    out.append("<table>")
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    out.append("</table>")
    out.append(
        "<div class=\"legend\">"
        "<p>Threads in reading order: a post, then its comments in time order, each comment followed by "
        "its replies; comments are indented under the post and replies under the comment. Each item shows "
        "its number in the package, kind, author and creation time.</p>"
        "<p><b>EDITED</b>: every version is shown with the time it describes; the last is the current text. "
        "<b>HIDDEN</b> / <b>REMOVED</b>: the moderation is listed with when, by whom, reason and page rule; the "
        "text of a removed item is kept and shown. <b>[raderat]</b>: the text was erased (GDPR) or disposed "
        "of; the record that it existed stays. <b>Case</b>: the diary number of a registered case. "
        "<b>BEFORE PERIOD</b>: an older item shown for events that happened in the period. "
        "<b>[U+XXXX]</b>: a character the printout's fonts cannot show, by its Unicode code point; "
        "the package's JSON representation has the text as written.</p>"
        "<p>Small print: metrics (latest counts), the platform's id (native id) and the ledger's id.</p>"
        "</div>")
    if content.seal:
        seal = " · ".join(f"{_e(k)}: {_e(_plain(v))}" for k, v in sorted(content.seal.items()))
        out.append(f"<p class=\"seal\">Audit seal the package was cut from: {seal}</p>")
    out.append("</div>")
    return "".join(out)


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _author(author: Author | None) -> str:
    if author is None:
        return "unknown author"
    if author.by_account:
        return "the account"
    if author.erased or author.name is None and author.username is None:
        return "erased author" if author.erased else "unknown author"
    name = author.name or f"@{author.username}"
    if author.name and author.username and author.username != author.name:
        name += f" (@{author.username})"
    return name


def _text_html(version: Version | None, item: Item) -> str:
    if version is None:
        return "<div class=\"text gone\">[no text captured]</div>"
    if version.text is None:
        return f"<div class=\"text gone\">{_e(DISPOSED_TEXT if item.disposed else ERASED_TEXT)}</div>"
    return f"<div class=\"text\">{_e(version.text)}</div>"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _item_html(item: Item, number: int, depth: int, numbers: dict[str, int], tz: ZoneInfo) -> str:
    versions = item.versions
    edited = len(versions) > 1 or any(v.change == "edited" for v in versions)
    flags = []
    if edited:
        flags.append("EDITED")
    if item.state == "hidden":
        flags.append("HIDDEN")
    elif item.state == "removed":
        flags.append("REMOVED")
    if item.erased:
        flags.append("DISPOSED" if item.disposed else "ERASED")
    if item.cases:
        flags.append("CASE")
    if not item.in_period:
        flags.append("BEFORE PERIOD")
    kind = KIND_LABELS.get(item.kind, item.kind)
    out = [f"<div class=\"item d{min(depth, MAX_DEPTH)} {_e(item.state)}\">",
           (f"<div class=\"head\"><span class=\"no\">#{number}</span> <span class=\"kind\">{_e(kind)}</span>"
            f" · {_e(_author(item.author))} · {_e(_time(item.created, tz))}")]
    out += [f" <span class=\"flag\">{flag}</span>" for flag in flags]
    out.append("</div>")
    if not item.in_period:
        out.append("<div class=\"note\">Created before this period; shown for what happened to it in the period.</div>")
    if len(versions) > 1:
        out.append("<div class=\"versions\">")
        for i, version in enumerate(versions, start=1):
            label = (f"Version {i} of {len(versions)} · {version.change} · {_time(version.observed, tz)}"
                     f" · {version.source}" + (" · current" if i == len(versions) else ""))
            out.append(f"<div class=\"version\"><div class=\"label\">{_e(label)}</div>")
            out.append(_text_html(version, item))
            if version.time_note:
                out.append(f"<div class=\"note\">{_e(version.time_note)}</div>")
            out.append("</div>")
        out.append("</div>")
    else:
        version = versions[0] if versions else None
        out.append(_text_html(version, item))
        if version is not None and version.time_note:
            out.append(f"<div class=\"note\">{_e(version.time_note)}</div>")
    current = versions[-1] if versions else None
    if current is not None and current.media:
        # Media are referenced, not copied: the ledger keeps the platform's references (see feed.json).
        kinds = ", ".join(sorted({str(m.get("kind") or "file") for m in current.media}))
        kept = sum(1 for m in current.media if m.get("stored"))
        where = f"{kept} file(s) in the package, " if kept else ""
        out.append(f"<div class=\"note\">Media: {len(current.media)} attached ({_e(kinds)}); "
                   f"{where}references in feed.json.</div>")
    for entry in item.moderation:
        line = f"{_time(entry.observed, tz)} by {entry.actor} ({entry.source})"
        if entry.reason:
            line += f" · reason: {entry.reason}"
        if entry.rule:
            line += f" · page rule: {entry.rule}"
        out.append(f"<div class=\"moderation\"><b>{_e(entry.action.upper())}</b> {_e(line)}</div>")
    for case in item.cases:
        line = f"diary number {case.diary_number}"
        if case.system:
            line += f" ({case.system})"
        line += f", registered {_time(case.recorded, tz)} by {case.actor}"
        out.append(f"<div class=\"cases\"><b>Case</b> {_e(line)}</div>")
    meta = []
    metrics = item.metrics or {}
    for key in [k for k in FIRST_METRICS if k in metrics] + sorted(k for k in metrics if k not in FIRST_METRICS):
        meta.append(f"{key} {_number(metrics[key])}")
    if item.native_id:
        meta.append(f"native id {item.native_id}")
    meta.append(f"ledger id {item.id}")
    if item.parent:
        parent = numbers.get(item.parent)
        meta.append(f"in reply to #{parent}" if parent else f"in reply to {item.parent} (not in this package)")
    if current is not None and current.permalink:
        meta.append(current.permalink)
    out.append(f"<div class=\"meta\">{_e(' · '.join(meta))}</div>")
    out.append("</div>")
    return "".join(out)
