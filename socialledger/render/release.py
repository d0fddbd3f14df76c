"""A records request's release as files: `release.json` and `release.pdf` (`app/requests.py` decides what is in it).

The PDF shows each released item with its masks as black boxes, the legal ground
printed beside each box, and ends with the decision list. It is written from the
release's content alone, so nothing that was withheld or masked can reach it: the
masked words are not in the content it is given.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CSS = """
@font-face { font-family: "R Sans"; src: url("%(regular)s"); font-weight: normal; }
@font-face { font-family: "R Sans"; src: url("%(bold)s"); font-weight: bold; }
@font-face { font-family: "R Emoji"; src: url("%(emoji)s"); }
@page { size: A4; margin: 18mm 17mm;
  @bottom-right { content: "sida " counter(page) " av " counter(pages); font: 7pt "R Sans"; color: #444; } }
html { font-family: "R Sans", "R Emoji"; font-size: 9.5pt; color: #111; line-height: 1.4; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; }
h2 { font-size: 12pt; margin: 7mm 0 2mm 0; border-bottom: 0.5pt solid #888; }
.item { border: 0.5pt solid #bbb; padding: 2.5mm 3mm; margin: 0 0 3mm 0; page-break-inside: avoid; }
.meta { color: #333; font-size: 8pt; margin-bottom: 1.5mm; }
.mask { display: inline-block; width: 16mm; height: 3.6mm; background: #000; vertical-align: -0.6mm; }
.ground { font-size: 7.5pt; font-weight: bold; color: #000; margin: 0 1mm; }
table { border-collapse: collapse; width: 100%%; font-size: 8pt; }
th, td { border: 0.5pt solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
"""


def _url(name: str) -> str:
    return Path(str(resources.files("socialledger").joinpath("archive", "fonts", name))).as_uri()


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _when(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return "okänd tid / time unknown"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).isoformat(sep=" ", timespec="minutes")
    return str(value)


def _box(ground: str) -> str:
    return f'<span class="mask" role="img" aria-label="maskerat"></span><span class="ground">[{_e(ground)}]</span>'


def html_of(content: dict[str, Any], zone: ZoneInfo) -> str:
    parts = ["<h1>Utlämnande av allmänna handlingar / Release of public records</h1>",
             (f"<p>{_e(content['organisation'] or '')}<br>Begäran / request {_e(content['request'])}, "
              f"mottagen / received {_e(content['received'])}; utlämnad / released "
              f"{_e(_when(content['released_at'], zone))}</p>"),
             (f"<p>{len(content['items'])} lämnas ut / released, {content['withheld']} sekretessprövade och inte "
              "utlämnade / withheld (see the decision list).</p>"), "<h2>Handlingar / Records</h2>"]
    for item in content["items"]:
        author = _box(item["author_masked"]) if item["author_masked"] else _e(item["author"] or "okänd / unknown")
        text = "".join(_e(s["text"]) if "text" in s else _box(s["masked"]) for s in item["segments"])
        if item["erased"]:
            text = "<em>(texten är raderad / the text is erased)</em>"
        media = ""
        if item["media_masked"]:
            media = f"<div class='meta'>Media: {_box(item['media_masked'])}</div>"
        elif item["media"]:
            media = f"<div class='meta'>Media: {_e(', '.join(item['media']))}</div>"
        parts.append(
            f"<div class='item'><div class='meta'>Nr {item['number']} · {_e(item['kind'])} · {_e(item['account'])} "
            f"({_e(item['channel'])}) · {_e(_when(item['created'], zone))} · av / by {author}"
            + (f" · {_e(item['native_id'])}" if item["native_id"] else "") + f"</div><div>{text}</div>{media}</div>")
    parts.append("<h2>Beslutslista / Decision list</h2><table><tr><th>Nr</th><th>Beslut / decision</th>"
                 "<th>Grund / ground</th><th>Maskerat / masked</th><th>Beslutat av / by</th><th>När / when</th></tr>")
    for d in content["decisions"]:
        parts.append(f"<tr><td>{d['number']}</td><td>{_e(d['decision'])}</td><td>{_e(d['ground'] or '')}</td>"
                     f"<td>{_e(', '.join(d['masked']))}</td><td>{_e(d['decided_by'])}</td>"
                     f"<td>{_e(_when(d['decided'], zone))}</td></tr>")
    parts.append("</table>")
    return ("<!DOCTYPE html><html lang='sv'><head><meta charset='utf-8'><title>Utlämnande</title></head><body>"
            + "".join(parts) + "</body></html>")


def _plain(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return _when(value, zone).replace(" ", "T")
    if isinstance(value, dict):
        return {k: _plain(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, zone) for v in value]
    return value


def write(content: dict[str, Any], out: Path, zone: ZoneInfo) -> list[Path]:
    """Write `release.json` and `release.pdf` into `out`; their paths."""
    from weasyprint import CSS as WeasyCSS
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    json_path = out / "release.json"
    json_path.write_text(json.dumps(_plain(content, zone), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    fonts = FontConfiguration()
    css = CSS % {"regular": _url("DejaVuSans.ttf"), "bold": _url("DejaVuSans-Bold.ttf"),
                 "emoji": _url("NotoEmoji-Regular.ttf")}
    pdf_path = out / "release.pdf"
    HTML(string=html_of(content, zone)).write_pdf(pdf_path, stylesheets=[WeasyCSS(string=css, font_config=fonts)],
                                                  font_config=fonts)
    return [json_path, pdf_path]
