"""Repairing the account export's mojibake.

Facebook's "Download Your Information" JSON writes every string as its UTF-8
bytes, each byte escaped as the Latin-1 code point of the same value:
"\\u00c3\\u00a5" is "å", "\\u00f0\\u009f\\u008e\\u00ad" is "🎭". Re-encoding as
Latin-1 and decoding as UTF-8 undoes it. The repair is guarded: a string that
is not such a sequence (it holds a character above U+00FF, or its bytes are not
UTF-8) is kept as it is, so proper text and ASCII pass through unchanged.
"""

from __future__ import annotations

from typing import Any


def repair(s: str) -> str:
    """`s` with Facebook's Latin-1-escaped UTF-8 undone, or `s` itself where that does not apply."""
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def repair_tree(obj: Any) -> Any:
    """A copy of a parsed JSON value with every string (keys too) repaired."""
    if isinstance(obj, str):
        return repair(obj)
    if isinstance(obj, dict):
        return {repair(k) if isinstance(k, str) else k: repair_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [repair_tree(v) for v in obj]
    return obj
