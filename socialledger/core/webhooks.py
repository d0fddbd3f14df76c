"""Meta's webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.

Computed over the raw request bytes exactly as delivered: Meta signs the
unicode-escaped payload, so re-serialised JSON breaks verification for å ä ö.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: bytes) -> bool:
    """True when `header` is the SHA-256 signature of `body` under `secret`, compared in constant time."""
    given = header.strip()
    if not given.startswith("sha256="):
        given = "sha256=" + given  # the bare hex digest, as some tools log it
    return hmac.compare_digest(given.lower().encode("ascii", "replace"), signature(body, secret).encode("ascii"))
