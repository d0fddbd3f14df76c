"""People named without structure (issue 17): Facebook export titles and handles typed in texts.

The title of an account export's entry names whose post or comment it was about, in a
localised sentence; a handle typed in a text names a person the platform gave no
structured mention for. Both become references (`[subject:…]`) in the text, the title
and the raw fragment, with the person recorded as a subject of their own, so that an
erasure of the person reaches them (tests/test_erasure_reach.py searches a whole ledger).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from socialledger.core.capture.derive import Deriver, alias_keys, subject_key, subject_name
from socialledger.core.capture.embedded import MENTION, Scrubber, show_mentions
from socialledger.core.domain.events import ledger_id
from socialledger.core.domain.records import ContentRecord
from socialledger.plugins.bluesky.channel import BlueskyChannel
from socialledger.plugins.facebook.channel import FacebookChannel
from socialledger.plugins.facebook.titles import named_in_title
from socialledger.plugins.instagram.channel import InstagramChannel
from socialledger.plugins.linkedin.channel import LinkedInChannel
from socialledger.plugins.mastodon.channel import MastodonChannel
from socialledger.plugins.x.channel import XChannel


@pytest.mark.parametrize(("title", "names"), [
    ("Anna Berg kommenterade Åsa Öbergs inlägg.", ["Åsa Öberg"]),
    ("Kulturhuset Tornet svarade på Lisa Wåhlströms kommentar.", ["Lisa Wåhlström"]),
    ("Anna Berg delade Åsa Öbergs foto.", ["Åsa Öberg"]),
    ("Anna Berg gillar Åsa Öbergs inlägg.", ["Åsa Öberg"]),
    ("Anna Berg kommenterede Åse Øbergs opslag.", ["Åse Øberg"]),
    ("Anna Berg svarede på Åse Øbergs kommentar.", ["Åse Øberg"]),
    ("Anna Berg synes godt om Åse Øbergs billede.", ["Åse Øberg"]),
    ("Anna Berg commented on Åsa Öberg's post.", ["Åsa Öberg"]),
    ("Anna Berg replied to James Jones' comment.", ["James Jones"]),
    ("Anna Berg shared Åsa Öberg’s video.", ["Åsa Öberg"]),
    ("Anna Berg likes Åsa Öberg's photo.", ["Åsa Öberg"]),
    # Nobody named but who did it, the account whose export it is: nobody.
    ("Kulturhuset Tornet kommenterade sitt eget inlägg.", []),
    ("Kulturhuset Tornet kommenterade ett foto.", []),
    ("Anna Berg commented on his own post.", []),
    ("Anna Berg kommenterade hennes inlägg.", []),
    ("Kulturhuset Tornet delade ett minne.", []),
    # Not a shape the titles have: nobody.
    ("Vårens program", []),
    (None, []),
])
def test_the_people_an_export_title_names(title, names):
    assert [a.name for a in named_in_title(title)] == names


@pytest.mark.parametrize(("channel", "text", "handles"), [
    (XChannel, "RT @Anna_B: hej @kalle. Mejla anna@exempel.se", ["Anna_B", "kalle"]),
    (InstagramChannel, "Tack @anna.berg. och @_x_! (anna@exempel.se)", ["anna.berg", "_x_"]),
    (BlueskyChannel, "Hej @anna.bsky.social. Och @bo utan domän.", ["anna.bsky.social"]),
    (MastodonChannel, "Fråga @anna@social.example eller @bo, se https://social.example/@cc.",
     ["anna@social.example", "bo"]),
])
def test_each_channel_knows_its_handles(channel, text, handles):
    assert [m.group(1) for m in re.finditer(channel.handles, text)] == handles


def test_facebook_and_linkedin_texts_have_no_handles():
    assert FacebookChannel.handles is None and LinkedInChannel.handles is None


def deriver(channel: str) -> Deriver:
    return Deriver(channel, "account", "me", b"f" * 32, b"p" * 32)


def test_a_typed_handle_becomes_a_reference_in_text_and_raw_and_its_person_a_subject():
    d = deriver("x")
    scrub = Scrubber("x", XChannel.embedded, d, XChannel.handles)
    record = ContentRecord(channel="x", kind="reply", source="export", observed=datetime(2026, 3, 1, tzinfo=UTC),
                           native_id="1", text="Fråga @Anna_B, hon vet! (inte @anna_bo)",
                           raw={"tweet": {"full_text": "Fråga @Anna_B, hon vet! (inte @anna_bo)"}})
    out = scrub.scrub(record)
    assert "Anna_B" not in out.text and "anna_b," not in out.text.lower()
    assert out.raw["tweet"]["full_text"] == out.text
    assert sorted(p.username for p in out.mentioned) == ["anna_b", "anna_bo"]
    people = {m.group(1): m for m in MENTION.finditer(out.text)}
    assert len(people) == 2
    # Read back while the person exists, "[erased]" after.
    by_sid = {str(ledger_id(subject_name(d.pseudonyms, subject_key("x", p)))): {"username": p.username}
              for p in out.mentioned}
    assert show_mentions(out.text, lambda sid: by_sid.get(str(sid))) == "Fråga @anna_b, hon vet! (inte @anna_bo)"
    assert show_mentions(out.text, lambda sid: None) == "Fråga @[erased], hon vet! (inte @[erased])"


def test_a_title_is_kept_with_references_in_title_and_raw():
    d = deriver("facebook")
    scrub = Scrubber("facebook", FacebookChannel.embedded, d, FacebookChannel.handles)
    title = "Kulturhuset Tornet svarade på Åsa Öbergs kommentar."
    record = ContentRecord(channel="facebook", kind="comment", source="export",
                           observed=datetime(2024, 3, 1, tzinfo=UTC), title=title, raw={"title": title},
                           named=named_in_title(title))
    out = scrub.scrub(record)
    assert "Öberg" not in out.title and "Öberg" not in out.raw["title"] and out.title.endswith("s kommentar.")
    assert out.title.startswith("Kulturhuset Tornet svarade på ")  # the account's own name, as written
    assert {p.name for p in out.mentioned} == {"Åsa Öberg"}


def test_the_subjects_a_person_is_known_by_besides():
    assert alias_keys("facebook", {"subject": "facebook:10152345", "native_id": "10152345",
                                   "name": "Åsa  Öberg", "username": None}) == ["facebook:name:Åsa Öberg"]
    assert alias_keys("x", {"subject": "x:1", "native_id": "1", "name": "Klas Lars", "username": "Klas_L"}) == [
        "x:name:Klas Lars", "x:name:Klas Lar", "x:username:Klas_L", "x:username:klas_l"]
    assert alias_keys("mastodon", {"subject": "mastodon:https://mastodon.nu/users/asa",
                                   "native_id": "https://mastodon.nu/users/asa", "name": None,
                                   "username": "asa"}) == [
        "mastodon:username:asa", "mastodon:username:asa@mastodon.nu", "mastodon:https://mastodon.nu/@asa"]
    assert alias_keys("facebook", {"subject": "facebook:name:Åsa Öberg", "name": "Åsa Öberg"}) == []
