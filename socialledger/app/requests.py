"""Records requests (`request open|add|decide|show|list|release`): a request for public records as a case.

The records officer (the information unit or the archivist: `authorisation.
check_may_handle_records_request`) opens a request, adds the items found, decides on
each (release, release with masks, withhold; a legal ground for every mask and
withholding) and releases: a JSON file and a PDF holding only what was released,
each mask a black box with its ground beside it, and the decision list. A withheld
item gives the release nothing but its line in the decision list (a number, the
decision, the ground, who and when): not its id, text, author or platform id.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from socialledger.app.authorisation import check_may_handle_records_request
from socialledger.app.base import Service
from socialledger.app.content_views import ContentReader
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.requests import RecordsRequest
from socialledger.render import release as release_render

#: what the requester receives for a withheld item
WITHHELD = "withheld"


def masked_text(text: str, spans: list[str], ground: str | None) -> list[tuple[str, str]]:
    """The text as segments: ("text", words) and ("mask", ground), every occurrence of every span masked
    (case and spacing aside)."""
    if not spans:
        return [("text", text)]
    pattern = re.compile("|".join(r"\s+".join(re.escape(w) for w in s.split()) for s in
                                  sorted(spans, key=len, reverse=True)), re.IGNORECASE)
    out: list[tuple[str, str]] = []
    at = 0
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append(("text", text[at:m.start()]))
        out.append(("mask", ground or ""))
        at = m.end()
    if at < len(text):
        out.append(("text", text[at:]))
    return out


class Requests(Service):
    def open_request(self, actor: Actor, requester: str, received: date, subject: str) -> UUID:
        check_may_handle_records_request(self.store.roster(), actor)
        today = datetime.now(UTC).astimezone(self.store.policy().zone).date()
        request = RecordsRequest.open(requester, received, subject, actor, today)
        self.store.save(request)
        return request.id

    def add_to_request(self, actor: Actor, request: str | UUID, items: list[str]) -> list[UUID]:
        """Add found items (any form of their ids); the ones that were not in the request before."""
        check_may_handle_records_request(self.store.roster(), actor)
        if not items:
            raise BadInput("name the items to add (their ids, as search shows them)")
        ids = [self._item(i).id for i in items]  # every id checked before anything is recorded

        def command() -> list[UUID]:
            r = self.ids.request(request)
            new = r.add(ids, actor)
            self.store.save(r)
            return new

        return self.store.decide(command)

    def decide_on_item(self, actor: Actor, request: str | UUID, item: str, decision: str, *,
                       spans: list[str] = (), author: bool = False, media: bool = False,
                       ground: str | None = None, note: str | None = None) -> None:
        check_may_handle_records_request(self.store.roster(), actor)
        found = self._item(item)
        text = ContentReader(self.store).text(found.current["text"]) if found.current else None

        def command() -> None:
            r = self.ids.request(request)
            r.decide(found.id, decision, actor, spans=list(spans), author=author, media=media, ground=ground,
                     note=note, text=text)
            self.store.save(r)

        self.store.decide(command)

    def requests(self, actor: Actor) -> list[dict[str, Any]]:
        check_may_handle_records_request(self.store.roster(), actor)
        out = []
        for rid in self.ids.request_ids():
            r = self.ids.request(rid)
            out.append(self._summary(r))
        return out

    def request_detail(self, actor: Actor, request: str | UUID, via: str = "cli") -> dict[str, Any]:
        """The request with every item (its text as captured) and the decision on it."""
        check_may_handle_records_request(self.store.roster(), actor)
        r = self.ids.request(request)
        reader = ContentReader(self.store)
        items = []
        for n, item_id in enumerate(r.items, start=1):
            item = self.store.item(item_id)
            items.append({"number": n, "id": str(item.id),
                          "native_id": f"{item.channel}:{item.native_id}" if item.native_id else None,
                          "kind": item.kind, "created": item.occurred, **reader.author_fields(item),
                          "text": reader.text(item.current["text"]) if item.current else None,
                          "media": item.current["media"] if item.current else None,
                          "decision": r.decisions.get(item_id)})
        if items:
            self._record_view(actor, "request", list(r.items), {"request": str(r.id)}, via)
        return {**self._summary(r), "items": items, "releases": r.releases}

    def release_request(self, actor: Actor, request: str | UUID, out: Path) -> dict[str, Any]:
        """Write the release into the new directory `out`: release.json, release.pdf; record it."""
        check_may_handle_records_request(self.store.roster(), actor)
        r = self.ids.request(request)
        r.check_decided()
        out = Path(out)
        if out.exists() and any(out.iterdir()):
            raise BadInput(f"{out} is not empty: a release goes into a new directory")
        content = self._release_content(r)
        out.mkdir(parents=True, exist_ok=True)
        files = release_render.write(content, out, self.store.policy().zone)
        digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
        released = [UUID(i["id"]) for i in content["items"]]

        def command() -> None:
            fresh = self.ids.request(r.id)
            fresh.record_release(released, content["withheld"], digests, actor)
            self.store.save(fresh)

        self.store.decide(command)
        return {"request": str(r.id), "out": str(out), "files": digests, "released": len(released),
                "withheld": content["withheld"]}

    def _release_content(self, r: RecordsRequest) -> dict[str, Any]:
        """What the requester receives: the released items (masked) and the decision list; nothing of a withheld
        item but its number, decision, ground, who and when."""
        reader = ContentReader(self.store)
        items: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        withheld = 0
        for n, item_id in enumerate(r.items, start=1):
            d = r.decisions[item_id]
            line = {"number": n, "decision": d["decision"] if d["decision"] != "withhold" else WITHHELD,
                    "ground": d["ground"], "decided_by": d["actor"], "decided": d["time"]}
            if d["decision"] == "withhold":
                withheld += 1
                decisions.append({**line, "item": None, "masked": []})
                continue
            item = self.store.item(item_id)
            account = self.store.account(item.account)
            current = item.current
            masks: list[str] = (["text"] if d["spans"] else []) + (["author"] if d["author"] else []) + (
                ["media"] if d["media"] else [])
            author = reader.author_fields(item)
            text = reader.text(current["text"]) if current else None
            segments = masked_text(text, d["spans"], d["ground"]) if text is not None else []
            media = current.get("media") if current else None
            items.append({
                "number": n,
                "id": str(item.id),
                "native_id": None if d["author"] else (f"{item.channel}:{item.native_id}" if item.native_id
                                                       else None),
                "account": account.name,
                "channel": item.channel,
                "kind": item.kind,
                "created": item.occurred,
                "author": None if d["author"] else (account.name if item.by_account else author["author_name"]),
                "author_masked": d["ground"] if d["author"] else None,
                "text": None if text is None else "".join(
                    s if kind == "text" else f"[masked: {s}]" for kind, s in segments),
                "segments": [{"text": s} if kind == "text" else {"masked": s} for kind, s in segments],
                "erased": current is None,
                "media": None if d["media"] else [_media_name(m) for m in (media or [])],
                "media_masked": d["ground"] if d["media"] else None,
                "masked": masks,
            })
            decisions.append({**line, "item": str(item.id), "decision": "release with masking" if masks
                              else "release", "masked": masks})
        return {"request": str(r.id), "received": r.received.isoformat(), "released_at": datetime.now(UTC),
                "organisation": self._organisation_name(), "items": items, "withheld": withheld,
                "decisions": decisions}

    def _organisation_name(self) -> str | None:
        return self.store.policy().organisation.name or None

    def _summary(self, r: RecordsRequest) -> dict[str, Any]:
        return {"id": str(r.id), "received": r.received, "requester": r.requester, "subject": r.subject,
                "opened_by": r.opened["actor"], "opened": r.opened["time"], "items": len(r.items),
                "decided": len(r.decisions), "released": len(r.releases) > 0}


def _media_name(media: Any) -> str:
    if isinstance(media, dict):
        return str(media.get("name") or media.get("type") or "media file")
    return "media file"
