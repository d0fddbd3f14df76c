"""CSV for spreadsheets: plain (comma, decimal point, UTF-8) or Excel as Swedish users have it.

Excel in a Swedish locale reads `;` as the separator and `,` as the decimal
mark, and takes a file as UTF-8 only when it starts with a byte-order mark
(without one, å, ä and ö turn into mojibake). Figures are rounded to what is
worth showing: two decimals, whole seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

DIALECTS = ("plain", "excel")


def cell(value: Any, dialect: str, *, decimals: int = 2) -> Any:
    """One value as the dialect writes it: floats rounded (and with a decimal comma for Excel)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        value = round(value, decimals)
        if value.is_integer():
            return str(int(value))
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if dialect == "excel" else text
    return value


def write(header: Sequence[str], rows: Iterable[Sequence[Any]], dialect: str) -> bytes:
    """The CSV bytes of a header and rows (cells made by `cell`)."""
    buf = io.StringIO(newline="")
    if dialect == "excel":
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    else:
        writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if dialect == "excel" else data
