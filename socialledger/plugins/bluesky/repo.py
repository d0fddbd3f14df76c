"""The repository export (`com.atproto.sync.getRepo`, a CAR v1 file) -> records (source "export").

A CAR file is a DAG-CBOR header `{roots:[commit CID], version:1}` and blocks, each a CID and its
bytes (decoded here by `libipld`). The root is the signed commit `{did, version:3, data, rev,
prev, sig}`; `data` is the root of the Merkle Search Tree whose keys are `<collection>/<rkey>`
and whose values are the records' CIDs. The tree is walked in key order; every block is checked
against its CID (re-encoded and hashed), so a damaged export is refused, not half read.

The export holds only the account's own records: its posts (recorded, `page_id` the commit's
DID), its threadgates (`hiddenReplies`: the replies it hid, recorded hidden when the ledger holds
them), its profile (the account) and its likes, reposts, follows, blocks, lists (counted and
skipped with the reason). It has no replies by others, no counts and no deletion history. Media
blobs are not in the file (`com.atproto.sync.getBlob`): an embed's blob is kept by its CID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import libipld

from socialledger.channels import AccountRecord, ModerationRecord
from socialledger.plugins.bluesky.common import (
    CHANNEL,
    POST,
    THREADGATE,
    AuthorRef,
    FormatError,
    Record,
    Skipped,
    at_time,
    list_at,
    post_record,
    skipped_collection,
)

SOURCE = "export"
_DAG_CBOR = 0x71
_SHA256 = 0x12


def looks_like_car(head: bytes) -> bool:
    """A CAR v1 file: a varint length, then a DAG-CBOR map with `roots` and `version`."""
    return len(head) > 12 and head[0] < 0x80 and b"eroots" in head[: head[0] + 1] \
        and b"gversion" in head[: head[0] + 1]


def decode(data: bytes) -> tuple[dict[str, Any], dict[bytes, Any]]:
    try:
        header, blocks = libipld.decode_car(data)
    except (ValueError, TypeError) as e:
        raise FormatError(f"not a readable CAR file ({e})") from None
    if not isinstance(header, dict) or header.get("version") != 1 or not header.get("roots"):
        raise FormatError("not a CAR v1 file with a root")
    return header, blocks


def _block(blocks: dict[bytes, Any], cid: Any, what: str) -> Any:
    if not isinstance(cid, bytes) or cid not in blocks:
        raise FormatError(f"{what}: block {cid_text(cid)} is not in the file")
    value = blocks[cid]
    info = libipld.decode_cid(cid)
    digest = info.get("hash", {})
    if info.get("codec") == _DAG_CBOR and digest.get("code") == _SHA256 \
            and hashlib.sha256(libipld.encode_dag_cbor(value)).digest() != digest.get("digest"):
        raise FormatError(f"{what}: block {cid_text(cid)} does not match its CID (damaged)")
    return value


def cid_text(cid: Any) -> str:
    if isinstance(cid, bytes):
        try:
            return libipld.encode_cid(cid)
        except (ValueError, TypeError):
            return cid.hex()
    return str(cid)


def walk(blocks: dict[bytes, Any], node_cid: bytes) -> Iterator[tuple[str, bytes]]:
    """(key, record CID) of every entry of the Merkle Search Tree under `node_cid`, in key order."""
    node = _block(blocks, node_cid, "repository tree")
    if not isinstance(node, dict) or not isinstance(node.get("e"), list):
        raise FormatError(f"tree node {cid_text(node_cid)} is not an MST node")
    if node.get("l") is not None:
        yield from walk(blocks, node["l"])
    key = b""
    for entry in node["e"]:
        key = key[: entry["p"]] + entry["k"]
        yield key.decode("utf-8"), entry["v"]
        if entry.get("t") is not None:
            yield from walk(blocks, entry["t"])


def commit_of(header: dict[str, Any], blocks: dict[bytes, Any]) -> dict[str, Any]:
    commit = _block(blocks, header["roots"][0], "commit")
    if not isinstance(commit, dict) or not isinstance(commit.get("did"), str) or "data" not in commit:
        raise FormatError("the root block is not a repository commit (did, data)")
    return commit


def listing(data: bytes) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    """The commit and every record as (`collection/rkey`, CID text, record), in key order."""
    header, blocks = decode(data)
    commit = commit_of(header, blocks)
    out = []
    for key, cid in walk(blocks, commit["data"]):
        out.append((key, cid_text(cid), _block(blocks, cid, key)))
    return commit, out


def read_repo(data: bytes) -> Iterator[Record]:
    commit, records = listing(data)
    did = commit["did"]
    rev = commit.get("rev")
    for key, cid, record in records:
        collection, _, rkey = key.partition("/")
        uri = f"at://{did}/{key}"
        raw = {"uri": uri, "cid": cid, "rev": rev, "record": _plain(record)}
        if collection == POST:
            if not isinstance(record, dict) or not record.get("createdAt"):
                raise FormatError(f"{key}: a post record without createdAt")
            observed = at_time(record["createdAt"], f"{key} createdAt")
            yield post_record(CHANNEL, SOURCE, uri, _plain(record), AuthorRef(native_id=did), observed, raw,
                              page_id=did)
        elif collection == "app.bsky.actor.profile":
            name = record.get("displayName") if isinstance(record, dict) else None
            yield AccountRecord(channel=CHANNEL, source=SOURCE, platform_id=did, name=name or None)
        elif collection == THREADGATE and list_at(record, "hiddenReplies"):
            observed = at_time(record.get("createdAt") or _rev_time(rev), f"{key} createdAt")
            for hidden in list_at(record, "hiddenReplies"):
                yield ModerationRecord(channel=CHANNEL, kind="comment", source=SOURCE, action="hide",
                                       native_id=hidden, observed=observed, page_id=did, raw=raw, if_held=True)
        elif collection == THREADGATE:
            yield Skipped(channel=CHANNEL, source=SOURCE, kind="threadgate",
                          reason="who may reply to a thread: no content", native_id=uri)
        else:
            yield skipped_collection(collection, SOURCE, uri)


_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def _rev_time(rev: Any) -> datetime:
    """The time in a TID (a commit's `rev`): 53 bits of microseconds since 1970."""
    if not isinstance(rev, str) or len(rev) != 13:
        raise FormatError(f"rev {rev!r} is not a TID")
    n = 0
    for c in rev:
        n = n * 32 + _B32.index(c)
    return datetime.fromtimestamp((n >> 10) / 1_000_000, UTC)


def _plain(value: Any) -> Any:
    """A decoded record as JSON data: CID links as `{"$link": "bafy..."}`, bytes as `{"$bytes": hex}`."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        try:
            return {"$link": libipld.encode_cid(value)}
        except (ValueError, TypeError):
            return {"$bytes": value.hex()}
    return value
