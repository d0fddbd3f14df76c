"""`socialledger serve` end to end over loopback, and the kill test (issue 20). Slow: they start processes."""

from __future__ import annotations

import asyncio
import random
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from service_support import SOCIALLEDGER, Serve
from standin_graph import JPEG, GraphStandIn

from socialledger.app import Ledger
from socialledger.service.loadgen import comment_delivery, send_all, sign
from socialledger.testing import actor, make_ledger

pytestmark = pytest.mark.slow

PAGE = "104815942332364"
SAMPLES = Path(__file__).parent / "fixtures" / "facebook" / "webhooks"
SECRET = b"kill-test-secret"
ENV = {"SOCIALLEDGER_FACEBOOK_APP_SECRET": SECRET.decode(), "SOCIALLEDGER_FACEBOOK_VERIFY_TOKEN": "vt",
       "SOCIALLEDGER_USER": "kommunikatör"}


def _ledger(tmp_path: Path) -> tuple[Path, str]:
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE)
    home = ledger.home
    ledger.close()
    return home, account


def _items(home: Path, account: str) -> list[dict]:
    ledger = Ledger(home)
    try:
        return ledger.content(actor("kommunikatör"), account)
    finally:
        ledger.close()


def _post(serve: Serve, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    req = urllib.request.Request(serve.url("/webhooks/facebook"), data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_serve_end_to_end_handshake_deliveries_health_metrics_and_sigterm(tmp_path):
    home, account = _ledger(tmp_path)
    serve = Serve(home, {**ENV, "SOCIALLEDGER_MEDIA_MAX_BYTES": "1000"}).start()
    cdn = GraphStandIn({PAGE: "t"}).__enter__()
    try:
        assert serve.get("/webhooks/facebook?hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42") == (200, "42")
        assert serve.get("/webhooks/facebook?hub.mode=subscribe&hub.verify_token=x&hub.challenge=42")[0] == 403
        bodies = [comment_delivery(PAGE, n) for n in range(30)]
        assert _post(serve, bodies[0], None) == 401
        assert _post(serve, bodies[0], sign(bodies[0], b"wrong")) == 403
        assert _post(serve, b"{", sign(b"{", SECRET)) == 400
        results = asyncio.run(send_all("127.0.0.1", serve.port, "/webhooks/facebook", bodies, SECRET, connections=4))
        assert all(r.status == 200 for r in results)
        health = serve.wait_ingested()
        assert health["ledger"] is True and health["inbox_stored"] == 30
        metrics = serve.wait_metric("socialledger_worker_deliveries_ingested_total 30")
        assert 'result="stored"} 30' in metrics and 'result="unsigned"} 1' in metrics
        assert "socialledger_worker_deliveries_ingested_total 30" in metrics
        # A post with photos (the sample delivery): one kept, one 404, one over SOCIALLEDGER_MEDIA_MAX_BYTES.
        cdn.cdn["bild1.jpg"] = (JPEG.read_bytes(), "image/jpeg")
        cdn.cdn["bild3.jpg"] = (b"\xff\xd8" + b"\x00" * 2000, "image/jpeg")
        photos = (SAMPLES / "feed-status-add-photos.json").read_bytes().replace(b"1234567890321", PAGE.encode()) \
            .replace(b"https://scontent-frt3-1.xx.fbcdn.net/exampleimage", f"http://127.0.0.1:{cdn.port}/cdn/bild".encode()) \
            .replace(b".png", b".jpg")
        assert _post(serve, photos, sign(photos, SECRET)) == 200
        serve.wait_ingested()
        assert "socialledger_worker_media_kept_total 1" in serve.wait_metric("socialledger_worker_media_kept_total 1")
        assert serve.health()["media_given_up"] == 2
    finally:
        cdn.__exit__(None, None, None)
        assert serve.stop() == 0
    items = _items(home, account)
    assert len(items) == 31 and all(i["versions"] == 1 for i in items)
    post = next(i for i in items if i["native_id"] == f"facebook:{PAGE}_930145403745849")
    assert len(list((home / "media" / post["id"].replace("-", "")).iterdir())) == 1
    # Logs carry ids, never names or texts.
    log = serve.log()
    assert "Invånare" not in log and "biblioteket" not in log and SECRET.decode() not in log


def test_sigkill_three_times_while_deliveries_arrive_loses_nothing_acknowledged(tmp_path):
    """Meta re-sends what got no 200; every delivery that got one is in the ledger exactly once."""
    home, account = _ledger(tmp_path)
    serve = Serve(home, ENV).start()
    bodies = [comment_delivery(PAGE, n) for n in range(1500)]
    acknowledged: set[int] = set()
    done = threading.Event()

    def load() -> None:
        pending = list(range(len(bodies)))
        while pending and not done.is_set():
            results = asyncio.run(send_all("127.0.0.1", serve.port, "/webhooks/facebook",
                                           [bodies[i] for i in pending], SECRET, connections=4))
            got = {pending[r.index] for r in results if r.status == 200}
            acknowledged.update(got)
            pending = [i for i in pending if i not in got]
            if pending:
                time.sleep(0.2)  # the service is down: Meta retries later

    sender = threading.Thread(target=load)
    sender.start()
    rng = random.Random()
    try:
        for _ in range(3):
            time.sleep(rng.uniform(0.3, 2.0))
            serve.kill()
            time.sleep(rng.uniform(0.0, 0.5))
            serve.start()
        sender.join(timeout=240)
        assert not sender.is_alive(), "the deliveries were not all acknowledged"
        serve.wait_ingested(timeout=120)
    finally:
        done.set()
        sender.join(timeout=30)
        serve.stop()
    assert acknowledged == set(range(len(bodies)))
    items = _items(home, account)
    native = [i["native_id"] for i in items]
    assert len(native) == len(set(native)) == len(bodies)  # each exactly once
    assert all(i["versions"] == 1 for i in items)
    verify = subprocess.run([SOCIALLEDGER, "--home", str(home), "--as", "info", "audit", "verify"],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_serve_polls_every_linked_account_and_health_shows_the_last_poll(tmp_path):
    from standin_graph import GraphStandIn

    home, account = _ledger(tmp_path)
    with GraphStandIn({PAGE: "sidans-token"}) as api:
        api.throttle = 1
        env = {**ENV, "SOCIALLEDGER_FACEBOOK_API_BASE": api.base, f"SOCIALLEDGER_FACEBOOK_TOKEN_{PAGE}": "sidans-token"}
        serve = Serve(home, env, args=("--poll-every", "1")).start()
        try:
            deadline = time.monotonic() + 60
            while not (serve.health() or {}).get("last_poll", {}).get(account):
                assert time.monotonic() < deadline, serve.log()
                time.sleep(0.2)
            gone = api.comment_ids(PAGE)[0]
            api.remove(PAGE, gone)
            deadline = time.monotonic() + 60
            while True:
                items = {i["native_id"]: i for i in _items(home, account)}
                if items[f"facebook:{gone}"]["state"] == "removed":
                    break
                assert time.monotonic() < deadline, serve.log()
                time.sleep(0.5)
            status, metrics = serve.get("/metrics")
            assert f'socialledger_polls_total{{account="{account}",result="ok"}}' in metrics
        finally:
            assert serve.stop() == 0
    assert "sidans-token" not in serve.log()
