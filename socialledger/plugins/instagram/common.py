"""What the Instagram readers share beyond `socialledger.channels`: the channel's name, authors, texts, errors."""

from __future__ import annotations

from typing import Any

from socialledger.channels import (  # noqa: F401 - the readers import these from here
    AuthorRef,
    FormatError,
    ItemError,
    Source,
    as_id,
    clean,
    dict_at,
    list_at,
    number,
    opt_id,
    opt_time,
    parse_time,
    repair_tree,
)

CHANNEL = "instagram"

#: What a Graph API error subcode means for an Instagram item, where the payload does not say it well.
KNOWN_SUBCODES: dict[int, str] = {
    2108006: "the media was posted before the account became a business or creator account, "
             "and Instagram gives no insights for it",
}


def author(frm: Any, *, user: Any = None, username: Any = None) -> AuthorRef | None:
    """The author of a comment: `from{id,username}`, else `user{id}` (the app user) with `username`.

    The API names the commenter by `from` (newer versions), by `user{id}` only when the
    commenter is the app user (the account itself), and by `username` always.
    """
    name = username if isinstance(username, str) and username else None
    if isinstance(frm, dict) and (frm.get("id") is not None or frm.get("username")):
        frm_name = frm.get("username")
        return AuthorRef(
            native_id=opt_id(frm.get("id"), "from.id"),
            username=frm_name if isinstance(frm_name, str) and frm_name else name,
        )
    if isinstance(user, dict) and user.get("id") is not None:
        return AuthorRef(native_id=as_id(user["id"], "user.id"), username=name)
    if name is not None:
        return AuthorRef(username=name)
    return None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def item_error(err: dict[str, Any], source: Source, *, native_id: str | None = None,
               where: str | None = None) -> ItemError:
    """An error payload as one clear line: what went wrong for the item, then the platform's own words.

    `{"error":{"message":"Invalid parameter","type":"OAuthException","code":100,"error_subcode":2108006,
    "error_user_title":"Media posted before business account conversion",...}}` becomes
    "Media posted before business account conversion: the media was posted before ... (OAuthException:
    Invalid parameter; code 100, subcode 2108006)".
    """
    code, sub = err.get("code"), err.get("error_subcode")
    title, user_msg = text(err.get("error_user_title")), text(err.get("error_user_msg"))
    known = KNOWN_SUBCODES.get(sub) if isinstance(sub, int) else None
    message = text(err.get("message")) or "unknown error"
    if title and known:
        head = f"{title}: {known}"
    elif title and user_msg:
        head = f"{title}: {user_msg}"
    else:
        head = title or known or user_msg or message
    details = [f"{err['type']}: {message}" if text(err.get("type")) else message]
    if code is not None:
        details.append(f"code {code}" + (f", subcode {sub}" if sub is not None else ""))
    line = f"{head} ({'; '.join(details)})" if head != message or len(details) > 1 else head
    if where:
        line = f"{where}: {line}"
    return ItemError(
        channel=CHANNEL,
        source=source,
        message=line,
        native_id=native_id,
        code=None if code is None else (f"{code}/{sub}" if sub is not None else str(code)),
    )
