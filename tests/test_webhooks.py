"""X-Hub-Signature-256 over the raw bytes, in constant time; and signature checking as a channel capability."""

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


# Signature checking is a channel capability ------------------------------------------------


def test_facebook_and_instagram_verify_meta_signatures_from_the_headers():
    from socialledger.plugins.facebook import FacebookChannel
    from socialledger.plugins.instagram import InstagramChannel

    good = signature(BODY, SECRET)
    for channel in (FacebookChannel(), InstagramChannel()):
        # The header is found whatever case the HTTP layer gave its name.
        assert channel.signature_header == "X-Hub-Signature-256"
        assert channel.verify_signature(BODY, {"x-hub-signature-256": good}, SECRET)
        assert not channel.verify_signature(BODY, {"X-Hub-Signature-256": good}, b"fel")
        assert not channel.verify_signature(BODY, {}, SECRET)


def test_a_channel_without_the_capability_refuses_a_signature_check_in_one_line(tmp_path):
    from pathlib import Path

    import pytest

    from socialledger.core.domain.errors import BadInput
    from socialledger.plugins.linkedin import LinkedInChannel
    from socialledger.testing import actor, make_ledger

    # Arrange: a LinkedIn account (LinkedIn's channel verifies no signatures) and one of its files.
    assert LinkedInChannel.signature_header is None
    ledger, account = make_ledger(tmp_path / "home", "linkedin", "2414183")
    sample = Path(__file__).parent / "fixtures" / "linkedin" / "export" / "Shares_7789716.csv"
    head = ledger.head()
    try:
        # Act: ask for a signature check.
        with pytest.raises(BadInput, match="does not verify webhook signatures"):
            ledger.ingest(actor("kommunikatör"), "linkedin", sample, account, signature="sha256=00", secret=SECRET)
        # Assert: nothing recorded.
        assert ledger.head() == head
    finally:
        ledger.close()
