"""An ingest's events encoded without domain event objects store exactly what the mapper would."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from socialledger.core.capture import writer as capture
from socialledger.core.storage.eventrows import PendingEvent, dashed, state_type
from socialledger.core.storage.mapper import MsgspecMapper
from socialledger.core.storage.sealing import Nonces


def _ingest_state_types() -> list[type]:
    """Every stored shape capture.py builds events of (its module-level state types)."""
    found: list[type] = []
    for value in vars(capture).values():
        candidates = value.values() if isinstance(value, dict) else [value]
        found += [c for c in candidates if isinstance(c, type) and issubclass(c, msgspec.Struct)
                  and hasattr(c, "event_class")]
    return found


STATE_TYPES = _ingest_state_types()


def _sample(name: str, hint: Any) -> Any:
    """A value of the field's type, with text that JSON must escape or encode (å, emoji, a quote)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if args and type(None) in args:  # Optional: the non-None member
        return _sample(name, next(a for a in args if a is not type(None)))
    if hint is datetime:
        return datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    if hint is UUID:
        return uuid4()
    if hint is bool:
        return True
    if hint in (int, float):
        return 42.5 if hint is float else 7
    if hint is str:
        return f"{name}: Åsa \"säger\" 👍"
    if origin is dict or hint is dict:
        return {"like": 3.0, "wow": 1.0}
    if origin is list:
        return [uuid4()]
    return {"text": "Hej på er 😀", "media": [{"uri": "x.jpg"}], "raw": {"id": "1_2", "n": 3}}


def _event_and_pending(cls: type) -> tuple[Any, PendingEvent]:
    hints = typing.get_type_hints(cls)
    values = {f.name: _sample(f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls)}
    values["originator_id"] = uuid4()
    values["originator_version"] = 2
    if "originator_topic" in values:
        values["originator_topic"] = "socialledger.core.domain.content:ContentItem"
    event = cls(**values)
    # As the ingest gives them: aggregates by their 32 hex digits, UUID fields as text.
    state = {k: dashed(v.hex) if isinstance(v, UUID) else v
             for k, v in values.items() if k not in ("originator_id", "originator_version")}
    return event, PendingEvent(values["originator_id"].hex, 2, state_type(cls)(**state))


def test_the_ingest_builds_every_kind_of_event_it_records_this_way():
    classes = {t.event_class.__qualname__ for t in STATE_TYPES}
    assert {"ContentItem.CommentCaptured", "ContentItem.PostEdited", "ContentItem.ItemHidden",
            "ContentItem.NativeIdReconciled", "Subject.SubjectIdentified", "Subject.SubjectIdentityChanged",
            "MetricsObservation.MetricsObserved", "MetricsObservation.MetricsRevised"} <= classes


@pytest.mark.parametrize("state", STATE_TYPES, ids=lambda t: t.event_class.__qualname__)
def test_unsealed_the_row_is_byte_for_byte_what_the_mapper_stores(state):
    event, pending = _event_and_pending(state.event_class)
    stored = MsgspecMapper().to_stored_event(event)
    assert pending.row() == (stored.originator_id.hex, stored.originator_version, stored.topic, stored.state)


@pytest.mark.parametrize("state", [t for t in STATE_TYPES if t.sealed_fields],
                         ids=lambda t: t.event_class.__qualname__)
@pytest.mark.parametrize("nonces", [None, Nonces(1)], ids=["own nonces", "a page's nonces"])
def test_sealed_the_row_reads_back_through_the_mapper_as_the_same_event(ledger, state, nonces):
    event, pending = _event_and_pending(state.event_class)
    key_id = pending.key_id
    assert key_id == str(event.originator_id)
    ledger.store.keys.ensure([key_id])
    pending.seal(ledger.store.keys.cipher(key_id), nonces)
    oid_hex, version, topic, data = pending.row()
    for field in state.sealed_fields:  # ciphertext at rest, not the plaintext
        assert msgspec.json.encode(getattr(event, field)) not in data
    back = ledger.store.mapper.to_domain_event(StoredEvent(UUID(oid_hex), version, topic, data))
    assert type(back) is type(event) and vars(back) == vars(event)


def test_a_pages_nonces_are_fresh_and_never_repeat_when_it_needs_more_than_it_expected():
    nonces = Nonces(3)
    drawn = [nonces() for _ in range(10)]
    assert all(len(n) == 12 for n in drawn) and len(set(drawn)) == 10


def test_a_missing_field_is_refused_as_the_event_class_refuses_it():
    with pytest.raises(TypeError):
        capture._OBSERVED(timestamp=datetime.now(UTC))


@given(st.text())
def test_the_shortcuts_to_a_ledger_id_agree_with_uuid5(natural_key):
    from uuid import uuid5

    from socialledger.core.capture.derive import index_id
    from socialledger.core.domain.events import NAMESPACE, ledger_hex, ledger_id, ledger_int

    expected = uuid5(NAMESPACE, natural_key)
    assert ledger_id(natural_key) == expected and ledger_int(natural_key) == expected.int
    assert ledger_hex(natural_key) == index_id(natural_key) == expected.hex
    assert dashed(ledger_hex(natural_key)) == str(expected)
