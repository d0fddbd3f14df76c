"""The policy: shipped defaults, partial files, and errors that name the key."""

from __future__ import annotations

from datetime import date

import pytest

from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.policy import default_policy, parse


def test_defaults_hold_the_numbers_of_the_rules():
    p = default_policy()
    assert p.organisation.time_zone == "Europe/Stockholm"
    assert (p.office_hours.start, p.office_hours.end) == ("08:00", "17:00")
    assert p.sla.hours == 24 and p.sla.clock == "calendar" and p.sla.acknowledgement_counts
    assert p.cadence["standard"].min_posts_per_week == 1
    assert p.retention["post"].forever and p.retention["comment"].keep_years == 2


def test_sweden_counts_de_facto_holidays():
    cal = default_policy().holiday_calendar(years=2026)
    assert date(2026, 6, 19) in cal  # Midsummer Eve
    assert date(2026, 12, 24) in cal  # Christmas Eve


def test_other_countries_default_to_public_holidays():
    p = parse('[organisation]\ncountry = "DK"\ntime_zone = "Europe/Copenhagen"\n')
    assert p.organisation.categories == ("public",)
    assert date(2026, 12, 25) in p.holiday_calendar(years=2026)


def test_a_partial_file_keeps_the_other_defaults():
    p = parse("[office_hours]\nstart = \"09:00\"\n")
    assert (p.office_hours.start, p.office_hours.end) == ("09:00", "17:00")


def test_cadence_given_replaces_the_default_classes():
    p = parse("[accounts]\ndefault_class = \"kampanj\"\n[cadence.kampanj]\nmin_posts_per_week = 4\n")
    assert set(p.cadence) == {"kampanj"}


@pytest.mark.parametrize("text, names", [
    ('[sla]\nhours = "x"', "sla.hours"),
    ("[sla]\nhours = -1", "sla.hours"),
    ('[sla]\nclock = "sundial"', "sla.clock"),
    ('[office_hours]\nstart = "8"', "office_hours.start"),
    ('[office_hours]\nstart = "18:00"', "office_hours"),
    ('[organisation]\ncountry = "ZZ"', "organisation.country"),
    ("[cadence.standard]\nmax_posts_per_day = 0", "cadence.standard.max_posts_per_day"),
    ("[cadence.standard]\nmaxposts = 1", "cadence.standard"),
    ("[retention.comment]\nkeep_years = 2\nforever = true", "retention.comment"),
    ("[sal]\nhours = 1", "sal"),
    ("hours = ", "not valid TOML"),
])
def test_invalid_values_name_key_and_problem(text, names):
    with pytest.raises(BadInput) as e:
        parse(text, "p.toml")
    assert e.value.message.startswith("p.toml: ")
    assert names in e.value.message
