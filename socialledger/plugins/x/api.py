"""X API v2 answers -> records: a user's tweets, a conversation's search results, a tweets lookup.

The answers polling saves (`polling.py`) and that anyone can save with the same requests:
`{"data": [Tweet], "includes": {"users": [User], "media": [Media]}, "meta": {...}}` (a list
page), `{"data": Tweet, "includes": ...}` (one tweet), or `{"errors": [...]}` beside or instead
of `data` (a tweets lookup of ids that are gone). A Tweet has `id`, `text`, `created_at`,
`author_id`, `conversation_id`, `in_reply_to_user_id`, `referenced_tweets[{type, id}]`,
`attachments.media_keys`, `public_metrics{retweet_count, reply_count, like_count,
quote_count, bookmark_count, impression_count}`, `edit_history_tweet_ids` (oldest first: an
edited tweet is a new id in the same chain) and, for a long post, `note_tweet.text`.

- An item is keyed by the first id of its edit chain, as the archive keys it: the API and
  the archive are the same items, and every version of an edited tweet is a version of one.
- The account's own tweets are its posts (and, answering someone, its comments); others'
  tweets in its conversations are comments (answering the conversation's first tweet) or
  replies. A retweet is skipped with its reason. Another account's top-level tweet names
  that account (`page_id`): the core refuses another account's data.
- Counts are lifetime metrics of the account's own tweets; the account's follower count
  comes from its user object in `includes` (`user.fields=public_metrics`).
- Pictures and video previews (`includes.media`: `url`, `preview_image_url`) are media by URL.
- An `errors` entry (`resource-not-found`, ...) is counted and skipped with its reason, never
  read as a removal: a removal is what the reconcile's own look-up records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from socialledger.channels import (
    AccountRecord,
    AuthorRef,
    ContentRecord,
    FormatError,
    Media,
    MetricsRecord,
    Record,
    Skipped,
    as_id,
    clean,
    dict_at,
    list_at,
    number,
    parse_time,
)

CHANNEL = "x"
SOURCE = "api"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
RETWEET_REASON = "a retweet of another account's tweet: the ledger keeps the account's own words"
ERROR_REASON = "the API named an error for it (not found, or not visible to the token): never read as a removal"

#: public_metrics -> (ledger metric, breakdown key)
METRICS = {
    "like_count": ("reactions", "like"),
    "retweet_count": ("shares", None),
    "reply_count": ("comments", None),
    "quote_count": ("quote_count", None),  # no ledger name: the platform's
    "bookmark_count": ("saves", None),
    "impression_count": ("impressions", None),
}


def is_tweet(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("id"), str) and "text" in doc and (
        "edit_history_tweet_ids" in doc or "author_id" in doc or "created_at" in doc)


def classify(doc: Any) -> bool:
    """Whether a decoded document is an X API v2 answer this channel reads."""
    if not isinstance(doc, dict):
        return False
    data = doc.get("data")
    if isinstance(data, list):
        return not data or is_tweet(data[0])
    if isinstance(data, dict):
        return is_tweet(data)
    if "data" not in doc and isinstance(doc.get("meta"), dict) and "result_count" in doc["meta"]:
        return True  # an empty page
    errors = doc.get("errors")
    return "data" not in doc and isinstance(errors, list) and bool(errors) and all(
        isinstance(e, dict) and "type" in e and ("resource_id" in e or "value" in e) for e in errors)


def chain_id(tweet: dict[str, Any]) -> str:
    ids = [i for i in list_at(tweet, "edit_history_tweet_ids") if isinstance(i, str)]
    return ids[0] if ids else as_id(tweet["id"], "id")


def read_answer(doc: Any, me: str | None) -> Iterator[Record]:
    if not classify(doc):
        raise FormatError("not an X API v2 answer of tweets")
    data = doc.get("data")
    tweets = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    users = {u["id"]: u for u in list_at(doc, "includes", "users") if isinstance(u, dict) and "id" in u}
    media = {m["media_key"]: m for m in list_at(doc, "includes", "media") if isinstance(m, dict) and "media_key" in m}
    by_id = {t["id"]: t for t in tweets if isinstance(t, dict) and isinstance(t.get("id"), str)}
    for i, tweet in enumerate(tweets):
        if not is_tweet(tweet):
            raise FormatError(f"data[{i}] is not a tweet (id, text)")
        yield from _tweet(tweet, me, users, media, by_id)
    for e in list_at(doc, "errors"):
        if isinstance(e, dict):
            rid = e.get("resource_id") or e.get("value")
            yield Skipped(channel=CHANNEL, source=SOURCE, kind=str(e.get("resource_type") or "tweet"),
                          reason=ERROR_REASON, native_id=str(rid) if rid is not None else None)
    if me is not None and me in users:
        yield from _profile(users[me])


def _tweet(tweet: dict[str, Any], me: str | None, users: dict[str, Any], media: dict[str, Any],
           by_id: dict[str, Any]) -> Iterator[Record]:
    tid = as_id(tweet["id"], "id")
    refs = {r.get("type"): as_id(r.get("id"), "referenced_tweets.id") for r in list_at(tweet, "referenced_tweets")
            if isinstance(r, dict) and r.get("id") is not None}
    if "retweeted" in refs:
        yield Skipped(channel=CHANNEL, source=SOURCE, kind="retweet", reason=RETWEET_REASON, native_id=tid)
        return
    author_id = str(tweet.get("author_id") or "")
    own = me is not None and author_id == me
    parent = refs.get("replied_to")
    conversation = tweet.get("conversation_id")
    if parent is None:
        kind = "post" if own or me is None else "visitor_post"
    else:
        kind = "comment" if parent == conversation or own else "reply"
    if parent is None:
        page = me if own else author_id or None  # another account's top-level tweet: its account's data
    else:
        page = me if own else None  # a reply in the account's conversations
    user = users.get(author_id) or {}
    if not tweet.get("created_at"):
        raise FormatError(f"tweet {tid} has no created_at (ask with tweet.fields=created_at)")
    created = parse_time(tweet["created_at"], f"tweet {tid} created_at")
    item = chain_id(tweet)
    text = dict_at(tweet, "note_tweet").get("text") or tweet.get("text")
    username = user.get("username")
    record = ContentRecord(
        channel=CHANNEL, kind=kind, source=SOURCE, observed=created,
        native_id=item, page_id=page, parent_native_id=chain_id(by_id[parent]) if parent in by_id else parent,
        created=created if item == tid else None, text=text or None,
        author=AuthorRef(native_id=author_id, username=username or None, name=user.get("name") or None)
        if author_id else None,
        media=_media(tweet, media), permalink=f"https://x.com/{username or 'i'}/status/{tid}",
        raw=clean({"tweet": tweet}), by_account=own)
    yield record
    if own:
        for field, (metric, part) in METRICS.items():
            value = dict_at(tweet, "public_metrics").get(field)
            if value is None:
                continue
            n = number(value, f"tweet {tid} {field}")
            yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric=metric, platform_metric=field,
                                period="lifetime", end=None, value=n, native_id=item, page_id=me,
                                breakdown={part: n} if part else None)


def _media(tweet: dict[str, Any], media: dict[str, Any]) -> tuple[Media, ...]:
    out = []
    for key in list_at(tweet, "attachments", "media_keys"):
        m = media.get(key) if isinstance(key, str) else None
        if not isinstance(m, dict):
            continue
        kind = {"photo": "photo", "video": "video", "animated_gif": "video"}.get(m.get("type"), "file")
        url = m.get("url") if m.get("type") == "photo" else m.get("preview_image_url")
        out.append(Media(kind=kind, url=url if isinstance(url, str) else None, title=key,
                         description=m.get("alt_text") or None))
    return tuple(out)


def _profile(user: dict[str, Any]) -> Iterator[Record]:
    yield AccountRecord(channel=CHANNEL, source=SOURCE, platform_id=user["id"], name=user.get("name") or None,
                        username=user.get("username") or None)
    followers = dict_at(user, "public_metrics").get("followers_count")
    if followers is not None:
        yield MetricsRecord(channel=CHANNEL, source=SOURCE, metric="followers", platform_metric="followers_count",
                            period="instant", end=None, value=number(followers, "followers_count"),
                            page_id=user["id"])
