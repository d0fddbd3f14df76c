"""The organisation's policy: TOML in, typed and validated objects out.

The shipped defaults (`default_policy.toml`) hold every number of
domain-rules.md; a policy file gives only what it changes. `cadence` and
`retention`, when a file gives them, replace the defaults whole, so that an
organisation can drop a class or a rule as well as add one.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from functools import cached_property
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import msgspec
import tomli_w

from socialledger.core.domain.errors import BadInput

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_REPLACED_WHOLE = ("cadence", "retention")
DEFAULT_CATEGORIES = {"SE": ("public", "de_facto")}
# The identification code the shipped policy carries until `init --organisation-code` (or a policy
# file) gives the organisation's own: archive packages are refused while it is in force.
PLACEHOLDER_CODE = "ORG:2120000000"
# The languages an archive package's printout and README are written in (ISO 639-1).
LANGUAGES = ("sv", "en")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._/-]{2,63}$")


class _Strict(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    pass


class Organisation(_Strict):
    name: str = ""
    # The organisation's identification code for archive packages (Swedish: "ORG:" and the
    # organisation number, e.g. "ORG:2120000142"); the submitting agent of every package carries it.
    code: str = ""
    time_zone: str = "Europe/Stockholm"
    country: str = "SE"
    # The language of what the organisation's archive packages say to people (printout, README).
    language: str = "sv"
    # None: the country's default (R13): Sweden public + de_facto, others public.
    holiday_categories: list[str] | None = None

    @property
    def identified(self) -> bool:
        """The organisation has its own identification code (not the shipped placeholder)."""
        return bool(self.code) and self.code != PLACEHOLDER_CODE

    @property
    def categories(self) -> tuple[str, ...]:
        if self.holiday_categories is not None:
            return tuple(self.holiday_categories)
        return DEFAULT_CATEGORIES.get(self.country, ("public",))


class OfficeHours(_Strict):
    start: str = "08:00"
    end: str = "17:00"


class SLA(_Strict):
    hours: int = 24
    clock: Literal["calendar", "business-hours"] = "calendar"
    acknowledgement_counts: bool = True


class Accounts(_Strict):
    default_class: str = "standard"


class Cadence(_Strict):
    min_posts_per_week: int = 1
    max_posts_per_day: int = 3


class Planning(_Strict):
    """The publication calendar ("Keeping it active"): how planned posts are checked and matched."""

    # posts of one account (one channel) should not bunch: at least this many minutes apart
    min_gap_minutes: int = 120
    # when the audience is there, local time ("HH:MM-HH:MM"); a planned time outside them is flagged
    audience_peaks: list[str] = msgspec.field(
        default_factory=lambda: ["08:00-09:00", "11:30-13:00", "17:00-18:00", "20:00-21:00"])
    # a captured post of the account this many hours before or after a planned time fulfils it
    match_window_hours: int = 12
    # published more than this many minutes after the planned time: late
    late_after_minutes: int = 60
    # how far ahead `plan check` and `plan list` look when no period is given
    horizon_days: int = 61


class Alerts(_Strict):
    """Alerts before an SLA breach (R12): when the owner and the deputy are mailed."""

    # an open item is "due soon" this many working hours (office hours) before its due time
    lead_working_hours: int = 4
    # at most this many characters of the commenter's text in a mail (0: none)
    excerpt_chars: int = 60
    # a breach older than this many days is not mailed any more (a first run on an old ledger)
    lookback_days: int = 7


class Retention(_Strict):
    keep_years: int | None = None
    forever: bool = False
    keep_if_case: bool = True


class Policy(_Strict, dict=True):
    organisation: Organisation = msgspec.field(default_factory=Organisation)
    office_hours: OfficeHours = msgspec.field(default_factory=OfficeHours)
    sla: SLA = msgspec.field(default_factory=SLA)
    accounts: Accounts = msgspec.field(default_factory=Accounts)
    cadence: dict[str, Cadence] = msgspec.field(default_factory=dict)
    planning: Planning = msgspec.field(default_factory=Planning)
    alerts: Alerts = msgspec.field(default_factory=Alerts)
    retention: dict[str, Retention] = msgspec.field(default_factory=dict)

    # Derived ------------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.organisation.time_zone)

    @cached_property
    def office_start(self) -> time:
        return _parse_hhmm(self.office_hours.start)

    @cached_property
    def office_end(self) -> time:
        return _parse_hhmm(self.office_hours.end)

    @cached_property
    def peaks(self) -> tuple[tuple[time, time], ...]:
        """The audience peaks as (start, end) local times."""
        return tuple(_parse_span(text) for text in self.planning.audience_peaks)

    def holiday_calendar(self, years: Any = None) -> holidays.HolidayBase:
        return holidays.country_holidays(
            self.organisation.country,
            years=years,
            categories=self.organisation.categories,
        )

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    def to_toml(self) -> str:
        data = _drop_none(self.to_dict())
        return tomli_w.dumps(data)


def _drop_none(value: Any) -> Any:
    # TOML has no null: an absent key means "not set".
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def _parse_hhmm(text: str) -> time:
    m = _HHMM.match(text)
    assert m, text  # validated on load
    return time(int(m.group(1)), int(m.group(2)))


def _parse_span(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    return _parse_hhmm(start.strip()), _parse_hhmm(end.strip())


def _span_problem(text: str) -> str | None:
    start, sep, end = text.partition("-")
    if not sep or not _HHMM.match(start.strip()) or not _HHMM.match(end.strip()):
        return f"{text!r} is not a span like 08:00-09:00"
    if start.strip() >= end.strip():
        return f"{text!r}: the span must start before it ends"
    return None


def default_text() -> str:
    return resources.files("socialledger.core.domain").joinpath("default_policy.toml").read_text("utf-8")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key in _REPLACED_WHOLE or not isinstance(value, dict) or not isinstance(out.get(key), dict):
            out[key] = value
        else:
            out[key] = {**out[key], **value}
    return out


def parse(text: str, source: str = "policy") -> Policy:
    """Parse a policy file (merged over the defaults) and validate every value."""
    try:
        given = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BadInput(f"{source}: not valid TOML: {e}") from None
    base = tomllib.loads(default_text())
    return from_dict(_merge(base, given), source)


def from_dict(data: dict[str, Any], source: str = "policy") -> Policy:
    # Entries of the named tables first, so that an error names their key
    # (msgspec reports a mapping's key only as "[...]").
    for section, cls in (("cadence", Cadence), ("retention", Retention)):
        entries = data.get(section)
        if isinstance(entries, dict):
            for name, entry in entries.items():
                try:
                    msgspec.convert(entry, cls)
                except msgspec.ValidationError as e:
                    message = _path_message(str(e), prefix=f"{section}.{name}")
                    raise BadInput(f"{source}: {message}") from None
    try:
        policy = msgspec.convert(data, Policy)
    except msgspec.ValidationError as e:
        raise BadInput(f"{source}: {_path_message(str(e))}") from None
    problems = list(_problems(policy))
    if problems:
        raise BadInput(f"{source}: {problems[0]}")
    return policy


def default_policy() -> Policy:
    return parse("", "default policy")


def _path_message(message: str, prefix: str = "") -> str:
    # msgspec says "Expected `int`, got `str` - at `$.sla.hours`": lead with the key.
    m = re.match(r"^(.*) - at `\$\.?(.*)`$", message)
    text, key = (m.group(1), m.group(2)) if m else (message, "")
    key = ".".join(k for k in (prefix, key) if k)
    return f"{key}: {text}" if key else text


def _problems(p: Policy):  # noqa: ANN202 - a generator of messages
    try:
        ZoneInfo(p.organisation.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"organisation.time_zone: {p.organisation.time_zone!r} is not a known time zone"
    try:
        holidays.country_holidays(p.organisation.country, categories=p.organisation.categories)
    except NotImplementedError:
        yield f"organisation.country: {p.organisation.country!r} has no holiday calendar"
    except ValueError as e:
        yield f"organisation.holiday_categories: {e} for {p.organisation.country}"
    if p.organisation.code and not _CODE.match(p.organisation.code):
        yield (f"organisation.code: {p.organisation.code!r} is not an identification code like SE2120001234 "
               "or ORG:2120001234")
    if p.organisation.language not in LANGUAGES:
        yield f"organisation.language: {p.organisation.language!r} is not one of {', '.join(LANGUAGES)}"
    for key in ("start", "end"):
        value = getattr(p.office_hours, key)
        if not _HHMM.match(value):
            yield f"office_hours.{key}: {value!r} is not a time like 08:00"
    if _HHMM.match(p.office_hours.start) and _HHMM.match(p.office_hours.end):
        if p.office_hours.start >= p.office_hours.end:
            yield "office_hours: start must be before end"
    if p.sla.hours <= 0:
        yield f"sla.hours: must be a positive number of hours, not {p.sla.hours}"
    if not p.cadence:
        yield "cadence: at least one account class is needed"
    if p.accounts.default_class not in p.cadence:
        yield f"accounts.default_class: {p.accounts.default_class!r} is not a class under [cadence]"
    for name, c in p.cadence.items():
        if c.min_posts_per_week < 0:
            yield f"cadence.{name}.min_posts_per_week: must not be negative"
        if c.max_posts_per_day < 1:
            yield f"cadence.{name}.max_posts_per_day: must be at least 1"
        if c.min_posts_per_week > 7 * c.max_posts_per_day:
            yield f"cadence.{name}: min_posts_per_week cannot be met under max_posts_per_day"
    pl = p.planning
    for key in ("min_gap_minutes", "match_window_hours", "late_after_minutes"):
        if getattr(pl, key) < 0:
            yield f"planning.{key}: must not be negative"
    if pl.horizon_days < 1:
        yield "planning.horizon_days: must be at least 1"
    for span in pl.audience_peaks:
        problem = _span_problem(span)
        if problem:
            yield f"planning.audience_peaks: {problem}"
    if p.alerts.lead_working_hours < 1:
        yield "alerts.lead_working_hours: must be at least 1"
    if p.alerts.excerpt_chars < 0:
        yield "alerts.excerpt_chars: must not be negative"
    if p.alerts.lookback_days < 1:
        yield "alerts.lookback_days: must be at least 1"
    for name, r in p.retention.items():
        if r.forever == (r.keep_years is not None):
            yield f"retention.{name}: give either keep_years or forever = true"
        elif r.keep_years is not None and r.keep_years < 0:
            yield f"retention.{name}.keep_years: must not be negative"
