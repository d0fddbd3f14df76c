"""Signed Facebook webhook deliveries, and a lean HTTP/1.1 sender over keep-alive connections.

Used by `bench/service.py` and the service's tests (the kill test): the sender is
raw asyncio streams so that the load generator costs the machine little beside
the service it measures. Not used by the service itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence

import attrs

SWEDISH = [
    "Hej! Är biblioteket öppet på lördag?",
    "Tack för ett fint evenemang i går, barnen älskade sagostunden 😊",
    "Varför är cykelbanan på Storgatan fortfarande avstängd?",
    "Går det att låna elsparkcyklar vid stationen?",
    "Fråga om bygglov: hur lång är handläggningstiden just nu?",
    "Snöröjningen på Ängsvägen har inte kommit än, vi står fast här.",
]


def comment_delivery(page: str, n: int, *, time_s: int = 1_780_000_000, text: str | None = None) -> bytes:
    """A Page webhook delivery of one new comment (number `n`), as Meta sends it (unicode-escaped)."""
    post = f"{page}_{100000 + n // 50}"
    doc = {"object": "page", "entry": [{"id": page, "time": time_s + n, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": f"{100000 + n // 50}_{900000000 + n}", "post_id": post,
        "parent_id": post, "from": {"id": str(7_000_000 + n % 997), "name": f"Invånare {n % 997}"},
        "created_time": time_s + n, "message": text or f"{SWEDISH[n % len(SWEDISH)]} (#{n})"}}]}]}
    return json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def sign(body: bytes, secret: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@attrs.define
class Result:
    index: int
    status: int  # 0: no answer (the connection failed)
    latency: float
    sent_at: float


async def send_all(host: str, port: int, path: str, bodies: Sequence[bytes], secret: bytes, *, connections: int = 8,
                   on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """POST every body (signed), `connections` at a time over keep-alive connections; one result per body."""
    results: list[Result | None] = [None] * len(bodies)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)

    async def connection() -> None:
        reader = writer = None
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            body = bodies[i]
            request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                       f"X-Hub-Signature-256: {sign(body, secret)}\r\nContent-Length: {len(body)}\r\n\r\n"
                       ).encode("ascii") + body
            t0 = time.perf_counter()
            status = 0
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                writer.write(request)
                await writer.drain()
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                if writer is not None:
                    writer.close()
                reader = writer = None
            result = Result(i, status, time.perf_counter() - t0, t0)
            results[i] = result
            if on_result is not None:
                on_result(result)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return [r for r in results if r is not None]


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status
