"""The HTTP side of `socialledger serve` (Starlette): webhooks per channel, `/health` and `/metrics`.

- `GET /webhooks/<channel>`: the subscription handshake, answered by the channel
  (`Channel.webhook_challenge`) against the configured verify token; 403 otherwise.
- `POST /webhooks/<channel>`: 413 when the body is larger than `MAX_BODY`; the
  signature checked by the channel over the raw bytes (401 without one, 403 when
  it does not match); 400 when the channel cannot tell which account the delivery
  is for; else stored durably (fsync) in the inbox and answered 200. Nothing
  refused is stored. The worker ingests what is stored.
- `GET /health`: the ledger reachable, the inbox depth, the last successful poll
  per account; 503 when the ledger is not reachable.
- `GET /metrics`: Prometheus text format.

Logs carry sequence numbers, channels and platform page ids, never names or texts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from socialledger.core.capture.channels import Channel, ChannelRegistry
from socialledger.core.domain.errors import BadInput
from socialledger.service.inbox import MAX_BODY, InboxWriter, read_position
from socialledger.service.secrets import Secrets
from socialledger.service.worker import read_state

log = logging.getLogger("socialledger.service")


class Counters:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], int] = {}

    def add(self, name: str, label: str, n: int = 1) -> None:
        self.values[(name, label)] = self.values.get((name, label), 0) + n


def webhook_app(home: Path, channels: ChannelRegistry, secrets: Secrets, writer: InboxWriter,
                ledger_check: Callable[[], bool], *, lifespan: Any = None) -> Starlette:
    counters = Counters()
    webhook_channels = {c.name: c for c in channels if c.signature_header is not None}
    # Read once: the secrets do not change while the service runs (a restart reads them again).
    app_secrets = {name: s for name in webhook_channels if (s := secrets.app_secret(name)) is not None}

    def channel_of(request: Request) -> Channel | None:
        return webhook_channels.get(request.path_params["channel"])

    async def handshake(request: Request) -> Response:
        channel = channel_of(request)
        if channel is None:
            return PlainTextResponse("no such webhook\n", status_code=404)
        token = secrets.verify_token(channel.name)
        answer = channel.webhook_challenge(dict(request.query_params), token or "")
        if answer is None:
            counters.add("socialledger_handshakes_total", f'channel="{channel.name}",result="refused"')
            log.warning("webhook handshake for %s refused", channel.name)
            return PlainTextResponse("forbidden\n", status_code=403)
        counters.add("socialledger_handshakes_total", f'channel="{channel.name}",result="ok"')
        log.info("webhook handshake for %s answered", channel.name)
        return PlainTextResponse(answer)

    async def deliver(request: Request) -> Response:
        started = time.perf_counter()
        channel = channel_of(request)
        if channel is None:
            return PlainTextResponse("no such webhook\n", status_code=404)
        name = channel.name
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return _refuse(counters, name, 413, "too large")
        chunks, size = [], 0
        async for chunk in request.stream():
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                return _refuse(counters, name, 413, "too large")
        body = b"".join(chunks)
        secret = app_secrets.get(name)
        if secret is None:
            log.error("no app secret for %s: deliveries cannot be verified (SOCIALLEDGER_%s_APP_SECRET)",
                      name, name.upper())
            return _refuse(counters, name, 503, "not configured")
        headers = request.headers  # Starlette's: names compared without regard to case
        if (channel.signature_header or "") not in headers:
            return _refuse(counters, name, 401, "unsigned")
        if not channel.verify_signature(body, dict(headers), secret):
            return _refuse(counters, name, 403, "bad signature")
        try:
            pages = channel.webhook_accounts(body)
        except BadInput as e:
            log.warning("delivery for %s refused: %s", name, e.message)
            return _refuse(counters, name, 400, "malformed")
        received = datetime.now(UTC).isoformat(timespec="milliseconds")
        seq = await writer.append(name, pages[0], received, body)
        counters.add("socialledger_deliveries_total", f'channel="{name}",result="stored"')
        log.debug("delivery %d for %s:%s stored in %.1f ms", seq, name, pages[0],
                  (time.perf_counter() - started) * 1000)
        return PlainTextResponse("stored\n")

    async def health(request: Request) -> Response:
        ok = ledger_check()
        state = read_state(home)
        depth = max(0, writer.durable_seq - read_position(writer.folder).seq)
        polls = {a: p.get("last_success") for a, p in state.get("polls", {}).items()}
        doc = {"status": "ok" if ok else "ledger unreachable", "ledger": ok, "inbox_depth": depth,
               "inbox_stored": writer.durable_seq, "last_poll": polls,
               "poll_errors": {a: p["last_error"] for a, p in state.get("polls", {}).items() if p.get("last_error")},
               "media_given_up": state.get("counters", {}).get("media_given_up", 0)}
        return JSONResponse(doc, status_code=200 if ok else 503)

    async def metrics(request: Request) -> Response:
        state = read_state(home)
        lines = []
        seen: set[str] = set()
        for (metric, label), value in sorted(counters.values.items()):
            if metric not in seen:
                lines.append(f"# TYPE {metric} counter")
                seen.add(metric)
            lines.append(f"{metric}{{{label}}} {value}")
        depth = max(0, writer.durable_seq - read_position(writer.folder).seq)
        lines += ["# TYPE socialledger_inbox_depth gauge", f"socialledger_inbox_depth {depth}",
                  "# TYPE socialledger_inbox_stored_total counter", f"socialledger_inbox_stored_total {writer.stored}"]
        for key, value in sorted(state.get("counters", {}).items()):
            metric = f"socialledger_worker_{key}_total"
            lines += [f"# TYPE {metric} counter", f"{metric} {value}"]
        polls = state.get("polls", {})
        if polls:
            lines.append("# TYPE socialledger_polls_total counter")
            for account, p in sorted(polls.items()):
                lines.append(f'socialledger_polls_total{{account="{account}",result="ok"}} {p.get("ok", 0)}')
                lines.append(f'socialledger_polls_total{{account="{account}",result="error"}} {p.get("errors", 0)}')
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

    return Starlette(routes=[
        Route("/webhooks/{channel}", handshake, methods=["GET"]),
        Route("/webhooks/{channel}", deliver, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ], lifespan=lifespan)


def _refuse(counters: Counters, channel: str, status: int, why: str) -> Response:
    counters.add("socialledger_deliveries_total", f'channel="{channel}",result="{why.replace(" ", "_")}"')
    log.warning("delivery for %s refused with %d: %s", channel, status, why)
    return PlainTextResponse(why + "\n", status_code=status)
