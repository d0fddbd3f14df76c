"""The PDF/A rendition of an archive package: the printout of the feed (R18, R20, R21).

Each test builds a `PackageContent` by hand, renders it and reads the PDF back: what it
claims to be (PDF/A-2), what it embeds (every font, from the bundled files) and what it says
(the text, in reading order).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from socialledger.archive import pdf
from socialledger.archive.model import (
    AccountInfo,
    Author,
    Case,
    Item,
    Moderation,
    PackageContent,
    Version,
)

# WeasyPrint subsets fonts with fontTools where the system lacks HarfBuzz-Subset, and says so
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm
CREATED = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
PACKAGE = "urn:uuid:0b7c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"
ACCOUNT = Author(subject=None, pseudonym="account", name="Malmö stad", by_account=True)


def version(text: str | None, minutes: int, change: str = "captured", position: int = 1) -> Version:
    at = T0 + timedelta(minutes=minutes)
    return Version(change=change, observed=at, recorded=at + timedelta(seconds=30), source="api",
                   position=position, text=text)


def make_item(n: int, kind: str, parent: int | None, thread: int, text: str | None, *,
              author: Author | None = None, **changes) -> Item:
    fields = {
        "id": f"item-{n}", "native_id": f"facebook:100_{n}", "kind": kind,
        "parent": f"item-{parent}" if parent else None, "thread": f"item-{thread}",
        "author": author or Author(subject=f"facebook:{n}", pseudonym=f"s-{n}", name="Åsa Öberg"),
        "created": T0 + timedelta(minutes=n), "state": "visible", "erased": False, "disposed": False,
        "in_period": True, "versions": [version(text, n, position=n)], "moderation": [], "cases": [],
        "metrics": {"reactions": 12.0, "comments": 3.0, "shares": 1.0},
    }
    fields.update(changes)
    return Item(**fields)


def make_content(items: list[Item], **changes) -> PackageContent:
    fields = {
        "package_id": PACKAGE,
        "account": AccountInfo(id="acc-1", channel="facebook", name="Malmö stad – Fritid",
                               unit="Fritidsförvaltningen", platform_id="facebook:4711", owner="Olle Ek",
                               deputy="Greta Al", state="active"),
        "period": "2026H1", "period_start": datetime(2025, 12, 31, 23, tzinfo=UTC),
        "period_end": datetime(2026, 6, 30, 22, tzinfo=UTC), "position": 500, "previous_position": 0,
        "supplements": None, "final": False, "created": CREATED, "organisation": "Malmö stad",
        "items": items, "events": [],
    }
    fields.update(changes)
    return PackageContent(**fields)


def feed() -> PackageContent:
    """Two threads: a post with comments (edited, hidden, removed, erased) and a reply; a visitor post."""
    removal = Moderation(action="removed", observed=T0 + timedelta(hours=3), recorded=T0 + timedelta(hours=3),
                         source="ledger", actor="kalle.moderator", position=31,
                         reason="personuppgifter om en annan person", rule="Regel 5: inga personuppgifter")
    hiding = Moderation(action="hidden", observed=T0 + timedelta(hours=2), recorded=T0 + timedelta(hours=2),
                        source="ledger", actor="kalle.moderator", position=30, reason="länk", rule="Regel 3: länkar")
    case = Case(diary_number="KS 2026/1234", system="Public 360", actor="arkivarie.anna",
                recorded=T0 + timedelta(days=1), position=40)
    items = [
        make_item(1, "post", None, 1, "Välkommen till sommarens äventyr på Öresundsstranden! 😊🎭",
                  author=ACCOUNT, cases=[case]),
        make_item(2, "comment", 1, 1, None, versions=[
            version("Först kommentar", 2), version("Första kommentaren: så kul!", 40, "edited", 20)]),
        make_item(3, "reply", 2, 1, "Svar från kontoret: tack själv!", author=ACCOUNT),
        make_item(4, "comment", 1, 1, "Dold kommentar med länk", state="hidden", moderation=[hiding]),
        make_item(5, "comment", 1, 1, "Borttagen kommentar om grannen", state="removed", moderation=[removal]),
        make_item(6, "comment", 1, 1, None, erased=True,
                  author=Author(subject=None, pseudonym="s-6", name=None, erased=True)),
        make_item(7, "visitor_post", None, 7, "Besökarinlägg: när öppnar badet i Ängelholm?"),
    ]
    return make_content(items)


def flat(text: str) -> str:
    return " ".join(text.split())


def in_order(text: str, *parts: str) -> bool:
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> list[Path]:
    return pdf.render(feed(), tmp_path_factory.mktemp("printout"))


@pytest.fixture(scope="module")
def text(rendered) -> str:
    return flat(pdf.pdf_text(rendered[0]))


def test_one_volume_named_feed_001(rendered):
    assert [p.name for p in rendered] == ["feed-001.pdf"]
    assert rendered[0].is_file()


def test_identifies_as_pdfa_2_or_later(rendered):
    part, conformance = pdf.pdfa_identification(rendered[0])
    assert part >= 2
    assert conformance in {"A", "B", "U"}


def test_a_pdf_that_claims_no_pdfa_is_not_identified(tmp_path):
    plain = tmp_path / "plain.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with plain.open("wb") as f:
        writer.write(f)
    assert pdf.pdfa_identification(plain) is None
    not_pdf = tmp_path / "feed-001.pdf"
    not_pdf.write_text("not a PDF")
    assert pdf.pdfa_identification(not_pdf) is None


def test_every_font_is_embedded_and_bundled(rendered):
    reader = PdfReader(rendered[0])
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].get_object().values():
            font = ref.get_object()
            for described in [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]:
                descriptor = described["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), described
                names.add(str(descriptor["/FontName"]))
    # Only the fonts shipped in socialledger/archive/fonts, never a font of the machine
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+SL-(Sans|Emoji)(-Bold)?", n) for n in names), names
    assert any("SL-Emoji" in n for n in names)


def test_swedish_text_and_emoji_come_out_as_written(text):
    assert "Välkommen till sommarens äventyr på Öresundsstranden! 😊🎭" in text
    assert "Besökarinlägg: när öppnar badet i Ängelholm?" in text
    assert "Åsa Öberg" in text


def test_title_page(text):
    title = text[:text.find("#1 Post")]
    for part in ("Malmö stad – Fritid", "2026H1", "2026-01-01 to 2026-06-30", PACKAGE, "up to 500",
                 "Fritidsförvaltningen", "facebook:4711", "Volume 1 of 1", "1 to 7 of 7",
                 "2026-07-01 10:30:00+02:00"):
        assert part in title, part
    assert "FINAL" not in title
    assert "Supplement to" not in title


def test_header_and_page_numbers_on_each_page(rendered):
    reader = PdfReader(rendered[0])
    count = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = flat(page.extract_text())
        assert f"page {number} of {count}" in page_text
        assert f"Malmö stad – Fritid · 2026H1 · {PACKAGE}" in page_text


def test_reading_order_post_comments_replies_then_next_thread(text):
    assert in_order(text, "#1 Post", "Välkommen", "#2 Comment", "Första kommentaren", "#3 Reply",
                    "Svar från kontoret", "#4 Comment", "#5 Comment", "#6 Comment", "#7 Visitor post",
                    "Besökarinlägg")


def test_threads_are_indented(rendered):
    starts = {}

    def visit(part, cm, tm, font, size):
        if re.fullmatch(r"#\d+", part.strip()):
            starts[part.strip()] = cm[4] + tm[4]

    for page in PdfReader(rendered[0]).pages:
        page.extract_text(visitor_text=visit)
    assert starts["#1"] < starts["#2"] < starts["#3"]  # post, comment, reply to the comment
    assert starts["#2"] == starts["#4"]  # comments of one post line up
    assert starts["#7"] == starts["#1"]  # the next thread starts at the margin


def test_author_kind_and_time_in_the_organisations_zone(text):
    assert "#1 Post · the account (Malmö stad) · 2026-03-02 10:01:00+01:00" in text
    assert "#2 Comment · Åsa Öberg · 2026-03-02 10:02:00+01:00" in text


def test_summer_time_in_stockholm(tmp_path):
    june = make_item(1, "post", None, 1, "Midsommar", created=datetime(2026, 6, 19, 10, tzinfo=UTC))
    [path] = pdf.render(make_content([june]), tmp_path)
    assert "2026-06-19 12:00:00+02:00" in flat(pdf.pdf_text(path))
    [path] = pdf.render(make_content([june]), tmp_path / "utc", zone="UTC")
    assert "2026-06-19 10:00:00+00:00" in flat(pdf.pdf_text(path))


def test_an_edited_item_shows_every_version_with_its_time(text):
    assert in_order(text, "#2 Comment", "EDITED", "Version 1 of 2 · captured · 2026-03-02 10:02:00+01:00",
                    "Först kommentar", "Version 2 of 2 · edited · 2026-03-02 10:40:00+01:00", "current",
                    "Första kommentaren: så kul!", "#3 Reply")


def test_a_hidden_item_is_marked_with_when_who_reason_and_rule(text):
    assert in_order(text, "#4 Comment", "HIDDEN", "Dold kommentar med länk", "HIDDEN 2026-03-02 12:00:00+01:00",
                    "by kalle.moderator", "reason: länk", "page rule: Regel 3: länkar", "#5 Comment")


def test_a_removed_item_keeps_its_text_and_says_who_when_why_under_which_rule(text):
    assert in_order(text, "#5 Comment", "REMOVED", "Borttagen kommentar om grannen",
                    "REMOVED 2026-03-02 13:00:00+01:00", "by kalle.moderator",
                    "reason: personuppgifter om en annan person", "page rule: Regel 5: inga personuppgifter",
                    "#6 Comment")


def test_an_erased_item_shows_raderat_and_no_author(text):
    assert in_order(text, "#6 Comment · erased author", "ERASED", "[raderat] (erased)", "#7 Visitor post")


def test_a_case_shows_its_diary_number(text):
    assert in_order(text, "#1 Post", "CASE", "Case diary number KS 2026/1234 (Public 360)",
                    "by arkivarie.anna", "#2 Comment")


def test_metrics_and_native_id_in_small_print(text):
    assert "reactions 12 · comments 3 · shares 1 · native id facebook:100_1 · ledger id item-1" in text
    assert "in reply to #2" in text  # the reply names its comment


def test_pdf_dates_come_from_the_package(rendered):
    metadata = PdfReader(rendered[0]).metadata
    assert metadata.creation_date == CREATED
    assert metadata.modification_date == CREATED


def test_rendering_twice_gives_the_same_text_and_bytes(tmp_path, rendered):
    again = pdf.render(feed(), tmp_path)
    assert pdf.pdf_text(again[0]) == pdf.pdf_text(rendered[0])
    # reproducible to the byte: the font subsets carry the package's date, not the time of the run
    assert again[0].read_bytes() == rendered[0].read_bytes()


def test_supplement_and_final_on_the_title_page(tmp_path):
    content = make_content([make_item(1, "post", None, 1, "Sent inlägg")], supplements="urn:uuid:first-package",
                           final=True, previous_position=100)
    [path] = pdf.render(content, tmp_path)
    text = flat(pdf.pdf_text(path))
    assert "FINAL" in text
    assert "Supplement to urn:uuid:first-package" in text
    assert "after 100 up to 500" in text


def test_an_empty_period_still_gets_a_printout(tmp_path):
    [path] = pdf.render(make_content([]), tmp_path)
    assert pdf.pdfa_identification(path)[0] >= 2
    assert "No posts, comments or replies in this package." in flat(pdf.pdf_text(path))


def test_characters_no_bundled_font_has_are_shown_by_code_point(tmp_path, caplog):
    # a missing glyph (.notdef) is not allowed in PDF/A, and a machine's font would make the printout differ
    item = make_item(1, "post", None, 1, "Kinesiska 漢字, styrtecken \x07 och 😊 <b>inte fet</b>")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        [path] = pdf.render(make_content([item]), tmp_path)
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    text = flat(pdf.pdf_text(path))
    assert "Kinesiska [U+6F22][U+5B57], styrtecken \ufffd och 😊 <b>inte fet</b>" in text


def test_several_volumes_when_items_exceed_items_per_volume(tmp_path):
    # threads of 2, 2 and 5 items, 3 to a volume: whole threads where they fit, the long one split
    items = [make_item(1, "post", None, 1, "Tråd ett"), make_item(2, "comment", 1, 1, "Svar ett"),
             make_item(3, "post", None, 3, "Tråd två"), make_item(4, "comment", 3, 3, "Svar två"),
             make_item(5, "post", None, 5, "Tråd tre")]
    items += [make_item(n, "comment", 5, 5, f"Kommentar {n}") for n in range(6, 10)]
    paths = pdf.render(make_content(items), tmp_path, items_per_volume=3)
    assert [p.name for p in paths] == ["feed-001.pdf", "feed-002.pdf", "feed-003.pdf", "feed-004.pdf"]
    texts = [flat(pdf.pdf_text(p)) for p in paths]
    for path, text in zip(paths, texts, strict=True):
        assert pdf.pdfa_identification(path)[0] >= 2
        assert f"Volume {paths.index(path) + 1} of 4" in text
    assert "1 to 2 of 9" in texts[0] and "3 to 4 of 9" in texts[1]
    assert "5 to 7 of 9" in texts[2] and "8 to 9 of 9" in texts[3]
    assert "The thread goes on in volume 4." in texts[2]
    assert "The thread goes on from volume 3." in texts[3]
    whole = " ".join(texts)
    assert in_order(whole, "Tråd ett", "Svar ett", "Tråd två", "Svar två", "Tråd tre",
                    *(f"Kommentar {n}" for n in range(6, 10)))


def test_long_texts_make_more_volumes_so_that_memory_stays_bounded(tmp_path):
    # four posts of 3,000 characters, a budget of about two of them per volume
    items = [make_item(n, "post", None, n, f"Inlägg {n}: " + "långt " * 500) for n in range(1, 5)]
    paths = pdf.render(make_content(items), tmp_path, chars_per_volume=7_500)
    assert len(paths) == 2
    assert in_order(flat(pdf.pdf_text(paths[0])), "#1 Post", "Inlägg 1", "#2 Post", "Inlägg 2")
    assert in_order(flat(pdf.pdf_text(paths[1])), "#3 Post", "Inlägg 3", "#4 Post", "Inlägg 4")


def test_items_per_volume_must_be_positive(tmp_path):
    with pytest.raises(ValueError):
        pdf.render(feed(), tmp_path, items_per_volume=0)


@pytest.mark.slow
def test_a_long_period_is_split_into_volumes_of_the_default_size(tmp_path):
    items = []
    for post in range(1, 3200, 20):
        items.append(make_item(post, "post", None, post, f"Inlägg {post} om sommarlovet på fritidsgården 😊"))
        items += [make_item(n, "comment", post, post, f"Kommentar {n}: när öppnar simhallen i Hässleholm?")
                  for n in range(post + 1, post + 20)]
    paths = pdf.render(make_content(items), tmp_path)
    assert [p.name for p in paths] == ["feed-001.pdf", "feed-002.pdf", "feed-003.pdf"]
    for path in paths:
        assert pdf.pdfa_identification(path)[0] >= 2
    assert "Kommentar 3199: när öppnar simhallen i Hässleholm?" in flat(pdf.pdf_text(paths[-1]))
