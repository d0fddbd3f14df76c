"""Polling Mastodon, Bluesky and X through their channels, against local stand-ins (issue 20).

Paging (Mastodon's `Link` header, Bluesky's `cursor`, X's `next_token`), replies (a status's
context, a post's thread, a conversation's recent search), edits between rounds, a removed reply reconciled, 429 with the platforms' rate-limit
headers, a 500, a refused token that stops only its account, media downloaded: the same code
`socialledger poll` and `serve --poll-every` run.
"""

from __future__ import annotations

import copy

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from standin_social import BLUESKY_DID, MASTODON_ME, THREAD_ROOT, X_ID, BlueskyStandIn, MastodonStandIn, XStandIn

from socialledger.app import Ledger
from socialledger.core.domain.account import ApplicationForm
from socialledger.plugins.mastodon.common import status_key
from socialledger.service.polling import Cursors, Poller
from socialledger.service.secrets import Secrets
from socialledger.service.worker import WorkerState
from socialledger.testing import actor, make_ledger

TOKEN = "Vb3kQ8_mastodon-user-token-1"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAKommunenBearer%2Ftoken"
PASSWORD = "abcd-efgh-ijkl-mnop"
SOREN = status_key("https://mastodon.dk/users/soren/statuses/111900000000000202", MASTODON_ME)
ASTRID_REPLY = "at://did:plc:astridjensenaarhus2345ab/app.bsky.feed.post/3mabcr7kqx52b"


def _link_second(ledger, channel: str, platform_id: str) -> str:
    other = ledger.apply_account(actor("kommunikatör"), ApplicationForm(
        channel=channel, name=f"Kommunen på {channel}", unit="Enheten", owner="ägare", deputy="ersättare",
        answering_hours="Vardagar 8–17", page_rules="Inga påhopp"))
    ledger.approve(actor("chef"), other, "manager")
    ledger.approve(actor("info"), other, "information-unit")
    ledger.link(actor("info"), other, platform_id)
    return str(other)


def _items(ledger, account):
    return {i["native_id"]: i for i in ledger.content(actor("kommunikatör"), account)}


def _env(mastodon: MastodonStandIn, bluesky: BlueskyStandIn | None = None) -> dict[str, str]:
    env = {"SOCIALLEDGER_MASTODON_API_BASE": mastodon.base,
           "SOCIALLEDGER_MASTODON_TOKEN_https___social_example_se_users_kommunen": TOKEN}
    if bluesky is not None:
        env["SOCIALLEDGER_BLUESKY_API_BASE"] = bluesky.base
        env["SOCIALLEDGER_BLUESKY_PASSWORD_did_plc_hvidovrekommune2kx4qa7bz"] = PASSWORD
    return env


@pytest.fixture
def both(tmp_path):
    ledger, mastodon_account = make_ledger(tmp_path / "home", "mastodon", MASTODON_ME)
    bluesky_account = _link_second(ledger, "bluesky", BLUESKY_DID)
    with MastodonStandIn(TOKEN) as m, BlueskyStandIn(PASSWORD) as b:
        waits: list[float] = []
        lines: list[str] = []
        poller = Poller(ledger, actor("kommunikatör"), WorkerState(ledger.home),
                        secrets=Secrets({}, _env(m, b), "test"), sleep=waits.append, echo=lines.append)
        yield ledger, mastodon_account, bluesky_account, m, b, poller, waits, lines
    ledger.close()


def test_mastodon_statuses_follow_the_link_header_and_threads_come_from_the_context(both):
    ledger, account, _b_account, m, b, poller, waits, lines = both
    m.throttle = 1  # 429 with X-RateLimit-Remaining: 0 and the reset a second ahead (ISO time)
    assert poller.round() == 0, lines
    assert 0 < waits[0] <= 2.0
    # the account's id (the 429, then the answer), then pages of 2, 2, 1 and the empty one that ends the
    # list, each the Link header's next
    assert m.requests.count("/api/v1/accounts/lookup") == 2
    assert len([r for r in m.requests if r.endswith("/statuses")]) == 4
    assert m.requests.count("/api/v1/statuses/111900000000000101/context") == 1  # the one with replies
    items = _items(ledger, account)
    own = [i for i in items.values() if i["native_id"].startswith(f"mastodon:{MASTODON_ME}/")]
    assert len(own) == 4  # five statuses, one of them a boost (skipped with its reason)
    assert items[f"mastodon:{SOREN}"]["kind"] == "comment"
    assert {i["kind"] for i in items.values()} >= {"post", "comment", "reply"}
    # The picture of the status with media was downloaded (without the token) and kept encrypted.
    post = items[f"mastodon:{MASTODON_ME}/statuses/111900000000000105"]
    (media,) = ledger.content_item(actor("kommunikatör"), post["id"])["versions"][-1]["media"]
    assert media["stored"] and m.cdn_requests == 1
    cursor = json.loads(Cursors(ledger.home).get(account))
    assert cursor["newest"].startswith("2026-02-14T06:45") and cursor["refs"][SOREN] == "111900000000000202"
    for path in ledger.home.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes() and PASSWORD.encode() not in path.read_bytes(), path


def test_mastodon_an_edit_is_a_new_version_and_a_removed_reply_by_someone_else_is_reconciled(both):
    ledger, account, _b_account, m, b, poller, waits, lines = both
    assert poller.round() == 0, lines
    m.edit("111900000000000102", "<p>Ändrat: biblioteket har öppet till kl. 20 på torsdag 😊</p>")
    m.removed.add("111900000000000202")  # Sören's reply: its key is a hash of its uri; its id came in the cursor
    m.fail = 1  # and a 500 on the first call, retried
    head = ledger.head()
    assert poller.round() == 0, lines
    items = _items(ledger, account)
    edited = items[f"mastodon:{MASTODON_ME}/statuses/111900000000000102"]
    assert edited["versions"] == 2 and edited["text"].startswith("Ändrat: biblioteket")
    removed = items[f"mastodon:{SOREN}"]
    assert removed["state"] == "removed" and removed["text"]  # the content is kept
    assert "/api/v1/statuses/111900000000000202" in m.requests
    assert ledger.head() > head
    head = ledger.head()
    assert poller.round() == 0, lines  # nothing new: nothing recorded
    assert ledger.head() == head


def test_mastodon_a_failed_look_up_records_nothing_and_the_next_round_tries_again(both):
    ledger, account, _b_account, m, b, poller, waits, lines = both
    assert poller.round() == 0, lines
    m.removed.add("111900000000000202")
    m.fail_lookups = 5  # more than the client's retries
    assert poller.round() == 1
    assert lines[-1].startswith(f"account {account}:") and "the API failed" in lines[-1]
    assert _items(ledger, account)[f"mastodon:{SOREN}"]["state"] != "removed"
    assert poller.round() == 0, lines
    assert _items(ledger, account)[f"mastodon:{SOREN}"]["state"] == "removed"


def test_bluesky_a_session_from_the_app_password_the_feed_by_cursor_threads_and_a_deleted_reply(both):
    ledger, _m_account, account, m, b, poller, waits, lines = both
    b.throttle = 1  # 429 with Retry-After: 1
    assert poller.round() == 0, lines
    assert 1.0 in waits
    assert len(b.sessions) == 1  # a session for the round, from the app password
    assert b.requests.count("/xrpc/app.bsky.feed.getAuthorFeed") == 1 + 2  # the 429, then two pages by cursor
    assert b.requests.count("/xrpc/app.bsky.feed.getPostThread") == 1  # the one post with replies
    items = _items(ledger, account)
    assert items[f"bluesky:{ASTRID_REPLY}"]["kind"] == "comment"
    assert items[f"bluesky:{THREAD_ROOT}"]["kind"] == "post"
    # The post's picture: its CDN URL from the hydrated view, downloaded without the token, kept encrypted.
    version = ledger.content_item(actor("kommunikatör"), items[f"bluesky:{THREAD_ROOT}"]["id"])["versions"][-1]
    (photo,) = [m for m in version["media"] if m["kind"] == "photo"]
    assert photo["stored"] and b.cdn_requests == 1
    b.edit(THREAD_ROOT, "Välkommen på söndag 😊 Ändrat: Åbent hus kl. 10–15.")
    b.removed.add(ASTRID_REPLY)  # deleted: its branch leaves the thread, getPosts leaves it out
    assert poller.round() == 0, lines
    items = _items(ledger, account)
    assert items[f"bluesky:{ASTRID_REPLY}"]["state"] == "removed" and items[f"bluesky:{ASTRID_REPLY}"]["text"]
    assert items[f"bluesky:{THREAD_ROOT}"]["versions"] == 2
    assert "/xrpc/app.bsky.feed.getPosts" in b.requests
    b.fail_lookups = 0
    head = ledger.head()
    assert poller.round() == 0, lines
    assert ledger.head() == head


def test_bluesky_a_post_dated_in_the_future_by_its_client_does_not_end_later_rounds_early(both):
    """A Bluesky post's `createdAt` is the client's: one dated a year ahead once put the next rounds' window in the
    future, and every post made in between was passed over as older than it."""
    ledger, _m_account, account, _m, b, poller, _waits, lines = both
    b.feed[0]["post"]["record"]["createdAt"] = "2027-12-01T09:00:00.000Z"  # a wrong clock; indexedAt is the AppView's
    assert poller.round() == 0, lines
    newer = copy.deepcopy(b.feed[1])  # the account's own post, not a reply
    newer["post"]["uri"] = f"at://{BLUESKY_DID}/app.bsky.feed.post/3mnewer7kqx52z"
    newer["post"]["cid"] = "bafyreinewer4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    newer["post"]["record"]["text"] = "Ny tid för öppet hus: söndag kl. 11."
    newer["post"]["record"]["facets"] = []
    newer["post"]["record"]["createdAt"] = newer["post"]["indexedAt"] = "2026-03-20T08:00:00.000Z"
    newer["post"]["replyCount"] = 1
    newer.pop("reply", None)
    newer["post"]["record"].pop("reply", None)
    b.feed.insert(0, newer)
    reply = copy.deepcopy(b.thread["thread"]["replies"][0])  # Astrid asks again, under the new post
    reply["replies"] = []
    reply["post"]["uri"] = "at://did:plc:astridjensenaarhus2345ab/app.bsky.feed.post/3mnewreply2b"
    reply["post"]["record"]["text"] = "Gäller det även för barnfamiljer?"
    reply["post"]["record"]["createdAt"] = reply["post"]["indexedAt"] = "2026-03-20T09:00:00.000Z"
    for part in ("root", "parent"):
        reply["post"]["record"]["reply"][part] = {"uri": newer["post"]["uri"], "cid": newer["post"]["cid"]}
    b.replies[newer["post"]["uri"]] = [reply]
    assert poller.round() == 0, lines
    items = _items(ledger, account)
    assert f"bluesky:{newer['post']['uri']}" in items
    assert items[f"bluesky:{reply['post']['uri']}"]["kind"] == "comment"  # its thread was asked for


def test_a_window_never_starts_in_the_future():
    from datetime import UTC, datetime, timedelta

    from socialledger.core.capture.paging import Window

    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    w = Window(None, timedelta(days=14), now=now)
    w.see(datetime(2027, 12, 1, tzinfo=UTC))
    w.see(datetime(2026, 11, 30, tzinfo=UTC))
    assert w.cursor() == now.isoformat()
    later = Window("2027-12-01T00:00:00+00:00", timedelta(days=14), now=now)  # a cursor an earlier version left
    assert not later.older(datetime(2026, 12, 1, tzinfo=UTC))


def test_a_refused_token_is_one_line_for_its_account_and_the_other_channel_is_polled(both):
    ledger, m_account, b_account, m, b, poller, waits, lines = both
    m.expired = True
    assert poller.round() == 1
    (line,) = lines
    assert line.startswith(f"account {m_account}:") and "access token is refused (HTTP 401)" in line
    assert TOKEN not in line
    assert len(_items(ledger, b_account)) > 0 and not _items(ledger, m_account)
    m.expired = False
    b.expired = True  # Bluesky's 400 ExpiredToken
    lines.clear()
    assert poller.round() == 1
    (line,) = lines
    assert line.startswith(f"account {b_account}:") and "ExpiredToken" in line
    assert len(_items(ledger, m_account)) > 0
    b.expired = False
    b.password = "ett-annat-lösenord"  # the app password revoked: createSession answers 401
    lines.clear()
    assert poller.round() == 1
    assert lines[0].startswith(f"account {b_account}:") and "refused" in lines[0] and PASSWORD not in lines[0]


def test_x_tweets_by_pagination_token_conversations_by_search_an_edit_and_a_deleted_reply(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "x", X_ID)
    try:
        with XStandIn(X_TOKEN) as x:
            waits: list[float] = []
            lines: list[str] = []
            env = {"SOCIALLEDGER_X_API_BASE": f"{x.base}/2", f"SOCIALLEDGER_X_TOKEN_{X_ID}": X_TOKEN}
            poller = Poller(ledger, actor("kommunikatör"), WorkerState(ledger.home), secrets=Secrets({}, env, "t"),
                            sleep=waits.append, echo=lines.append)
            x.throttle = 1  # 429 with x-rate-limit-remaining 0 and the reset in epoch seconds (no Retry-After)
            assert poller.round() == 0, lines
            assert 0 < waits[0] <= 2.0
            assert x.requests.count(f"/2/users/{X_ID}/tweets") == 1 + 2  # the 429, then two pages by next_token
            assert x.requests.count("/2/tweets/search/recent") == 2  # one conversation, two pages by next_token
            items = _items(ledger, account)
            assert {k: i["kind"] for k, i in items.items()} == {
                "x:1870000000000000001": "post", "x:1870000000000000004": "post",
                "x:1870000000000000003": "comment",  # the account answering Astrid
                "x:1870000000000000002": "comment", "x:1870000000000000006": "reply"}  # the retweet: skipped
            post = items["x:1870000000000000001"]
            (photo,) = ledger.content_item(actor("kommunikatör"), post["id"])["versions"][-1]["media"]
            assert photo["stored"] and x.cdn_requests == 1
            x.edit("1870000000000000004", "Snöröjningen är igång i hela kommunen ❄️ Rättat: gång- och cykelvägar "
                                          "och busshållplatser först.")
            x.removed.add("1870000000000000002")  # Astrid deleted her question
            x.fail = 1  # and a 503, retried
            assert poller.round() == 0, lines
            items = _items(ledger, account)
            assert items["x:1870000000000000004"]["versions"] == 2
            assert "Rättat" in items["x:1870000000000000004"]["text"]
            gone = items["x:1870000000000000002"]
            assert gone["state"] == "removed" and gone["text"]
            head = ledger.head()
            assert poller.round() == 0, lines
            assert ledger.head() == head
            x.expired = True
            assert poller.round() == 1
            assert lines[-1].startswith(f"account {account}:") and "refused (HTTP 401)" in lines[-1]
            assert X_TOKEN not in lines[-1]
        for path in ledger.home.rglob("*"):
            if path.is_file():
                assert X_TOKEN.encode() not in path.read_bytes(), path
    finally:
        ledger.close()


EXE = str(Path(sys.executable).with_name("socialledger"))


def test_socialledger_poll_once_polls_mastodon_bluesky_and_x_from_a_secrets_file(tmp_path):
    ledger, m_account = make_ledger(tmp_path / "home", "mastodon", MASTODON_ME)
    b_account = _link_second(ledger, "bluesky", BLUESKY_DID)
    x_account = _link_second(ledger, "x", X_ID)
    home = ledger.home
    ledger.close()
    secrets = tmp_path / "secrets.toml"
    with MastodonStandIn(TOKEN) as m, BlueskyStandIn(PASSWORD) as b, XStandIn(X_TOKEN) as x:
        secrets.write_text(f'[mastodon.api_bases]\n"{MASTODON_ME}" = "{m.base}"\n'
                           f'[mastodon.tokens]\n"{MASTODON_ME}" = "{TOKEN}"\n'
                           f'[bluesky]\napi_base = "{b.base}"\n[bluesky.passwords]\n"{BLUESKY_DID}" = "{PASSWORD}"\n'
                           f'[x]\napi_base = "{x.base}/2"\n[x.tokens]\n"{X_ID}" = "{X_TOKEN}"\n')
        secrets.chmod(0o600)
        env = {"SOCIALLEDGER_SECRETS": str(secrets), "PATH": "/usr/bin:/bin"}
        for account in (m_account, b_account):
            ok = subprocess.run([EXE, "--home", str(home), "--as", "kommunikatör", "poll", "--account", account,
                                 "--once"], capture_output=True, text=True, env=env)
            assert ok.returncode == 0, ok.stderr
        assert m.requests and b.sessions
        x.expired = True  # X's 401: one line, exit 3
        bad = subprocess.run([EXE, "--home", str(home), "--as", "kommunikatör", "poll", "--account", x_account,
                              "--once"], capture_output=True, text=True, env=env)
        assert bad.returncode == 3 and "refused" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert x.requests == [f"/2/users/{X_ID}/tweets"]
        for secret in (TOKEN, PASSWORD, X_TOKEN):
            assert secret not in bad.stderr + ok.stderr + ok.stdout


@pytest.mark.slow  # a real `serve` process, as tests/test_service_e2e.py's Facebook polling test
def test_serve_polls_mastodon_bluesky_and_x_and_reconciles_removed_replies(tmp_path):
    from service_support import Serve

    ledger, m_account = make_ledger(tmp_path / "home", "mastodon", MASTODON_ME)
    b_account = _link_second(ledger, "bluesky", BLUESKY_DID)
    x_account = _link_second(ledger, "x", X_ID)
    home = ledger.home
    ledger.close()
    with MastodonStandIn(TOKEN) as m, BlueskyStandIn(PASSWORD) as b, XStandIn(X_TOKEN) as x:
        env = {**_env(m, b), "SOCIALLEDGER_X_API_BASE": f"{x.base}/2", f"SOCIALLEDGER_X_TOKEN_{X_ID}": X_TOKEN,
               "SOCIALLEDGER_USER": "kommunikatör"}
        serve = Serve(home, env, args=("--poll-every", "1")).start()
        try:
            deadline = time.monotonic() + 60
            accounts = (m_account, b_account, x_account)
            while not all((serve.health() or {}).get("last_poll", {}).get(a) for a in accounts):
                assert time.monotonic() < deadline, serve.log()
                time.sleep(0.2)
            m.removed.add("111900000000000202")
            b.removed.add(ASTRID_REPLY)
            x.removed.add("1870000000000000002")
            deadline = time.monotonic() + 60
            while True:
                reader = Ledger(home)
                try:
                    gone = (_items(reader, m_account)[f"mastodon:{SOREN}"]["state"],
                            _items(reader, b_account)[f"bluesky:{ASTRID_REPLY}"]["state"],
                            _items(reader, x_account)["x:1870000000000000002"]["state"])
                finally:
                    reader.close()
                if gone == ("removed", "removed", "removed"):
                    break
                assert time.monotonic() < deadline, (gone, m.requests[-12:], b.requests[-8:])
                time.sleep(0.5)
        finally:
            assert serve.stop() == 0
    assert TOKEN not in serve.log() and PASSWORD not in serve.log() and X_TOKEN not in serve.log()
