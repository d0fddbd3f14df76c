"""What the LinkedIn readers share beyond `socialledger.channels`: URNs, their times, "little" text, authors.

LinkedIn names everything by URN: `urn:li:organization:90362860`,
`urn:li:share:7174…`, `urn:li:ugcPost:7174…`, `urn:li:activity:7174…`,
`urn:li:comment:(urn:li:activity:7174…,7175…)`, `urn:li:person:wx2KHVX1B1`.

- A post's native id is its share or ugcPost URN, exactly as the API gives it.
- The numeric part of a share, ugcPost, activity (and comment) URN is a
  time-ordered id: shifted right by 22 bits it is the creation time in epoch
  milliseconds (`urn_time`). Used only where the data gives no time.
- The account's platform id is the organisation's number (`"90362860"`); an
  organisation author is named by that number (so that the core recognises the
  account itself), a person by the full `urn:li:person:…` URN (a data subject).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from socialledger.channels import (  # noqa: F401 - the readers import these from here
    AuthorRef,
    FormatError,
    as_id,
    clean,
    dict_at,
    list_at,
    number,
    opt_id,
    opt_time,
    parse_time,
    url_without,
)

CHANNEL = "linkedin"

#: The organisation URN types whose id is the account's platform id.
ORG_TYPES = frozenset({"organization"})
#: URN types of a post (the Posts API's ids).
POST_TYPES = frozenset({"share", "ugcPost"})

_URN = re.compile(r"^urn:li:(?P<type>[A-Za-z]+):(?P<id>.+)$")
_POST_OR_ACTIVITY = re.compile(r"urn:li:(?:share|ugcPost|activity):\d+")
#: `urn:li:comment:(urn:li:activity:1,2)`; web links shorten the inner URN to `(activity:1,2)`.
_COMMENT = re.compile(r"^urn:li:comment:\((?P<target>(?:urn:li:)?[A-Za-z]+:\d+),(?P<id>\d+)\)$")

#: LinkedIn launched on 5 May 2003: a time derived from an id before that is no time at all.
_EARLIEST = datetime(2003, 5, 5, tzinfo=UTC)


def urn_type(urn: Any) -> str | None:
    """`"share"` for `urn:li:share:1`; None for anything that is not a LinkedIn URN."""
    m = _URN.match(urn) if isinstance(urn, str) else None
    return m.group("type") if m else None


def urn_id(urn: Any) -> str | None:
    """`"90362860"` for `urn:li:organization:90362860`; None for anything that is not a LinkedIn URN."""
    m = _URN.match(urn) if isinstance(urn, str) else None
    return m.group("id") if m else None


def org_id(urn: Any) -> str | None:
    """The organisation's number when `urn` names an organisation, else None."""
    return urn_id(urn) if urn_type(urn) in ORG_TYPES else None


def is_post_urn(urn: Any) -> bool:
    return urn_type(urn) in POST_TYPES


def comment_target(urn: Any) -> tuple[str, str] | None:
    """(the commented object's URN, the comment's own number) of a comment URN, in the API's long form."""
    m = _COMMENT.match(urn) if isinstance(urn, str) else None
    if m is None:
        return None
    target = m.group("target")
    if not target.startswith("urn:li:"):
        target = "urn:li:" + target
    return target, m.group("id")


def normalise_comment_urn(urn: str) -> str | None:
    """`urn:li:comment:(activity:1,2)` (a web link's form) -> `urn:li:comment:(urn:li:activity:1,2)`."""
    parts = comment_target(urn)
    return f"urn:li:comment:({parts[0]},{parts[1]})" if parts else None


def urn_time(urn: Any) -> datetime | None:
    """The creation time hidden in a time-ordered URN id (`id >> 22` is epoch ms), or None.

    For a comment URN it is the comment's own id. None when the id is not a
    number or yields a time before LinkedIn existed or after tomorrow.
    """
    if not isinstance(urn, str):
        return None
    parts = comment_target(urn)
    raw_id = parts[1] if parts else urn_id(urn)
    if raw_id is None or not raw_id.isdigit():
        return None
    try:
        t = datetime.fromtimestamp((int(raw_id) >> 22) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if t < _EARLIEST or t > datetime.now(UTC) + timedelta(days=1):
        return None
    return t


def find_post_urn(text: str) -> str | None:
    """The first share, ugcPost or activity URN in a (URL-encoded) link or path."""
    m = _POST_OR_ACTIVITY.search(unquote(text))
    return m.group(0) if m else None


def ms_time(value: Any, what: str) -> datetime | None:
    """An epoch-milliseconds field (LinkedIn's times), None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FormatError(f"{what} is {value!r}, not a time")
    if isinstance(value, str) and not value.strip().isdigit():
        return parse_time(value, what)
    ms = int(value)
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise FormatError(f"{what} {value!r} is not a time") from None


def actor(urn: Any, decorated: Any = None) -> AuthorRef | None:
    """Who wrote an item, from an author or actor URN.

    An organisation is named by its number (the account's own platform id when
    it is the account, so the core marks the item as the account's); a person
    by the full `urn:li:person:…` URN, and by name when a decorated projection
    (`actor~{localizedFirstName, localizedLastName}`) gives one.
    """
    if not isinstance(urn, str) or not urn:
        return None
    org = org_id(urn)
    if org is not None:
        return AuthorRef(native_id=org)
    name = None
    if isinstance(decorated, dict):
        first, last = decorated.get("localizedFirstName"), decorated.get("localizedLastName")
        name = " ".join(p for p in (first, last) if isinstance(p, str) and p) or None
    return AuthorRef(native_id=urn, name=name)


# "little" text ---------------------------------------------------------------------------------
# The Posts API's `commentary` is LinkedIn's "little" format: the characters below are
# reserved and escaped with a backslash when meant literally; `@[Name](urn)` is a mention and
# `{hashtag|#|Name}` a hashtag template.

LITTLE_RESERVED = frozenset("|{}@[]()<>#\\*_~")
_MENTION = re.compile(r"@\[(?P<name>(?:\\.|[^\]\\])*)\]\s?\((?P<urn>urn:li:[A-Za-z]+:[^()\s]+)\)")
_HASHTAG = re.compile(r"\{hashtag\|\\?(?P<sign>[#\uff03])\|(?P<tag>(?:\\.|[^}\\])*)\}")


def unescape_little(text: str) -> str:
    """Plain text from "little": escapes undone, mentions reduced to their name, hashtag templates to `#tag`.

    The raw fragment keeps the original (with the mentioned URNs).
    """
    if "\\" not in text and "@[" not in text and "{hashtag" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in LITTLE_RESERVED:
            out.append(text[i + 1])
            i += 2
            continue
        if c == "@":
            m = _MENTION.match(text, i)
            if m is not None:
                out.append(unescape_little(m.group("name")))
                i = m.end()
                continue
        elif c == "{":
            m = _HASHTAG.match(text, i)
            if m is not None:
                out.append(m.group("sign") + unescape_little(m.group("tag")))
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


#: What LinkedIn's CDN (`media.licdn.com`) signs a media URL with: an expiry (`e`), the token (`t`), `v`.
_SIGNED = frozenset({"e", "t", "v"})


def cdn_identity(url: str) -> str:
    """A media URL without what LinkedIn's CDN re-signs (`Channel.media_identity`): the asset's path names it."""
    if not (urlsplit(url).hostname or "").endswith("licdn.com"):
        return url
    return url_without(url, _SIGNED.__contains__)
