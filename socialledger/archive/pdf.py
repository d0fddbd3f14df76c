"""The human-readable PDF/A rendition of an archive package: the printout of the feed.

Archivists used to print an account's feed; this is that printout, made from the
`PackageContent` of a package (R20). It shows the feed in reading order (a post or
visitor post, then its comments in time order, each followed by its replies), threads
indented, every version of an edited item, moderation (hidden, removed: with who, when,
reason and page rule, R18), case diary numbers (R21), erased texts as "[raderat]", and
small-print metrics and ids.

The rendition is PDF/A-2u (every glyph maps to Unicode, so the text can be extracted), written by WeasyPrint, in fonts bundled in `fonts/` (DejaVu Sans
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from socialledger.archive.labels import labels
from socialledger.archive.model import Author, Item, PackageContent, Version

Labels = Callable[..., str]

PDF_VARIANT = "pdf/a-2u"  # Unicode text: what is printed can be extracted and searched
HERE = Path(__file__).resolve().parent
FONTS = HERE / "fonts"
STYLESHEET = HERE / "templates" / "printout.css"

KIND_DEPTH = {"post": 0, "visitor_post": 0, "comment": 1, "reply": 2}
FIRST_METRICS = ("reactions", "comments", "shares")
MAX_DEPTH = 4
# About 250 pages of A4. WeasyPrint holds every page of a document until it is written (about
# 0.6 MB a page): a volume this size peaks at about 300 MB.
CHARS_PER_VOLUME = 1_500_000

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
    t = labels(content.language)
    font_config = FontConfiguration()
    base = CSS(filename=str(STYLESHEET), font_config=font_config)
    paths: list[Path] = []
    for number, (start, end) in enumerate(volumes, start=1):
        page_css = CSS(string=_page_css(content, number, len(volumes), t), font_config=font_config)
        document = _volume_html(content, items, depths, numbers, start, end, number, len(volumes), tz, t)
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


def _time(value: datetime | None, tz: ZoneInfo, unknown: str = "time unknown") -> str:
    if value is None:
        return unknown
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


def _page_css(content: PackageContent, number: int, count: int, t: Labels) -> str:
    footer = t("footer", organisation=content.organisation, number=number, count=count)
    page, of = t("page").split("{number}")
    of = of.split("{count}")[0]
    return (f"@page {{ @top-left {{ content: {_css_string(_header(content))}; }}"
            f" @bottom-left {{ content: {_css_string(footer)}; }}"
            f" @bottom-right {{ content: {_css_string(page)} counter(page) {_css_string(of)} counter(pages); }} }}")


def _volume_html(content: PackageContent, items: Sequence[Item], depths: list[int], numbers: dict[str, int],
                 start: int, end: int, number: int, count: int, tz: ZoneInfo, t: Labels) -> str:
    account = content.account
    title = t("printout.title", account=account.name, period=content.period, number=number, count=count)
    parts = [
        f"<!DOCTYPE html><html lang=\"{_e(content.language)}\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(title)}</title>",
        f"<meta name=\"author\" content=\"{_e(content.organisation)}\">",
        f"<meta name=\"description\" content=\"{_e(f'Archive package {content.package_id}')}\">",
        "<meta name=\"generator\" content=\"socialledger\">",
        f"<meta name=\"dcterms.created\" content=\"{_w3c(content.created)}\">",
        f"<meta name=\"dcterms.modified\" content=\"{_w3c(content.created)}\">",
        "</head><body>",
        _title_page(content, start, end, number, count, tz, t),
    ]
    if not items:
        parts.append(f"<p class=\"empty\">{_e(t('empty'))}</p>")
    thread = None
    for index in range(start, end):
        item = items[index]
        if item.thread != thread:
            if thread is not None:
                parts.append("</section>")
            parts.append("<section class=\"thread\">")
            if index == start and index > 0 and items[index - 1].thread == item.thread:
                parts.append(f"<p class=\"continued\">{_e(t('continued.from', number=number - 1))}</p>")
            thread = item.thread
        parts.append(_item_html(item, index + 1, depths[index], numbers, tz, t))
    if thread is not None:
        if end < len(items) and items[end].thread == thread:
            parts.append(f"<p class=\"continued\">{_e(t('continued.in', number=number + 1))}</p>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def _title_page(content: PackageContent, start: int, end: int, number: int, count: int, tz: ZoneInfo,
                t: Labels) -> str:
    account = content.account
    last_day = _date(content.period_end - timedelta(microseconds=1), tz)
    rows = [
        (t("organisation"), content.organisation),
        (t("account"), account.name),
        (t("channel"), account.channel + (f" ({account.platform_id})" if account.platform_id else "")),
        (t("unit"), account.unit),
        (t("account state"), t(f"state.{account.state}")),
        (t("account id"), account.id),
        (t("period"), t("period.range", period=t("final") if content.final and content.period == "final"
                        else content.period, first=_date(content.period_start, tz), last=last_day)),
        (t("ledger position"), (t("position.after", previous=content.previous_position, position=content.position)
                                if content.previous_position else t("position.up to", position=content.position))),
        (t("package"), content.package_id),
    ]
    if content.supplements:
        rows.append((t("supplement to"), content.supplements))
    rows += [
        (t("package made"), _time(content.created, tz)),
        (t("volume"), t("volume.of", number=number, count=count)),
        (t("items"), (t("items.range", first=start + 1, last=end, count=len(content.items)) if end > start
                      else t("items.none", count=len(content.items)))),
        (t("time zone"), str(getattr(tz, "key", tz))),
    ]
    out = ["<div class=\"title\">",
           f"<h1>{_e(t('printout'))}</h1>",
           f"<p class=\"kind\">{_e(t('printout.kind'))}</p>",
           f"<p class=\"account\">{_e(account.name)}</p>"]
    if content.final:
        out.append(f"<p class=\"banner\">{_e(t('banner.final'))}</p>")
    if content.supplements:
        out.append(f"<p class=\"banner\">{_e(t('banner.supplement', package=content.supplements))}</p>")
    out.append("<table>")
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    out.append("</table>")
    out.append(f"<div class=\"legend\">{t('legend')}</div>")
    if content.seal:
        seal = " · ".join(f"{_e(k)}: {_e(_plain(v))}" for k, v in sorted(content.seal.items()))
        out.append(f"<p class=\"seal\">{_e(t('seal'))}: {seal}</p>")
    out.append("</div>")
    return "".join(out)


def _plain(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _author(author: Author | None, t: Labels) -> str:
    if author is None:
        return t("author.unknown")
    if author.by_account:
        return t("author.account", name=author.name) if author.name else t("author.account", name="").rstrip(" ()")
    if author.erased or author.name is None and author.username is None:
        return t("author.erased") if author.erased else t("author.unknown")
    name = author.name or f"@{author.username}"
    if author.name and author.username and author.username != author.name:
        name += f" (@{author.username})"
    return name


_MEDIA_WORDS = {"video": "media.video", "photo": "media.photo", "image": "media.photo", "link": "media.link",
                "album": "media.album", "file": "media.file"}


def _what(version: Version, t: Labels) -> str:
    """What an item without text is, from its media: a video, a photo, a link."""
    kinds = [str(m.get("kind") or "file") for m in (version.media or [])]
    if not kinds:
        return t("no text captured")
    words = []
    for kind in kinds:
        word = t(_MEDIA_WORDS.get(kind, "media.other"))
        if word not in words:
            words.append(word)
    return t("without text", what=", ".join(words))


def _text_html(version: Version | None, item: Item, t: Labels) -> str:
    if version is None:
        return f"<div class=\"text gone\">{_e(t('no text captured'))}</div>"
    if version.text is None and item.erased:
        return f"<div class=\"text gone\">{_e(t('disposed text') if item.disposed else t('erased text'))}</div>"
    if not (version.text or "").strip():
        return f"<div class=\"text none\">{_e(_what(version, t))}</div>"
    return f"<div class=\"text\">{_e(version.text)}</div>"


def _media_html(version: Version, t: Labels) -> str:
    """Each attached medium: what it is, its title and description, and its file in the package."""
    lines = []
    for m in version.media or []:
        kind = t(_MEDIA_WORDS.get(str(m.get("kind") or "file"), "media.other"))
        parts = [kind]
        for key in ("title", "description"):
            if m.get(key):
                parts.append(f"“{m[key]}”")
        if m.get("url") and m.get("kind") == "link":
            parts.append(str(m["url"]))
        if m.get("file"):
            parts.append(t("media.in package", file=m["file"]))
        elif m.get("missing"):
            parts.append(t("media.missing", why=m["missing"]))
        else:
            parts.append(t("media.not in package"))
        lines.append(" · ".join(parts))
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f"<div class=\"media\"><b>{_e(t('media'))}</b><ul>{items}</ul></div>"


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _item_html(item: Item, number: int, depth: int, numbers: dict[str, int], tz: ZoneInfo, t: Labels) -> str:
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
    elif not item.delivered_here:
        flags.append("DELIVERED EARLIER")
    kind = t(f"kind.{item.kind}") if item.kind in KIND_DEPTH else item.kind
    out = [f"<div class=\"item d{min(depth, MAX_DEPTH)} {_e(item.state)}\">",
           (f"<div class=\"head\"><span class=\"no\">#{number}</span> <span class=\"kind\">{_e(kind)}</span>"
            f" · {_e(_author(item.author, t))} · {_e(_time(item.created, tz, t('time unknown')))}")]
    out += [f" <span class=\"flag\">{_e(t('flag.' + flag))}</span>" for flag in flags]
    out.append("</div>")
    if not item.in_period:
        out.append(f"<div class=\"note\">{_e(t('before period'))}</div>")
    elif not item.delivered_here:
        out.append(f"<div class=\"note\">{_e(t('delivered earlier'))}</div>")
    if len(versions) > 1:
        out.append("<div class=\"versions\">")
        for i, version in enumerate(versions, start=1):
            label = t("version.label", number=i, count=len(versions), change=t(f"change.{version.change}"),
                      time=_time(version.observed, tz), source=version.source)
            label += t("version.current") if i == len(versions) else ""
            out.append(f"<div class=\"version\"><div class=\"label\">{_e(label)}</div>")
            out.append(_text_html(version, item, t))
            if version.time_note:
                out.append(f"<div class=\"note\">{_e(version.time_note)}</div>")
            out.append("</div>")
        out.append("</div>")
    else:
        version = versions[0] if versions else None
        out.append(_text_html(version, item, t))
        if version is not None and version.time_note:
            out.append(f"<div class=\"note\">{_e(version.time_note)}</div>")
    current = versions[-1] if versions else None
    if current is not None and current.media and not item.erased:
        out.append(_media_html(current, t))
    for entry in item.moderation:
        line = t("moderation.by", time=_time(entry.observed, tz), actor=entry.actor, source=entry.source)
        if entry.reason:
            line += t("moderation.reason", reason=entry.reason)
        if entry.rule:
            line += t("moderation.rule", rule=entry.rule)
        out.append(f"<div class=\"moderation\"><b>{_e(t('action.' + entry.action))}</b> {_e(line)}</div>")
    for case in item.cases:
        line = t("case.line", number=case.diary_number)
        if case.system:
            line += f" ({case.system})"
        line += t("case.registered", time=_time(case.recorded, tz), actor=case.actor)
        out.append(f"<div class=\"cases\"><b>{_e(t('case'))}</b> {_e(line)}</div>")
    for copy in item.duplicates:
        out.append(f"<div class=\"note\">{_e(t('also captured', source=copy.source, id=copy.id))}</div>")
    meta = []
    metrics = item.metrics or {}
    for key in [k for k in FIRST_METRICS if k in metrics] + sorted(k for k in metrics if k not in FIRST_METRICS):
        meta.append(f"{key} {_number(metrics[key])}")
    if item.native_id:
        meta.append(t("native id", id=item.native_id))
    meta.append(t("ledger id", id=item.id))
    if item.parent:
        parent = numbers.get(item.parent)
        meta.append(t("in reply to", number=parent) if parent else t("in reply to outside", id=item.parent))
    if current is not None and current.permalink:
        meta.append(current.permalink)
    out.append(f"<div class=\"meta\">{_e(' · '.join(meta))}</div>")
    out.append("</div>")
    return "".join(out)
