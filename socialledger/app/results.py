"""The typed results of the application's queries and commands (the JSON the CLI prints is these, made plain).

Plain dictionaries typed as TypedDicts: the CLI renders them as JSON unchanged,
and a Python caller (or a type checker) knows every key. Results with behaviour
are classes beside their service (`LogEntry`, `SlaStatus`) or in core (`Receipt`,
`Report` of a verification, the ingest `Summary`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict


class RoleGrant(TypedDict):
    user: str
    role: str
    unit: str | None


class _ContentFields(TypedDict):
    id: str
    account: str
    native_id: str | None  # "facebook:123_456"
    kind: str
    parent: str | None
    author: str | None  # the subject ("facebook:<user id>"), "subject:<pseudonym>" once erased
    author_name: str | None
    by_account: bool
    text: str | None
    erased: bool
    created: datetime | None
    state: str


class ContentSummary(_ContentFields):
    versions: int


class ContentVersion(TypedDict):
    change: str
    observed: datetime
    recorded: datetime
    source: str
    text: str | None
    media: list[dict[str, Any]] | None
    permalink: str | None
    time_note: str | None
    raw: Any


class ContentDetail(_ContentFields):
    versions: list[ContentVersion]
    moderation: list[dict[str, Any]]


class CaseRegistration(TypedDict):
    diary_number: str
    system: str | None
    item: str
    native_id: str | None
    kind: str
    account: str
    actor: str
    time: datetime
    position: int


class SubjectExport(TypedDict):
    subject: str
    pseudonym: str
    identity: dict[str, Any] | None
    erased: bool
    items: list[dict[str, Any]]  # ContentDetail with "context" and "handling"
    exported: datetime


class Erasure(TypedDict):
    subject: str
    decision: str
    override: bool
    items: int
    packages: list[str]  # archive packages exported earlier that hold the subject


class Disposal(TypedDict):
    as_of: date
    dry_run: bool
    rules: dict[str, dict[str, Any]]
    items: list[dict[str, Any]]  # id, kind, class (the record class), native_id, created
