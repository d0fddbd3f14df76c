"""The capture rules on plain values: platform times as seconds, sources and states as words."""

from __future__ import annotations

from socialledger.core.domain.capture_rules import (
    content_change,
    identity_changed,
    is_shredded,
    metric_revised,
    moderation_applies,
    observation_wins,
    reconciles,
    visibility_change,
    written_by_account,
)

NINE, TEN = 1_700_000_000.0, 1_700_003_600.0  # two platform times, an hour apart


# A newer observation wins ---------------------------------------------------------------


def test_a_newer_observation_wins_whatever_its_source():
    # Arrange: the ledger holds what the API said at nine.
    # Act / Assert: anything observed at ten wins, an export too.
    assert observation_wins(TEN, "api", NINE, "api")
    assert observation_wins(TEN, "export", NINE, "api")
    assert observation_wins(TEN, "webhook", NINE, "export")


def test_an_older_observation_never_wins():
    # Arrange: the ledger holds what a webhook said at ten.
    # Act / Assert: an observation of nine, ingested later, records nothing back.
    assert not observation_wins(NINE, "api", TEN, "webhook")
    assert not observation_wins(NINE, "export", TEN, "export")


def test_an_export_never_overrides_the_api_at_the_same_platform_time():
    # Arrange: the ledger holds what the API (or a webhook) said at ten.
    # Act / Assert: an export of ten does not win; the API, a webhook or another export at ten do.
    assert not observation_wins(TEN, "export", TEN, "api")
    assert not observation_wins(TEN, "export", TEN, "webhook")
    assert observation_wins(TEN, "api", TEN, "api")
    assert observation_wins(TEN, "webhook", TEN, "api")
    assert observation_wins(TEN, "export", TEN, "export")
    assert observation_wins(TEN, "api", TEN, "export")


def test_an_item_known_only_by_its_ids_takes_its_first_content_whenever_it_comes():
    # Arrange: the ledger knows the item from a moderation or a metric only (no content yet), as of ten.
    # Act / Assert: an export's content of nine still wins.
    assert observation_wins(NINE, "export", TEN, "api", held_only_ids=True)


def test_an_item_held_without_a_platform_time_is_superseded_by_any_observation():
    assert observation_wins(NINE, "export", None, None)


# What counts as an edit ------------------------------------------------------------------


def test_different_content_that_wins_is_an_edit():
    assert content_change(changed=True, wins=True, state="visible") == "edit"
    assert content_change(changed=True, wins=True, state="hidden") == "edit"


def test_different_content_that_does_not_win_is_stale():
    assert content_change(changed=True, wins=False, state="visible") == "stale"


def test_a_removed_item_is_never_edited_back():
    # Arrange: the platform reported the item removed; an observation with other text arrives.
    # Act / Assert: it is stale, however new.
    assert content_change(changed=True, wins=True, state="removed") == "stale"
    # ... except an item known only by its ids (removed before it could be captured): its first real
    # content is what the removal disposed of, and it is recorded (R18: archive first).
    assert content_change(changed=True, wins=True, state="removed", held_only_ids=True) == "edit"


def test_the_same_content_is_unchanged_whatever_its_time():
    assert content_change(changed=False, wins=True, state="visible") == "unchanged"
    assert content_change(changed=False, wins=False, state="removed") == "unchanged"


# Hidden, shown, removed ----------------------------------------------------------------------


def test_an_observation_that_wins_and_says_hidden_hides_a_visible_item():
    assert visibility_change(hidden=True, wins=True, state="visible") == "hide"
    assert visibility_change(hidden=False, wins=True, state="hidden") == "unhide"


def test_visibility_already_as_observed_records_nothing():
    assert visibility_change(hidden=True, wins=True, state="hidden") is None
    assert visibility_change(hidden=False, wins=True, state="visible") is None


def test_a_source_that_does_not_say_or_does_not_win_changes_no_visibility():
    assert visibility_change(hidden=None, wins=True, state="visible") is None
    assert visibility_change(hidden=True, wins=False, state="visible") is None


def test_a_removed_item_is_neither_hidden_nor_shown_again():
    assert visibility_change(hidden=False, wins=True, state="removed") is None
    assert visibility_change(hidden=True, wins=True, state="removed") is None


def test_a_reported_moderation_applies_unless_the_item_is_already_so():
    assert moderation_applies("hide", "visible")
    assert moderation_applies("unhide", "hidden")
    assert moderation_applies("remove", "hidden")
    assert not moderation_applies("hide", "hidden")
    assert not moderation_applies("unhide", "visible")


def test_a_removal_is_final():
    # Arrange: an item the platform reported removed.
    # Act / Assert: no later hide, unhide or removal changes it.
    for action in ("hide", "unhide", "remove"):
        assert not moderation_applies(action, "removed")


def test_erased_and_disposed_items_record_nothing_new():
    assert is_shredded("erased") and is_shredded("disposed")
    assert not any(is_shredded(s) for s in ("visible", "hidden", "removed", "subject", "metric"))


# Whose item, which item -----------------------------------------------------------------------


def test_an_item_found_by_its_fallback_key_is_the_same_item_unless_it_has_a_native_id():
    # Arrange: an export captured a comment without an id; the API now gives it with one.
    # Act / Assert: reconciled; an item that already has its own native id is another item.
    assert reconciles(held_has_native_id=False)
    assert not reconciles(held_has_native_id=True)


def test_who_wrote_an_item():
    # As the record declares, first.
    assert written_by_account(True, "comment", "555", "1234", author_known=True)
    assert not written_by_account(False, "post", None, "1234", author_known=False)
    # Else by its author: the account's own id.
    assert written_by_account(None, "reply", "1234", "1234", author_known=True)
    assert not written_by_account(None, "comment", "555", "1234", author_known=True)
    assert not written_by_account(None, "comment", None, "1234", author_known=True)
    # Else (no author named: the Graph API's own posts) a post is the account's.
    assert written_by_account(None, "post", None, "1234", author_known=False)
    assert not written_by_account(None, "comment", None, "1234", author_known=False)


def test_a_subject_identity_changes_only_when_different_and_newer():
    assert identity_changed("subject", changed=True, observed=TEN, held_observed=NINE)
    assert not identity_changed("subject", changed=True, observed=NINE, held_observed=TEN)  # an old name seen late
    assert not identity_changed("subject", changed=False, observed=TEN, held_observed=NINE)
    assert not identity_changed("erased", changed=True, observed=TEN, held_observed=NINE)


def test_a_metric_value_observed_again_differently_is_a_revision():
    assert metric_revised(changed=True)
    assert not metric_revised(changed=False)
