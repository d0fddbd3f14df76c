"""The capture service, in process: the webhook endpoints, the inbox, the worker (issue 20).

The end-to-end tests that start `socialledger serve` (and SIGKILL it) are in
tests/test_service_e2e.py (slow).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from socialledger.core.domain.errors import BadInput
from socialledger.core.plugins import plugin_manager
from socialledger.service.http import webhook_app
from socialledger.service.inbox import MAX_BODY, InboxReader, InboxWriter, inbox_dir, last_durable_seq, scan
from socialledger.service.loadgen import comment_delivery, sign
from socialledger.service.secrets import Secrets
from socialledger.service.worker import InboxWorker, WorkerState
from socialledger.testing import actor, make_ledger

PAGE = "1234567890321"
SECRET = b"appens-hemlighet"
SAMPLES = Path(__file__).parent / "fixtures" / "facebook" / "webhooks"
ENV = {"SOCIALLEDGER_FACEBOOK_APP_SECRET": SECRET.decode(), "SOCIALLEDGER_FACEBOOK_VERIFY_TOKEN": "rätt-token"}


@pytest.fixture
def service(tmp_path: Path):
    """A ledger with a linked Facebook page, the webhook app over its inbox, and a worker (run by hand)."""
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE)
    writer = InboxWriter(ledger.home)
    app = webhook_app(ledger.home, plugin_manager().channels, Secrets({}, ENV, "test"), writer, lambda: True)
    worker = InboxWorker(ledger, actor("kommunikatör"), WorkerState(ledger.home))
    with TestClient(app) as client:
        yield client, writer, worker, ledger, account
    writer.close()
    ledger.close()


def post(client: TestClient, body: bytes, signature: str | None = None, secret: bytes = SECRET):
    headers = {"Content-Type": "application/json"}
    if signature != "none":
        headers["X-Hub-Signature-256"] = signature or sign(body, secret)
    return client.post("/webhooks/facebook", content=body, headers=headers)


def test_the_handshake_answers_the_challenge_only_to_the_right_token(service):
    client, *_ = service
    ok = client.get("/webhooks/facebook", params={"hub.mode": "subscribe", "hub.verify_token": "rätt-token",
                                                  "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = client.get("/webhooks/facebook", params={"hub.mode": "subscribe", "hub.verify_token": "fel",
                                                     "hub.challenge": "1158201444"})
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert client.get("/webhooks/facebook").status_code == 403
    assert client.get("/webhooks/nosuch", params={"hub.mode": "subscribe"}).status_code == 404


def test_refused_deliveries_are_not_stored(service):
    client, writer, *_ = service
    body = (SAMPLES / "feed-comment-add-211.json").read_bytes()
    assert post(client, body, "none").status_code == 401
    assert post(client, body, secret=b"fel").status_code == 403
    assert post(client, body.replace(b"next", b"nexT"), sign(body, SECRET)).status_code == 403
    bad = b'{"object":"page","entry":"no"}'
    assert post(client, bad).status_code == 400
    assert post(client, b"not json").status_code == 400
    big = b'{"object":"page","entry":[{"id":"1","x":"' + b"a" * MAX_BODY + b'"}]}'
    assert post(client, big).status_code == 413
    assert writer.durable_seq == 0
    assert last_durable_seq(writer.folder.parent) == 0


def test_a_delivery_is_stored_before_200_and_ingested_in_arrival_order(service):
    client, writer, worker, ledger, account = service
    add = (SAMPLES / "feed-comment-add-211.json").read_bytes()
    edited = add.replace(b'"verb": "add"', b'"verb": "edited"').replace(
        b"and the next one", b"och n\\u00e4sta, \\u00e4ndrad")
    for body in (add, edited):
        r = post(client, body)
        assert r.status_code == 200
    # Stored, byte for byte, before the answer.
    frames = list(scan(next(inbox_dir(ledger.home).glob("seg-*.log"))))
    assert [body for *_, body in frames] == [add, edited]
    assert worker.round(writer.durable_seq) == 2
    (item,) = ledger.content(actor("kommunikatör"), account)
    assert item["versions"] == 2 and item["text"] == "och nästa, ändrad"
    metrics = client.get("/metrics").text
    assert 'socialledger_deliveries_total{channel="facebook",result="stored"} 2' in metrics
    assert "socialledger_inbox_depth 0" in metrics
    health = client.get("/health").json()
    assert health["ledger"] and health["inbox_depth"] == 0 and health["inbox_stored"] == 2


def test_a_crash_between_ingest_and_position_records_nothing_twice(service, tmp_path):
    client, writer, worker, ledger, account = service
    for n in range(5):
        assert post(client, comment_delivery(PAGE, n)).status_code == 200
    worker.round(writer.durable_seq)
    head = ledger.head()
    # The position file lost (as if the worker died before writing it): the next start reads all again.
    (inbox_dir(ledger.home) / "position.json").unlink()
    again = InboxWorker(ledger, actor("kommunikatör"), WorkerState(ledger.home))
    assert again.round(writer.durable_seq) == 5
    assert ledger.head() == head
    assert len(ledger.content(actor("kommunikatör"), account)) == 5


def test_a_delivery_for_an_unlinked_page_is_stored_reported_and_not_recorded(service):
    client, writer, worker, ledger, account = service
    other = comment_delivery("999000111", 1)
    assert post(client, other).status_code == 200
    head = ledger.head()
    worker.round(writer.durable_seq)
    assert ledger.head() == head
    aside = inbox_dir(ledger.home) / "unlinked"
    (body,) = aside.glob("*.json")
    assert body.read_bytes() == other
    (reason,) = aside.glob("*.reason")
    assert "facebook:999000111" in reason.read_text()
    assert "socialledger_worker_deliveries_unlinked_total 1" in client.get("/metrics").text


def test_a_signed_delivery_the_channel_refuses_is_set_aside_the_others_go_in(service):
    client, writer, worker, ledger, account = service
    good = comment_delivery(PAGE, 1)
    broken = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1, "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "post_id": "1_2"}}]}]}).encode()
    for body in (good, broken, comment_delivery(PAGE, 2)):
        assert post(client, body).status_code == 200
    worker.round(writer.durable_seq)
    assert len(ledger.content(actor("kommunikatör"), account)) == 2
    (reason,) = (inbox_dir(ledger.home) / "rejected").glob("*.reason")
    assert "comment_id" in reason.read_text()


def test_a_torn_frame_at_the_end_is_cut_off_at_the_next_start(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    writer = InboxWriter(home)

    async def store() -> None:
        for n in range(3):
            await writer.append("facebook", PAGE, "t", comment_delivery(PAGE, n))
    asyncio.run(store())
    writer.close()
    (seg,) = inbox_dir(home).glob("seg-*.log")
    whole = seg.stat().st_size
    with open(seg, "ab") as f:
        f.write(b"SLD1\x00\x00\x00")  # a crash in the middle of the next write
    again = InboxWriter(home)
    assert again.durable_seq == 3 and seg.stat().st_size == whole
    asyncio.run(_append(again, comment_delivery(PAGE, 3)))
    again.close()
    assert [d.seq for d in InboxReader(home).pending(10, 10)] == [1, 2, 3, 4]


async def _append(writer: InboxWriter, body: bytes) -> int:
    return await writer.append("facebook", PAGE, "t", body)


def test_segments_rotate_and_finished_ones_are_deleted(tmp_path, monkeypatch):
    import socialledger.service.inbox as inbox

    monkeypatch.setattr(inbox, "SEGMENT_BYTES", 2000)
    home = tmp_path / "home"
    home.mkdir()
    writer = InboxWriter(home)
    for n in range(20):
        asyncio.run(_append(writer, comment_delivery(PAGE, n)))
    writer.close()
    assert len(list(inbox_dir(home).glob("seg-*.log"))) > 3
    reader = InboxReader(home)
    got = reader.pending(20, 100)
    assert [d.seq for d in got] == list(range(1, 21))
    reader.done(got[-1])
    assert len(list(inbox_dir(home).glob("seg-*.log"))) == 1
    assert InboxReader(home).pending(20, 100) == []


def test_a_secrets_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[facebook]\napp_secret = "s"\n[facebook.tokens]\n"123" = "tok"\n')
    path.chmod(0o644)
    with pytest.raises(BadInput, match="chmod 600"):
        Secrets.load({"SOCIALLEDGER_SECRETS": str(path)})
    path.chmod(0o600)
    secrets = Secrets.load({"SOCIALLEDGER_SECRETS": str(path), "SOCIALLEDGER_FACEBOOK_TOKEN_456": "env-tok"})
    assert secrets.app_secret("facebook") == b"s"
    assert secrets.token("facebook", "123") == "tok" and secrets.token("facebook", "456") == "env-tok"
    assert "tok" not in repr(secrets)
    os.environ.pop("SOCIALLEDGER_SECRETS", None)


def test_the_worker_ingests_the_inbox_on_either_backend(backend, home):
    """The inbox is files in the ledger home on both backends; the ledger it ingests into is the home's store."""
    ledger, account = make_ledger(home, "facebook", PAGE)
    writer = InboxWriter(ledger.home)
    try:
        app = webhook_app(ledger.home, plugin_manager().channels, Secrets({}, ENV, "test"), writer, lambda: True)
        with TestClient(app) as client:
            for n in range(3):
                assert post(client, comment_delivery(PAGE, n)).status_code == 200
        worker = InboxWorker(ledger, actor("kommunikatör"), WorkerState(ledger.home))
        assert worker.round(writer.durable_seq) == 3
        assert len(ledger.content(actor("kommunikatör"), account)) == 3
        assert ledger.verify(actor("info")).ok
    finally:
        writer.close()
        ledger.close()


def test_media_of_webhook_deliveries_are_downloaded_kept_encrypted_and_failures_reported(service, caplog):
    """A comment with a photo and a post with photos, as Meta delivers them (the samples), their CDN a stand-in
    on loopback: the photos kept encrypted under their items' keys; a 404 and a file over the limit given up at
    once, a 503 tried again; counted in /health and /metrics, logged by ids only; every item recorded."""
    from standin_graph import JPEG, GraphStandIn

    from socialledger.service.media import MediaDownloads

    client, writer, _, ledger, account = service
    photo = JPEG.read_bytes()
    with GraphStandIn({PAGE: "sidans-token"}) as cdn:
        cdn.cdn["kommentar.jpg"] = (photo, "image/jpeg")
        cdn.cdn["bild1.png"] = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image/png")
        cdn.cdn["bild3.png"] = (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000, "image/png")  # over the limit below
        cdn.cdn_flaky["bild1.png"] = 1  # the first answer is a 503
        base = f"http://127.0.0.1:{cdn.port}/cdn"
        comment = (SAMPLES / "feed-comment-add-with-photo.json").read_bytes().replace(
            b"https://scontent-fra3-1.xx.fbcdn.net/v/t31.0-8/16715996_472849323104563_2289972788116415727_o.jpg",
            f"{base}/kommentar.jpg".encode()).replace(b"and the next one", b"H\\u00e4r \\u00e4r bilden fr\\u00e5n i g\\u00e5r")
        status = (SAMPLES / "feed-status-add-photos.json").read_bytes().replace(
            b"https://scontent-frt3-1.xx.fbcdn.net/exampleimage", f"{base}/bild".encode())  # bild2.png: 404
        for body in (comment, status):
            assert post(client, body).status_code == 200
        waits: list[float] = []
        worker = InboxWorker(ledger, actor("kommunikatör"), WorkerState(ledger.home),
                             downloads=lambda: MediaDownloads(ledger.home, max_bytes=100_000, sleep=waits.append))
        with caplog.at_level("INFO", logger="socialledger.service"):
            assert worker.round(writer.durable_seq) == 2
        cdn_asked = [r for r in cdn.requests if r.startswith("/cdn/")]
    assert sorted(cdn_asked) == ["/cdn/bild1.png", "/cdn/bild1.png", "/cdn/bild2.png", "/cdn/bild3.png",
                                 "/cdn/kommentar.jpg"]
    assert waits == [0.5]  # the 503, tried again after a pause; the 404 and the large file not
    items = {i["native_id"]: i for i in ledger.content(actor("kommunikatör"), account)}
    got = {}
    for native, n in (("facebook:901097836652708_903438993085259", 1), ("facebook:1234567890321_930145403745849", 1)):
        item = items[native]
        assert item["versions"] == 1
        media = ledger.content_item(actor("kommunikatör"), item["id"])["versions"][-1]["media"]
        got[native] = [m for m in media if m.get("stored")]
        assert len(got[native]) == n, media
        for m in got[native]:
            stored = ledger.home / "media" / item["id"].replace("-", "") / m["stored"]
            assert stored.exists() and stored.read_bytes()[12:] != b"" and photo[:200] not in stored.read_bytes()
    assert got["facebook:901097836652708_903438993085259"][0]["size"] == len(photo)
    assert items["facebook:901097836652708_903438993085259"]["text"] == "Här är bilden från i går"
    health = client.get("/health").json()
    assert health["media_given_up"] == 2
    metrics = client.get("/metrics").text
    assert "socialledger_worker_media_given_up_total 2" in metrics
    assert "socialledger_worker_media_kept_total 2" in metrics
    assert "socialledger_worker_media_failed_total 3" in metrics
    # The log names the URL by a hash and the item by its id; no URL, name or text.
    lines = [r.getMessage() for r in caplog.records]
    assert sum("given up" in line for line in lines) == 2
    assert any("facebook:1234567890321_930145403745849" in line and "HTTP 404" in line for line in lines)
    for line in lines:
        assert "/cdn/" not in line and "Tester" not in line and "bilden" not in line
    # Delivered again (Meta retries what it thinks failed), the CDN gone: nothing recorded, nothing asked for.
    head = ledger.head()
    assert post(client, status).status_code == 200
    assert worker.round(writer.durable_seq) == 1
    assert ledger.head() == head
    assert "socialledger_worker_media_failed_total 3" in client.get("/metrics").text


def _inbox_holds(home: Path, *needles: bytes) -> list[str]:
    """Files under the inbox whose raw bytes hold any of `needles`."""
    return [str(p) for p in inbox_dir(home).rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def test_deliveries_are_overwritten_in_the_inbox_once_ingested_and_erasure_waits_for_the_inbox(service):
    """Deliveries hold commenters' names and words in plain text: once in the ledger (encrypted) their bodies
    are overwritten in the inbox; an erasure is refused (R23) while the inbox holds any not in the ledger."""
    from socialledger.core.domain.errors import RuleViolation

    client, writer, worker, ledger, account = service
    text = "Min granne Åsa Öberg på Ängsvägen 3 har inte fått sin soptunna tömd"
    body = comment_delivery(PAGE, 5, text=text)
    escaped = json.dumps(text).strip('"').encode()  # as Meta sends it: \u00c5sa \u00d6berg
    needles = (escaped, text.encode(), b"Inv\\u00e5nare 5", "Invånare 5".encode(), b'"id":"7000005"')
    assert post(client, body).status_code == 200
    assert post(client, comment_delivery(PAGE, 6)).status_code == 200
    assert _inbox_holds(ledger.home, *needles)  # stored as it came: the search below can fail
    with pytest.raises(RuleViolation, match="2 waiting") as refused:
        ledger.erase_subject(actor("info"), "facebook:7000005", "KS 2026/123")
    assert refused.value.rule == "R23"
    assert worker.round(writer.durable_seq) == 2
    assert _inbox_holds(ledger.home, *needles) == []
    (item, _) = sorted(ledger.content(actor("kommunikatör"), account), key=lambda i: i["native_id"])
    assert item["text"] == text  # in the ledger, under its key
    # The frames stay whole: a restart reads on from the position, and new deliveries go in.
    assert post(client, comment_delivery(PAGE, 7)).status_code == 200
    again = InboxWorker(ledger, actor("kommunikatör"), WorkerState(ledger.home))
    assert again.round(writer.durable_seq) == 1
    assert last_durable_seq(ledger.home) == 3
    # A delivery set aside (no account for its page) is still plain text: erasure waits until it is dealt with.
    stray = comment_delivery("999000111", 8, text=text)
    assert post(client, stray).status_code == 200
    again.round(writer.durable_seq)
    with pytest.raises(RuleViolation, match="1 set aside"):
        ledger.erase_subject(actor("info"), "facebook:7000005", "KS 2026/123")
    assert _inbox_holds(ledger.home, escaped) == [str(p) for p in (inbox_dir(ledger.home) / "unlinked").glob("*.json")]
    for p in (inbox_dir(ledger.home) / "unlinked").iterdir():
        p.unlink()  # the operator's decision: not this organisation's page
    ledger.erase_subject(actor("info"), "facebook:7000005", "KS 2026/123", override=True)
    assert _inbox_holds(ledger.home, *needles) == []
    assert text not in [i["text"] for i in ledger.content(actor("kommunikatör"), account)]


def test_bodies_left_by_a_crash_after_the_position_moved_are_overwritten_at_the_next_start(tmp_path):
    from socialledger.core.capture.inbox import Position, write_position

    home = tmp_path / "home"
    home.mkdir()
    writer = InboxWriter(home)
    for n in range(3):
        asyncio.run(_append(writer, comment_delivery(PAGE, n, text=f"Hemligt nummer {n}")))
    writer.close()
    (seg,) = inbox_dir(home).glob("seg-*.log")
    ends = [end for _seq, end, _m, _b in scan(seg)]
    write_position(inbox_dir(home), Position(1, ends[1], 2))  # the worker died before it overwrote the two
    assert b"Hemligt nummer 0" in seg.read_bytes()
    reader = InboxReader(home)
    data = seg.read_bytes()
    assert b"Hemligt nummer 0" not in data and b"Hemligt nummer 1" not in data and b"Hemligt nummer 2" in data
    assert [d.seq for d in reader.pending(3, 10)] == [3]
    assert [seq for seq, *_ in scan(seg)] == [1, 2, 3]  # every frame whole


def test_health_keeps_one_ledger_handle_and_asks_the_store_at_most_once_a_second(tmp_path):
    from socialledger.service.server import LedgerProbe

    ledger, _account = make_ledger(tmp_path / "home", "facebook", PAGE)
    ledger.close()
    now = [100.0]
    probe = LedgerProbe(tmp_path / "home", clock=lambda: now[0])
    heads = 0
    try:
        assert probe() is True
        handle = probe.ledger
        real_head = handle.head

        def head() -> int:
            nonlocal heads
            heads += 1
            return real_head()

        handle.head = head
        for _ in range(200):  # a monitor asking four times a second for 50 seconds
            now[0] += 0.25
            assert probe() is True
        assert probe.opened == 1 and probe.ledger is handle
        assert 49 <= heads <= 51
    finally:
        probe.close()
    missing = LedgerProbe(tmp_path / "nowhere", clock=lambda: now[0])
    assert missing() is False and missing.ledger is None


def test_a_delivery_is_answered_only_after_a_sync_that_began_after_it_was_written(tmp_path, monkeypatch):
    """Two syncs may be in flight at once (a group waits for the next sync to begin, not for the one in flight
    to end); each answer must still come after an fdatasync that began once its frame was in the file."""
    import random
    import threading
    import time as clock

    import socialledger.service.inbox as inbox

    home = tmp_path / "home"
    home.mkdir()
    syncs: list[tuple[int, float]] = []  # (the file's size when a sync began, when it ended)
    lock = threading.Lock()
    real = os.fdatasync

    def slow_sync(fd: int) -> None:
        size = os.fstat(fd).st_size
        clock.sleep(random.uniform(0, 0.004))
        real(fd)
        with lock:
            syncs.append((size, clock.monotonic()))

    monkeypatch.setattr(inbox.os, "fdatasync", slow_sync)
    writer = InboxWriter(home)
    answered: dict[int, float] = {}

    async def one(n: int) -> None:
        seq = await writer.append("facebook", PAGE, "t", comment_delivery(PAGE, n))
        answered[seq] = clock.monotonic()

    async def many() -> None:
        await asyncio.gather(*(one(n) for n in range(300)))

    asyncio.run(many())
    writer.close()
    (seg,) = inbox_dir(home).glob("seg-*.log")
    ends = {seq: end for seq, end, _m, _b in scan(seg)}
    assert sorted(answered) == list(range(1, 301)) == sorted(ends)
    assert writer.durable_seq == 300 and writer.stored == 300
    for seq, at in answered.items():
        assert any(size >= ends[seq] and done <= at for size, done in syncs), seq
    assert len(syncs) < 300  # grouped
