"""What every Mastodon source shares: the channel's name, HTML to text, media, visibility, reasons."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from socialledger.channels import Media

CHANNEL = "mastodon"

#: Reasons items are skipped for, as the ingest summary shows them.
DIRECT_REASON = "direct messages are out of scope (R17)"
OTHER_REASON = "another account's status, neither this account's nor addressed to it"
BOOST_REASON = "a boost of a status: the ledger keeps the account's own words; boosts are counted on the status"
SOURCE_REASON = "the plain source text of a status: the ledger keeps the status's HTML and derives its text"
NOTIFICATION_REASON = "who favourited, boosted or followed is not kept: counts come from the statuses and the profile"
#: Notifications of other kinds (a followed account posted, a boosted status was edited, a poll ended, ...).
OTHER_NOTIFICATION_REASON = "a notification of no reply or mention to the account (statuses come as their own events)"
#: The notification kinds that tell who acted on the account or its statuses.
WHO_NOTIFICATIONS = frozenset({"favourite", "reblog", "follow", "follow_request", "quote", "quoted_update"})
EVENT_REASON = "not a status"
UNSEEN_DELETE_REASON = ("a status this input never showed: ids are local to an instance and the ledger keys "
                        "statuses by uri (poll the account's statuses to see it gone)")
LIKE_REASON = "another account's status the account liked or bookmarked: not the account's record"
ADMIN_EVENT_REASON = "an admin webhook event that is not a status"

#: The prefix of the key of a status by someone else: a hash of its uri (see `status_key`).
HASHED = "uri-sha256:"


def status_key(uri: str, me: str | None) -> str:
    """The key a status is recorded under: its uri, the same on every server (ids are per instance).

    A uri names its author (`https://instance/users/asa/statuses/...`), and native ids are
    stored as they are: a status by anyone but the account (whose uris begin with its actor
    uri) is keyed by a hash of its uri instead, the same for every source, and the uri itself
    is kept only in the sealed content (`raw`, the permalink), erasable with its author.
    """
    if me is None or uri.startswith(me + "/"):
        return uri
    return HASHED + hashlib.sha256(uri.encode("utf-8")).hexdigest()[:32]


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH = re.compile(r"</p>\s*<p(?:\s[^>]*)?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")

PUBLIC = frozenset({"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"})


def html_text(content: Any) -> str | None:
    """The text of a status's sanitised HTML: paragraphs as blank lines, `<br>` as line breaks, entities decoded.

    Mastodon hides parts of long links in `<span class="invisible">`: their text is
    kept, so a link reads whole.
    """
    if not isinstance(content, str) or not content:
        return None
    text = _PARAGRAPH.sub("\n\n", content)
    text = _BR.sub("\n", text)
    text = html.unescape(_TAG.sub("", text)).strip()
    return text or None


def media_kind(kind: Any) -> str:
    """Mastodon's attachment `type` (or an export's `mediaType`) as the ledger's media kind."""
    k = str(kind or "").lower()
    if k.startswith("image"):
        return "photo"
    if k.startswith(("video", "gifv")):
        return "video"
    if k.startswith("audio"):
        return "audio"
    return "file"


def api_media(attachments: Any) -> tuple[Media, ...]:
    out = []
    for m in attachments if isinstance(attachments, list) else ():
        if isinstance(m, dict):
            out.append(Media(kind=media_kind(m.get("type")), url=m.get("url") or m.get("remote_url"),
                             description=m.get("description")))
    return tuple(out)


def archive_path(url: Any) -> str | None:
    """An export attachment's instance-relative URL as its path in the ZIP (`media_attachments/files/...`)."""
    if not isinstance(url, str):
        return None
    at = url.find("media_attachments/")
    return url[at:] if at >= 0 else url.lstrip("/") or None


def export_visibility(activity: dict[str, Any]) -> str:
    """An export's visibility, implied by `to`/`cc`: public, unlisted, private (followers) or direct."""
    to = activity.get("to") or []
    cc = activity.get("cc") or []
    to = [to] if isinstance(to, str) else to
    cc = [cc] if isinstance(cc, str) else cc
    if PUBLIC.intersection(to):
        return "public"
    if PUBLIC.intersection(cc):
        return "unlisted"
    if any(isinstance(a, str) and a.endswith("/followers") for a in [*to, *cc]):
        return "private"
    return "direct"
