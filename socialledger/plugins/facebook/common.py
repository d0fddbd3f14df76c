"""What the Facebook readers share beyond `socialledger.channels`: the channel's name and its authors."""

from __future__ import annotations

from typing import Any

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
    strip_token,
)

CHANNEL = "facebook"


def author(frm: Any, *, sender_id: Any = None, sender_name: Any = None) -> AuthorRef | None:
    """The author from `from{id,name}` or, in older webhooks, `sender_id`/`sender_name`."""
    if isinstance(frm, dict) and (frm.get("id") is not None or frm.get("name")):
        return AuthorRef(
            native_id=opt_id(frm.get("id"), "from.id"),
            name=frm.get("name") or None,
            username=frm.get("username") or None,
        )
    if sender_id is not None or sender_name:
        return AuthorRef(native_id=opt_id(sender_id, "sender_id"), name=sender_name or None)
    return None
