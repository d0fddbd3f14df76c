"""The typed results of the application's queries and commands (the JSON the CLI prints is these, made plain).

Plain dictionaries typed as TypedDicts: the CLI renders them as JSON unchanged,
and a Python caller (or a type checker) knows every key. Results with behaviour
are classes beside their service (`LogEntry`, `SlaStatus`) or in core (`Receipt`,
`Report` of a verification, the ingest `Summary`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict

from socialledger.core.domain.cadence import DayOver, WeekShort


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
    finished: bool  # True: this run finished a decision an interrupted run had recorded (none recorded now)


class Disposal(TypedDict):
    as_of: date
    decision: str
    undelivered: bool  # the decision disposes of undelivered items too
    dry_run: bool
    rules: dict[str, dict[str, Any]]
    items: list[dict[str, Any]]  # id, kind, class (the record class), by_account, native_id, created
    held: list[dict[str, Any]]  # the same, and the reason each is kept although its rule has passed
    finished: int  # items of an earlier, interrupted run's decision this run carried out first


class Hold(TypedDict):
    """A legal hold in force: on an account or an item."""

    target: str  # account | item
    id: str
    reason: str
    actor: str
    time: datetime


class SlaReportRow(TypedDict):
    """`sla report`: one account's response times over a period (R17); times in seconds."""

    account: str
    name: str | None
    period: str
    count: int
    answered: int
    late: int
    breached: int
    open: int
    moderated: int
    average_seconds: float | None
    median_seconds: float | None
    quickest_seconds: float | None
    slowest_seconds: float | None
    within_sla_share: float | None


#: `cadence report`: one account's posts in a period against its class's rule (R9-R11)
CadenceRow = TypedDict("CadenceRow", {
    "account": str, "name": str, "class": str, "posts": int,
    "weeks_short": list[WeekShort], "days_over": list[DayOver],
})


class ProjectionStatus(TypedDict):
    """`projections status`: a read model's position against the ledger's head."""

    name: str
    position: int
    head: int
    behind: int


class PlanRow(TypedDict):
    """`plan list`: a planned post and what became of it."""

    id: str
    account: str
    name: str | None  # the account's
    channel: str | None
    unit: str | None
    at: datetime
    format: str
    responsible: str
    sponsored: bool
    title: str
    note: str
    state: str  # planned, published, late, missed, cancelled
    item: str | None  # the captured post that fulfils it
    published: datetime | None
    how: str | None  # matched (by time) or marked (plan done)
    cancelled: str | None  # the reason
    revision: int  # how often it changed (the iCalendar SEQUENCE)
    changed: datetime


class PlanCheckRow(TypedDict):
    """`plan check`: one account's plan against the cadence (R9, R10), the minimum gap and the audience peaks."""

    account: str
    name: str
    channel: str
    unit: str
    period: str
    upcoming: int
    published: int
    weeks_short: list[WeekShort]
    days_over: list[DayOver]
    bunched: list[dict[str, Any]]
    off_peak: list[dict[str, Any]]
