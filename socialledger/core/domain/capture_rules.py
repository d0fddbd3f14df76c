"""The capture rules: what an observation of an item, a subject or a metric records.

The ingest's writer (`core/capture/writer.py`) holds, per id, what the ledger
holds already (the capture index: the platform time of the current state, its
source, a keyed fingerprint of its content, its state), and asks these rules
what a new observation makes of it. They are plain functions of plain values
(platform times as POSIX seconds, sources and states as strings, "changed"
as a bool the caller computes from fingerprints) so that they read like the
rules, are tested on plain values (tests/test_capture_rules.py), and stay cheap
on the ingest's hot path: no allocation, a few comparisons per record.

Nothing is decided from arrival order: an export ingested after the API's
pages, or an old crawl ingested after a new one, records nothing back.
"""

from __future__ import annotations

from typing import Final, Literal

#: What a content observation makes of an item's content (see `content_change`).
ContentChange = Literal["edit", "stale", "unchanged"]

#: States of items and subjects whose keys are destroyed: nothing new is ever recorded for them.
SHREDDED: Final = ("erased", "disposed")
#: The state an item is in after each moderation action.
STATE_AFTER: Final = {"hide": "hidden", "unhide": "visible", "remove": "removed"}

EDIT: Final = "edit"
STALE: Final = "stale"
UNCHANGED: Final = "unchanged"


def is_shredded(state: str) -> bool:
    """An item or subject whose keys are destroyed (erased, disposed) records nothing new: it is skipped."""
    return state in SHREDDED


def observation_wins(observed: float, source: str, held_observed: float | None, held_source: str | None,
                     held_only_ids: bool = False) -> bool:
    """Whether an observation at platform time `observed` supersedes the one the ledger holds.

    A newer observation wins. At the same platform time, an export never
    overrides what the API or a webhook said (an export is a later, coarser
    copy); anything else at the same time does. An item the ledger knows only by
    its ids (`held_only_ids`: its first observation carried no content) takes its
    first real content whenever it comes.
    """
    if held_only_ids:
        return True
    return observed > (held_observed or 0) or (
        observed == held_observed and not (source == "export" and held_source != "export"))


def content_change(changed: bool, wins: bool, state: str, held_only_ids: bool = False) -> ContentChange:
    """What an observation of an item's content is, given whether its content differs from what is held.

    Different content that wins is an edit, unless the item was removed (a
    removed item is never edited back); different content that does not win is
    stale (an older observation: it records nothing); the same content is unchanged.
    An item known only by its ids (`held_only_ids`: removed before it could be
    captured, say) takes its first real content even when removed: that content is
    what the removal disposed of, and the archive keeps it (R18).
    """
    if not changed:
        return UNCHANGED
    if held_only_ids and wins:
        return EDIT
    return EDIT if wins and state != "removed" else STALE


def visibility_change(hidden: bool | None, wins: bool, state: str) -> Literal["hide", "unhide"] | None:
    """The hide or unhide an observation records, or None.

    Only an observation that says (`hidden` not None) and wins changes an item's
    visibility, only when it differs from the state held, and never a removed item's.
    """
    if hidden is None or not wins or state == "removed":
        return None
    if hidden:
        return "hide" if state != "hidden" else None
    return "unhide" if state != "visible" else None


def moderation_applies(action: str, state: str) -> bool:
    """Whether a hide, unhide or removal the platform reports changes an item in `state`.

    Not when the item is already in the state the action leads to, and never
    once it is removed: a removal is final.
    """
    return state != STATE_AFTER[action] and state != "removed"


def reconciles(held_has_native_id: bool) -> bool:
    """Whether an observation with a native id is the item captured earlier without one, found by its fallback key.

    (The fallback key is the item's channel, account, creation time and text.) It
    is, unless that item already has a native id of its own: then it is another
    item that happens to match.
    """
    return not held_has_native_id


def written_by_account(declared: bool | None, kind: str, author_id: str | None, account_id: str,
                       author_known: bool) -> bool:
    """Whether the account itself wrote an item (a page's reply, rather than a visitor's comment).

    As the record declares, when it does. Otherwise, when the record names its
    author, whether that author is the account; when it does not, whether the
    item is a post (the Graph API names no author for a page's own posts).
    """
    if declared is not None:
        return declared
    if not author_known:
        return kind == "post"
    return author_id is not None and author_id == account_id


def identity_changed(state: str, changed: bool, observed: float, held_observed: float | None) -> bool:
    """Whether a subject's identity (name, username) as now observed is a change to record.

    When it differs from the identity held and the observation is newer than the
    one that identity came from: an older name seen late records nothing.
    """
    return state == "subject" and changed and observed > (held_observed or 0)


def metric_revised(changed: bool) -> bool:
    """A metric value (one metric, one period, one item) observed again with a different value is a revision.

    Not ordered by platform time: the period fixes what the value measures, and
    the value ingested last is the one kept; the same value records nothing.
    """
    return changed
