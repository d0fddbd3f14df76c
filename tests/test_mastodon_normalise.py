"""The Mastodon channel's reading, record by record: shapes, keys, text, threads, edits, deletions, the archive."""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from pathlib import Path

import pytest
from channel_samples import Samples, assert_wellformed, by_id, contents, metrics, write

from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import ItemError, ModerationRecord, Skipped
from socialledger.plugins.mastodon.channel import MastodonChannel
from socialledger.plugins.mastodon.common import export_visibility, html_text, status_key

FIX = Path(__file__).parent / "fixtures" / "mastodon"
ME = "https://social.example.se/users/kommunen"
CH = MastodonChannel()
S = Samples(CH, FIX)


def read(rel: str, me: str | None = ME) -> list:
    (e,) = open_inputs(FIX / rel)
    source = CH.detect(e)
    assert source is not None, rel
    return list(CH.read_for(e, source, me))


def test_text_is_derived_from_the_html_which_is_kept_raw():
    assert html_text("<p>Hej!</p><p>Andra stycket<br>ny rad &amp; mer</p>") == "Hej!\n\nAndra stycket\nny rad & mer"
    link = ('<p>Se <a href="https://x.se/a"><span class="invisible">https://</span><span class="ellipsis">'
            'x.se/a</span><span class="invisible">bc</span></a></p>')
    assert html_text(link) == "Se https://x.se/abc"
    assert html_text("") is None and html_text(None) is None
    (post,) = [r for r in contents(read("sv/statuses/account_statuses.json")) if r.native_id.endswith("101")]
    assert post.raw["content"].startswith("<p>Välkommen") and "🎭" in post.text


@pytest.mark.parametrize(("rel", "source"), [
    ("sv/statuses/account_statuses.json", "api"), ("sv/contexts/context_111900000000000101.json", "api"),
    ("sv/source.json", "api"), ("history/history.json", "api"), ("edits/status_after_edit.json", "api"),
    ("sv/user_stream.txt", "stream"), ("sv/user_stream.jsonl", "stream"), ("sv/webhooks.jsonl", "webhook"),
    ("webhook/status_created.json", "webhook"), ("archive/outbox.json", "export"), ("archive/actor.json", "export"),
    ("archive/likes.json", "export"),
])
def test_each_shape_is_detected(rel, source):
    assert CH.detect(S.entry(rel)) == source


def test_other_channels_data_and_saved_requests_are_not_taken():
    for f in (Path(__file__).parent / "fixtures" / "facebook" / "sv").glob("*.json"):
        assert CH.detect(S.entry(f"../facebook/sv/{f.name}")) is None, f.name
    assert CH.skip(S.entry("sv/statuses/account_statuses.headers.json"))
    assert CH.skip(S.entry("archive/avatar.png"))


def test_every_record_is_normalised_and_without_the_account_every_status_is_kept():
    for rel in ("sv/statuses/account_statuses.json", "sv/contexts/context_111900000000000101.json",
                "sv/user_stream.txt", "sv/user_stream.jsonl", "sv/webhooks.jsonl", "archive/outbox.json"):
        told = read(rel)
        assert_wellformed(told, "mastodon", never=("access_token",))
        alone = read(rel, None)  # `read`: no account to tell its business by, so nothing is skipped as another's
        assert len(contents(alone)) >= len(contents(told)), rel
        assert not [r for r in alone if isinstance(r, Skipped) and "another account" in r.reason], rel


def test_the_key_is_the_uri_and_strangers_uris_are_hashed():
    records = by_id(read("sv/contexts/context_111900000000000101.json"))
    asa_uri = "https://mastodon.nu/users/asa/statuses/111900000000000201"
    key = "uri-sha256:" + hashlib.sha256(asa_uri.encode()).hexdigest()[:32]
    assert status_key(asa_uri, ME) == key and key in records
    assert records[key].raw["uri"] == asa_uri  # the uri itself is kept, sealed with the content
    assert status_key(ME + "/statuses/1", ME) == ME + "/statuses/1"
    own = records[ME + "/statuses/111900000000000103"]
    assert own.page_id == ME and own.kind == "reply" and own.parent_native_id == key
    assert records[key].page_id is None and records[key].author.native_id == "https://mastodon.nu/users/asa"
    assert records[key].author.username == "asa@mastodon.nu"  # a remote acct is user@domain


def test_a_reply_to_the_accounts_status_not_in_the_file_is_linked_by_the_local_accounts_uri():
    # The context of a status holds its replies, not the status: its uri is the local account's uri + its id.
    records = by_id(read("sv/contexts/context_111900000000000101.json"))
    danish = next(r for r in records.values() if r.text and "Hvornår åbner" in r.text)
    assert danish.parent_native_id == ME + "/statuses/111900000000000101" and danish.kind == "comment"


def test_counts_are_counts_and_followers_come_from_the_profile():
    records = read("sv/statuses/account_statuses.json")
    post = ME + "/statuses/111900000000000101"
    by_metric = {m.platform_metric: m for m in metrics(records) if m.native_id == post}
    assert by_metric["favourites_count"].value == 31 and by_metric["favourites_count"].breakdown == {"favourite": 31}
    assert by_metric["reblogs_count"].metric == "shares" and by_metric["replies_count"].metric == "comments"
    (followers,) = [m for m in metrics(records) if m.metric == "followers"]
    assert followers.value == 2318 and followers.period == "instant" and followers.page_id == ME
    boosts = [r for r in records if isinstance(r, Skipped) and r.kind == "boost"]
    assert len(boosts) == 1


def test_the_stream_keeps_the_accounts_business_and_skips_the_rest():
    records = read("sv/user_stream.txt")
    kinds = [(type(r).__name__, getattr(r, "kind", None), getattr(r, "reason", None)) for r in records]
    assert ("Skipped", "favourite notification",
            "who favourited, boosted or followed is not kept: counts come from the statuses and the profile") in kinds
    skipped_others = [r for r in records if isinstance(r, Skipped) and r.kind in ("status", "deletion")]
    assert len(skipped_others) == 3  # a followed account's status, its deletion, and a deletion never shown
    (removal,) = [r for r in records if isinstance(r, ModerationRecord)]
    assert removal.action == "remove" and removal.item.text == "@kommunen Tack! Plogas Lilla Torg idag?"
    edits = [r for r in contents(records) if r.native_id == ME + "/statuses/111900000000000106"]
    assert [r.text for r in edits] == ["Snöröjningen pågår i hela staden ❄️",
                                       "Snöröjningen pågår i hela staden ❄️ Gång- och cykelvägar plogas först."]
    assert edits[1].observed > edits[0].observed and edits[1].created == edits[0].created


def test_a_delete_id_stays_a_string(tmp_path):
    big = "117024236332527350"  # past 2**53: a float would change it
    status = json.loads((FIX / "edits" / "status_before_edit.json").read_text(encoding="utf-8"))
    status["id"] = big
    text = f"event: update\ndata: {json.dumps(status, ensure_ascii=False)}\n\nevent: delete\ndata: {big}\n\n"
    e = write(tmp_path, "stream.txt", text)
    (removal,) = [r for r in CH.read_for(e, CH.detect(e), ME) if isinstance(r, ModerationRecord)]
    assert removal.raw == {"deleted": big} and removal.native_id == ME + "/statuses/111900000000000107"


def test_bad_stream_text_is_one_line_of_bad_input(tmp_path):
    e = write(tmp_path, "stream.txt", "event: update\nnonsense here\n\n")
    with pytest.raises(BadInput, match="stream.txt"):
        list(CH.read_for(e, "stream", ME))
    e = write(tmp_path, "stream2.txt", "event: update\ndata: {not json\n\n")
    with pytest.raises(BadInput, match="not JSON"):
        list(CH.read_for(e, "stream", ME))


def test_the_edit_history_needs_its_request_beside_it(tmp_path):
    versions = read("history/history.json")
    assert [r.text for r in contents(versions)] == ["Stadsbiblioteket stänger kl. 15 på fredag.",
                                                   "Stadsbiblioteket stänger kl. 16 på fredag på grund av personalmöte."]
    assert {r.native_id for r in versions} == {ME + "/statuses/111900000000000102"}
    alone = write(tmp_path, "history.json", (FIX / "history" / "history.json").read_bytes())
    errors = list(CH.read_for(alone, "api", ME))
    assert len(errors) == 2 and all(isinstance(r, ItemError) and r.kind == "version" for r in errors)
    packed = tmp_path / "crawl.zip"
    with zipfile.ZipFile(packed, "w") as z:  # beside works inside a ZIP too
        for f in (FIX / "history").iterdir():
            z.write(f, f"h/{f.name}")
    (entry,) = [e for e in open_inputs(packed) if e.path == "h/history.json"]
    assert entry.beside("../history.headers.json") is None and entry.beside("history.headers.json") is not None
    assert len(contents(CH.read_for(entry, "api", ME))) == 2


def test_the_archive_reads_the_last_ordered_items_and_trusts_no_total():
    text = (FIX / "archive" / "outbox.json").read_text(encoding="utf-8")
    assert text.count('"orderedItems"') == 2 and '"totalItems":4' in text
    records = read("archive/outbox.json")
    assert len(records) == 6  # every activity of the last orderedItems, whatever totalItems says
    notes = by_id(records)
    road = notes[ME + "/statuses/111900000000000105"]
    assert road.media[0].uri == "media_attachments/files/111/900/000/000/000/901/original/5a1b2c3d4e5f6a7b.png"
    assert road.title == "Trafik" and road.by_account and export_visibility(road.raw) == "unlisted"
    assert notes[ME + "/statuses/111900000000000102"].observed.isoformat() == "2026-02-13T08:05:12+00:00"
    assert [r.kind for r in records if isinstance(r, Skipped)] == ["boost", "direct message"]


def test_visibility_from_to_and_cc():
    public = "https://www.w3.org/ns/activitystreams#Public"
    assert export_visibility({"to": [public], "cc": []}) == "public"
    assert export_visibility({"to": ["x/followers"], "cc": [public]}) == "unlisted"
    assert export_visibility({"to": ["https://a/users/b/followers"], "cc": []}) == "private"
    assert export_visibility({"to": ["https://a/users/c"], "cc": []}) == "direct"


def test_webhook_signature():
    body = (FIX / "webhook" / "status_created.json").read_bytes()
    secret = b"hemlig-nyckel-for-test"
    good = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert CH.verify_signature(body, {"x-hub-signature": good}, secret)
    assert not CH.verify_signature(body + b" ", {"X-Hub-Signature": good}, secret)
    assert not CH.verify_signature(body, {"X-Hub-Signature": good.replace("sha256=", "sha1=")}, secret)
    assert not CH.verify_signature(body, {}, secret)


def test_an_error_payload_is_reported_for_the_item(tmp_path):
    e = write(tmp_path, "status.json", {"error": "Record not found"})
    assert CH.detect(e) == "api"
    (error,) = CH.read_for(e, "api", ME)
    assert isinstance(error, ItemError) and error.message == "Record not found" and error.kind == "status"


def test_a_status_of_another_account_in_a_page_is_refused_by_naming_it():
    (record,) = [r for r in read("other/other_account.json") if not isinstance(r, Skipped)]
    assert record.page_id == "https://social.example.se/users/hamnen"  # the core refuses: another page


def test_large_files_are_recognised_by_their_first_bytes(tmp_path):
    status = json.loads((FIX / "edits" / "status_before_edit.json").read_text(encoding="utf-8"))
    many = [dict(status, id=str(111900000000100000 + i), uri=f"{ME}/statuses/{111900000000100000 + i}")
            for i in range(200)]
    page = write(tmp_path, "page.json", many, ensure_ascii=False)
    assert page.size > 64 * 1024 and CH.detect(page) == "api"
    assert len(contents(CH.read_for(page, "api", ME))) == 200
    sse = "".join(f"event: update\ndata: {json.dumps(s, ensure_ascii=False)}\n\n" for s in many)
    stream = write(tmp_path, "stream.txt", ":)\n" + sse)
    assert stream.size > 64 * 1024 and CH.detect(stream) == "stream"
    assert len(contents(CH.read_for(stream, "stream", ME))) == 200
    events = write(tmp_path, "events.json", [{"event": "update", "payload": s} for s in many], ensure_ascii=False)
    assert CH.detect(events) == "stream" and len(contents(CH.read_for(events, "stream", ME))) == 200
    outbox = (FIX / "archive" / "outbox.json").read_text(encoding="utf-8")
    head, _, rest = outbox.partition(',"orderedItems":[],"orderedItems":[')
    items = json.loads("[" + rest[:-1])
    note = items[0]
    big = [dict(note, id=f"{note['id']}{i}", object=dict(note["object"], id=f"{ME}/statuses/9{i}"))
           for i in range(100)]
    body = head + ',"orderedItems":[],"orderedItems":' + json.dumps(big, ensure_ascii=False) + "}"
    archive = write(tmp_path, "outbox.json", body)
    assert archive.size > 64 * 1024 and CH.detect(archive) == "export"
    assert len(contents(CH.read_for(archive, "export", ME))) == 100


def test_the_platform_id_is_the_actor_uri():
    assert CH.check_platform_id(ME) is None
    assert CH.check_platform_id("http://localhost:3000/ap/users/117020565966271181") is None
    for wrong, says in [("@kommunen@social.example.se", "handle"), ("kommunen@social.example.se", "handle"),
                        ("109000000000000001", "id on one server"), ("https://social.example.se/@kommunen",
                                                                     "profile page"), ("kommunen", "not")]:
        assert says in (CH.check_platform_id(wrong) or ""), wrong


def test_a_parent_the_file_cannot_name_is_kept_as_where_to_ask_for_it():
    records = by_id(read("sv/statuses/account_statuses.json"))
    answer = records[ME + "/statuses/111900000000000103"]  # the account's reply to Åsa, whose status is elsewhere
    assert answer.parent_native_id is None
    assert answer.parent_ref == "https://social.example.se/api/v1/statuses/111900000000000201"
