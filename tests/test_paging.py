"""The paging helper every channel's poll uses (`socialledger.channels.follow`), the revisit window, and the
core client's reading of the platforms' rate-limit headers (issue 20)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialledger.channels import (
    Followed,
    TokenRejected,
    Window,
    cursor_next,
    follow,
    graph_next,
    link_header,
    link_next,
)
from socialledger.service.polling import HttpApiClient

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "platform-samples" / "mastodon" / "api"


def test_the_link_header_of_a_real_mastodon_page_names_the_next_and_the_previous_page():
    headers = json.loads((SAMPLES / "account_statuses_p1.headers.json").read_text())["headers"]
    (link,) = headers["link"]
    assert link_header(link).endswith("/statuses?limit=5&max_id=117020580489281910")
    assert link_header(link, "prev").endswith("/statuses?limit=5&min_id=117020580518794573")
    assert link_next([{"id": "1"}], {"link": link}) == link_header(link)
    assert link_next([], {"link": link}) is None  # an empty page is the end
    assert link_header(None) is None and link_header('<https://a/b>; rel="prev"') is None


def _client(answers: list[httpx.Response], seen: list[httpx.Request] | None = None, waits: list[float] | None = None,
            now: float = 1_700_000_000.0) -> HttpApiClient:
    it = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return next(it)

    return HttpApiClient("https://api.example/2", "token-1", sleep=(waits if waits is not None else []).append,
                         http=httpx.Client(transport=httpx.MockTransport(handler)), clock=lambda: now)


def test_follow_sends_a_cursor_from_the_body_back_until_there_is_none_and_says_the_list_was_complete():
    seen: list[httpx.Request] = []
    client = _client([httpx.Response(200, json={"data": [{"id": "1"}], "meta": {"next_token": "abc"}}),
                      httpx.Response(200, json={"data": [{"id": "2"}], "meta": {"next_token": "def"}}),
                      httpx.Response(200, json={"meta": {"result_count": 0}})], seen)
    params = {"max_results": "100"}
    followed = Followed()
    pages = list(follow(client, "users/9/tweets", params, cursor_next("users/9/tweets", params, "meta.next_token",
                                                                       "pagination_token"), name="tweets",
                        followed=followed))
    assert [p.name for p, _ in pages] == ["tweets-0001.json", "tweets-0002.json", "tweets-0003.json"]
    assert [r.url.params.get("pagination_token") for r in seen] == [None, "abc", "def"]
    assert all(r.url.params["max_results"] == "100" for r in seen) and followed.complete


def test_follow_stops_where_asked_and_at_max_pages_and_then_the_list_is_not_complete():
    forever = [httpx.Response(200, json={"data": [{"id": str(i)}], "paging": {"next": f"https://api.example/x?after={i}"}})
               for i in range(5)]
    followed = Followed()
    assert len(list(follow(_client(forever), "feed", None, graph_next, name="feed", max_pages=3,
                           followed=followed))) == 3
    assert not followed.complete and not followed.stopped
    stopped = Followed()
    assert len(list(follow(_client(forever), "feed", None, graph_next, name="feed",
                           stop=lambda doc: doc["data"][0]["id"] == "1", followed=stopped))) == 2
    assert stopped.stopped and not stopped.complete


def test_the_window_revisits_from_the_last_newest_item_and_answers_what_a_poll_saw_in_full():
    newest = datetime(2026, 2, 14, 6, 45, tzinfo=UTC)
    w = Window(newest.isoformat(), timedelta(days=14))
    assert w.since == newest - timedelta(days=14)
    assert w.older(newest - timedelta(days=15)) and not w.older(newest - timedelta(days=13))
    w.see(newest - timedelta(days=2))
    w.see(newest + timedelta(hours=1))
    assert w.start(complete=True) == w.since  # followed past the window's start
    assert w.start(complete=False) == newest - timedelta(days=2)  # only what it saw
    assert w.cursor() == (newest + timedelta(hours=1)).isoformat()
    first = Window(None, timedelta(days=14))
    assert first.since is None and first.start(True) is None and first.cursor() is None


def test_the_client_waits_for_the_reset_a_rate_limit_header_names_when_no_calls_are_left():
    now = 1_700_000_000.0
    waits: list[float] = []
    iso = datetime.fromtimestamp(now + 30, UTC).isoformat().replace("+00:00", "Z")
    client = _client([
        httpx.Response(200, json=[], headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso}),  # Mastodon
        httpx.Response(200, json={"feed": []}, headers={"ratelimit-remaining": "0",
                                                        "ratelimit-reset": str(int(now) + 12)}),  # Bluesky
        httpx.Response(429, json={"title": "Too Many Requests"}, headers={"x-rate-limit-remaining": "0",
                                                                          "x-rate-limit-reset": str(int(now) + 5)}),
        httpx.Response(200, json={"data": []}, headers={"x-rate-limit-remaining": "899"}),  # X
    ], waits=waits, now=now)
    client.get("a")
    client.get("b")
    client.get("c")
    assert waits == [30.0, 12.0, 5.0]


def test_a_bluesky_token_error_is_a_refused_token_and_a_token_no_header_can_carry_is_one_clear_line():
    client = _client([httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})])
    with pytest.raises(TokenRejected, match=r"refused \(HTTP 400: ExpiredToken\)"):
        client.get("xrpc/app.bsky.feed.getAuthorFeed")
    bad = HttpApiClient("https://api.example", "token med mellanslag", http=httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))))
    with pytest.raises(TokenRejected, match="no HTTP header carries"):
        bad.get("x")
