"""The interim report as an Excel workbook (openpyxl): one sheet per table, one row per account and line.

Times are written as local times without an offset (Excel has none), in the
organisation's zone the report names on its first sheet; shares as fractions
with a percent format, durations in hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

FIGURES = ("posts", "comments", "visitor_posts", "questions", "reactions", "shares", "reach", "impressions", "views",
           "clicks", "follows", "followers", "followers_baseline", "followers_growth", "engagement_rate_average")
RESPONSE = ("count", "answered", "late", "breached", "open", "moderated", "within_sla_share")
DURATIONS = ("average_seconds", "median_seconds", "quickest_seconds", "slowest_seconds")


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def write(data: dict[str, Any], out: Path) -> list[str]:
    """Write the workbook to `out`; the names of its sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    zone = ZoneInfo(data["zone"])

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone).replace(tzinfo=None) if value is not None else None

    book = Workbook()
    book.remove(book.active)

    def sheet(title: str, header: Sequence[str], rows: list[Sequence[Any]], percent: Sequence[str] = ()) -> None:
        ws = book.create_sheet(title)
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
        ws.freeze_panes = "A2"
        for i, name in enumerate(header, start=1):
            letter = get_column_letter(i)
            width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None][:200])
            ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
            if name in percent:
                for cell in ws[letter][1:]:
                    cell.number_format = "0.0%"
            elif rows and isinstance(rows[0][i - 1], datetime):
                for cell in ws[letter][1:]:
                    cell.number_format = "yyyy-mm-dd hh:mm"

    accounts = data["accounts"]
    sheet("Report", ["organisation", "period", "first day", "last day", "previous period", "scope", "time zone",
                     "made", "ledger position"],
          [[data["organisation"], data["period"], data["first"], data["last"], data["previous"], data["scope"],
            data["zone"], local(data["generated"]), data["position"]]])
    sheet("Figures", ["account", "name", "period", *FIGURES],
          [[a["account"], a["name"], label, *(a[key][f] for f in FIGURES)]
           for a in accounts for label, key in ((data["period"], "current"), (data["previous"], "previous"))])
    sheet("Over time", ["account", "name", "slice", "posts", "reactions", "reach", "followers", "previous posts",
                        "previous reactions", "previous reach", "previous followers"],
          [[a["account"], a["name"], label,
            *(a["series"]["current"][k][i] for k in ("posts", "reactions", "reach", "followers")),
            *((a["series"]["previous"][k][i] if i < len(a["series"]["previous"][k]) else None)
              for k in ("posts", "reactions", "reach", "followers"))]
           for a in accounts for i, label in enumerate(a["series"]["labels"])])
    sheet("Posts", ["account", "name", "item", "native id", "posted", "excerpt", "reactions", "comments", "shares",
                    "engagement", "engagement rate %"],
          [[a["account"], a["name"], p["item"], p["native_id"], local(p["created"]), p["excerpt"], p["reactions"],
            p["comments"], p["shares"], p["engagement"],
            round(p["engagement_rate"], 3) if p["engagement_rate"] is not None else None]
           for a in accounts for p in a["posts"]])
    sheet("Best hours", ["account", "name", "hour", "average engagement"],
          [[a["account"], a["name"], h, round(v, 2)] for a in accounts for h, v in a["hours"].items()])
    sheet("Best days", ["account", "name", "day", "average engagement"],
          [[a["account"], a["name"], d, round(v, 2)] for a in accounts for d, v in a["days"].items()])
    sheet("Top posts", ["account", "name", "rank", "item", "posted", "excerpt", "reactions", "comments", "shares",
                        "engagement rate %"],
          [[a["account"], a["name"], n, p["item"], local(p["created"]), p["excerpt"], p["reactions"], p["comments"],
            p["shares"], round(p["engagement_rate"], 3) if p["engagement_rate"] is not None else None]
           for a in accounts for n, p in enumerate(a["current"]["top_posts"], start=1)])
    sheet("Response times", ["account", "name", *RESPONSE, *(d.replace("_seconds", " hours") for d in DURATIONS)],
          [[a["account"], a["name"], *(a["response"].get(k) for k in RESPONSE),
            *(_hours(a["response"].get(d)) for d in DURATIONS)] for a in accounts], percent=("within_sla_share",))
    sheet("Cadence", ["account", "name", "class", "posts", "weeks judged", "weeks short", "days over", "compliance",
                      "weeks below the minimum", "days over the maximum"],
          [[a["account"], a["name"], a["cadence"]["class"], a["cadence"]["posts"], a["cadence"]["weeks_judged"],
            len(a["cadence"]["weeks_short"]), len(a["cadence"]["days_over"]), a["cadence"]["compliance"],
            ", ".join(w["week"] for w in a["cadence"]["weeks_short"]),
            ", ".join(d["day"] for d in a["cadence"]["days_over"])] for a in accounts], percent=("compliance",))
    sheet("Plan", ["account", "name", "planned", "format", "sponsored", "title", "responsible", "state", "published",
                   "item", "id"],
          [[a["account"], a["name"], local(r["at"]), r["format"], r["sponsored"], r["title"], r["responsible"],
            r["state"], local(r["published"]), r["item"], r["id"]] for a in accounts for r in a["plan"]["rows"]])
    book.save(out)
    return book.sheetnames
