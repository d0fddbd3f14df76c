"""What the channels' normalisation tests share: open a fixture or a written file, read it, pick its records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from socialledger.core.capture.channels import Channel
from socialledger.core.capture.inputs import InputFile, open_inputs
from socialledger.core.domain.records import ContentRecord, MetricsRecord


class Samples:
    """A channel's fixtures folder: `entry(rel)` opens one file of it, `read(rel)` detects and reads it."""

    def __init__(self, channel: Channel, root: Path) -> None:
        self.channel = channel
        self.root = root

    def entry(self, rel: str) -> InputFile:
        [e] = open_inputs(self.root / rel)
        return e

    def read(self, rel: str, expect: str | None = None) -> list:
        e = self.entry(rel)
        source = self.channel.detect(e)
        assert source is not None, f"{rel} not detected"
        if expect is not None:
            assert source == expect
        return list(self.channel.read(e, source))


def write(tmp_path: Path, name: str, data: bytes | str | object, *, ensure_ascii: bool = True) -> InputFile:
    """A file written under tmp_path (JSON for anything but bytes and text), opened as an input."""
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = json.dumps(data, ensure_ascii=ensure_ascii).encode()
    p.write_bytes(data)
    [e] = open_inputs(p)
    return e


def contents(records: list) -> list[ContentRecord]:
    return [r for r in records if isinstance(r, ContentRecord)]


def metrics(records: list) -> list[MetricsRecord]:
    return [r for r in records if isinstance(r, MetricsRecord)]


def by_id(records: list) -> dict[str, ContentRecord]:
    return {r.native_id: r for r in contents(records)}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def assert_wellformed(records: list, channel: str, never: tuple[str, ...] = ()) -> None:
    """Invariants of every record: aware UTC times, string ids, no secrets (nor `never`) or paging in raw."""
    for r in records:
        for field in ("observed", "created", "end", "start"):
            t = getattr(r, field, None)
            if t is not None:
                assert t.tzinfo is not None and t.utcoffset() == timedelta(0), (field, r)
        for field in ("native_id", "page_id", "parent_native_id"):
            v = getattr(r, field, None)
            assert v is None or (isinstance(v, str) and v), (field, r)
        if isinstance(r, ContentRecord) and r.author is not None and r.author.native_id is not None:
            assert isinstance(r.author.native_id, str)
        encoded = msgspec.json.encode(getattr(r, "raw", {})).decode()
        assert "access_token" not in encoded.lower()
        for s in never:
            assert s not in encoded, (s, r)
        assert '"paging"' not in encoded
        assert r.channel == channel
