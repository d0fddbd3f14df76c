"""Meta's webhooks (Facebook and Instagram): the delivery envelope and the `X-Hub-Signature-256` check.

A delivery is `{"object": ..., "entry": [{"id", "time", "changes": [...]}]}`; its
signature header is `sha256=<hex HMAC-SHA256(app secret, raw body)>`, computed
over the raw request bytes exactly as delivered: Meta signs the unicode-escaped
payload, so re-serialised JSON breaks verification for å ä ö.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import msgspec

from socialledger.channels import FormatError, as_id, opt_time

#: The header Meta signs a delivery in.
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: bytes) -> bool:
    """True when `header` is the SHA-256 signature of `body` under `secret`, compared in constant time."""
    given = header.strip()
    if not given.startswith("sha256="):
        given = "sha256=" + given  # the bare hex digest, as some tools log it
    return hmac.compare_digest(given.lower().encode("ascii", "replace"), signature(body, secret).encode("ascii"))


def verify_delivery(body: bytes, headers: Mapping[str, str], secret: bytes) -> bool:
    """A delivery's signature check given its headers (names compared without regard to case)."""
    wanted = SIGNATURE_HEADER.lower()
    given = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return given is not None and verify_signature(body, given, secret)


class WebhookChange(msgspec.Struct, frozen=True):
    """One change of a Meta webhook delivery, with the entry it came in."""

    change: dict[str, Any]
    account: str  # entry.id: the page or Instagram account the delivery is for
    entry_time_raw: Any  # entry.time as delivered
    entry_time: datetime | None
    where: str  # "line 3.entry[0].changes[1]", for messages
    # Set for an entry that holds no changes (Messenger's or Instagram Direct's `messaging`):
    # what it holds, so that the reader counts it as skipped rather than drop it unsaid.
    other: str | None = None


def webhook_changes(deliveries: Any, obj: str, what: str) -> Iterator[WebhookChange]:
    """The changes of Meta webhook deliveries: `{"object": obj, "entry": [{"id", "time", "changes": [...]}]}`.

    `deliveries` are (where, document) pairs (see `json_documents`); a document may
    also be a list of deliveries. Entries without `changes` (Messenger's or
    Instagram Direct's `messaging`) hold no account content and are passed over;
    a delivery for another object is refused, naming `what` it should be for. Each of
    their messages is yielded as a change with `other` set, for the reader to count.
    """
    for where, delivery in deliveries:
        if isinstance(delivery, list):
            for i, d in enumerate(delivery):
                yield from _delivery_changes(d, f"{where}[{i}]", obj, what)
        else:
            yield from _delivery_changes(delivery, where, obj, what)


def _delivery_changes(delivery: Any, where: str, obj: str, what: str) -> Iterator[WebhookChange]:
    if not isinstance(delivery, dict):
        raise FormatError(f"{where}: a delivery is a JSON object, not {type(delivery).__name__}")
    given = delivery.get("object")
    if given is not None and given != obj:
        raise FormatError(f"{where}: a delivery for object {given!r}, not {what}")
    entries = delivery.get("entry")
    if not isinstance(entries, list):
        raise FormatError(f"{where}: 'entry' is missing or not a list")
    for i, entry in enumerate(entries):
        at = f"{where}.entry[{i}]"
        if not isinstance(entry, dict):
            raise FormatError(f"{at} is not an object")
        if "changes" not in entry:
            for key in ("messaging", "standby"):
                for k, _ in enumerate(entry.get(key) or ()):
                    yield WebhookChange({}, str(entry.get("id") or ""), entry.get("time"), None,
                                        f"{at}.{key}[{k}]", other="direct message")
            continue
        changes = entry["changes"]
        if not isinstance(changes, list):
            raise FormatError(f"{at}.changes is not a list")
        account = as_id(entry.get("id"), f"{at}.id")
        entry_time = opt_time(entry.get("time"), f"{at}.time")
        for j, change in enumerate(changes):
            if not isinstance(change, dict):
                raise FormatError(f"{at}.changes[{j}] is not an object")
            yield WebhookChange(change, account, entry.get("time"), entry_time, f"{at}.changes[{j}]")
