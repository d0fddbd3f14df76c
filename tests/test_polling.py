"""Polling the Graph API through the Facebook channel, against a local stand-in (issue 20).

Paging, edits between rounds, a removed item (reconciled), 429 with Retry-After, a 500,
an expired token: the same code as `socialledger poll` and `serve --poll-every` run.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from standin_graph import GraphStandIn

from socialledger.service.media import MediaDownloads
from socialledger.service.polling import Cursors, Poller
from socialledger.service.secrets import Secrets
from socialledger.service.worker import WorkerState
from socialledger.testing import actor, make_ledger

PAGE = "104815942332364"
OTHER = "200300400500600"


@pytest.fixture
def polled(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE)
    with GraphStandIn({PAGE: "sidans-token", OTHER: "andra-token"}) as api:
        env = {"SOCIALLEDGER_FACEBOOK_API_BASE": api.base, f"SOCIALLEDGER_FACEBOOK_TOKEN_{PAGE}": "sidans-token",
               f"SOCIALLEDGER_FACEBOOK_TOKEN_{OTHER}": "andra-token"}
        waits: list[float] = []
        lines: list[str] = []
        poller = Poller(ledger, actor("kommunikatör"), WorkerState(ledger.home), secrets=Secrets({}, env, "test"),
                        sleep=waits.append, echo=lines.append)
        yield ledger, account, api, poller, waits, lines
    ledger.close()


def _items(ledger, account):
    return {i["native_id"]: i for i in ledger.content(actor("kommunikatör"), account)}


def test_a_round_follows_the_paging_and_ingests_posts_comments_and_insights(polled):
    ledger, account, api, poller, waits, lines = polled
    api.throttle = 1  # the first answer is 429 with Retry-After: 1
    assert poller.round() == 0, lines
    assert waits[0] == 1.0
    items = _items(ledger, account)
    posts = [i for i in items.values() if i["kind"] == "post"]
    comments = [i for i in items.values() if i["kind"] == "comment"]
    assert len(posts) == 5 and len(comments) == 5 * len(api.feeds[PAGE][0]["comments"]["data"])
    assert sum("/feed" in r for r in api.requests) == 1 + 3  # the 429, then three pages of two posts
    stats = ledger.statistics(actor("kommunikatör"), account) if hasattr(ledger, "statistics") else None
    assert stats is None or stats
    assert Cursors(ledger.home).get(account) is not None
    state = poller.state.doc["polls"][account]
    assert state["last_success"] and state["ok"] == 1
    # The token (also in Graph's paging URLs) is in no file of the ledger home.
    for path in ledger.home.rglob("*"):
        if path.is_file():
            assert b"sidans-token" not in path.read_bytes(), path


def test_edits_between_rounds_are_new_versions_and_a_removed_comment_is_reconciled(polled):
    ledger, account, api, poller, waits, lines = polled
    assert poller.round() == 0, lines
    first, gone = api.comment_ids(PAGE)[:2]
    api.edit(PAGE, first, "Ändrat: öppet till kl. 20 på torsdag 😊")
    api.remove(PAGE, gone)
    head = ledger.head()
    assert poller.round() == 0, lines
    items = _items(ledger, account)
    edited = items[f"facebook:{first}"]
    assert edited["versions"] == 2 and edited["text"] == "Ändrat: öppet till kl. 20 på torsdag 😊"
    removed = items[f"facebook:{gone}"]
    assert removed["state"] == "removed" and removed["text"]  # the content is kept
    assert ledger.head() > head
    # A third round with nothing new records nothing.
    head = ledger.head()
    assert poller.round() == 0, lines
    assert ledger.head() == head


def test_a_failed_look_up_records_nothing_and_the_next_round_tries_again(polled):
    ledger, account, api, poller, waits, lines = polled
    assert poller.round() == 0
    gone = api.comment_ids(PAGE)[3]
    api.remove(PAGE, gone)
    api.fail_lookups = 5  # more than the client's retries
    assert poller.round() == 1
    assert "the API failed" in lines[-1]
    assert _items(ledger, account)[f"facebook:{gone}"]["state"] != "removed"
    assert poller.round() == 0
    assert _items(ledger, account)[f"facebook:{gone}"]["state"] == "removed"


def test_an_expired_token_is_one_line_for_its_account_and_the_others_are_polled(polled, tmp_path):
    ledger, account, api, poller, waits, lines = polled
    from socialledger.core.domain.account import ApplicationForm

    other = ledger.apply_account(actor("kommunikatör"), ApplicationForm(
        channel="facebook", name="Biblioteket", unit="Enheten", owner="ägare", deputy="ersättare",
        answering_hours="Vardagar 8–17", page_rules="Inga påhopp"))
    ledger.approve(actor("chef"), other, "manager")
    ledger.approve(actor("info"), other, "information-unit")
    ledger.link(actor("info"), other, OTHER)
    api.expired.add(OTHER)
    api.fail = 1  # and a 500 on the first call, retried
    assert poller.round() == 1
    (line,) = lines
    assert line.startswith(f"account {other}:") and "expired" in line and "andra-token" not in line
    assert len(_items(ledger, account)) > 0
    assert poller.state.doc["polls"][str(other)]["last_error"]


def test_socialledger_poll_once_from_the_command_line(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "facebook", PAGE)
    home = ledger.home
    ledger.close()
    secrets = tmp_path / "secrets.toml"
    with GraphStandIn({PAGE: "sidans-token"}) as api:
        secrets.write_text(f'[facebook]\napi_base = "{api.base}"\n[facebook.tokens]\n"{PAGE}" = "sidans-token"\n')
        secrets.chmod(0o600)
        exe = str(Path(sys.executable).with_name("socialledger"))
        env = {"SOCIALLEDGER_SECRETS": str(secrets), "PATH": "/usr/bin:/bin"}
        ok = subprocess.run([exe, "--home", str(home), "--as", "kommunikatör", "poll", "--account",
                             f"facebook:{PAGE}", "--once"], capture_output=True, text=True, env=env)
        assert ok.returncode == 0, ok.stderr
        api.expired.add(PAGE)
        bad = subprocess.run([exe, "--home", str(home), "--as", "kommunikatör", "poll", "--account",
                              f"facebook:{PAGE}", "--once"], capture_output=True, text=True, env=env)
        assert bad.returncode == 3 and "expired" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert "sidans-token" not in bad.stderr + ok.stdout + ok.stderr


def test_instagram_media_comments_replies_and_insights_and_a_removed_reply(tmp_path):
    from standin_graph import InstagramStandIn

    ig = "17841400000000001"
    ledger, account = make_ledger(tmp_path / "home", "instagram", ig)
    try:
        with InstagramStandIn({ig: "ig-token"}) as api:
            env = {"SOCIALLEDGER_INSTAGRAM_API_BASE": api.base, f"SOCIALLEDGER_INSTAGRAM_TOKEN_{ig}": "ig-token"}
            lines: list[str] = []
            poller = Poller(ledger, actor("kommunikatör"), WorkerState(ledger.home), secrets=Secrets({}, env, "t"),
                            sleep=lambda s: None, echo=lines.append)
            api.throttle = 1
            assert poller.round() == 0, lines
            items = _items(ledger, account)
            kinds = sorted(i["kind"] for i in items.values())
            assert kinds.count("post") == len(api.feeds[ig]) and "comment" in kinds and "reply" in kinds
            reply = api.feeds[ig][0]["comments"]["data"][0]["replies"]["data"][0]["id"]
            api.feeds[ig][0]["comments"]["data"][0]["replies"]["data"].pop(0)
            api.removed.add(reply)
            assert poller.round() == 0, lines
            assert _items(ledger, account)[f"instagram:{reply}"]["state"] == "removed"
    finally:
        ledger.close()


JPEG = Path(__file__).parent / "fixtures" / "facebook" / "export_old" / "posts" / "media" / "Tidslinjefoton_abc123" \
    / "431234567_122109876543210_n.jpg"


def test_media_are_downloaded_within_limits_kept_encrypted_and_an_unreachable_one_is_retried_then_reported(polled):
    ledger, account, api, poller, waits, lines = polled
    photo = JPEG.read_bytes()
    api.cdn["foto.jpg"] = (photo, "image/jpeg")
    api.cdn["sida.html"] = (b"<html>inte en bild</html>", "text/html")
    api.attach(PAGE, 0, "foto.jpg")
    api.attach(PAGE, 1, "borta.jpg")  # the CDN answers 404
    api.attach(PAGE, 2, "sida.html")  # not a picture: refused by type
    assert poller.round() == 0, lines
    post = next(i for i in _items(ledger, account).values() if i["native_id"] == f"facebook:{api.feeds[PAGE][0]['id']}")
    detail = ledger.content_item(actor("kommunikatör"), post["id"])
    (media,) = detail["versions"][-1]["media"]
    assert media["stored"] and media["size"] == len(photo)
    stored = ledger.home / "media" / post["id"].replace("-", "") / media["stored"]
    assert stored.exists() and photo[:64] not in stored.read_bytes()  # encrypted under the item's key
    # The archive package of the half-year carries the photo, as it came.
    (package,) = ledger.export_archive(actor("info"), account, "2021H2", ledger.home.parent / "out")
    files = [p for p in Path(package).rglob("*") if p.is_file()] if Path(package).is_dir() else []
    if not files:
        import zipfile
        with zipfile.ZipFile(package) as z:
            assert any(z.read(n) == photo for n in z.namelist() if not n.endswith("/"))
    else:
        assert any(p.read_bytes() == photo for p in files)
    assert poller.state.doc["counters"]["media_failed"] == 2
    # Not downloaded again; the unreachable one is tried again on the next rounds, then given up: never fatal.
    fetched = api.cdn_requests
    assert poller.round() == 0 and poller.round() == 0 and poller.round() == 0, lines
    assert api.cdn_requests - fetched == 2 + 2  # two more attempts each for the two that failed
    doc = MediaDownloads(ledger.home).doc
    assert list(doc.values()).count("given up") == 2 and set(doc.values()) == {"given up", "kept"}
    assert poller.state.doc["counters"]["media_given_up"] == 2


def test_a_hanging_cdn_holds_up_a_rounds_ingest_by_its_media_budget_and_the_rest_comes_after_the_ingest(polled):
    """Downloads run four at once, and a round starts none after its budget: the posts are recorded then, and the
    media not started are downloaded after that ingest and attached to the posts in the same round."""
    ledger, account, api, poller, _waits, lines = polled
    for i in range(len(api.feeds[PAGE])):
        api.cdn[f"trög{i}.jpg"] = (JPEG.read_bytes(), "image/jpeg")
        api.attach(PAGE, i, f"trög{i}.jpg")
    for name in api.cdn:  # every answer (the posts' photos, the comments' pictures) held for 1.5 s
        api.cdn_hang[name] = 1.5
    total = len(api.cdn)

    def events() -> int:  # read beside the service, as an auditor's process would
        db = sqlite3.connect(f"file:{ledger.home / 'ledger.sqlite'}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        finally:
            db.close()

    before = events()
    asked: list[int] = []
    api.on_cdn = lambda name: asked.append(events())
    poller.media_budget = 0.5  # the first four downloads take the pool; none starts after half a second
    assert poller.round() == 0, lines
    assert len(asked) == total and poller.state.doc["counters"]["media_deferred"] == total - 4
    assert asked[:4] == [before] * 4  # started before the ingest
    assert all(n > before for n in asked[4:])  # the rest once the posts were recorded
    assert "media_failed" not in poller.state.doc["counters"]
    posts = {i["native_id"]: i for i in _items(ledger, account).values()}
    for i in range(len(api.feeds[PAGE])):
        item = posts[f"facebook:{api.feeds[PAGE][i]['id']}"]
        versions = ledger.content_item(actor("kommunikatör"), item["id"])["versions"]
        assert any(m.get("stored") for v in versions for m in v["media"]), versions[-1]["media"]
    assert list(MediaDownloads(ledger.home).doc.values()) == ["kept"] * total
    assert poller.round() == 0, lines
    assert len(asked) == total  # nothing asked for again


def test_the_second_photo_of_an_album_that_came_a_round_later_is_attached_then(polled):
    """Photo A kept in the first round, photo B failing there (a 503): in the next round B is downloaded and
    attached to the post that already held A (one file held, one found: the counts alone said nothing missing)."""
    ledger, account, api, poller, _waits, lines = polled
    base = f"http://127.0.0.1:{api.port}/cdn/"
    api.cdn["A.jpg"] = (JPEG.read_bytes(), "image/jpeg")
    api.cdn["B.jpg"] = (JPEG.read_bytes() + b"\0another picture", "image/jpeg")
    api.feeds[PAGE][0]["attachments"] = {"data": [{"type": "album", "media_type": "album", "subattachments": {
        "data": [{"media": {"image": {"src": base + n + "?oh=1", "height": 720, "width": 720}},
                  "media_type": "photo", "type": "photo"} for n in ("A.jpg", "B.jpg")]}}]}
    api.cdn_flaky["B.jpg"] = 1
    assert poller.round() == 0, lines
    item = {i["native_id"]: i for i in _items(ledger, account).values()}[f"facebook:{api.feeds[PAGE][0]['id']}"]

    def stored() -> int:  # the item's files kept, over its versions
        versions = ledger.content_item(actor("kommunikatör"), item["id"])["versions"]
        return len({m["stored"] for v in versions for m in v["media"] if m.get("stored")})

    assert stored() == 1
    assert poller.round() == 0, lines
    assert api.requests.count("/cdn/B.jpg") == 2 and stored() == 2


def test_a_picture_kept_for_one_post_is_kept_for_another_post_naming_it_in_a_later_round(polled):
    """The same CDN URL named by a second item a round later: downloaded again for that item, and kept with it
    (what was downloaded is remembered per item and URL, not per URL)."""
    ledger, account, api, poller, _waits, lines = polled
    api.cdn["delad.jpg"] = (JPEG.read_bytes(), "image/jpeg")
    url = api.attach(PAGE, 0, "delad.jpg")
    assert poller.round() == 0, lines
    api.feeds[PAGE][1]["attachments"] = api.feeds[PAGE][0]["attachments"]  # the second post shows it too
    assert poller.round() == 0, lines
    assert api.requests.count("/cdn/delad.jpg") == 2
    posts = {i["native_id"]: i for i in _items(ledger, account).values()}
    for n in (0, 1):
        item = posts[f"facebook:{api.feeds[PAGE][n]['id']}"]
        versions = ledger.content_item(actor("kommunikatör"), item["id"])["versions"]
        assert any(m.get("stored") for v in versions for m in v["media"] if m.get("url") == url), n
    assert poller.round() == 0, lines
    assert api.requests.count("/cdn/delad.jpg") == 2  # both items have it: not asked for again


def test_a_picture_at_a_re_signed_url_is_not_downloaded_again():
    from socialledger.plugins._meta.graph import cdn_identity

    a = ("https://scontent-arn2-1.xx.fbcdn.net/v/t39.30808-6/448123_1221_n.jpg?stp=dst-jpg_s720x720&_nc_cat=105"
         "&ccb=1-7&_nc_sid=127cfc&_nc_ohc=AbC&_nc_ht=scontent-arn2-1.xx&oh=00_AYB1&oe=6675D1A2")
    b = ("https://scontent.xx.fbcdn.net/v/t39.30808-6/448123_1221_n.jpg?stp=dst-jpg_s720x720&_nc_cat=101"
         "&ccb=1-7&_nc_sid=127cfc&_nc_ohc=XyZ&oh=00_AYC9&oe=66812345")
    other = a.replace("448123_1221_n.jpg", "448124_1221_n.jpg")
    assert cdn_identity(a) == cdn_identity(b) != cdn_identity(other)
    assert cdn_identity("https://example.org/pic?id=1&oh=2") != cdn_identity("https://example.org/pic?id=2&oh=2")
    from socialledger.plugins.linkedin.common import cdn_identity as linkedin

    first = "https://media.licdn.com/dms/image/C4D22AQGfika/feedshare-shrink_800/0/1709228730000?e=1712188800&v=beta&t=Xyz"
    again = "https://media.licdn.com/dms/image/C4D22AQGfika/feedshare-shrink_800/0/1709228730000?e=1713000000&v=beta&t=Q1"
    assert linkedin(first) == linkedin(again) != linkedin(first.replace("C4D22AQGfika", "C4D22AQother"))


def test_a_post_seen_again_with_its_picture_re_signed_does_not_download_it_again(polled):
    ledger, account, api, poller, _waits, lines = polled
    api.cdn["signerad.jpg"] = (JPEG.read_bytes(), "image/jpeg")
    url = api.attach(PAGE, 0, "signerad.jpg")
    assert poller.round() == 0, lines
    image = api.feeds[PAGE][0]["attachments"]["data"][0]["media"]["image"]
    image["src"] = url.replace("oh=00_AfA1", "oh=00_AfB2&oe=6675D1A2")  # the CDN signed it anew
    assert poller.round() == 0, lines
    assert api.requests.count("/cdn/signerad.jpg") == 1


def test_media_state_forgets_urls_no_poll_has_named_for_its_keep_days(tmp_path):
    """media.json would grow with every URL ever seen (a CDN's signed URLs change): what no poll named for
    KEEP_DAYS goes; what a poll names again stays; a file of the first format (no days) is read as named today."""
    from socialledger.service import media as media_module

    state = tmp_path / "service" / "media.json"
    state.parent.mkdir()
    state.write_text(json.dumps({"a" * 64: "kept", "b" * 64: 2}))  # the first format
    downloads = MediaDownloads(tmp_path)
    assert downloads.doc == {"a" * 64: "kept", "b" * 64: 2}
    today = downloads.today
    old = today - media_module.KEEP_DAYS - 1
    url = "https://cdn.example/named-again.jpg"
    state.write_text(json.dumps({"format": 2, "urls": {"a" * 64: ["kept", old], "b" * 64: ["given up", today - 3],
                                                       MediaDownloads._key(url): ["kept", old]}}))
    downloads = MediaDownloads(tmp_path)
    assert downloads.wanted([url]) == []  # kept before: not downloaded again, and named today
    downloads.done([])
    downloads.close()
    doc = json.loads(state.read_text())
    assert doc["format"] == 2
    assert doc["urls"] == {"b" * 64: ["given up", today - 3], MediaDownloads._key(url): ["kept", today]}


def test_two_processes_remembering_media_keep_both_their_entries(tmp_path):
    """The webhook worker and a poll may both write media.json: each merges its entries into the file as it is."""
    worker, poll = MediaDownloads(tmp_path), MediaDownloads(tmp_path)  # both read the file before either writes
    worker.done(["https://cdn.example/a.jpg"])
    poll.done(["https://cdn.example/b.jpg"])
    doc = MediaDownloads(tmp_path).doc
    assert doc == {MediaDownloads._key("https://cdn.example/a.jpg"): "kept",
                   MediaDownloads._key("https://cdn.example/b.jpg"): "kept"}
    assert not list((tmp_path / "service").glob("*.tmp"))


def test_linkedin_posts_comments_statistics_a_removed_comment_and_a_revoked_token(tmp_path):
    from standin_graph import LinkedInStandIn

    org = "90362860"
    ledger, account = make_ledger(tmp_path / "home", "linkedin", org)
    try:
        with LinkedInStandIn(org, "li-token") as api:
            env = {"SOCIALLEDGER_LINKEDIN_API_BASE": api.base, f"SOCIALLEDGER_LINKEDIN_TOKEN_{org}": "li-token"}
            lines: list[str] = []
            waits: list[float] = []
            poller = Poller(ledger, actor("kommunikatör"), WorkerState(ledger.home), secrets=Secrets({}, env, "t"),
                            sleep=waits.append, echo=lines.append)
            api.throttle = 1
            assert poller.round() == 0, lines
            assert waits[0] == 1.0
            items = _items(ledger, account)
            posts = [i for i in items.values() if i["kind"] == "post"]
            comments = [i for i in items.values() if i["kind"] in ("comment", "reply")]
            assert len(posts) == sum(p["lifecycleState"] == "PUBLISHED" for p in api.posts) and comments
            gone = api.comments["elements"][0]["commentUrn"]
            api.removed.add(gone)
            assert poller.round() == 0, lines
            removed = [i for i in _items(ledger, account).values() if i["state"] == "removed"]
            assert len(removed) == 1 and removed[0]["text"]
            api.expired = True
            assert poller.round() == 1
            assert lines[-1].startswith(f"account {account}:") and "access token is refused" in lines[-1]
    finally:
        ledger.close()


def test_the_client_slows_down_as_meta_usage_nears_its_limit_and_backs_off_on_throttle_codes():
    import httpx

    from socialledger.core.capture.channels import Throttled
    from socialledger.service.polling import HttpApiClient

    answers = iter([
        httpx.Response(200, json={"data": []}, headers={"X-Business-Use-Case-Usage": json.dumps(
            {PAGE: [{"type": "pages", "call_count": 91, "total_cputime": 20, "total_time": 30,
                     "estimated_time_to_regain_access": 0}]})}),
        httpx.Response(200, json={"data": []}, headers={"X-App-Usage": json.dumps(
            {"call_count": 100, "total_cputime": 5, "total_time": 5})}),
        *[httpx.Response(400, json={"error": {"message": "(#17) User request limit reached", "code": 17}})] * 5,
    ])
    seen_auth = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_auth.append(request.headers["authorization"])
        return next(answers)

    waits: list[float] = []
    client = HttpApiClient("https://graph.example/v23.0", "hemligt", sleep=waits.append, retries=4,
                           http=httpx.Client(transport=httpx.MockTransport(handler)))
    client.get(f"{PAGE}/feed")
    assert waits == [7.0]  # 91 %: slowed down (1 s + 1 s per point over 85)
    client.get(f"{PAGE}/feed")
    assert waits[-1] == 16.0  # at 100 % without a regain estimate: the longest slow-down below the cap
    with pytest.raises(Throttled):
        client.get(f"{PAGE}/feed")
    assert waits[2:] == [2.0, 4.0, 8.0, 16.0]  # code 17: exponential back-off, then the round gives up
    assert set(seen_auth) == {"Bearer hemligt"} and "hemligt" not in repr(client)


def test_reconcile_decrypts_only_what_the_poll_did_not_return_on_a_larger_account(polled, monkeypatch):
    """A round's reconcile finds the items a poll should have returned by their ids and the search model's rows:
    on an account of some hundreds of items, one comment removed, it decrypts that one, not the account."""
    import copy

    from socialledger.core.storage.sealing import Sealer

    ledger, account, api, poller, waits, lines = polled
    feed = api.feeds[PAGE]
    for n in range(40):  # 45 posts, 10 comments each
        post = copy.deepcopy(feed[n % 5])
        short = str(7000000 + n)
        post["id"] = f"{PAGE}_{short}"
        comments = []
        for j in range(10):
            c = copy.deepcopy(post["comments"]["data"][j % len(post["comments"]["data"])])
            c["id"] = f"{short}_{80000 + j}"
            c["permalink_url"] = f"https://www.facebook.com/{PAGE}/posts/{short}/?comment_id={80000 + j}"
            comments.append(c)
        post["comments"]["data"] = comments
        feed.append(post)
    api.per_page = 100
    assert poller.round() == 0, lines
    held = len(_items(ledger, account))
    assert held > 400
    gone = api.comment_ids(PAGE)[-3]
    api.remove(PAGE, gone)
    unsealed: set[str] = set()
    unseal = Sealer.unseal

    def counting(self, cls, originator_id, state):
        unsealed.add(str(originator_id))
        return unseal(self, cls, originator_id, state)

    monkeypatch.setattr(Sealer, "unseal", counting)
    assert poller.round() == 0, lines
    monkeypatch.setattr(Sealer, "unseal", unseal)
    assert _items(ledger, account)[f"facebook:{gone}"]["state"] == "removed"
    # The removed comment (looked up, then its removal indexed), and nothing of the hundreds the poll returned.
    assert 1 <= len(unsealed) <= 3, (len(unsealed), held)


def test_not_returned_finds_the_items_a_poll_missed_by_ids_on_either_backend(backend, home, tmp_path):
    from datetime import UTC, datetime

    from standin_graph import sample_page

    ledger, account = make_ledger(home, "facebook", PAGE)
    try:
        posts = sample_page(PAGE)["posts"]
        page = tmp_path / "feed.json"
        page.write_text(json.dumps({"data": posts}))
        ledger.ingest(actor("kommunikatör"), "facebook", page, account)
        every = {p["id"] for p in posts} | {c["id"] for p in posts for c in p["comments"]["data"]}
        post, comment = posts[1]["id"], posts[2]["comments"]["data"][3]["id"]
        seen = every - {post, comment}
        missed = ledger.not_returned(actor("kommunikatör"), account, seen, datetime(2000, 1, 1, tzinfo=UTC))
        assert sorted(missed) == sorted([(post, "post"), (comment, "comment")])
        # A window after every post: only the comment, found under a post the poll returned.
        assert ledger.not_returned(actor("kommunikatör"), account, seen, datetime(2100, 1, 1, tzinfo=UTC)) \
            == [(comment, "comment")]
    finally:
        ledger.close()
