"""The stored encoding: msgspec JSON that round-trips every event type with its types."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from uuid import UUID

from conftest import who

from socialledger.core.domain.events import LedgerAggregate
from socialledger.core.storage.mapper import MsgspecMapper


def test_stored_state_is_readable_json(ledger, active):
    # An auditor with any SQLite tool sees plain JSON, with no ids or versions duplicated in it.
    rows = sqlite3.connect(ledger.home / "ledger.sqlite").execute(
        "SELECT topic, state FROM stored_events ORDER BY rowid").fetchall()
    assert rows
    for topic, state in rows:
        data = json.loads(state)
        assert "originator_id" not in data and "actor" in data
    submitted = [json.loads(s) for t, s in rows if t.endswith("Account.ApplicationSubmitted")][0]
    assert submitted["owner"] == "kalle" and submitted["unit"] == "Kulturförvaltningen"


def test_every_event_round_trips_with_types(ledger, active):
    ledger.set_properties(who("kalle"), active, {"on_call": True})
    for n in ledger.store.recorder.select_notifications(0, 1000):
        event = ledger.store.mapper.to_domain_event(n)
        again = ledger.store.mapper.to_stored_event(event)
        assert again.state == n.state and again.topic == n.topic
        assert isinstance(event.timestamp, datetime) and event.timestamp.tzinfo is not None
        assert isinstance(event.originator_id, UUID)


class Gadget(LedgerAggregate):
    class Made(LedgerAggregate.Created):
        label: str

    class Relabelled(LedgerAggregate.Event):
        class_version = 2
        label: str
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["reason"] = "(not recorded before version 2)"


def test_upcasting_an_older_stored_shape():
    mapper = MsgspecMapper()
    g = Gadget._create(Gadget.Made, label="a", **who("x").stamp())
    g.trigger_event(Gadget.Relabelled, label="b", reason="r", **who("x").stamp())
    stored = mapper.to_stored_event(g.pending_events[1])
    old = json.loads(stored.state)
    del old["reason"], old["class_version"]
    from eventsourcing.persistence import StoredEvent

    event = mapper.to_domain_event(StoredEvent(stored.originator_id, 2, stored.topic, json.dumps(old).encode()))
    assert event.reason == "(not recorded before version 2)" and event.label == "b"
