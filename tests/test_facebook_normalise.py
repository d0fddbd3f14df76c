"""The Facebook channel turns Graph API pages, webhook deliveries and account exports into records.

Real recordings (tests/fixtures/facebook/graph, webhooks; see SOURCES.md there) and our own Swedish
fixtures (sv/, export_old/, export_new/) go through `FacebookChannel().detect/read` exactly as the
core calls them: one `InputFile` at a time, from `open_inputs`.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from datetime import UTC
from functools import partial
from pathlib import Path

import pytest
from channel_samples import Samples, by_id, contents, utc, write
from channel_samples import assert_wellformed as wellformed

from socialledger.channels import repair, repair_tree
from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.metrics import VOCABULARY
from socialledger.core.domain.records import (
    AccountRecord,
    ContentRecord,
    ItemError,
    Media,
    MetricsRecord,
    ModerationRecord,
    Skipped,
)
from socialledger.core.plugins import plugin_manager
from socialledger.plugins.facebook import FacebookChannel
from socialledger.plugins.facebook.common import clean, parse_time, strip_token
from socialledger.plugins.facebook.metrics import METRICS, PERIODS, ledger_metric, record_period

FIX = Path(__file__).parent / "fixtures" / "facebook"
PAGE = "104729384756102"
CH = FacebookChannel()

REAL_SAMPLES = sorted(
    [(p.relative_to(FIX).as_posix(), "api") for p in (FIX / "graph").glob("*.json")]
    + [(p.relative_to(FIX).as_posix(), "webhook") for p in (FIX / "webhooks").glob("*.json")]
)


_samples = Samples(CH, FIX)
entry, read = _samples.entry, _samples.read
assert_wellformed = partial(wellformed, channel="facebook")


# --- the plugin ---------------------------------------------------------------------------------


def test_the_plugin_registers_the_channel_through_the_hook():
    channels = plugin_manager().channels
    ch = channels.get("facebook")
    assert isinstance(ch, FacebookChannel)
    assert (ch.title, ch.reads) == ("Facebook Pages", ("api", "webhook", "export"))


# --- every real sample --------------------------------------------------------------------------


@pytest.mark.parametrize(("rel", "source"), REAL_SAMPLES, ids=[r for r, _ in REAL_SAMPLES])
def test_every_real_sample_is_detected_and_read(rel, source):
    e = entry(rel)
    assert not CH.skip(e)
    assert CH.detect(e) == source
    records = list(CH.read(e, source))
    assert_wellformed(records)
    if "reaction" not in rel:
        assert records, rel


def test_real_samples_are_byte_copies_of_the_shared_ones():
    shared = Path("/work/shared/platform-samples/facebook")
    if not shared.exists():
        pytest.skip("shared samples not present")
    for rel, _ in REAL_SAMPLES:
        assert (FIX / rel).read_bytes() == (shared / rel).read_bytes(), rel


# --- Graph API: comments ------------------------------------------------------------------------


def test_stream_comments_without_ids_get_ids_and_parents_from_their_permalinks():
    records = read("graph/comments_stream_p1.json", "api")
    comments = contents(records)
    assert len(comments) == 10
    post = "19292868552_10158407654328553"
    first = comments[0]
    assert first.native_id == "10158407654328553_10158407835073553"
    assert (first.kind, first.parent_native_id, first.page_id) == ("comment", post, "19292868552")
    assert first.created == utc(2021, 8, 10, 18, 45, 3) == first.observed
    assert first.text == "Boa noite peço ajuda  Como faço para usar a minha página como meu perfil?"
    assert first.author is None
    kinds = Counter(c.kind for c in comments)
    assert kinds == {"comment": 6, "reply": 4}
    replies = {c.native_id: c.parent_native_id for c in comments if c.kind == "reply"}
    assert replies == {
        "10158407654328553_10158409983033553": "10158407654328553_10158407903973553",
        "10158407654328553_10158409984053553": "10158407654328553_10158407903973553",
        "10158407654328553_10158409984103553": "10158407654328553_10158407835073553",
        "10158407654328553_10158411321043553": "10158407654328553_10158410332078553",
    }
    # every reply's parent is one of the comments of the page
    assert set(replies.values()) <= {c.native_id for c in comments if c.kind == "comment"}
    # like_count -> one lifetime reactions count per comment, no time given
    likes = [r for r in records if isinstance(r, MetricsRecord)]
    assert len(likes) == 10
    assert {(m.metric, m.platform_metric, m.period, m.end, m.value) for m in likes} == {
        ("reactions", "like_count", "lifetime", None, 0.0)
    }
    assert likes[0].native_id == first.native_id


def test_toplevel_comments_trust_their_own_permalink_over_the_paging_url():
    records = read("graph/comments_toplevel_with_from_p1.json", "api")
    comments = contents(records)
    assert len(comments) == 5
    # paging.next names post 2498613793687103; the comments themselves belong to 2498598377021978
    assert {c.parent_native_id for c in comments} == {"2121008874780932_2498598377021978"}
    assert {c.page_id for c in comments} == {"2121008874780932"}
    first = comments[0]
    assert first.native_id == "2498598377021978_2498617433686739"
    assert first.author.native_id == "2711636948859886" and first.author.name == "Kun Liu"
    assert first.text == "Good job!😏"
    [photo] = first.media
    assert photo.kind == "photo" and photo.url.startswith("https://scontent.xx.fbcdn.net/v/t1.0-9/80295560_")
    assert comments[1].author.name == "杨佳名"
    likes = {m.native_id: m.value for m in records if isinstance(m, MetricsRecord)}
    assert likes["2498598377021978_2498617433686739"] == 2.0
    assert likes["2498598377021978_2509257345956081"] == 1.0
    # the REDACTED token sat in paging.next: paging is not part of any record
    for c in comments:
        assert "paging" not in c.raw and "REDACTED" not in json.dumps(c.raw)


# --- Graph API: posts ---------------------------------------------------------------------------


def test_feed_posts_with_attachments_and_counts():
    records = read("graph/page_feed_attachments_reactions_p1.json", "api")
    posts = contents(records)
    assert [p.native_id for p in posts] == [
        "19292868552_10158349356748553",
        "19292868552_10158347294088553",
        "19292868552_10158345715593553",
        "19292868552_10158343840773553",
        "19292868552_10158333323653553",
    ]
    assert {(p.kind, p.page_id, p.author) for p in posts} == {("post", "19292868552", None)}
    first = posts[0]
    assert first.created == utc(2021, 7, 9, 19, 9, 52)
    assert first.observed == utc(2021, 7, 12, 1, 3, 23)  # updated_time
    assert first.permalink == "https://www.facebook.com/19292868552/posts/10158349356748553/"
    assert [m.kind for p in posts for m in p.media] == ["photo", "link", "photo", "photo", "video"]
    assert first.media[0].url.startswith("https://scontent-ssn1-1.xx.fbcdn.net/v/t1.6435-9/p720x720/211801276_")
    share = posts[1].media[0]
    assert share.url.startswith("https://engineering.fb.com/2021/05/20/networking-traffic/peering-automation/")
    assert share.title == "Peering automation at Facebook - Facebook Engineering"
    assert "iCook 愛料理" in posts[4].text

    metrics = {(m.native_id, m.metric): m for m in records if isinstance(m, MetricsRecord)}
    assert len(metrics) == 15
    reactions = metrics[("19292868552_10158347294088553", "reactions")]
    assert reactions.value == 131.0
    assert reactions.breakdown == {"like": 124.0, "love": 5.0, "wow": 1.0, "haha": 0.0, "sad": 1.0, "angry": 0.0}
    assert (reactions.period, reactions.end, reactions.page_id) == ("lifetime", None, "19292868552")
    assert metrics[("19292868552_10158347294088553", "shares")].value == 6.0
    assert metrics[("19292868552_10158347294088553", "comments")].value == 17.0
    # who reacted is never kept: the reaction lists are gone from raw, the counts stay
    assert "data" not in first.raw["reactions"] and first.raw["reactions"]["summary"]["total_count"] == 125
    assert "data" not in first.raw["love"]


def test_posts_with_only_id_message_and_created_time():
    posts = contents(read("graph/page_posts_fields_p1.json", "api"))
    assert len(posts) == 5
    assert posts[0].native_id == "4_10113477241177441" and posts[0].page_id == "4"
    assert posts[0].text == "Happy July 4th! 🇺🇸"
    assert posts[0].created == posts[0].observed == utc(2021, 7, 4, 19, 50, 58)
    assert posts[0].hidden is None and posts[0].media == ()


# --- Graph API: Swedish fixtures ----------------------------------------------------------------


def test_swedish_feed_posts_edits_and_visitor_posts():
    records = read("sv/page_feed_p1.json", "api")
    assert_wellformed(records)
    posts = contents(records)
    assert [p.kind for p in posts] == ["post", "post", "visitor_post"]
    welcome, story, visitor = posts
    assert welcome.text == "Välkommen till Kulturhuset! Öppet på lördag 🎭"
    assert welcome.author.native_id == PAGE and welcome.hidden is False
    assert welcome.media == (
        Media(kind="photo",
              url="https://scontent.xx.fbcdn.net/v/t39.30808-6/431234567_122109876543210_n.jpg?_nc_cat=1&oh=00_AfB&oe=65F0A1B2",
              description="Foajén i vårljus 🌷"),
    )
    assert story.created == utc(2024, 3, 4, 12) and story.observed == utc(2024, 3, 5, 8, 30)
    assert story.media[0].kind == "link" and story.media[0].url == "https://www.kulturhuset-tornet.se/sagostund"
    assert visitor.author.name == "Göran Ärlemalm" and visitor.author.native_id == "10158899001122"
    assert [m.url for m in visitor.media] == [
        "https://scontent.xx.fbcdn.net/v/t39/konsert1.jpg?oh=1&oe=2",
        "https://scontent.xx.fbcdn.net/v/t39/konsert2.jpg?oh=3&oe=4",
    ]
    counts = {(m.native_id, m.metric): (m.value, m.breakdown) for m in records if isinstance(m, MetricsRecord)}
    assert counts[(welcome.native_id, "reactions")] == (
        27.0, {"like": 20.0, "love": 5.0, "wow": 2.0, "haha": 0.0, "sad": 0.0, "angry": 0.0})
    assert counts[(welcome.native_id, "shares")] == (4.0, None)
    assert counts[(story.native_id, "reactions")] == (9.0, None)
    assert not any(nid == visitor.native_id for nid, _ in counts)


def test_swedish_comments_replies_by_the_page_and_hidden_comments():
    records = read("sv/post_comments_p1.json", "api")
    assert_wellformed(records)
    c = by_id(records)
    post = f"{PAGE}_1122334455667788"
    asa = c["1122334455667788_2233445566001"]
    assert (asa.kind, asa.parent_native_id, asa.page_id) == ("comment", post, PAGE)
    assert asa.text == "När öppnar biblioteket på söndag? 😊"
    assert (asa.author.native_id, asa.author.name) == ("10152345", "Åsa Öberg")
    reply = c["1122334455667788_2233445566002"]
    assert (reply.kind, reply.parent_native_id) == ("reply", asa.native_id)
    assert reply.author.native_id == PAGE
    spam = c["1122334455667788_2233445566003"]
    assert spam.hidden is True and asa.hidden is False
    photo = c["1122334455667788_2233445566004"]
    assert photo.media[0].kind == "photo" and photo.author.name == "Märta Ängström"
    # the fake token in paging.next appears nowhere
    assert "EAAGm0PX4ZCps" not in json.dumps([r.raw for r in contents(records)])


def test_page_insights_map_deprecated_names_and_periods():
    records = read("sv/page_insights.json", "api")
    assert all(isinstance(r, MetricsRecord) for r in records)
    assert_wellformed(records)
    m = {(r.platform_metric, r.end): r for r in records}
    fans = m[("page_fans", utc(2024, 3, 3, 8))]
    assert (fans.metric, fans.period, fans.value, fans.start, fans.page_id) == (
        "followers", "instant", 1209.0, None, PAGE)
    reach = m[("page_impressions_unique", utc(2024, 3, 2, 8))]
    assert (reach.metric, reach.period, reach.value, reach.start) == ("reach", "day", 845.0, utc(2024, 3, 1, 8))
    views = m[("page_total_media_view_unique", utc(2024, 3, 3, 8))]
    assert (views.metric, views.period, views.start) == ("reach", "days_28", utc(2024, 2, 4, 8))
    week = m[("page_post_engagements", utc(2024, 3, 3, 8))]
    assert (week.metric, week.period, week.start) == ("interactions", "week", utc(2024, 2, 25, 8))
    # a metric the table does not know keeps its platform name; a dict value is a breakdown and its sum
    country = m[("page_fans_country", utc(2024, 3, 3, 8))]
    assert (country.metric, country.value, country.breakdown) == (
        "page_fans_country", 1204.0, {"SE": 1150.0, "FI": 31.0, "NO": 23.0})
    assert m[("page_fan_adds", utc(2024, 3, 3, 8))].metric == "follows"
    assert all(r.native_id is None for r in records)


def test_post_insights_name_the_post_and_unify_reaction_kinds():
    records = read("sv/post_insights.json", "api")
    m = {r.platform_metric: r for r in records}
    post = f"{PAGE}_1122334455667788"
    reactions = m["post_reactions_by_type_total"]
    assert (reactions.metric, reactions.period, reactions.end, reactions.native_id, reactions.page_id) == (
        "reactions", "lifetime", None, post, PAGE)
    assert reactions.value == 27.0
    assert reactions.breakdown == {"like": 20.0, "love": 5.0, "wow": 2.0, "haha": 0.0, "sad": 0.0, "angry": 0.0}
    assert (m["post_impressions_unique"].metric, m["post_impressions_unique"].value) == ("reach", 1893.0)
    assert m["post_clicks"].metric == "clicks"


def test_a_page_object_and_an_error_payload(tmp_path):
    page = write(tmp_path, "page.json", {"id": PAGE, "name": "Kulturhuset Tornet", "username": "kulturhusettornet",
                                          "followers_count": 1311, "fan_count": 1209, "category": "Arts"})
    assert CH.detect(page) == "api"
    account, followers = CH.read(page, "api")
    assert account == AccountRecord(channel="facebook", source="api", platform_id=PAGE,
                                    name="Kulturhuset Tornet", username="kulturhusettornet")
    assert (followers.metric, followers.platform_metric, followers.value, followers.period) == (
        "followers", "followers_count", 1311.0, "instant")
    err = write(tmp_path, "err.json", {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                                 "code": 190, "error_subcode": 463, "fbtrace_id": "AbC"}})
    assert CH.detect(err) == "api"
    [e] = CH.read(err, "api")
    assert isinstance(e, ItemError) and e.code == "190/463" and "Invalid OAuth" in e.message


def test_comments_nested_in_a_post_become_records_of_their_own(tmp_path):
    doc = {"data": [{
        "id": f"{PAGE}_1", "created_time": "2024-03-01T09:00:00+0000", "message": "Påskpyssel 🐣",
        "comments": {"data": [
            {"id": "1_10", "created_time": "2024-03-01T10:00:00+0000", "message": "Kul!",
             "from": {"id": "555", "name": "Åke"},
             "comments": {"data": [{"id": "1_11", "created_time": "2024-03-01T11:00:00+0000",
                                    "message": "Håller med", "from": {"id": "556", "name": "Örn"}}]}},
        ], "summary": {"total_count": 2}},
    }]}
    records = list(CH.read(write(tmp_path, "nested.json", doc), "api"))
    c = by_id(records)
    assert (c["1_10"].kind, c["1_10"].parent_native_id, c["1_10"].page_id) == ("comment", f"{PAGE}_1", PAGE)
    assert (c["1_11"].kind, c["1_11"].parent_native_id) == ("reply", "1_10")
    assert "data" not in c[f"{PAGE}_1"].raw["comments"]  # the post's raw leaves the comments to their records


def test_insights_nested_in_a_post(tmp_path):
    doc = {"data": [{"id": f"{PAGE}_9", "created_time": "2024-03-01T09:00:00+0000", "message": "Årsmöte",
                     "insights": {"data": [{"name": "post_impressions_unique", "period": "lifetime",
                                            "values": [{"value": 321}],
                                            "id": f"{PAGE}_9/insights/post_impressions_unique/lifetime"}]}}]}
    post, reach = CH.read(write(tmp_path, "ins.json", doc), "api")
    assert post.text == "Årsmöte" and "data" not in post.raw["insights"]
    assert (reach.metric, reach.value, reach.native_id, reach.page_id) == ("reach", 321.0, f"{PAGE}_9", PAGE)


def test_a_comment_without_permalink_takes_its_post_from_the_paging_url(tmp_path):
    doc = {"data": [{"id": "777_1", "created_time": "2024-03-01T10:00:00+0000", "message": "Hej då",
                     "like_count": 0}],
           "paging": {"next": f"https://graph.facebook.com/v19.0/{PAGE}_777/comments?access_token=abc&after=x"}}
    [comment, _likes] = CH.read(write(tmp_path, "c.json", doc), "api")
    assert (comment.parent_native_id, comment.page_id, comment.kind) == (f"{PAGE}_777", PAGE, "comment")


# --- webhooks -----------------------------------------------------------------------------------


def test_webhook_comment_add_with_from_and_sender_id():
    [c] = read("webhooks/feed-comment-add-211.json", "webhook")
    assert isinstance(c, ContentRecord)
    assert (c.kind, c.native_id, c.parent_native_id, c.page_id) == (
        "comment", "901097836652708_903438993085259", "1234567890321_901097836652708", "1234567890321")
    assert c.created == c.observed == utc(2015, 12, 3, 9, 30, 3)
    assert c.author.native_id == "1234567890321" and c.author.name == "Tester"
    assert c.raw["entry_time"] == 1449135003 and c.raw["field"] == "feed" and c.raw["verb"] == "add"
    [p] = read("webhooks/feed-comment-add-with-photo.json")
    assert p.author.native_id == "1234567890321" and isinstance(p.author.native_id, str)  # sender_id was a number
    assert p.media == (Media(kind="photo", url=p.raw["photo"]),)


def test_webhook_edit_and_edited_are_both_edits_observed_at_the_delivery():
    [comment] = read("webhooks/feed-comment-edited-25.json")
    [status] = read("webhooks/feed-status-edited-25.json")
    [post] = read("webhooks/feed-post-edit.json")
    assert comment.raw["verb"] == "edited" and post.raw["verb"] == "edit"
    for r in (comment, status, post):
        assert isinstance(r, ContentRecord)
    assert status.created == utc(2016, 1, 4, 23, 16, 55)  # created_time
    assert status.observed == utc(2016, 1, 4, 23, 17, 20)  # entry.time: when the edit happened
    assert post.kind == "visitor_post" and post.author.native_id == "8423678347823"  # from.id was a number


def test_webhook_posts_visitor_posts_and_mentions():
    [own] = read("webhooks/feed-status-add-25.json")
    assert (own.kind, own.native_id, own.text) == (
        "post", "1234567890321_930145403745849", "This is just a short test message")
    [visitor] = read("webhooks/feed-post-add-25.json")
    assert (visitor.kind, visitor.author.name, visitor.hidden) == ("visitor_post", "John Doe", False)
    # no created_time: the delivery's time, said so
    assert visitor.created == utc(2016, 2, 5, 21, 17) and visitor.time_note
    [mention] = read("webhooks/mention-post-add-real.json")
    assert (mention.kind, mention.native_id, mention.page_id) == (
        "visitor_post", "1234567890321_98722536423179", "1234567890321")
    assert mention.created == utc(2021, 2, 26, 11, 56, 2) and mention.raw["field"] == "mention"
    [photos] = read("webhooks/feed-status-add-photos.json")
    assert [m.url for m in photos.media] == [
        f"https://scontent-frt3-1.xx.fbcdn.net/exampleimage{i}.png" for i in (1, 2, 3)]
    [video] = read("webhooks/feed-video-add.json")
    assert video.media == (Media(kind="video", url="https://www.example.org/test.mp4"),)
    assert video.created == utc(2019, 2, 8, 11, 58, 2)


def test_webhook_hide_remove_and_reactions():
    [hide] = read("webhooks/feed-comment-hide.json")
    assert isinstance(hide, ModerationRecord)
    assert (hide.action, hide.kind, hide.native_id, hide.observed) == (
        "hide", "comment", "900728623356296_900744590021366", utc(2016, 7, 7, 12, 29, 22))
    [remove] = read("webhooks/feed-comment-remove-25.json")
    assert (remove.action, remove.native_id, remove.parent_native_id) == (
        "remove", "905578656204626_905579239537901", "1234567890321_905578656204626")
    [post_hide] = read("webhooks/feed-post-hide.json")
    assert (post_hide.action, post_hide.kind) == ("hide", "visitor_post")
    # What each delivery says of the item itself, for the core to capture first (R18: archive first).
    assert hide.item.text == "and the next one" and hide.item.author.native_id == "1234567890321"
    assert hide.item.created == utc(2016, 7, 7, 12, 29, 22) and not hide.item.partial
    assert post_hide.item.text == "Let's check this" and post_hide.item.author.name == "Joe"
    assert post_hide.item.time_note  # the delivery gives no created_time: its time, and it says so
    assert remove.item.text is None and remove.item.partial and "removed before" in remove.item.time_note
    assert remove.item.parent_native_id == remove.parent_native_id and remove.item.author.name == "John Doe"
    [reaction] = read("webhooks/feed-reaction-add-reply.json")  # who reacted is not kept: counted, with why
    assert isinstance(reaction, Skipped) and reaction.kind == "reaction" and "who reacted" in reaction.reason


def test_swedish_webhook_keeps_metas_bytes_and_reads_the_comment():
    data = (FIX / "sv/webhook_comment_add.json").read_bytes()
    assert data.isascii() and data.startswith(b'{"object":"page","entry":') and not data.endswith(b"\n")
    assert b"\\u00d6rjan \\u00c4rlig" in data
    [c] = read("sv/webhook_comment_add.json", "webhook")
    assert (c.kind, c.native_id, c.parent_native_id, c.page_id) == (
        "comment", "1122334455667788_2233445566005", f"{PAGE}_1122334455667788", PAGE)
    assert c.author == c.author.__class__(native_id="10157777", name="Örjan Ärlig")
    assert c.text == "Hej! Är caféet öppet under påsklovet? 🐣"
    assert c.created == utc(2024, 3, 1, 10, 48, 40)


def test_a_jsonl_batch_is_read_line_by_line():
    records = read("sv/webhook_batch.jsonl", "webhook")
    assert_wellformed(records)
    summary = [(type(r).__name__, r.kind, getattr(r, "action", None)) for r in records]
    assert summary == [
        ("ContentRecord", "visitor_post", None),
        ("ContentRecord", "comment", None),
        ("ContentRecord", "reply", None),
        ("Skipped", "reaction", None),
        ("ModerationRecord", "comment", "hide"),
        ("ModerationRecord", "comment", "remove"),
        ("ContentRecord", "visitor_post", None),
    ]
    visitor, edited, reply, _reaction, _hide, remove, mention = records
    assert visitor.author.native_id == "10154444" and visitor.author.name == "Lisa Wåhlström"
    assert visitor.text.endswith("någon som saknar den? 🧢")
    assert edited.observed == utc(2024, 3, 1, 13, 50) and edited.created == utc(2024, 3, 1, 10, 48, 40)
    assert reply.parent_native_id == edited.native_id and reply.author.native_id == PAGE
    assert remove.page_id == PAGE  # the entry id was a JSON number
    assert mention.native_id == "10150000123_99887766" and mention.page_id == PAGE


def test_an_array_of_deliveries_and_big_numeric_ids(tmp_path):
    big = 123456789012345678901234567890
    delivery = {"object": "page", "entry": [{"id": 42, "time": 1709290000, "changes": [{"field": "feed", "value": {
        "item": "status", "verb": "add", "post_id": "42_1", "sender_id": big, "sender_name": "Åsa",
        "created_time": 1709289999, "message": "Första"}}]}]}
    text = "[\n" + json.dumps(delivery, indent=2) + ",\n" + json.dumps(delivery, indent=2) + "\n]"
    e = write(tmp_path, "deliveries.json", text)
    assert CH.detect(e) == "webhook"
    records = list(CH.read(e, "webhook"))
    assert len(records) == 2
    assert records[0].author.native_id == str(big) and records[0].page_id == "42"
    assert records[0].kind == "visitor_post"


# --- account export -----------------------------------------------------------------------------

LAYOUTS = {
    "export_old": ("posts/your_posts_1.json", "comments/comments.json"),
    "export_new": ("your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_1.json",
                   "your_facebook_activity/comments_and_reactions/comments.json"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_export_posts_are_repaired_and_read(layout):
    posts_path, _ = LAYOUTS[layout]
    raw_bytes = (FIX / layout / posts_path).read_bytes()
    assert raw_bytes.isascii() and b"\\u00c3\\u00a4" in raw_bytes  # ä as Facebook writes it
    [e] = [f for f in open_inputs(FIX / layout) if f.path == posts_path]
    assert CH.detect(e) == "export" and not CH.skip(e)
    posts = list(CH.read(e, "export"))
    assert_wellformed(posts)
    assert [p.kind for p in posts] == ["post"] * 6
    # The entry with only a title (a memory shared) and the check-in are items of their own kinds.
    assert [p.format for p in posts] == [None, None, None, "share", "check-in", None]
    welcome, story, link, memory, checkin, video = posts
    assert memory.title == "Kulturhuset Tornet delade ett minne." and memory.text is None and not memory.media
    assert checkin.media[0].kind == "place" and checkin.media[0].description == "Storgatan 1, 123 45 Åby"
    assert welcome.text == "Välkommen till Kulturhuset! Öppet på lördag 🎭"
    assert welcome.native_id is None and welcome.page_id is None
    assert welcome.created == welcome.observed == utc(2024, 3, 1, 9, 15)
    [photo] = welcome.media
    assert photo.kind == "photo" and photo.uri.endswith("/431234567_122109876543210_n.jpg") and photo.url is None
    assert photo.uri.startswith(posts_path.rsplit("/", 1)[0] + "/media/")
    assert photo.description == "Foajén i vårljus 🌷"
    assert story.text == "Sagostund för barn 3–6 år på torsdag kl. 10 📚 Fri entré! (Ändrad tid: kl. 10, inte 11.)"
    assert story.created == utc(2024, 3, 4, 12) and story.observed == utc(2024, 3, 5, 8, 30)
    assert link.media == (Media(kind="link", url="https://www.kulturhuset-tornet.se/program/var-2024",
                                title="Vårens program – Kulturhuset Tornet"),)
    assert video.text is None and video.media[0].kind == "video"
    assert video.media[0].uri.endswith("konsert_ögonblick.mp4")
    # raw is the repaired entry, title included
    assert welcome.raw["title"] == "Kulturhuset Tornet uppdaterade sin status."


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_export_comments_are_repaired_and_read(layout):
    _, comments_path = LAYOUTS[layout]
    [e] = [f for f in open_inputs(FIX / layout) if f.path == comments_path]
    assert CH.detect(e) == "export"
    comments = list(CH.read(e, "export"))
    assert [c.kind for c in comments] == ["comment"] * 3
    # The entry without data is a comment known only by its title.
    [title_only] = [c for c in comments if c.text is None]
    assert title_only.title and title_only.title == title_only.raw["title"] and not title_only.media
    first = comments[0]
    assert first.text == "Hej Åsa! Biblioteket öppnar kl. 11 på söndagar. Välkommen! 📖"
    assert first.author.name == "Kulturhuset Tornet" and first.author.native_id is None
    assert first.parent_native_id is None and first.native_id is None
    assert first.raw["title"] == "Kulturhuset Tornet svarade på Åsa Öbergs kommentar."
    assert first.created == utc(2024, 3, 1, 10, 48, 31)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_whole_export_folder_or_zip_ingests(layout, tmp_path):
    zip_path = tmp_path / f"{layout}.zip"
    with zipfile.ZipFile(zip_path, "w") as z:
        for f in sorted((FIX / layout).rglob("*")):
            if f.is_file():
                z.write(f, f"facebook-kulturhusettornet-2024-03-10/{f.relative_to(FIX / layout).as_posix()}")
    for inputs in (open_inputs(FIX / layout), open_inputs(zip_path)):
        read_paths, kinds = [], Counter()
        for e in inputs:
            if CH.skip(e):
                continue
            source = CH.detect(e)
            assert source == "export", e.path  # nothing left over that the core would call unknown
            read_paths.append(e.path.rsplit("/", 1)[-1])
            kinds.update(r.kind for r in CH.read(e, source))
        assert sorted(read_paths) == sorted(p.rsplit("/", 1)[-1] for p in LAYOUTS[layout])
        assert kinds == {"post": 6, "comment": 3}


def test_export_files_the_channel_does_not_read_are_skipped():
    skipped = {e.path for e in open_inputs(FIX / "export_new") if CH.skip(e)}
    assert skipped == {
        "personal_information/profile_information/profile_information.json",
        "start_here.html",
        "your_facebook_activity/comments_and_reactions/likes_and_reactions_1.json",
        "your_facebook_activity/posts/media/Tidslinjefoton_xyz789/431234567_122109876543210_n.jpg",
        "your_facebook_activity/posts/media/Tidslinjefoton_xyz789/konsert_ögonblick.mp4",
    }
    old = {e.path for e in open_inputs(FIX / "export_old") if CH.skip(e)}
    assert {"index.html", "profile_information/profile_information.json",
            "likes_and_reactions/posts_and_comments.json"} <= old
    assert not {"posts/your_posts_1.json", "comments/comments.json"} & old


# --- mojibake -----------------------------------------------------------------------------------


def test_mojibake_repair_is_guarded():
    assert repair("V\u00c3\u00a4lkommen p\u00c3\u00a5 l\u00c3\u00b6rdag \u00f0\u009f\u008e\u00ad") == (
        "Välkommen på lördag 🎭")
    assert repair("3\u00e2\u0080\u00936 \u00c3\u00a5r") == "3–6 år"
    assert repair("Välkommen") == "Välkommen"  # proper text: the round trip fails, kept as is
    assert repair("Ö🎭") == "Ö🎭"  # not Latin-1 at all
    assert repair("plain ascii") == "plain ascii"
    tree = {"t\u00c3\u00a4": ["\u00c3\u00b6", {"x": "\u00c3\u0085sa"}], "n": 1, "b": None}
    assert repair_tree(tree) == {"tä": ["ö", {"x": "Åsa"}], "n": 1, "b": None}


# --- the metric table ---------------------------------------------------------------------------


def test_metric_table_maps_current_deprecated_and_renamed_names():
    expected = {
        "page_fans": "followers", "page_follows": "followers",
        "page_impressions_unique": "reach", "page_total_media_view_unique": "reach",
        "post_impressions_unique": "reach", "post_total_media_view_unique": "reach",
        "page_impressions": "impressions", "post_impressions": "impressions", "page_media_view": "views",
        "page_engaged_users": "engaged_users", "page_post_engagements": "interactions",
        "post_reactions_by_type_total": "reactions", "post_clicks": "clicks", "page_views_total": "profile_views",
        "page_fan_adds": "follows", "page_daily_follows_unique": "follows", "page_fan_removes": "unfollows",
    }
    assert {name: ledger_metric(name) for name in expected} == expected
    assert ledger_metric("page_posts_impressions_paid") == "page_posts_impressions_paid"  # unknown: kept
    assert all(metric in VOCABULARY for metric, _ in METRICS.values())
    assert PERIODS == {"day": "day", "week": "week", "days_28": "days_28", "month": "month",
                       "lifetime": "lifetime", "total_over_range": "range"}
    assert record_period("page_fans", "day") == "instant"  # a level, whatever Insights call it
    assert record_period("page_impressions", "days_28") == "days_28"
    assert record_period("post_clicks", None) == "lifetime"
    assert record_period("something_new", None) == "lifetime"


# --- helpers ------------------------------------------------------------------------------------


def test_tokens_and_paging_never_reach_raw():
    url = "https://graph.facebook.com/v19.0/1/feed?access_token=EAAB123&pretty=0&after=x"
    assert strip_token(url) == "https://graph.facebook.com/v19.0/1/feed?pretty=0&after=x"
    assert strip_token("https://x/y?a=1&access_token=T") == "https://x/y?a=1"
    assert strip_token("https://x/y?a=1&access_token=T&b=2") == "https://x/y?a=1&b=2"
    assert strip_token("https://x/y?access_token=T") == "https://x/y"
    assert strip_token("no token here: å") == "no token here: å"
    cleaned = clean({"paging": {"next": url}, "a": [url], "access_token": "T", "b": {"paging": 1, "c": 2}})
    assert cleaned == {"a": ["https://graph.facebook.com/v19.0/1/feed?pretty=0&after=x"], "b": {"c": 2}}


def test_times_become_aware_utc():
    assert parse_time("2021-08-10T18:45:03+0000") == utc(2021, 8, 10, 18, 45, 3)
    assert parse_time("2021-08-10T20:45:03+0200") == utc(2021, 8, 10, 18, 45, 3)
    assert parse_time(1449135003) == utc(2015, 12, 3, 9, 30, 3)
    assert parse_time("1449135003") == utc(2015, 12, 3, 9, 30, 3)
    assert parse_time(1449135003000) == utc(2015, 12, 3, 9, 30, 3)  # milliseconds
    assert parse_time("2021-08-10T18:45:03+0000").tzinfo == UTC


# --- detection and errors -----------------------------------------------------------------------


@pytest.mark.parametrize("doc", [
    {"foo": 1},
    {"data": [{"id": "17895731045244887", "media_type": "IMAGE", "timestamp": "2021-08-13T08:25:28+0000"}]},
    {"data": [{"name": "impressions", "period": "day", "values": [{"value": 4}],
               "id": "17841400008460056/insights/impressions/day"}]},
    {"object": "instagram", "entry": []},
    [1, 2, 3],
    "just a string",
])
def test_detect_returns_none_for_json_it_does_not_read(tmp_path, doc):
    assert CH.detect(write(tmp_path, "other.json", doc)) is None


def test_detect_returns_none_for_text_and_skip_is_true_for_non_json(tmp_path):
    e = write(tmp_path, "notes.txt", "Hej, det här är inte JSON.")
    assert CH.detect(e) is None and CH.skip(e)
    assert CH.skip(write(tmp_path, "a.jpg", bytes.fromhex("ffd8ffe000104a464946")))
    assert not CH.skip(write(tmp_path, "delivery.body", b'{"object":"page","entry":[]}'))


def test_detect_sniffs_large_files_and_reads_them(tmp_path):
    item = {"id": f"{PAGE}_1", "created_time": "2024-03-01T09:00:00+0000", "message": "Ö" * 200}
    feed = {"data": [dict(item, id=f"{PAGE}_{i}") for i in range(500)],
            "paging": {"next": f"https://graph.facebook.com/v19.0/{PAGE}/feed?access_token=T&after=x"}}
    e = write(tmp_path, "big_feed.json", feed)
    assert e.size > 64 * 1024
    assert CH.detect(e) == "api"
    assert len(list(CH.read(e, "api"))) == 500
    line = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1709290000, "changes": [{"field": "feed",
        "value": {"item": "comment", "verb": "add", "comment_id": "1_2", "post_id": f"{PAGE}_1",
                  "parent_id": f"{PAGE}_1", "created_time": 1709290000, "message": "å" * 100}}]}]})
    batch = write(tmp_path, "batch.jsonl", (line + "\n") * 600)
    assert batch.size > 64 * 1024 and CH.detect(batch) == "webhook"
    assert len(list(CH.read(batch, "webhook"))) == 600


@pytest.mark.parametrize(("name", "data", "source", "message"), [
    ("data_not_list.json", {"data": {"id": "1"}, "paging": {}}, "api", "'data' is dict, not a list"),
    ("no_id.json", {"data": [{"created_time": "2024-03-01T09:00:00+0000", "message": "Utan id"}]},
     "api", "data[0]: a post without an id"),
    ("comment_no_id.json", {"data": [{"created_time": "2024-03-01T09:00:00+0000", "message": "Hej",
                                      "like_count": 0, "permalink_url": "https://www.facebook.com/1/posts/2/"}]},
     "api", "a comment without an id"),
    ("bad_time.json", {"data": [{"id": "1_2", "created_time": "igår", "message": "x"}]},
     "api", "'igår' is not a time"),
    ("bad_values.json", {"data": [{"name": "page_fans", "period": "day", "values": 12}]},
     "api", "'values' of page_fans is not a list"),
    ("bad_period.json", {"data": [{"name": "page_impressions", "period": "fortnight", "values": [{"value": 1}]}]},
     "api", "unknown Insights period 'fortnight'"),
    ("bad_entry.json", {"object": "page", "entry": {"id": "1"}}, "webhook", "'entry' is missing or not a list"),
    ("bad_change.json", {"object": "page", "entry": [{"id": "1", "time": 1, "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "post_id": "1_2"}}]}]},
     "webhook", "a comment change without comment_id"),
    ("bad_export.json", {"something": []}, "export", "neither a posts array nor a comments_v2 object"),
    ("bad_comments.json", {"comments_v2": {"a": 1}}, "export", "'comments_v2' is not a list"),
])
def test_bad_data_raises_badinput_naming_the_file(tmp_path, name, data, source, message):
    e = write(tmp_path, name, data)
    with pytest.raises(BadInput) as info:
        list(CH.read(e, source))
    assert str(info.value).startswith(str(tmp_path / name) + ": ")
    assert message in str(info.value)


def test_malformed_json_and_a_bad_jsonl_line(tmp_path):
    e = write(tmp_path, "cut.json", '{"data": [{"id": "1_2", "created_time": "2024-')
    assert CH.detect(e) == "api"  # it looks like ours: read says what is wrong
    with pytest.raises(BadInput, match="malformed JSON"):
        list(CH.read(e, "api"))
    good = json.dumps({"object": "page", "entry": []})
    batch = write(tmp_path, "batch.jsonl", good + "\n" + '{"object": "page", "entry": [' + "\n")
    with pytest.raises(BadInput, match=r"batch\.jsonl: line 2: malformed JSON"):
        list(CH.read(batch, "webhook"))


def test_read_takes_the_document_detect_decoded_and_only_a_whole_one(tmp_path):
    from attrs import evolve

    opened = []
    e = write(tmp_path, "feed.json", {"data": [{"id": f"{PAGE}_1", "created_time": "2024-03-01T09:00:00+0000",
                                                "message": "Hej Göteborg"}]})
    counted = evolve(e, opener=lambda: opened.append(1) or e.open())
    ch = FacebookChannel()
    assert ch.detect(counted) == "api" and len(opened) == 1
    assert [r.text for r in ch.read(counted, "api")] == ["Hej Göteborg"] and len(opened) == 1
    assert len(list(ch.read(counted, "api"))) == 1 and len(opened) == 2  # handed over once
    # A first line that is a document, and then more: detect recognises it, read still finds it malformed.
    tail = write(tmp_path, "tail.json", '{"data": []}\n{"data": [')
    assert ch.detect(tail) == "api"
    with pytest.raises(BadInput, match="malformed JSON"):
        list(ch.read(tail, "api"))


def test_no_python_error_escapes_read_on_odd_shapes(tmp_path):
    odd = [
        {"data": [1, 2]},
        {"data": [{"id": ["x"], "created_time": "2024-03-01T09:00:00+0000"}]},
        {"data": [{"id": "1_2", "created_time": True}]},
        {"data": [{"name": "page_fans", "period": "day", "values": [{"value": "många"}]}]},
        {"data": [{"name": "page_fans", "period": 5, "values": []}]},
        {"object": "page", "entry": [{"id": None, "time": 1, "changes": []}]},
        {"object": "page", "entry": [{"id": "1", "time": 1, "changes": [{"field": "feed", "value": "x"}]}]},
        [{"timestamp": "när?", "data": [{"post": "Hej"}]}],
        [{"timestamp": 1, "data": [{"post": "Hej"}]}, "inte ett objekt"],
    ]
    sources = ["api"] * 5 + ["webhook"] * 2 + ["export"] * 2
    for i, (doc, source) in enumerate(zip(odd, sources, strict=True)):
        e = write(tmp_path, f"odd{i}.json", doc)
        with pytest.raises(BadInput, match=rf"odd{i}\.json: "):
            list(CH.read(e, source))


def test_read_refuses_a_source_it_does_not_read(tmp_path):
    e = write(tmp_path, "x.json", {"data": []})
    with pytest.raises(BadInput, match="not 'sms'"):
        list(CH.read(e, "sms"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.facebook.com/104729384756102/posts/9001/", ("104729384756102", "9001", None, None)),
    ("https://www.facebook.com/104729384756102/posts/9001/?comment_id=77", ("104729384756102", "9001", "77", None)),
    ("https://www.facebook.com/104729384756102/posts/9001/?comment_id=77&reply_comment_id=78",
     ("104729384756102", "9001", "77", "78")),
    ("https://m.facebook.com/104729384756102/posts/9001?reply_comment_id=78&comment_id=77",
     ("104729384756102", "9001", "77", "78")),
    ("https://www.facebook.com/104729384756102/posts/9001/?comment_id=77&__tn__=R",
     ("104729384756102", "9001", "77", None)),
    ("https://www.facebook.com/permalink.php?story_fbid=9001&id=104729384756102&comment_id=77",
     ("104729384756102", "9001", "77", None)),
    ("https://www.facebook.com/tornetkommun/photos/a.1/9001/?comment_id=77", (None, "9001", "77", None)),
    ("https://www.facebook.com/104729384756102/posts/9001/?comment_id=x7", ("104729384756102", "9001", None, None)),
])
def test_permalinks_name_page_post_comment_and_reply(url, expected):
    from socialledger.plugins.facebook.graph import parse_permalink

    assert tuple(parse_permalink(url)) == expected
