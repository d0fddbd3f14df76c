"""Nothing dropped: the cases real platform data holds, captured (or counted with a reason) end to end.

Each test ingests real-shaped fixtures through the same path as `socialledger ingest`
into a real ledger and reads back what the ledger holds: Facebook export events,
notes, title-only shares, update-only entries and title-only comments; Graph posts
without created_time; moderation deliveries for items never captured (archived
first, R18); Instagram IGTV, reels and stories; LinkedIn multi-line texts, repeated
share rows, a Shares.csv under another name and comments on posts the ledger does
not hold; export media attached to items captured from the API first, matched
however their names are spelt.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialledger.core.capture.media import spellings
from socialledger.core.domain.roles import Role
from socialledger.testing import actor, make_ledger

FIX = Path(__file__).parent / "fixtures"
PAGE = "104729384756102"
ORG = "90362860"


def ingest(ledger, account, channel, path, **options):
    return ledger.ingest(actor("kommunikatör"), channel, path, account, **options)


def items(ledger, account):
    return ledger.content(actor("info"), account)


def detail(ledger, item_id):
    return ledger.content_item(actor("info"), item_id)


@pytest.fixture
def facebook(tmp_path):
    ledger, account = make_ledger(tmp_path / "fb", "facebook", PAGE)
    yield ledger, account
    ledger.close()


def test_facebook_export_events_notes_shares_updates_and_title_only_comments(facebook):
    ledger, account = facebook
    # Act: the export with an event, a note, a title-only share, an update-only entry, an empty entry,
    # a picture with å ä ö in its name (mojibake in the JSON), and title-only comments.
    summary = ingest(ledger, account, "facebook", FIX / "facebook/export_kinds")
    # Assert: every entry is accounted for, by its kind; the empty one is skipped with its reason.
    got = summary.as_dict()["items"]
    assert {k: (v["items"], v["recorded"]) for k, v in got.items()} == {
        "event": (1, 1), "note": (1, 1), "share": (1, 1), "update": (1, 1), "post": (2, 1), "comment": (3, 3)}
    assert got["post"]["skipped"] == {"an empty entry: no text, title, media or time": 1}
    assert summary.unaccounted() == 0 and summary.files_passed == 3  # the HTML and two pictures
    by_format = {}
    for item in items(ledger, account):
        d = detail(ledger, item["id"])
        by_format.setdefault(d["versions"][0].get("format"), []).append(d)
    [event] = by_format["event"]
    version = event["versions"][0]
    assert version["title"] == "Vårkonsert i Stora salen 🎻"
    assert version["starts"] == "2024-03-30T18:00:00+00:00" and version["ends"] == "2024-03-30T20:30:00+00:00"
    assert event["text"] == "Stråkkvartett och kör – fri entré för barn."
    [note] = by_format["note"]
    assert note["versions"][0]["title"] == "Anteckning: Vårdagjämning på Tornet"
    assert note["text"].startswith("Så här firade vi vårdagjämningen.")
    [picture] = note["versions"][0]["media"]
    assert picture["stored"] and picture["size"] > 0  # the note's photo, kept under the item's key
    [share] = by_format["share"]
    assert share["text"] is None and share["versions"][0]["title"] == "Kulturhuset Tornet delade en video."
    [update] = by_format["update"]
    assert update["versions"][0]["observed"] == datetime(2024, 3, 15, 11, tzinfo=UTC)
    [post] = [d for d in by_format[None] if d["kind"] == "post"]
    assert post["versions"][0]["media"][0]["stored"]  # found though the JSON spells its name in mojibake
    comments = [d for d in by_format[None] if d["kind"] == "comment"]
    assert sorted(c["versions"][0].get("title") or "" for c in comments) == [
        "", "Kulturhuset Tornet kommenterade Åsa Öbergs inlägg.",
        "Kulturhuset Tornet svarade på Lisa Wåhlströms kommentar."]
    # And again: nothing new, every item accounted for as unchanged.
    again = ingest(ledger, account, "facebook", FIX / "facebook/export_kinds", recheck=True)
    assert again.events == 0 and again.unaccounted() == 0
    assert all(t["recorded"] == 0 for t in again.items.values())


def test_graph_posts_without_created_time_get_the_best_time_and_say_so(facebook):
    ledger, account = facebook
    summary = ingest(ledger, account, "facebook", FIX / "facebook/cases/statuses_without_created_time_p1.json")
    assert summary.items["post"] == {"items": 3, "recorded": 2, "unchanged": 0,
                                     "skipped": {"not readable (listed under errors)": 1}}
    assert any("neither created_time nor updated_time" in e for e in summary.errors)
    posts = [i for i in items(ledger, account) if i["kind"] == "post"]
    assert all(p["created"] is not None for p in posts)
    for p in posts:
        assert "updated_time" in detail(ledger, p["id"])["versions"][0]["time_note"]


def test_moderation_of_items_never_captured_archives_them_first(facebook, tmp_path):
    ledger, account = facebook
    # Act: hide, unhide and removal deliveries for comments the ledger never captured.
    summary = ingest(ledger, account, "facebook", FIX / "facebook/cases/webhook_moderation.jsonl")
    # Assert: each is recorded (the item, then its state), the reaction is skipped with why.
    assert {k: v["recorded"] for k, v in summary.items.items()} == {"hide": 1, "unhide": 1, "remove": 1,
                                                                    "reaction": 0}
    assert summary.items["reaction"]["skipped"] == {"who reacted is not kept (the API's counts are)": 1}
    listed = {i["native_id"]: i for i in items(ledger, account)}
    hidden = listed["facebook:3300000000000009_5500000000000001"]
    assert hidden["state"] == "hidden" and hidden["text"].startswith("Köp billiga klockor")
    assert hidden["author_name"] == "Olle Ödmark"
    unhidden = listed["facebook:3300000000000009_5500000000000003"]
    assert unhidden["state"] == "visible" and unhidden["kind"] == "reply"
    removed = listed["facebook:3300000000000009_5500000000000004"]
    assert removed["state"] == "removed" and removed["text"] is None and removed["author_name"] == "Kim Sjöberg"
    shown = detail(ledger, removed["id"])
    assert "removed before it could be captured" in shown["versions"][0]["time_note"]
    assert shown["moderation"][0]["action"] == "ItemRemoved"
    assert shown["versions"][0]["parent_ref"] == f"{PAGE}_3300000000000009"  # where in the thread
    # The archive package holds them: the hidden text and the removal.
    ledger.grant_role(actor("info"), "arkivarie", Role.ARCHIVIST)
    [package] = ledger.export_archive(actor("arkivarie"), account, "2024H1", tmp_path / "out")
    feed = next(package.rglob("feed.json")).read_text(encoding="utf-8")
    assert "Köp billiga klockor" in feed and "Förlåt, jag menade inget illa" in feed
    assert "removed before it could be captured" in feed
    # A later observation of the removed item fills in its text (what the removal disposed of).
    later = tmp_path / "later.json"
    later.write_text(json.dumps({"data": [{"id": "3300000000000009_5500000000000004",
                                           "message": "Ett inlägg som sedan togs bort",
                                           "created_time": "2024-03-18T11:00:00+0000",
                                           "from": {"id": "10156666", "name": "Kim Sjöberg"},
                                           "permalink_url": f"https://www.facebook.com/{PAGE}/posts/"
                                                            "3300000000000009/?comment_id=5500000000000004"}]}))
    assert ingest(ledger, account, "facebook", later).edited == 1
    assert [i["text"] for i in items(ledger, account) if i["id"] == removed["id"]] == [
        "Ett inlägg som sedan togs bort"]


def test_export_media_is_attached_to_an_item_captured_from_the_api_first(facebook, tmp_path):
    ledger, account = facebook
    # Arrange: the API saw the post first (its picture a signed URL, not a file) ...
    api = tmp_path / "feed.json"
    api.write_text(json.dumps({"data": [{
        "id": f"{PAGE}_3300000000000077", "message": "Påskpyssel för små och stora på lördag 🐣",
        "created_time": "2024-03-16T10:00:00+0000",
        "attachments": {"data": [{"type": "photo", "media": {"image": {"src": "https://scontent.example/x.jpg"}}}]},
    }]}, ensure_ascii=False))
    assert ingest(ledger, account, "facebook", api).new == 1
    # ... and the account export later, zipped with a name that has no UTF-8 flag (CP437 in the ZIP).
    export = FIX / "facebook/export_kinds"
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sorted(export.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(export).as_posix())
    summary = ingest(ledger, account, "facebook", archive)
    # Assert: the picture is attached to the item the API captured (no second item), under its key.
    assert summary.media_attached == 1 and summary.items["post"]["recorded"] == 1
    [item] = [i for i in items(ledger, account) if i["native_id"] == f"facebook:{PAGE}_3300000000000077"]
    shown = detail(ledger, item["id"])
    assert [v["change"] for v in shown["versions"]] == ["captured", "media attached"]
    [attached] = shown["versions"][1]["media"]
    assert attached["stored"]
    original = next(export.rglob("påskpyssel_för_små_och_stora.jpg")).read_bytes()
    stored = ledger.home / "media" / item["id"].replace("-", "") / attached["stored"]
    assert stored.exists() and original not in stored.read_bytes()  # encrypted at rest
    # Again: nothing attached twice.
    assert ingest(ledger, account, "facebook", archive, recheck=True).media_attached == 0
    # The next archive package carries the file, as the archive reads versions today.
    ledger.grant_role(actor("info"), "arkivarie", Role.ARCHIVIST)
    [package] = ledger.export_archive(actor("arkivarie"), account, "2024H1", tmp_path / "out")
    assert any(f.is_file() and f.read_bytes() == original for f in package.rglob("*"))


def test_media_names_match_however_they_are_spelt():
    name = "media/påskpyssel_för_små.jpg"
    mojibake = name.encode("utf-8").decode("latin-1")
    cp437 = name.encode("utf-8").decode("cp437")
    decomposed = unicodedata.normalize("NFD", name)
    for spelt in (mojibake, cp437, decomposed):
        assert name in spellings(spelt), spelt
    assert spellings("plain.jpg") == {"plain.jpg"}


def test_instagram_igtv_reels_and_stories_are_their_own_kinds(tmp_path):
    ledger, account = make_ledger(tmp_path / "ig", "instagram", "17841400000000001")
    try:
        summary = ingest(ledger, account, "instagram", FIX / "instagram/export_kinds")
        assert {k: v["recorded"] for k, v in summary.items.items()} == {"post": 1, "igtv": 2, "reel": 1, "story": 2}
        assert summary.unaccounted() == 0
        formats = sorted(detail(ledger, i["id"])["versions"][0].get("format") or "post"
                         for i in items(ledger, account))
        assert formats == ["igtv", "igtv", "post", "reel", "story", "story"]
    finally:
        ledger.close()


def test_linkedin_texts_as_written_every_media_any_file_name_and_no_dangling_parent(tmp_path):
    ledger, account = make_ledger(tmp_path / "li", "linkedin", ORG)
    try:
        summary = ingest(ledger, account, "linkedin", FIX / "linkedin/export_multiline")
        assert summary.items["post"]["recorded"] == 3 and summary.items["comment"]["recorded"] == 2
        assert summary.unaccounted() == 0
        listed = {i["native_id"]: i for i in items(ledger, account)}
        open_house = listed["linkedin:urn:li:share:7175415500000000001"]
        assert open_house["text"] == ("Välkommen till vårens öppna hus! 🌷\n\nProgram:\n– guidad visning kl. 11\n"
                                      "– fika i foajén")
        media = detail(ledger, open_house["id"])["versions"][0]["media"]
        assert [m["url"].split("/")[5] for m in media] == ["D4D22AQvar1", "D4D22AQvar2", "D4D22AQvar3"]
        quoted = listed["linkedin:urn:li:share:7176140000000000002"]
        assert quoted["text"] == 'Han sa "hej" på svenska.\nAndra raden, "citerad" också.'
        comments = [i for i in items(ledger, account) if i["kind"] == "comment"]  # no native ids: by text
        on_unknown = next(c for c in comments if c["text"].startswith("Grattis"))
        assert on_unknown["text"] == "Grattis till jubileet! 🎉\n\nHälsningar från grannkommunen"
        assert on_unknown["parent"] is None  # the ledger holds no such post: no ledger id ...
        assert detail(ledger, on_unknown["id"])["versions"][0]["parent_ref"] == (
            "urn:li:activity:7170000000000000009")  # ... and the platform's reference is kept
        on_known = next(c for c in comments if c["text"] == "Vi ses där!")
        assert on_known["parent"] == listed["linkedin:urn:li:activity:7176500000000000003"]["id"]
    finally:
        ledger.close()


def test_a_shares_file_under_any_name_is_read_by_its_header(tmp_path):
    ledger, account = make_ledger(tmp_path / "li", "linkedin", ORG)
    try:
        data = tmp_path / "data"
        data.mkdir()
        shutil.copyfile(FIX / "linkedin/export_multiline/acme_Shares.csv", data / "2024 inlägg (kopia).csv")
        summary = ingest(ledger, account, "linkedin", data)
        assert summary.items["post"]["recorded"] == 3
    finally:
        ledger.close()


def test_instagram_api_reels_stories_and_igtv_are_their_own_kinds(tmp_path):
    page = tmp_path / "media_p1.json"
    page.write_text(json.dumps({"data": [
        {"id": "17900000000000301", "media_type": "VIDEO", "media_product_type": "REELS",
         "caption": "Verkstaden på 30 sekunder 🔨", "timestamp": "2024-03-19T10:00:00+0000"},
        {"id": "17900000000000302", "media_type": "IMAGE", "media_product_type": "STORY",
         "timestamp": "2024-03-19T11:00:00+0000"},
        {"id": "17900000000000303", "media_type": "VIDEO", "media_product_type": "IGTV",
         "caption": "Hela konserten – del 1", "timestamp": "2024-03-19T12:00:00+0000"},
        {"id": "17900000000000304", "media_type": "IMAGE", "media_product_type": "FEED",
         "caption": "Välkommen på lördag!", "timestamp": "2024-03-19T13:00:00+0000"},
    ], "paging": {"next": "https://graph.facebook.com/v19.0/17841400000000001/media?after=x"}}, ensure_ascii=False))
    ledger, account = make_ledger(tmp_path / "ig", "instagram", "17841400000000001")
    try:
        summary = ingest(ledger, account, "instagram", page)
        assert {k: v["recorded"] for k, v in summary.items.items()} == {"reel": 1, "story": 1, "igtv": 1, "post": 1}
    finally:
        ledger.close()


class _NoUtf8Flag(zipfile.ZipInfo):
    """A ZIP entry written as tools without the UTF-8 flag write it: the name's UTF-8 bytes, read back as CP437."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits


@pytest.mark.parametrize("packing", ["zip without the UTF-8 flag", "folder unpacked on a Mac (NFD)"])
def test_export_media_with_non_ascii_names_is_kept_however_packed(tmp_path, packing):
    export = FIX / "facebook/export_kinds"
    if packing.startswith("zip"):
        given = tmp_path / "export.zip"
        with zipfile.ZipFile(given, "w") as z:
            for f in sorted(export.rglob("*")):
                if f.is_file():
                    name = f.relative_to(export).as_posix().encode("utf-8").decode("cp437")
                    z.writestr(_NoUtf8Flag(name, date_time=(2024, 3, 20, 12, 0, 0)), f.read_bytes())
        with zipfile.ZipFile(given) as z:
            assert any("├" in n for n in z.namelist())  # the names as a reader of such a ZIP sees them
    else:
        given = tmp_path / "export"
        for f in sorted(export.rglob("*")):
            if f.is_file():
                target = given / unicodedata.normalize("NFD", f.relative_to(export).as_posix())
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(f.read_bytes())
    ledger, account = make_ledger(tmp_path / "fb", "facebook", PAGE)
    try:
        ingest(ledger, account, "facebook", given)
        stored = [m for i in items(ledger, account) for v in detail(ledger, i["id"])["versions"]
                  for m in v["media"] or [] if m.get("uri")]
        assert len(stored) == 2 and all(m.get("stored") for m in stored), stored
    finally:
        ledger.close()
