"""A records request (utlämnande av allmän handling; aktindsigt) as a case: who asked, what was found, and per
item what is released, masked or withheld, on which legal ground, decided by whom and when.

The requester's name, what they asked for, the spans of text masked and the notes are
a person's words: they are sealed with the request's own key, as captured text is with
an item's. Every decision is an event; a later decision on the same item replaces the
earlier one for the release, and both stay in the ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.events import LedgerAggregate

#: what can be decided on an item
DECISIONS = ("release", "mask", "withhold")
#: what a mask covers
MASKS = ("text", "author", "media")


def check_ground(ground: str | None) -> str:
    """A legal ground: a section of the Public Access to Information and Secrecy Act (OSL 21:7), an article of the
    GDPR (GDPR art. 6.1 e), the Danish Access to Public Administration Files Act (OFL § 30), ..."""
    ground = " ".join((ground or "").split())
    if not ground:
        raise BadInput("a mask or a withholding names its legal ground: --ground 'OSL 21:7' (a section of the "
                       "Public Access to Information and Secrecy Act, a GDPR article, ...)")
    if len(ground) > 200:
        raise BadInput("a legal ground is at most 200 characters; put the reasoning in --note")
    return ground


class RecordsRequest(LedgerAggregate):
    class Opened(LedgerAggregate.Created):
        sealed_fields = ("requester", "subject")
        received: date
        requester: Any  # sealed: who asked (a name, an address, "anonymous")
        subject: Any  # sealed: what they asked for, in their words

        def apply(self, r: RecordsRequest) -> None:
            r.received = self.received
            r.requester = self.requester
            r.subject = self.subject
            r.opened = {"actor": self.actor, "time": self.timestamp}

    class ItemsAdded(LedgerAggregate.Event):
        items: list[UUID]

        def apply(self, r: RecordsRequest) -> None:
            r.items.extend(i for i in self.items if i not in r.items)

    class ItemDecided(LedgerAggregate.Event):
        sealed_fields = ("spans", "note")
        item: UUID
        decision: str  # release | mask | withhold
        author_masked: bool
        media_masked: bool
        spans: Any  # sealed: the spans of text masked (a list of strings), or None
        ground: str | None
        note: Any  # sealed

        def apply(self, r: RecordsRequest) -> None:
            r.decisions[self.item] = {
                "decision": self.decision, "spans": list(self.spans or []), "author": self.author_masked,
                "media": self.media_masked, "ground": self.ground, "note": self.note, "actor": self.actor,
                "time": self.timestamp,
            }

    class Released(LedgerAggregate.Event):
        released: list[UUID]
        withheld: int
        files: dict[str, str]  # file name -> SHA-256

        def apply(self, r: RecordsRequest) -> None:
            r.releases.append({"actor": self.actor, "time": self.timestamp, "released": len(self.released),
                               "withheld": self.withheld, "files": dict(self.files)})

    def __init__(self) -> None:
        self.items: list[UUID] = []
        self.decisions: dict[UUID, dict[str, Any]] = {}
        self.releases: list[dict[str, Any]] = []

    received: date
    requester: Any
    subject: Any
    opened: dict[str, Any]

    @classmethod
    def open(cls, requester: str, received: date, subject: str, actor: Actor, today: date) -> RecordsRequest:
        requester, subject = " ".join((requester or "").split()), (subject or "").strip()
        if not requester:
            raise BadInput("a records request names its requester: --requester TEXT ('anonymous' if they gave no "
                           "name: a requester need not say who they are)")
        if not subject:
            raise BadInput("a records request says what is asked for: --subject TEXT")
        if received > today:
            raise BadInput(f"a request received {received} is in the future")
        return cls._create(cls.Opened, id=uuid4(), received=received, requester=requester, subject=subject,
                           **actor.stamp())

    def add(self, items: list[UUID], actor: Actor) -> list[UUID]:
        """Add found items; the ones not there before (nothing recorded when none is new)."""
        new = [i for i in dict.fromkeys(items) if i not in self.items]
        if new:
            self.trigger_event(self.ItemsAdded, items=new, **actor.stamp())
        return new

    def decide(self, item: UUID, decision: str, actor: Actor, *, spans: list[str] = (), author: bool = False,
               media: bool = False, ground: str | None = None, note: str | None = None,
               text: str | None = None) -> None:
        """Decide on one item of the request. `text`: the item's current text, which each span must occur in."""
        if item not in self.items:
            raise BadInput(f"item {item} is not part of this request: add it first (request add)")
        if decision not in DECISIONS:
            raise BadInput(f"a decision is release, mask or withhold, not {decision!r}")
        spans = [s for s in (" ".join(s.split()) for s in spans) if s]
        if decision == "mask":
            if not (spans or author or media):
                raise BadInput("a mask covers a span of text (--mask TEXT), the author (--mask-author) or the media "
                               "(--mask-media)")
            for span in spans:
                if text is None or span.casefold() not in " ".join(text.split()).casefold():
                    raise BadInput("a masked span must occur in the item's text (as written, spaces aside)")
        elif spans or author or media:
            raise BadInput(f"--mask, --mask-author and --mask-media go with a masking decision, not {decision}")
        ground = check_ground(ground) if decision != "release" else (" ".join((ground or "").split()) or None)
        note = (note or "").strip() or None
        self.trigger_event(self.ItemDecided, item=item, decision=decision, author_masked=author, media_masked=media,
                           spans=spans or None, ground=ground, note=note, **actor.stamp())

    def check_decided(self) -> None:
        if not self.items:
            raise BadInput("the request holds no items: add what was found (request add)")
        undecided = [i for i in self.items if i not in self.decisions]
        if undecided:
            raise BadInput(f"{len(undecided)} of {len(self.items)} items have no decision yet (first: {undecided[0]}): "
                           "decide each before releasing")

    def record_release(self, released: list[UUID], withheld: int, files: dict[str, str], actor: Actor) -> None:
        self.trigger_event(self.Released, released=released, withheld=withheld, files=files, **actor.stamp())
