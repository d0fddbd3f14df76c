"""Downloading the media a captured item refers to by URL, within limits, for the ingest to keep encrypted.

The channel's own reader names the media of each API page it fetched, and of each
webhook delivery the worker ingests (`Media.url` of a `ContentRecord`: photos,
videos, thumbnails; links are not media). Each URL not
downloaded before is fetched without the account's token (a CDN needs none), with
limits on size (`MAX_BYTES`, by `Content-Length` and while streaming), content type
(`image/*`, `video/*`, `audio/*`) and time (`TIMEOUT` for the whole download), and
written beside the pages; the ingest then keeps each file encrypted under its item's
key (`core/capture/media.py`, named by a keyed hash of its bytes), and archive
packages carry it with its SHA-256. A URL that fails is retried and then reported as
given up (a counter in `/metrics` and `/health`, a log line with the URL's hash and the
item's id), never fatal: a polled URL on the next rounds (`ATTEMPTS` in all: the poll
sees the item again); a delivered one at once (`fetch_all(..., now=True)`: a delivery
comes once), a failure that lasts (404, 403, 410, too large, not a picture) given up
without more tries, a passing one (no answer, 5xx, 429, too slow) tried `ATTEMPTS`
times with back-off. `PARALLEL` downloads run at once, and a poll round starts none
after `ROUND_BUDGET` seconds: a CDN that hangs delays the round's ingest by that much
(and the downloads under way), and what it did not start is downloaded after the
ingest, in the same round, and attached to the items then.
What was downloaded or given up is remembered by a hash of each item naming it and the
URL (`<home>/service/media.json`: a file kept for one item is downloaded again for another
item naming the same URL in a later round) until no poll has named it for `KEEP_DAYS` days. The size
limit is `SOCIALLEDGER_MEDIA_MAX_BYTES` (bytes; 200 MiB when unset).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from socialledger.core.capture.channels import Channel
from socialledger.core.capture.inputs import iter_inputs
from socialledger.core.domain.records import ContentRecord, ModerationRecord

log = logging.getLogger("socialledger.service")

MAX_BYTES = 200 * 1024**2
TIMEOUT = 120.0
ATTEMPTS = 3
#: Downloads at once: one CDN that hangs holds up one of them, not the others.
PARALLEL = 4
#: A poll round's seconds for starting downloads (`fetch_all(budget=...)`).
ROUND_BUDGET = 300.0
#: Days a downloaded or given-up URL is remembered after the last poll that named it.
KEEP_DAYS = 120
SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
          "image/heic": ".heic", "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
          "audio/mpeg": ".mp3", "audio/mp4": ".m4a"}
MEDIA_KINDS = frozenset({"photo", "video", "image", "thumbnail", "gif", "animated_gif", "audio"})


#: HTTP answers that will not change by asking again (a delivered URL is then given up at once).
LASTING_STATUS = frozenset({400, 401, 403, 404, 410, 451})
MAX_BYTES_ENV = "SOCIALLEDGER_MEDIA_MAX_BYTES"


class MediaError(Exception):
    def __init__(self, message: str, *, lasting: bool = False) -> None:
        super().__init__(message)
        self.lasting = lasting  # asking again will not help (404, too large, not a picture)


def media_of(channel: Channel, folder: Path, sources: tuple[str, ...] = ("api",)) -> dict[str, list[str]]:
    """url -> the native ids of the items naming it, for the media the channel reads in the inputs of `folder`
    of those `sources` (`api` pages, `webhook` deliveries), in order, once each."""
    out: dict[str, list[str]] = {}
    for entry in iter_inputs(folder):
        if channel.skip(entry):
            continue
        source = channel.detect(entry)
        if source not in sources:
            continue
        for r in channel.read(entry, source):
            item = r.item if isinstance(r, ModerationRecord) else r
            if isinstance(item, ContentRecord):
                for m in item.media:
                    if m.url and m.kind in MEDIA_KINDS and m.url.startswith(("https://", "http://")):
                        named = out.setdefault(m.url, [])
                        if f"{channel.name}:{item.native_id}" not in named:
                            named.append(f"{channel.name}:{item.native_id}")
    return out


def read_media_state(path: Path, today: int) -> tuple[dict[str, object], dict[str, int]]:
    """`media.json`: URL hash -> "kept", "given up" or the attempts so far; and the day each was last named.
    (A file of the first format, without days, counts as named today.)"""
    try:
        doc = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}, {}
    if not isinstance(doc, dict):
        return {}, {}
    if doc.get("format") == 2 and isinstance(doc.get("urls"), dict):
        entries = {k: v for k, v in doc["urls"].items()
                   if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str | int) and isinstance(v[1], int)}
        return {k: v[0] for k, v in entries.items()}, {k: v[1] for k, v in entries.items()}
    return {k: v for k, v in doc.items() if isinstance(v, str | int)}, dict.fromkeys(doc, today)


def default_max_bytes() -> int:
    v = os.environ.get(MAX_BYTES_ENV, "").strip()
    return int(v) if v.isdigit() and int(v) > 0 else MAX_BYTES


class MediaDownloads:
    """What was downloaded or given up, by a hash of the URL; and the downloading itself."""

    def __init__(self, home: Path, *, max_bytes: int | None = None, timeout: float = TIMEOUT,
                 http: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                 identity: Callable[[str], str] | None = None) -> None:
        self.path = Path(home) / "service" / "media.json"
        self.today = int(time.time() // 86400)
        self.doc, self.days = read_media_state(self.path, self.today)
        self.max_bytes = max_bytes or default_max_bytes()
        self.timeout = timeout
        self.sleep = sleep
        self.http = http or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True,
                                         limits=httpx.Limits(max_connections=PARALLEL))
        self.failed = 0
        self.given_up = 0
        self.deferred = 0
        #: The URLs of the last `fetch_all` that did not start within its budget (for a `fetch_all` after the ingest).
        self.not_started: list[str] = []
        self._files = 0  # files named in this instance's folders (media-00000, ...): unique across calls
        self._changed: set[str] = set()  # entries set by this instance, merged into the file by `done`
        self._items: dict[str, list[str]] = {}  # url -> the items naming it (`fetch_all(items=...)`)
        #: What names a file across its URLs (the channel's `media_identity`: a CDN may sign each URL anew).
        self.identity: Callable[[str], str] = identity or (lambda url: url)

    @staticmethod
    def _key(url: str, item: str = "") -> str:
        """An entry's name: a hash of the item and the URL (of the URL alone where the item is not known)."""
        return hashlib.sha256(f"{item}\n{url}".encode() if item else url.encode()).hexdigest()

    def _keys(self, url: str) -> list[str]:
        """Each item naming the URL has its own entry: a file kept for one item is not another item's."""
        name = self.identity(url)
        return [self._key(name, item) for item in self._items.get(url) or [""]]

    def wanted(self, urls: Iterable[str]) -> list[str]:
        """The URLs not kept or given up before for every item naming them (every entry named is remembered from
        today)."""
        out = []
        for u in urls:
            settled = True
            for key in self._keys(u):
                if key in self.doc:
                    self.days[key] = self.today
                    self._changed.add(key)
                settled = settled and isinstance(self.doc.get(key), str)
            if not settled:
                out.append(u)
        return out

    def fetch_all(self, urls: Iterable[str], folder: Path, *, now: bool = False,
                  items: Mapping[str, Sequence[str]] | None = None, budget: float | None = None) -> dict[str, str]:
        """Download each wanted URL into `folder`, `PARALLEL` at a time; url -> the file's name there.

        `now`: no later round will see these URLs again (a webhook delivery's), so a passing failure is
        tried again at once, with back-off, and a lasting one given up. `items`: url -> the ids of the items
        naming it (`media_of`): each has its own entry, and the log names the first.
        `budget`: seconds after which no more downloads start (a poll's: a CDN that hangs holds up the round's
        ingest by this much at most); the URLs not started, no attempt counted, are in `not_started`, for the
        caller to fetch after its ingest.
        """
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = None if budget is None else time.monotonic() + budget
        for url, named in (items or {}).items():
            self._items[url] = list(dict.fromkeys([*self._items.get(url, []), *named]))
        wanted = self.wanted(urls)
        first, self._files = self._files, self._files + len(wanted)
        got: dict[str, str] = {}
        self.not_started = []
        with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="socialledger-media") as pool:
            futures = [pool.submit(self._fetch, url, folder / f"media-{first + n:05d}", now,
                                   (self._items.get(url) or [""])[0], deadline) for n, url in enumerate(wanted)]
            for n, (url, future) in enumerate(zip(wanted, futures, strict=True), first):
                suffix, failures, outcome = future.result()
                self.failed += failures
                if outcome == "deferred":
                    self.not_started.append(url)
                    continue
                if outcome == "given up":
                    for key in self._keys(url):
                        self._set(key, "given up")
                    self.given_up += 1
                elif isinstance(outcome, int):
                    for key in self._keys(url):
                        self._set(key, outcome)
                if suffix is not None:
                    name = f"media-{n:05d}{suffix}"
                    os.replace(folder / f"media-{n:05d}", folder / name)
                    got[url] = name
        if self.not_started:
            self.deferred += len(self.not_started)
            log.warning("%d media not started within the round's %.0f s for media (a slow or hanging CDN): "
                        "downloaded after the ingest", len(self.not_started), budget or 0)
        return got

    def _fetch(self, url: str, target: Path, now: bool, item: str,
               deadline: float | None) -> tuple[str | None, int, str | int | None]:
        """One URL, in a thread: (the file's suffix or None, failed attempts, what to remember: "given up",
        the attempts so far (to try again next round), "deferred" (not started: the budget ran out) or None)."""
        key = self._key(url, item)
        tries = max((v for k in self._keys(url) if isinstance(v := self.doc.get(k), int)), default=0)
        failures = 0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return None, failures, "deferred" if failures == 0 else tries
            try:
                return self._download(url, target), failures, None
            except MediaError as e:
                tries += 1
                failures += 1
                if tries >= ATTEMPTS or (now and e.lasting):
                    log.warning("media %s of item %s given up after %d attempt%s: %s", key[:12], item or "?",
                                tries, "" if tries == 1 else "s", e)
                    return None, failures, "given up"
                if now:
                    log.warning("media %s of item %s not downloaded (attempt %d, trying again): %s", key[:12],
                                item or "?", tries, e)
                    self.sleep(0.5 * 2 ** (tries - 1))
                    continue
                log.warning("media %s of item %s not downloaded (attempt %d, tried again next round): %s",
                            key[:12], item or "?", tries, e)
                return None, failures, tries

    def done(self, urls: Iterable[str]) -> None:
        """The ingest kept these: remember them, with what this instance learnt, in `media.json`.

        Under a lock, the file is read again and this instance's entries merged in: the webhook
        worker and a poll (`socialledger poll once` beside `serve`) may both write it. What no
        poll has named for `KEEP_DAYS` goes: the file would otherwise grow with every URL ever seen
        (a CDN's signed URLs change over time). Should such a URL come again, it is downloaded
        again, and the ingest keeps no second copy of a file it holds.
        """
        for url in urls:
            for key in self._keys(url):
                self._set(key, "kept")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            doc, days = read_media_state(self.path, self.today)
            for key in self._changed:
                doc[key] = self.doc[key]
                days[key] = self.days.get(key, self.today)
            old = self.today - KEEP_DAYS
            entries = {k: [v, days.get(k, self.today)] for k, v in doc.items() if days.get(k, self.today) >= old}
            tmp = self.path.with_name(f"media.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"format": 2, "urls": entries}))
            os.replace(tmp, self.path)
            self.doc, self.days = {k: v[0] for k, v in entries.items()}, {k: v[1] for k, v in entries.items()}
            self._changed.clear()

    def report(self, state: Any) -> None:
        """Add this instance's failures, URLs given up and downloads held back to the worker's counters
        (`media_failed`, `media_given_up`, `media_deferred` in `/metrics`)."""
        for name, n in (("media_failed", self.failed), ("media_given_up", self.given_up),
                        ("media_deferred", self.deferred)):
            if n:
                state.add(name, n)

    def _set(self, key: str, value: str | int) -> None:
        self.doc[key] = value
        self.days[key] = self.today
        self._changed.add(key)

    def _download(self, url: str, target: Path) -> str:
        started = time.monotonic()
        digest = hashlib.sha256()
        try:
            with self.http.stream("GET", url) as r:
                if r.status_code != 200:
                    raise MediaError(f"HTTP {r.status_code}", lasting=r.status_code in LASTING_STATUS)
                ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if ctype not in SUFFIX:
                    raise MediaError(f"content type {ctype or 'none'} is not a picture, video or sound kept",
                                     lasting=True)
                length = r.headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > self.max_bytes:
                    raise MediaError(f"{length} bytes, more than the limit of {self.max_bytes}", lasting=True)
                size = 0
                with open(target, "wb") as f:
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise MediaError(f"more than the limit of {self.max_bytes} bytes", lasting=True)
                        if time.monotonic() - started > self.timeout:
                            raise MediaError(f"took more than {self.timeout:.0f} s")
                        digest.update(chunk)
                        f.write(chunk)
                if length is not None and length.isdigit() and int(length) != size:
                    raise MediaError(f"{size} bytes arrived of the {length} announced")
        except httpx.HTTPError as e:
            target.unlink(missing_ok=True)
            raise MediaError(f"{type(e).__name__}") from None
        except MediaError:
            target.unlink(missing_ok=True)
            raise
        return SUFFIX[ctype]

    def close(self) -> None:
        self.http.close()
