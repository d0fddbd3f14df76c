"""The stored event encoding: msgspec JSON, decoded through a typed schema per class.

Chosen once, before there is data (eventsourcing-notes.md): the stored bytes
are compact UTF-8 JSON that any SQLite tool can read, decoding is two to three
times faster than the library's JSONTranscoder, and each event class gets a
generated TypedDict schema so that datetimes, UUIDs and tuples come back typed.

Fields that hold captured content or a data subject's identity are sealed
(encrypted per item or per subject) here in the mapper, not in the domain, so
the domain events carry plaintext and the stored bytes never do
(DESIGN.md, Personal data): see `sealing.py`.
"""

from __future__ import annotations

import dataclasses
import typing
from functools import lru_cache
from typing import Any, NotRequired, TypedDict

import msgspec
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

import socialledger.core.storage.topics  # noqa: F401  (earlier layouts' topics resolve)
from socialledger.core.domain.records import RENAMED_SOURCES

_encoder = msgspec.json.Encoder()
_untyped = msgspec.json.Decoder()

_BASE_FIELDS = ("originator_id", "originator_version")


@lru_cache(maxsize=None)
def schema_for(cls: type) -> type:
    """A TypedDict with the stored fields of an event class and their types."""
    hints = typing.get_type_hints(cls)
    sealed = getattr(cls, "sealed_fields", {})
    # A sealed field is stored as ciphertext (base64 in the JSON); the sealer
    # decrypts and decodes it on the way out.
    # A field with a default was added to its class later: events stored before it lack it, and
    # read back with the class's default.
    fields: dict[str, Any] = {
        f.name: _optional(f, (bytes | None) if f.name in sealed else hints.get(f.name, Any))
        for f in dataclasses.fields(cls)
        if f.name not in _BASE_FIELDS
    }
    fields["class_version"] = NotRequired[int]
    return TypedDict(f"{cls.__qualname__}Stored", fields)  # type: ignore[operator]


def _optional(f: dataclasses.Field[Any], typ: Any) -> Any:
    has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    return NotRequired[typ] if has_default else typ


@lru_cache(maxsize=None)
def decoder_for(cls: type) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(schema_for(cls))


class MsgspecMapper(Mapper):  # type: ignore[type-arg]
    """Maps domain events to stored events and back with msgspec.

    A sealer, when given, encrypts the fields an event class declares as
    sealed before encoding and decrypts them after decoding; a field whose
    key has been destroyed decodes as its tombstone, never as an error.
    """

    def __init__(self, transcoder: Any = None, compressor: Any = None, cipher: Any = None,
                 sealer: Any = None) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.sealer = sealer

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(cls, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        if self.sealer is not None and getattr(cls, "sealed_fields", None):
            self.sealer.seal(cls, originator_id, state)
        stored = _encoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(cls),
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = self.decode_state(cls, data)
        except Exception as e:
            msg = (
                f"cannot decode stored event {stored_event.topic} of "
                f"{stored_event.originator_id} v{stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
        if self.sealer is not None and getattr(cls, "sealed_fields", None):
            self.sealer.unseal(cls, stored_event.originator_id, state)
        originator_id = stored_event.originator_id
        if isinstance(originator_id, str):
            from uuid import UUID

            originator_id = UUID(originator_id)
        state["originator_id"] = originator_id
        state["originator_version"] = stored_event.originator_version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def decode_state(self, cls: type, data: bytes) -> dict[str, Any]:
        class_version = getattr(cls, "class_version", 1)
        if class_version == 1:
            state = decoder_for(cls).decode(data)
            state.pop("class_version", None)
            _rename_source(state)
            return state
        # An older stored shape: upcast the raw mapping, then type it.
        state = _untyped.decode(data)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        state = msgspec.convert(state, schema_for(cls))
        state.pop("class_version", None)
        _rename_source(state)
        return state


def _rename_source(state: dict[str, Any]) -> None:
    """An event stored with an earlier name of its source (`"graph-api"`) reads with today's (`"api"`).

    The stored bytes are never rewritten (the chain seals them); the name is mapped
    as each event is decoded, which every read of an event goes through.
    """
    source = state.get("source")
    if source in RENAMED_SOURCES:
        state["source"] = RENAMED_SOURCES[source]
