"""The interim report as a PDF (WeasyPrint) with charts (matplotlib, drawn as SVG).

The first page gives the organisation's accounts side by side; then each
account has its own pages: key figures against the previous period and the
baseline, posts, reactions, reach and followers over the period (the previous
period dashed, the baseline as a line), the engagement rate of every post, the
best hours and days, the top posts, the response times with every unanswered
item counted, the cadence kept, and the planned posts against what was
published. Fonts come from the package (DejaVu Sans and Noto Emoji, as the
archive printout's), never from the machine.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


CSS = """
@font-face { font-family: "R Sans"; src: url("%(regular)s"); font-weight: normal; }
@font-face { font-family: "R Sans"; src: url("%(bold)s"); font-weight: bold; }
@font-face { font-family: "R Emoji"; src: url("%(emoji)s"); }
@page { size: A4; margin: 16mm 15mm 16mm 15mm;
  @bottom-left { content: "%(footer)s"; font: 7pt "R Sans"; color: #555; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font: 7pt "R Sans"; color: #555; } }
html { font-family: "R Sans", "R Emoji"; font-size: 8.6pt; color: #1d1d1f; line-height: 1.3; }
h1 { font-size: 19pt; margin: 0 0 2mm 0; color: #10375c; }
h2 { font-size: 14pt; margin: 0 0 1mm 0; color: #10375c; page-break-before: always; }
h2.first { page-break-before: auto; margin-top: 7mm; }
table.overview { font-size: 7.6pt; table-layout: fixed; }
table.overview th.n, table.overview td.n { white-space: normal; }
table.overview th:first-child { width: 22%%; }
h3 { font-size: 10.5pt; margin: 5mm 0 1.5mm 0; color: #10375c; border-bottom: 0.5pt solid #b8c7d6; }
p.sub { color: #555; margin: 0 0 3mm 0; }
table { border-collapse: collapse; width: 100%%; margin: 1mm 0 2mm 0; }
th, td { text-align: left; padding: 1.2mm 1.5mm; border-bottom: 0.4pt solid #d5dde5; vertical-align: top; }
th { background: #eef3f8; font-weight: bold; }
td.n { text-align: right; white-space: nowrap; }
th.n { text-align: right; }
.up { color: #1b7a3a; } .down { color: #b3261e; }
.grid { display: flex; flex-wrap: wrap; justify-content: space-between; }
.grid img { width: 49%%; margin-bottom: 2mm; }
img.wide { width: 100%%; }
.note { color: #555; font-size: 7.5pt; }
.warn { color: #b3261e; font-weight: bold; }
.keep { page-break-inside: avoid; }
"""

COLOURS = {"current": "#1f5f99", "previous": "#9aa7b4", "baseline": "#d08a1e", "bar": "#3d7ebf",
           "answered": "#2e8b57", "late": "#e0a526", "breached": "#c0392b", "open": "#7f8c8d",
           "moderated": "#b39ddb", "published": "#2e8b57", "missed": "#c0392b", "planned": "#7f8c8d",
           "cancelled": "#cfd8dc"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, decimals: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.{decimals}f}".replace(",", "\u202f") if decimals else f"{round(value):,}".replace(",", "\u202f")
    return f"{int(value):,}".replace(",", "\u202f")


def _rate(percent: float | None) -> str:
    """An engagement rate (already a percentage), two decimals."""
    return "–" if percent is None else f"{percent:.2f} %"


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


def _change(now: Any, before: Any) -> str:
    if now is None or before is None:
        return "–"
    diff = now - before
    cls = "up" if diff > 0 else "down" if diff < 0 else ""
    rel = f" ({diff / before * 100:+.0f} %)" if before else ""
    return f'<span class="{cls}">{diff:+,.0f}{rel}</span>'.replace(",", "\u202f")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


# Charts ------------------------------------------------------------------------------------------------------------


def _figure(width: float = 3.6, height: float = 1.9) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=8.5, loc="left", color="#10375c")
    ax.tick_params(labelsize=6.5, colors="#333")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e3e8ee", linewidth=0.6)
    ax.set_axisbelow(True)


def _svg(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def _per_day(series: dict[str, list[Any]]) -> list[float | None]:
    """The reach of each slice as a daily average: slices of a period differ in length (a week, ten days)."""
    return [total / days if total is not None and days else None
            for total, days in zip(series["reach"], series["reach_days"], strict=True)]


def _ticks(ax: Any, labels: list[str]) -> None:
    step = max(1, -(-len(labels) // 7))  # at most seven labels on an axis
    ax.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])


def _line_chart(title: str, labels: list[str], now: list[Any], before: list[Any], period: str, previous: str,
                baseline: float | None = None, cumulative: bool = False) -> str:
    fig = _figure()
    ax = fig.add_subplot()
    _style(ax, title)

    def points(values: list[Any]) -> tuple[list[int], list[float]]:
        xs, ys, total = [], [], 0.0
        for i, v in enumerate(values):
            if v is None:
                continue
            total = total + v if cumulative else v
            xs.append(i)
            ys.append(total)
        return xs, ys

    xs, ys = points(before[: len(labels)])
    if xs:
        ax.plot(xs, ys, color=COLOURS["previous"], linestyle="--", linewidth=1.2, label=previous)
    xs, ys = points(now)
    ax.plot(xs, ys, color=COLOURS["current"], linewidth=1.8, marker="o" if len(xs) < 20 else None, markersize=2.5,
            label=period)
    if baseline is not None:
        ax.axhline(baseline, color=COLOURS["baseline"], linewidth=1, linestyle=":", label="baseline")
    _ticks(ax, labels)
    ax.legend(fontsize=6, frameon=False, loc="best")
    return _svg(fig)


def _bar_chart(title: str, labels: list[str], values: list[float], *, highlight: int = 3, average: float | None = None,
               wide: bool = False, colour: str = COLOURS["bar"], unit: str = "") -> str:
    fig = _figure(7.4 if wide else 3.6, 1.9)
    ax = fig.add_subplot()
    _style(ax, title)
    top = sorted(range(len(values)), key=lambda i: -values[i])[:highlight] if highlight else []
    colours = [colour if i in top or not highlight else "#a9c3dd" for i in range(len(values))]
    ax.bar(range(len(values)), values, color=colours, width=0.75)
    if average is not None:
        ax.axhline(average, color=COLOURS["baseline"], linewidth=1, linestyle=":", label=f"average {average:.2f}{unit}")
        ax.legend(fontsize=6, frameon=False)
    if len(labels) > 12:
        _ticks(ax, labels)
    else:
        ax.set_xticks(range(len(labels)), labels)
    return _svg(fig)


def _stacked(title: str, parts: list[tuple[str, int]]) -> str:
    fig = _figure(7.4, 0.95)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=8.5, loc="left", color="#10375c")
    left = 0
    for name, n in parts:
        if n:
            ax.barh([0], [n], left=left, color=COLOURS.get(name, "#999"), label=f"{name} {n}", height=0.6)
            left += n
    ax.set_yticks([])
    ax.tick_params(labelsize=6.5)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if left:
        ax.legend(fontsize=6, frameon=False, ncol=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.35))
    else:
        ax.text(0.5, 0.5, "none", ha="center", va="center", fontsize=7, color="#777", transform=ax.transAxes)
        ax.set_xticks([])
    return _svg(fig)


# Pages -----------------------------------------------------------------------------------------------------------


def _overview(data: dict[str, Any]) -> str:
    rows = []
    for a in data["accounts"]:
        cur, prev, resp = a["current"], a["previous"], a["response"]
        unanswered = (resp.get("breached") or 0) + (resp.get("open") or 0)
        plan = a["plan"]["counts"]
        rows.append(
            f"<tr><td>{_e(a['name'])}<br><span class='note'>{_e(a['channel'])}, {_e(a['unit'])}</span></td>"
            f"<td class='n'>{_num(cur['posts'])}<br>{_change(cur['posts'], prev['posts'])}</td>"
            f"<td class='n'>{_num(cur['reactions'])}<br>{_change(cur['reactions'], prev['reactions'])}</td>"
            f"<td class='n'>{_num(cur['reach'])}<br>{_change(cur['reach'], prev['reach'])}</td>"
            f"<td class='n'>{_num(cur['followers'])}<br>{_change(cur['followers'], cur['followers_baseline'])}</td>"
            f"<td class='n'>{_rate(cur['engagement_rate_average'])}</td>"
            f"<td class='n'>{_pct(resp.get('within_sla_share'))}<br>"
            f"<span class='{'warn' if unanswered else 'note'}'>{unanswered} unanswered</span></td>"
            f"<td class='n'>{a['cadence']['weeks_judged'] - len(a['cadence']['weeks_short'])}"
            f" / {a['cadence']['weeks_judged']}</td>"
            f"<td class='n'>{plan['published'] + plan['late']} / {sum(plan.values()) - plan['cancelled']}</td></tr>")
    return (
        f"<h1>Interim report {_e(data['period'])}</h1>"
        f"<p class='sub'>{_e(data['organisation'])}: {_e(data['scope'])}, {_e(data['first'])} to {_e(data['last'])}"
        f" (previous period {_e(data['previous'])}: {_e(data['previous_first'])} to {_e(data['previous_last'])})."
        f" Made {_e(_local(data['generated'], data['zone']))} from the ledger at position {data['position']}.</p>"
        "<h3>The accounts side by side</h3>"
        "<table class='overview'><tr><th>account</th><th class='n'>posts</th><th class='n'>reactions</th>"
        "<th class='n'>reach</th><th class='n'>followers (growth)</th><th class='n'>engagement rate</th>"
        "<th class='n'>within SLA</th><th class='n'>weeks at cadence</th><th class='n'>plan published</th></tr>"
        + "".join(rows) + "</table>"
        "<p class='note'>Changes are against the previous period; the followers' growth is against the baseline "
        "(nollvärde: the last value before the period, else the first in it). Engagement rate per post = reactions "
        "/ followers x 100. Answered within the SLA: first responses by the due time out of the items that were due "
        "or answered (R17); unanswered: breached and still open items, counted. Weeks at cadence: whole weeks with "
        "at least the class's minimum of posts out of the weeks judged (R9).</p>"
        if data["accounts"] else
        f"<h1>Interim report {_e(data['period'])}</h1><p>No account with a platform id in {_e(data['scope'])}.</p>")


def _local(value: datetime, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def _account(data: dict[str, Any], a: dict[str, Any]) -> str:
    cur, prev = a["current"], a["previous"]
    series = a["series"]
    labels = series["labels"]
    period, previous = data["period"], data["previous"]
    first = " class='first'" if a is data["accounts"][0] else ""
    out = [(f"<h2{first}>{_e(a['name'])}</h2><p class='sub'>{_e(a['channel'])}, {_e(a['unit'])}, "
            f"class {_e(a['class'])}, {_e(a['state'])}. {_e(period)} against {_e(previous)}.</p>")]
    figures = [("posts", "posts"), ("comments", "comments"), ("visitor posts", "visitor_posts"),
               ("questions", "questions"), ("reactions", "reactions"), ("shares", "shares"), ("reach", "reach"),
               ("impressions", "impressions"), ("clicks", "clicks")]
    rows = "".join(f"<tr><td>{label}</td><td class='n'>{_num(cur[key])}</td><td class='n'>{_num(prev[key])}</td>"
                   f"<td class='n'>{_change(cur[key], prev[key])}</td></tr>" for label, key in figures)
    rows += (f"<tr><td>followers (end of period)</td><td class='n'>{_num(cur['followers'])}</td>"
             f"<td class='n'>{_num(prev['followers'])}</td><td class='n'>{_change(cur['followers'], prev['followers'])}"
             f"</td></tr><tr><td>followers' baseline (nollvärde) and growth</td>"
             f"<td class='n'>{_num(cur['followers_baseline'])}</td><td></td>"
             f"<td class='n'>{_change(cur['followers'], cur['followers_baseline'])}</td></tr>"
             f"<tr><td>engagement rate per post, average</td><td class='n'>{_rate(cur['engagement_rate_average'])}"
             f"</td><td class='n'>{_rate(prev['engagement_rate_average'])}</td><td></td></tr>")
    out.append("<h3>Key figures</h3><table><tr><th></th>"
               f"<th class='n'>{_e(period)}</th><th class='n'>{_e(previous)}</th><th class='n'>change</th></tr>"
               f"{rows}</table>")
    now_s, before_s = series["current"], series["previous"]
    if any(v for s in (now_s, before_s) for values in s.values() for v in values):
        out.append("<h3>Over the period</h3><div class='grid'>"
                   f"<img src='{_line_chart('Posts (cumulative)', labels, now_s['posts'], before_s['posts'], period, previous, cumulative=True)}'>"
                   f"<img src='{_line_chart('Reactions on the posts (cumulative)', labels, now_s['reactions'], before_s['reactions'], period, previous, cumulative=True)}'>"
                   f"<img src='{_line_chart('Reach per day (average)', labels, _per_day(now_s), _per_day(before_s), period, previous)}'>"
                   f"<img src='{_line_chart('Followers', labels, now_s['followers'], before_s['followers'], period, previous, baseline=cur['followers_baseline'])}'>"
                   "</div>")
    else:
        out.append("<h3>Over the period</h3><p class='note'>No posts, reactions, reach or followers were recorded in "
                   "this period or the one before.</p>")
    posts = a["posts"]
    rated = [p for p in posts if p["engagement_rate"] is not None]
    if rated:
        zone = ZoneInfo(data["zone"])
        out.append("<h3>Engagement rate per post</h3>" + "<img class='wide' src='" + _bar_chart(
            f"Reactions / followers x 100, each of the {len(rated)} posts in order", [
                p["created"].astimezone(zone).strftime("%d %b") for p in rated],
            [p["engagement_rate"] for p in rated], highlight=0, average=cur["engagement_rate_average"], wide=True,
            unit=" %") + "'>")
    else:
        out.append("<h3>Engagement rate per post</h3><p class='note'>No post with reactions and a follower count "
                   "in the period.</p>")
    hours = a["hours"]
    days = a["days"]
    if hours:
        hour_labels = [f"{h:02d}" for h in range(6, 24)]
        out.append("<h3>Best hours and days (average engagement per post: reactions + comments + shares)</h3>"
                   "<div class='grid'>"
                   f"<img src='{_bar_chart('By hour of the day', hour_labels, [hours.get(h, 0) for h in range(6, 24)])}'>"
                   f"<img src='{_bar_chart('By day of the week', [d[:3] for d in _WEEK], [days.get(d, 0) for d in _WEEK])}'>"
                   "</div>")
    top = cur["top_posts"]
    if top:
        zone = ZoneInfo(data["zone"])
        out.append("<div class='keep'><h3>Top posts</h3><table><tr><th>posted</th><th>post</th>"
                   "<th class='n'>reactions</th><th class='n'>comments</th><th class='n'>shares</th>"
                   "<th class='n'>engagement rate</th></tr>" + "".join(
                       f"<tr><td>{p['created'].astimezone(zone).strftime('%Y-%m-%d %H:%M')}</td>"
                       f"<td>{_e(_clip(p['excerpt']) or '(text not known)')}</td><td class='n'>{_num(p['reactions'])}</td>"
                       f"<td class='n'>{_num(p['comments'])}</td><td class='n'>{_num(p['shares'])}</td>"
                       f"<td class='n'>{_rate(p['engagement_rate'])}</td></tr>" for p in top) + "</table></div>")
    out.append(_response(a["response"]))
    out.append(_cadence(a["cadence"]))
    out.append(_plan(a["plan"], ZoneInfo(data["zone"])))
    return "".join(out)


_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clip(text: str | None, width: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _response(r: dict[str, Any]) -> str:
    unanswered = (r.get("breached") or 0) + (r.get("open") or 0)
    if r.get("count"):
        states = [(s, r.get(s) or 0) for s in ("answered", "late", "breached", "open", "moderated")]
        chart = f"<img class='wide' src='{_stacked('Inbound items by state', states)}'>"
    else:
        chart = "<p class='note'>No inbound items (comments, replies, visitor posts) in the period.</p>"
    return ("<div class='keep'><h3>Response times (R17)</h3>" + chart +
            "<table><tr><th class='n'>received</th><th class='n'>answered in time</th><th class='n'>late</th>"
            "<th class='n'>unanswered: breached</th><th class='n'>unanswered: open</th><th class='n'>moderated</th>"
            "<th class='n'>within SLA</th></tr>"
            f"<tr><td class='n'>{r.get('count') or 0}</td><td class='n'>{r.get('answered') or 0}</td>"
            f"<td class='n'>{r.get('late') or 0}</td><td class='n'>{r.get('breached') or 0}</td>"
            f"<td class='n'>{r.get('open') or 0}</td><td class='n'>{r.get('moderated') or 0}</td>"
            f"<td class='n'>{_pct(r.get('within_sla_share'))}</td></tr></table>"
            "<table><tr><th class='n'>average</th><th class='n'>median</th><th class='n'>quickest</th>"
            "<th class='n'>slowest</th></tr>"
            f"<tr><td class='n'>{_duration(r.get('average_seconds'))}</td>"
            f"<td class='n'>{_duration(r.get('median_seconds'))}</td><td class='n'>{_duration(r.get('quickest_seconds'))}"
            f"</td><td class='n'>{_duration(r.get('slowest_seconds'))}</td></tr></table>"
            + (f"<p class='warn'>{unanswered} items without any response.</p>" if unanswered else "")
            + "</div>")


def _cadence(c: dict[str, Any]) -> str:
    if c["weeks_judged"] == 0 and not c["days_over"]:
        return "<h3>Cadence (R9, R10)</h3><p class='note'>No whole week of the period was judged.</p>"
    short = ", ".join(f"{w['week']} ({w['posts']})" for w in c["weeks_short"]) or "none"
    over = ", ".join(f"{d['day']} ({d['posts']})" for d in c["days_over"]) or "none"
    return ("<div class='keep'><h3>Cadence (R9, R10)</h3><table>"
            f"<tr><td>class {_e(c['class'])}: at least {_posts(c.get('minimum'))} a week, at most {c.get('maximum')} a day"
            f"</td><td class='n'>{c['posts']} posts</td></tr>"
            f"<tr><td>weeks at the minimum, of the whole weeks judged</td><td class='n'>"
            f"{c['weeks_judged'] - len(c['weeks_short'])} / {c['weeks_judged']} ({_pct(c['compliance'])})</td></tr>"
            f"<tr><td>weeks below the minimum (posts)</td><td>{_e(short)}</td></tr>"
            f"<tr><td>days over the maximum (posts)</td><td>{_e(over)}</td></tr></table></div>")


def _posts(n: int | None) -> str:
    return f"{n} post" if n == 1 else f"{n} posts"


def _plan(plan: dict[str, Any], zone: ZoneInfo) -> str:
    counts = plan["counts"]
    if not sum(counts.values()):
        return "<h3>Planned and published</h3><p class='note'>Nothing was planned for the period.</p>"
    chart = _stacked("Planned posts by what became of them", [(s, counts[s]) for s in counts])
    notable = [r for r in plan["rows"] if r["state"] in ("missed", "late")]
    table = ""
    if notable:
        table = ("<table><tr><th>planned</th><th>format</th><th>title</th><th>responsible</th><th>state</th>"
                 "<th>published</th></tr>" + "".join(
                     f"<tr><td>{r['at'].astimezone(zone).strftime('%Y-%m-%d %H:%M')}</td><td>{_e(r['format'])}</td>"
                     f"<td>{_e(r['title'])}</td><td>{_e(r['responsible'])}</td><td>{_e(r['state'])}</td>"
                     f"<td>{r['published'].astimezone(zone).strftime('%Y-%m-%d %H:%M') if r['published'] else ''}"
                     "</td></tr>" for r in notable) + "</table>")
    return f"<div class='keep'><h3>Planned and published</h3><img class='wide' src='{chart}'>{table}</div>"


def html_of(data: dict[str, Any]) -> str:
    body = _overview(data) + "".join(_account(data, a) for a in data["accounts"])
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Interim report {_e(data['period'])}: {_e(data['organisation'])}</title></head>"
            f"<body>{body}</body></html>")


def render(data: dict[str, Any], out: Path) -> int:
    """Write the report's PDF to `out`; the number of pages."""
    from weasyprint import CSS as WeasyCSS
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    footer = f"{data['organisation']}: interim report {data['period']}".replace('"', "'")
    css = CSS % {"regular": _url("DejaVuSans.ttf"), "bold": _url("DejaVuSans-Bold.ttf"),
                 "emoji": _url("NotoEmoji-Regular.ttf"), "footer": footer.replace("\\", "")}
    document = HTML(string=html_of(data)).render(stylesheets=[WeasyCSS(string=css, font_config=fonts)],
                                                 font_config=fonts)
    document.write_pdf(out)
    return len(document.pages)


def _url(name: str) -> str:
    """A font of the package (the archive printout's), as a file URL."""
    return Path(str(resources.files("socialledger").joinpath("archive", "fonts", name))).as_uri()
