"""X-Hub-Signature-256 over the raw bytes, in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json

from socialledger.plugins._meta.webhooks import signature, verify_signature

SECRET = b"appens-hemlighet"
# Meta signs the unicode-escaped payload exactly as sent.
BODY = json.dumps({"object": "page", "entry": [{"id": "1", "time": 1, "changes": [
    {"field": "feed", "value": {"item": "comment", "verb": "add", "message": "Hej! Öppet på lördag? 😊"}}]}]},
    ensure_ascii=True).encode("ascii")


def test_the_signature_of_the_raw_bytes_verifies():
    header = "sha256=" + hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    assert signature(BODY, SECRET) == header
    assert verify_signature(BODY, header, SECRET)


def test_re_serialised_json_does_not_verify():
    header = signature(BODY, SECRET)
    reserialised = json.dumps(json.loads(BODY), ensure_ascii=False).encode("utf-8")
    assert reserialised != BODY
    assert not verify_signature(reserialised, header, SECRET)


def test_a_wrong_secret_or_a_changed_byte_fails():
    header = signature(BODY, SECRET)
    assert not verify_signature(BODY, header, b"fel")
    assert not verify_signature(BODY.replace(b"1", b"2", 1), header, SECRET)
    assert not verify_signature(BODY, "sha1=abc", SECRET)
