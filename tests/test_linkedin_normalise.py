"""The LinkedIn channel turns API responses (raw and Airbyte-wrapped) and a member's CSV export into records.

The real Airbyte recording (tests/fixtures/linkedin/api; see SOURCES.md there) and our own Swedish
fixtures (sv/, export/) go through `LinkedInChannel().detect/read` exactly as the core calls them:
one `InputFile` at a time, from `open_inputs`.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pluggy
import pytest
from channel_samples import Samples, by_id, contents, utc
from channel_samples import assert_wellformed as wellformed
from channel_samples import write as write_file

from socialledger.core import hookspecs
from socialledger.core.capture.channels import ChannelRegistry
from socialledger.core.capture.inputs import InputFile, open_inputs
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.metrics import VOCABULARY
from socialledger.core.domain.records import (
    AccountRecord,
    AuthorRef,
    ItemError,
    Media,
    MetricsRecord,
    Skipped,
)
from socialledger.plugins.facebook import FacebookChannel
from socialledger.plugins.linkedin import LinkedInChannel, register_channels
from socialledger.plugins.linkedin.common import (
    comment_target,
    find_post_urn,
    normalise_comment_urn,
    unescape_little,
    urn_time,
)
from socialledger.plugins.linkedin.export import export_kind, read_export
from socialledger.plugins.linkedin.metrics import METRICS, ledger_metric, period_of
from socialledger.testing import actor, make_ledger

FIX = Path(__file__).parent / "fixtures" / "linkedin"
ORG = "90362860"
CH = LinkedInChannel()
REAL = "api/airbyte_linkedin_pages_expected_records.jsonl"

S1 = "urn:li:share:7173973632615634567"
A1 = "urn:li:activity:7173973633131287046"
U2 = "urn:li:ugcPost:7172940575539202222"
C1 = f"urn:li:comment:({A1},7173996856475648011)"
C2 = f"urn:li:comment:({A1},7174015156224000012)"
C3 = f"urn:li:comment:({A1},7174112065617920013)"
C4 = f"urn:li:comment:({U2},7173231240806400014)"
C5 = f"urn:li:comment:({U2},7173241558794240015)"
ASA = "urn:li:person:aB3dE5fG7h"
ORJAN = "urn:li:person:Q9rS1tU3vW"


_samples = Samples(CH, FIX)
entry, read = _samples.entry, _samples.read
write = partial(write_file, ensure_ascii=False)


def read_doc(tmp_path: Path, doc: object, name: str = "doc.json") -> list:
    e = write(tmp_path, name, doc)
    assert CH.detect(e) == "api", doc
    return list(CH.read(e, "api"))


def ms(*args: int) -> int:
    return int(utc(*args).timestamp() * 1000)


assert_wellformed = partial(wellformed, channel="linkedin")


# --- the plugin ---------------------------------------------------------------------------------


def test_the_plugin_registers_the_channel_through_the_hook():
    pm = pluggy.PluginManager("socialledger")
    pm.add_hookspecs(hookspecs)
    import socialledger.plugins.linkedin as plugin

    pm.register(plugin, name="socialledger.plugins.linkedin")
    pm.check_pending()
    registry = ChannelRegistry()
    pm.hook.register_channels(register=lambda ch: registry.register(ch, "linkedin-plugin"))
    ch = registry.get("linkedin")
    assert isinstance(ch, LinkedInChannel)
    assert (ch.title, ch.reads) == ("LinkedIn", ("api", "export"))
    assert register_channels is plugin.register_channels


# --- the real Airbyte recording -----------------------------------------------------------------


def test_the_real_sample_is_a_byte_copy_of_the_shared_one():
    shared = Path("/work/shared/platform-samples/linkedin/api/airbyte_linkedin_pages_expected_records.jsonl")
    if not shared.exists():
        pytest.skip("shared samples not present")
    assert (FIX / REAL).read_bytes() == shared.read_bytes()


def test_the_real_airbyte_records_are_read_by_shape_and_observed_at_emitted_at():
    e = entry(REAL)
    assert not CH.skip(e)
    records = read(REAL, "api")
    assert_wellformed(records)
    account = records[0]
    assert account == AccountRecord(
        channel="linkedin", source="api", platform_id=ORG, name="Testing Company", username="oursource",
        observed=datetime.fromtimestamp(1713639305.418, UTC))
    shares = {r.platform_metric: r for r in records if isinstance(r, MetricsRecord) and r.page_id == ORG}
    assert set(shares) == {"uniqueImpressionsCount", "shareCount", "shareMentionsCount", "engagement", "clickCount",
                           "likeCount", "impressionCount", "commentMentionsCount", "commentCount"}
    assert {(k, r.metric) for k, r in shares.items()} == {
        ("uniqueImpressionsCount", "reach"), ("shareCount", "shares"), ("clickCount", "clicks"),
        ("likeCount", "reactions"), ("impressionCount", "impressions"), ("commentCount", "comments"),
        # not in the table: kept under their platform names
        ("engagement", "engagement"), ("shareMentionsCount", "shareMentionsCount"),
        ("commentMentionsCount", "commentMentionsCount"),
    }
    emitted = datetime.fromtimestamp(1713639308.303, UTC)
    assert {(r.period, r.start, r.end, r.value, r.native_id) for r in shares.values()} == {
        ("range", None, emitted, 0.0, None)}
    [followers] = [r for r in records if isinstance(r, MetricsRecord) and r.page_id is None]
    assert (followers.metric, followers.platform_metric, followers.period, followers.value, followers.end) == (
        "followers", "firstDegreeSize", "instant", 0.0, datetime.fromtimestamp(1713639309.459, UTC))
    # follower_statistics holds only empty demographic lists: no data, no record
    assert len(records) == 1 + 9 + 1


def test_airbyte_protocol_messages_and_other_message_types(tmp_path):
    record = {"type": "RECORD", "record": {"stream": "total_follower_count", "data": {"firstDegreeSize": 1311},
                                           "emitted_at": ms(2024, 3, 20, 6)}}
    state = {"type": "STATE", "state": {"data": {"cursor": 1}}}
    lines = "\n".join(json.dumps(d) for d in (record, state, record)) + "\n"
    e = write(tmp_path, "airbyte.jsonl", lines)
    assert CH.detect(e) == "api"
    out = list(CH.read(e, "api"))
    assert [(r.metric, r.value, r.end) for r in out] == [("followers", 1311.0, utc(2024, 3, 20, 6))] * 2


# --- Posts API ----------------------------------------------------------------------------------


def test_posts_page_urns_times_little_text_and_media():
    records = read("sv/posts_p1.json", "api")
    assert_wellformed(records)
    posts = contents(records)
    # the DRAFT was never published: not recorded, counted as skipped with why
    assert [(r.kind, r.reason) for r in records if isinstance(r, Skipped)] == [("draft post", "a draft: never published")]
    records = [r for r in records if not isinstance(r, Skipped)]
    assert len(records) == len(posts) == 4
    assert [p.native_id for p in posts] == [
        S1, U2, "urn:li:share:7171897452134403333", "urn:li:ugcPost:7170719691571205555"]
    assert {(p.kind, p.page_id, p.author, p.source) for p in posts} == {("post", ORG, None, "api")}
    welcome, concert, article, poll = posts
    assert welcome.created == utc(2024, 3, 14, 9, 30)  # createdAt
    assert welcome.observed == utc(2024, 3, 15, 7, 45)  # lastModifiedAt: edited by the author
    assert welcome.text == (
        "Välkommen till vårens utställning på Kulturhuset 🎨 Vi öppnar lördag 16 mars (kl. 11–16) tillsammans "
        "med Stadsbiblioteket Åsunda. Frågor? Mejla info@tornet.se #kultur #vår *gratis inträde* "
        "[barn & unga] <3 ~ | _ \\ { }")
    assert welcome.raw["commentary"].startswith("Välkommen")
    assert "@[Stadsbiblioteket Åsunda](urn:li:organization:11112222)" in welcome.raw["commentary"]
    assert welcome.raw["lifecycleStateInfo"] == {"isEditedByAuthor": True}
    assert welcome.media == (Media(kind="photo", uri="urn:li:image:D4D22AQFvarljus01",
                                   description="Foajén i vårljus med tavlor på väggarna 🌷"),)
    assert welcome.permalink == f"https://www.linkedin.com/feed/update/{S1}/"
    assert concert.text == "Tack Märta Ängström för en fin konsert i går! Bilder från kvällen ⬇️"
    assert [(m.kind, m.uri, m.description) for m in concert.media] == [
        ("photo", "urn:li:image:D4D22AQkonsert1", "Kören på scenen"),
        ("photo", "urn:li:image:D4D22AQkonsert2", "Publiken applåderar 👏")]
    assert concert.observed == utc(2024, 3, 11, 13, 5, 2) and concert.raw["lifecycleStateInfo"] == {
        "isEditedByAuthor": False}
    assert article.media == (Media(kind="link", url="https://www.kulturhuset-tornet.se/program/hosten-2024",
                                   title="Höstens program 2024",
                                   description="Teater, musik och föreläsningar för alla åldrar"),)
    assert poll.media == (Media(kind="poll", title="Vilken dag passar bäst?", description="Lördag\nSöndag"),)


def test_an_older_and_a_newer_observation_of_one_post():
    [old] = read("sv/edit_older.json")
    [new] = read("sv/edit_newer.json")
    assert old.native_id == new.native_id == "urn:li:share:7169255040614407777"
    assert old.created == new.created == utc(2024, 3, 1, 9)
    assert old.observed == utc(2024, 3, 1, 9, 0, 1) < new.observed == utc(2024, 3, 2, 8, 15)
    assert (old.text, new.text) == ("Sagostund på lördag kl. 10 📚",
                                    "Sagostund på lördag kl. 10.30 📚 – nu i nya barnavdelningen")


def test_posts_by_another_organisation_or_a_person(tmp_path):
    [other] = read("sv/other_org_posts.json")
    assert (other.kind, other.page_id, other.author) == ("post", "11112222", None)
    person = "urn:li:person:Pp1Ers0n"
    [mine] = contents(read_doc(tmp_path, {"id": "urn:li:share:7165646261452800100", "author": person,
                                          "commentary": "Mitt eget inlägg om jobbet 💼",
                                          "lastModifiedAt": ms(2024, 2, 21)}))
    # a person's own post: no page, the person as author, never a "visitor_post"
    assert (mine.kind, mine.page_id, mine.author) == ("post", None, AuthorRef(native_id=person))
    # no createdAt/publishedAt: the creation time comes from the URN, and says so
    assert mine.created == utc(2024, 2, 20, 10) and mine.time_note
    assert mine.observed == utc(2024, 2, 21)


def test_a_single_post_a_batch_get_and_an_error_payload(tmp_path):
    one = {"id": U2, "author": f"urn:li:organization:{ORG}", "commentary": "Hej \\(igen\\)",
           "createdAt": ms(2024, 3, 11, 13, 5), "lastModifiedAt": ms(2024, 3, 11, 13, 6)}
    [post] = read_doc(tmp_path, one, "one.json")
    assert (post.native_id, post.text, post.page_id) == (U2, "Hej (igen)", ORG)
    batch = {"results": {U2: one}, "statuses": {U2: 200, S1: 404},
             "errors": {S1: {"status": 404, "serviceErrorCode": 100, "code": "NOT_FOUND", "message": "Not found"}}}
    records = read_doc(tmp_path, batch, "batch.json")
    assert contents(records) == [post]
    assert records[1] == ItemError(channel="linkedin", source="api", message="NOT_FOUND: Not found",
                                   native_id=S1, code="404/100")
    [err] = read_doc(tmp_path, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN",
                                "message": "Invalid access token"}, "error.json")
    assert (err.message, err.code) == ("INVALID_ACCESS_TOKEN: Invalid access token", "401/65600")


# --- little text and URNs -----------------------------------------------------------------------


@pytest.mark.parametrize(("little", "plain"), [
    ("Hej \\@alla \\(och\\) \\[några\\] \\{fler\\} \\<3 \\# \\* \\_ \\~ \\| \\\\", "Hej @alla (och) [några] {fler} <3 # * _ ~ | \\"),
    ("Tack @[Åsa Öberg](urn:li:person:abc123)!", "Tack Åsa Öberg!"),
    ("Med @[Acme \\(AB\\)](urn:li:organization:2414183) och @[Devtestco] (urn:li:organization:1)",
     "Med Acme (AB) och Devtestco"),
    ("{hashtag|\\#|vårfest} och {hashtag|#|Technology} och {hashtag|＃|全角}", "#vårfest och #Technology och ＃全角"),
    ("Oförändrad text med å ä ö 😊", "Oförändrad text med å ä ö 😊"),
    ("Ett ensamt \\ och \\n behålls", "Ett ensamt \\ och \\n behålls"),
    ("@ensam och {inte en mall}", "@ensam och {inte en mall}"),
])
def test_little_text_is_unescaped(little, plain):
    assert unescape_little(little) == plain


def test_urn_times_and_comment_urns():
    assert urn_time(S1) == utc(2024, 3, 14, 9, 30)
    assert urn_time(A1) == utc(2024, 3, 14, 9, 30, 0, 123000)
    assert urn_time(C1) == utc(2024, 3, 14, 11, 2, 17)  # a comment URN: the comment's own id
    assert urn_time("urn:li:share:12") is None  # 1970: no time LinkedIn could have made
    assert urn_time("urn:li:person:aB3dE5fG7h") is None and urn_time(None) is None
    assert comment_target(C1) == (A1, "7173996856475648011")
    assert normalise_comment_urn("urn:li:comment:(activity:1,2)") == "urn:li:comment:(urn:li:activity:1,2)"
    assert normalise_comment_urn("urn:li:share:1") is None
    assert find_post_urn("https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A42/") == "urn:li:ugcPost:42"


# --- comments -----------------------------------------------------------------------------------


def test_comments_on_an_activity_are_linked_to_the_share_the_request_named():
    records = read("sv/comments_share_p1.json", "api")
    assert_wellformed(records)
    c = by_id(records)
    assert list(c) == [C1, C2, C3]
    asa, reply, orjan = c[C1], c[C2], c[C3]
    # object and commentUrn name the activity; the paging href names the share asked for
    assert (asa.kind, asa.parent_native_id, asa.page_id) == ("comment", S1, None)
    assert asa.raw["object"] == A1
    assert asa.text == "När öppnar kaféet på lördag? ☕️"
    assert asa.author == AuthorRef(native_id=ASA)
    assert asa.created == asa.observed == utc(2024, 3, 14, 11, 2, 17)
    # the organisation answers in its own name: the author is the account itself
    assert (reply.kind, reply.parent_native_id) == ("reply", C1)
    assert reply.author == AuthorRef(native_id=ORG)
    assert reply.text == "Kaféet öppnar 10.30 – välkommen! 😊"
    # edited: observed is lastModified.time
    assert orjan.created == utc(2024, 3, 14, 18, 40, 5) and orjan.observed == utc(2024, 3, 14, 18, 52)
    assert orjan.text == 'Så fint det blev i foajén! 🌷 "Vårljus" är min favorit'
    assert orjan.media == (Media(
        kind="photo", uri="urn:li:image:D4D10AQHfoajen",
        url="https://media.licdn.com/dms/image/D4D10AQHfoajen/comment-image-shrink_800/0/1710441605000"
            "?e=1711065600&v=beta&t=abc"),)
    # who liked is never kept; the counts are
    assert asa.raw["likesSummary"] == {"aggregatedTotalLikes": 2, "likedByCurrentUser": False, "totalLikes": 2}
    assert "selectedComments" not in asa.raw["commentsSummary"]
    assert ORJAN not in json.dumps(asa.raw)
    counts = {(m.native_id, m.platform_metric): (m.metric, m.value, m.period, m.end)
              for m in records if isinstance(m, MetricsRecord)}
    assert counts[(C1, "likesSummary.totalLikes")] == ("reactions", 2.0, "lifetime", None)
    assert counts[(C1, "commentsSummary.aggregatedTotalComments")] == ("comments", 1.0, "lifetime", None)
    assert counts[(C1, "commentsSummary.totalFirstLevelComments")][0] == "commentsSummary.totalFirstLevelComments"


def test_comments_whose_object_is_the_ugcpost():
    records = read("sv/comments_ugcpost_p1.json", "api")
    c = by_id(records)
    assert (c[C4].kind, c[C4].parent_native_id, c[C4].author.native_id) == ("comment", U2, ORJAN)
    assert (c[C5].kind, c[C5].parent_native_id, c[C5].author.native_id) == ("reply", C4, ASA)
    assert c[C4].text == "Blir det teckentolkning på nästa konsert? 🤟"


def _comment(**fields: object) -> dict:
    base = {"actor": ASA, "created": {"actor": ASA, "time": ms(2024, 3, 14, 11)},
            "message": {"text": "Hej från Västerås 👋", "attributes": []}}
    base.update(fields)
    return base


def test_comment_linking_rules(tmp_path):
    # no share anywhere: the activity URN is the parent (documented)
    [only_activity] = contents(read_doc(tmp_path, {"paging": {"start": 0, "count": 10, "links": []}, "elements": [
        _comment(id="5", object=A1, commentUrn=f"urn:li:comment:({A1},5)")]}, "a.json"))
    assert (only_activity.kind, only_activity.parent_native_id) == ("comment", A1)
    # `object` naming a share wins over the request's post
    href = "/rest/socialActions/urn%3Ali%3Ashare%3A111/comments?start=10&count=10"
    page = {"paging": {"start": 0, "count": 10, "links": [{"rel": "next", "href": href}]},
            "elements": [_comment(id="6", object=S1, commentUrn=f"urn:li:comment:({A1},6)"),
                         _comment(id="7", object=A1, commentUrn=f"urn:li:comment:({A1},7)")]}
    own, from_request = contents(read_doc(tmp_path, page, "b.json"))
    assert own.parent_native_id == S1 and from_request.parent_native_id == "urn:li:share:111"
    # a page of a comment's replies: the request names the parent comment
    href = f"/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A{A1[16:]}%2C7173996856475648011%29/comments"
    [reply] = contents(read_doc(tmp_path, {"paging": {"start": 0, "count": 10, "links": [{"rel": "next", "href": href}]},
                                           "elements": [_comment(id="8", object=A1)]}, "c.json"))
    assert (reply.kind, reply.parent_native_id, reply.native_id) == ("reply", C1, f"urn:li:comment:({A1},8)")
    # no created.time: from the comment URN
    [late] = contents(read_doc(tmp_path, {"elements": [
        {"actor": ASA, "commentUrn": C3, "object": A1, "message": {"text": "Sent"}}], "paging": {"count": 1}},
        "d.json"))
    assert late.created == late.observed == utc(2024, 3, 14, 18, 40, 5) and late.time_note


# --- statistics ---------------------------------------------------------------------------------


def test_time_bound_share_statistics_are_daily_values():
    records = read("sv/share_statistics_daily.json", "api")
    assert_wellformed(records)
    m = {(r.platform_metric, r.start): r for r in records}
    assert len(records) == 16
    day1 = m[("impressionCount", utc(2024, 3, 14))]
    assert (day1.metric, day1.period, day1.end, day1.value, day1.page_id, day1.native_id) == (
        "impressions", "day", utc(2024, 3, 15), 1430.0, ORG, None)
    assert m[("likeCount", utc(2024, 3, 15))].value == 9.0 and m[("likeCount", utc(2024, 3, 15))].metric == "reactions"
    rate = m[("engagement", utc(2024, 3, 14))]
    assert (rate.metric, rate.value) == ("engagement", 0.07342657342657342)  # a rate: kept under its own name


def test_statistics_of_single_posts_name_the_post():
    records = read("sv/share_statistics_posts.json", "api")
    m = {(r.native_id, r.metric): r for r in records}
    assert m[(S1, "reach")].value == 980.0 and m[(S1, "reach")].platform_metric == "uniqueImpressionsCount"
    assert m[(U2, "clicks")].value == 8.0
    assert {(r.period, r.end, r.page_id) for r in records} == {("lifetime", None, ORG)}


def test_follower_gains_per_month_and_follower_demographics():
    gains = read("sv/follower_statistics_monthly.json", "api")
    assert [(r.metric, r.platform_metric, r.period, r.start, r.end, r.value, r.breakdown) for r in gains] == [
        ("follows", "followerGains", "month", utc(2024, 2, 1), utc(2024, 3, 1), 34.0, {"organic": 34.0, "paid": 0.0}),
        ("follows", "followerGains", "month", utc(2024, 3, 1), utc(2024, 4, 1), 56.0, {"organic": 51.0, "paid": 5.0}),
    ]
    demo = {r.platform_metric: r for r in read("sv/follower_statistics_lifetime.json", "api")}
    assert set(demo) == {"followerCountsByAssociationType", "followerCountsByGeoCountry", "followerCountsBySeniority"}
    geo = demo["followerCountsByGeoCountry"]
    assert (geo.metric, geo.period, geo.end, geo.value, geo.page_id) == (
        "followerCountsByGeoCountry", "instant", None, 1224.0, ORG)
    assert geo.breakdown == {"urn:li:geo:105117694": 1183.0, "urn:li:geo:100456013": 41.0}
    assert demo["followerCountsByAssociationType"].breakdown == {"EMPLOYEE": 58.0}


def test_network_size_and_organisation_lookup(tmp_path):
    [followers] = read("sv/network_size.json", "api")
    assert (followers.metric, followers.period, followers.value, followers.end, followers.page_id) == (
        "followers", "instant", 1311.0, None, None)
    [account] = read("sv/organization.json", "api")
    assert account == AccountRecord(channel="linkedin", source="api", platform_id=ORG,
                                    name="Kulturhuset Tornet", username="kulturhuset-tornet")
    [localized] = read_doc(tmp_path, {"id": 123, "vanityName": "tornet",
                                      "name": {"localized": {"sv_SE": "Tornet på svenska"}}})
    assert (localized.platform_id, localized.name) == ("123", "Tornet på svenska")


def test_a_social_actions_summary_counts_a_post(tmp_path):
    records = read_doc(tmp_path, {"target": S1, "likesSummary": {"totalLikes": 61, "selectedLikes": [ASA]},
                                  "commentsSummary": {"aggregatedTotalComments": 4, "totalFirstLevelComments": 3}})
    assert [(r.native_id, r.metric, r.value, r.period) for r in records] == [
        (S1, "reactions", 61.0, "lifetime"), (S1, "comments", 4.0, "lifetime"),
        (S1, "commentsSummary.totalFirstLevelComments", 3.0, "lifetime")]


# --- the metric table ---------------------------------------------------------------------------


def test_metric_table_maps_current_renamed_and_retired_names():
    assert all(metric in VOCABULARY for metric, _ in METRICS.values())
    assert ledger_metric("impressionCount") == "impressions"
    assert ledger_metric("uniqueImpressionsCount") == "reach"
    assert ledger_metric("likeCount") == "reactions"  # "likes" count every reaction kind
    assert ledger_metric("firstDegreeSize") == ledger_metric("numFollowers") == "followers"  # numFollowers: v1
    assert ledger_metric("followerGains") == "follows"
    # unknown: kept under the platform's name
    assert ledger_metric("engagement") == "engagement"
    assert ledger_metric("followerCountsByRegion") == "followerCountsByRegion"
    assert period_of(utc(2024, 3, 14), utc(2024, 3, 15)) == "day"
    assert period_of(utc(2024, 3, 11), utc(2024, 3, 18)) == "week"
    assert period_of(utc(2024, 2, 1), utc(2024, 3, 1)) == "month"
    assert period_of(utc(2024, 2, 3), utc(2024, 3, 2)) == "days_28"
    assert period_of(utc(2024, 2, 3), utc(2024, 2, 13)) == "range"


# --- the member's CSV export --------------------------------------------------------------------


def test_shares_csv_with_a_suffix_multiline_cells_and_a_blank_date():
    e = entry("export/Shares_7789716.csv")
    assert export_kind(e.path) == "shares" and not CH.skip(e) and CH.detect(e) == "export"
    posts = list(CH.read(e, "export"))
    assert_wellformed(posts)
    assert [p.native_id for p in posts] == [
        "urn:li:share:7173981731815424101", "urn:li:ugcPost:7169024899153920102", "urn:li:share:7136262645350400103"]
    assert {(p.kind, p.source, p.page_id, p.author) for p in posts} == {("post", "export", None, None)}
    first, undated, christmas = posts
    assert first.created == first.observed == utc(2024, 3, 14, 10, 2, 11) and first.time_note is None
    assert first.text == "Stolt över vårens utställning på Kulturhuset Tornet 🎨\nKom förbi på lördag – vi bjuder på fika!"
    assert first.media == (Media(kind="link", url="https://www.kulturhuset-tornet.se/utstallning"),)
    assert first.permalink == "https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7173981731815424101"
    assert first.raw["Visibility"] == "MEMBER_NETWORK"
    # blank Date: the time is the ugcPost URN's
    assert undated.created == undated.observed == utc(2024, 2, 29, 17, 45, 30)
    assert undated.time_note == "the export gives no date: created time derived from the post URN"
    assert undated.raw["Date"] == ""
    assert undated.text == 'Datum saknas här: "citat" inom texten – å ä ö'
    assert [m.kind for m in undated.media] == ["photo"]
    assert christmas.created == utc(2023, 12, 1, 8) and christmas.text == "God jul från oss alla på Tornet 🎄"


def test_comments_csv_backslash_quotes_multiline_blank_dates_and_comment_urns():
    e = entry("export/Comments.csv")
    assert CH.detect(e) == "export"
    records = list(CH.read(e, "export"))
    assert_wellformed(records)
    vernissage, lines, undated, thread, nothing = records
    assert vernissage.text == 'Tack för en fin vernissage! Det var "magiskt" ✨'
    assert (vernissage.kind, vernissage.native_id, vernissage.parent_native_id) == ("comment", None, A1)
    assert vernissage.created == utc(2024, 3, 15, 12, 30, 45) and vernissage.author is None
    assert lines.text == "Flera rader:\nrad två med åäö\nrad tre ¯\\_(ツ)_/¯"  # the shrug keeps its backslash
    # no date, no comment URN: the commented post's time, said in the note
    assert undated.created == utc(2024, 1, 9, 15, 30) and "commented post" in undated.time_note
    # a link that names the comment: its URN is the native id and its time the comment's
    assert thread.native_id == f"urn:li:comment:({A1},7174847155142656301)"
    assert (thread.kind, thread.parent_native_id) == ("comment", A1)
    assert thread.created == utc(2024, 3, 16, 19, 21, 4) and "comment URN" in thread.time_note
    assert thread.text == 'Svar i tråden, "utan datum"'
    # no date, no link: cannot be keyed, reported rather than recorded
    assert isinstance(nothing, ItemError) and "line 8" in nothing.message and "not recorded" in nothing.message


def test_a_reply_link_in_the_export(tmp_path):
    link = (f"https://www.linkedin.com/feed/update/{A1}?commentUrn=urn%3Ali%3Acomment%3A%28activity%3A"
            f"{A1[16:]}%2C7173996856475648011%29&replyUrn=urn%3Ali%3Acomment%3A%28activity%3A{A1[16:]}%2C99%29")
    e = write(tmp_path, "Comments.csv", f"Date,Link,Message\n2024-03-15 08:00:00,{link},Ett svar\n")
    [reply] = CH.read(e, "export")
    assert (reply.kind, reply.native_id, reply.parent_native_id) == ("reply", f"urn:li:comment:({A1},99)", C1)


def test_the_export_folder_skips_the_files_it_does_not_read():
    seen = {}
    for e in open_inputs(FIX / "export"):
        seen[e.path] = "skip" if CH.skip(e) else CH.detect(e)
    assert seen == {
        "Shares_7789716.csv": "export", "Comments.csv": "export", "Profile.csv": "skip",
        "Connections.csv": "skip", "Articles/Articles/2024-02-01 10:00:00.0-Varens-program.html": "skip",
    }
    assert export_kind("Comments_2.csv") == "comments" and export_kind("Shares (1).csv") == "shares"
    assert export_kind("SharesX.csv") is None and export_kind("Shares.json") is None


def test_the_export_as_a_zip_reads_like_the_folder(tmp_path):
    archive = tmp_path / "Basic_LinkedInDataExport_03-20-2024.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted((FIX / "export").rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(FIX / "export").as_posix())

    def records(path: Path) -> list:
        out = []
        for e in open_inputs(path):
            if not CH.skip(e):
                out.extend(CH.read(e, CH.detect(e)))
        return out

    from_zip = records(archive)
    assert from_zip == records(FIX / "export")
    assert len(contents(from_zip)) == 7


def test_the_export_is_read_as_a_stream():
    """A large Shares.csv is never read whole: the first record comes after a small part of the file."""
    row = 'https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7173981731815424101,"Rad ett\nrad två åäö",,,PUBLIC\r\n'
    data = ("Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\r\n"
            + "".join(f"2024-03-{1 + i % 28:02d} 10:00:00,{row}" for i in range(50_000))).encode()
    furthest = [0]

    class Tracking(io.BytesIO):
        def read(self, n: int | None = -1) -> bytes:
            out = super().read(n)
            furthest[0] = max(furthest[0], self.tell())
            return out

        def read1(self, n: int = -1) -> bytes:
            out = super().read1(n)
            furthest[0] = max(furthest[0], self.tell())
            return out

        def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
            n = super().readinto(b)
            furthest[0] = max(furthest[0], self.tell())
            return n

    big = InputFile(name="Shares.csv", path="Shares.csv", size=len(data), opener=lambda: Tracking(data))
    records = read_export(big)
    first = next(records)
    assert first.text == "Rad ett\nrad två åäö"
    assert furthest[0] < len(data) // 10
    records.close()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("Shares.csv", "Datum,Länk\n2024-01-01,x\n", None),  # a header it does not know: not detected
    ("Comments.csv", 'Date,Link,Message\n2024-01-01 10:00:00,x,"ett","två"\n', "4 cells"),
    ("Comments.csv", 'Date,Link,Message\n2024-01-01 10:00:00,x,"oavslutad\n', "not readable as CSV"),
    ("Comments.csv", "Date,Link,Message\nigår,x,hej\n", "not a time"),
    ("Comments.csv", "Date,Link,Message\n2024-01-01 10:00:00,x,h\x00j\n", "line 2: a NUL character"),
])
def test_bad_csv_is_refused_naming_the_file(tmp_path, name, data, message):
    e = write(tmp_path, name, data)
    if message is None:
        assert CH.detect(e) is None and not CH.skip(e)
        return
    with pytest.raises(BadInput, match=message) as err:
        list(CH.read(e, CH.detect(e)))
    assert str(tmp_path / name) in err.value.message


def test_a_latin1_csv_is_refused(tmp_path):
    e = write(tmp_path, "Comments.csv", "Date,Link,Message\n2024-01-01 10:00:00,x,Blåbär\n".encode("latin-1"))
    with pytest.raises(BadInput, match="not UTF-8"):
        list(CH.read(e, CH.detect(e)))


# --- ingest: the core links comments to posts and knows the account's own voice -----------------


def test_ingest_links_comments_to_their_posts_and_marks_the_accounts_own(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "linkedin", ORG)
    registry = ChannelRegistry()
    registry.register(CH, "test")
    try:
        who = actor("kommunikatör")
        for rel in ("sv/posts_p1.json", "sv/comments_share_p1.json", "sv/comments_ugcpost_p1.json", "export"):
            summary = ledger.ingest(who, "linkedin", FIX / rel, account, channels=registry)
        assert summary.errors == [("an item: Comments.csv line 8: a comment with neither Date nor a Link URN "
                                   "that gives its time: not recorded")]
        items = {i["native_id"]: i for i in ledger.content(actor("info"), account)}
        post, ugc = items[f"linkedin:{S1}"], items[f"linkedin:{U2}"]
        assert post["by_account"] is True and post["text"].startswith("Välkommen till vårens utställning")
        assert items[f"linkedin:{C1}"]["parent"] == post["id"]
        assert items[f"linkedin:{C3}"]["parent"] == post["id"]
        assert items[f"linkedin:{C2}"]["parent"] == items[f"linkedin:{C1}"]["id"]
        assert items[f"linkedin:{C2}"]["by_account"] is True  # the organisation's reply
        assert items[f"linkedin:{C1}"]["by_account"] is False
        assert items[f"linkedin:{C1}"]["author"] == f"linkedin:{ASA}"
        assert items[f"linkedin:{C4}"]["parent"] == ugc["id"]
        # the member's export: posts without a page, comments without a native id are keyed by time and text
        assert items["linkedin:urn:li:share:7173981731815424101"]["by_account"] is True
        undated = [i for i in items.values() if i["text"] == "Datum saknas men länken ger en tid 🙂"]
        assert len(undated) == 1 and undated[0]["native_id"] is None
        assert undated[0]["created"] == utc(2024, 1, 9, 15, 30)
        again = ledger.ingest(who, "linkedin", FIX / "export", account, channels=registry)
        assert (again.new, again.edited, again.events) == (0, 0, 0)
    finally:
        ledger.close()


def test_data_for_another_organisation_is_refused_by_the_core(tmp_path):
    ledger, account = make_ledger(tmp_path / "home", "linkedin", ORG)
    registry = ChannelRegistry()
    registry.register(CH, "test")
    try:
        head = ledger.head()
        with pytest.raises(BadInput, match="page 11112222"):
            ledger.ingest(actor("kommunikatör"), "linkedin", FIX / "sv" / "other_org_posts.json", account,
                          channels=registry)
        assert ledger.head() == head
    finally:
        ledger.close()


# --- detection: LinkedIn and Facebook keep to their own data ------------------------------------


FB_FIX = Path(__file__).parent / "fixtures" / "facebook"


def test_linkedin_claims_no_facebook_data():
    claimed = [e.path for e in open_inputs(FB_FIX) if not CH.skip(e) and CH.detect(e) is not None]
    assert claimed == []


OWN_JSON = sorted(p.relative_to(FIX).as_posix() for p in (FIX / "sv").glob("*.json"))


@pytest.mark.parametrize("rel", OWN_JSON)
def test_facebook_claims_none_of_the_linkedin_api_responses(rel):
    fb = FacebookChannel()
    e = entry(rel)
    assert fb.detect(e) is None


def test_facebook_skips_the_linkedin_export():
    fb = FacebookChannel()
    assert all(fb.skip(e) for e in open_inputs(FIX / "export"))


def test_facebook_does_not_claim_airbyte_linkedin_records():
    assert FacebookChannel().detect(entry(REAL)) is None


@pytest.mark.parametrize("doc", [
    {"data": [{"id": "1_2", "message": "hej", "created_time": "2024-01-01T10:00:00+0000"}], "paging": {}},
    {"object": "page", "entry": [{"id": "1", "time": 1, "changes": []}]},
    {"something": ["else", 1, 2]},
    {"elements": [{"foo": 1}]},
    {"elements": []},  # no Rest.li paging: nothing says it is LinkedIn's
    {"stream": "posts", "data": {"id": "1_2", "message": "hej"}, "emitted_at": 1},
    [{"timestamp": 1, "data": [{"post": "hej"}]}],
])
def test_detect_returns_none_for_json_it_does_not_read(tmp_path, doc):
    assert CH.detect(write(tmp_path, "x.json", doc)) is None


def test_detect_sniffs_a_large_response(tmp_path):
    post = {"id": S1, "author": f"urn:li:organization:{ORG}", "commentary": "Lång sida åäö " * 40,
            "createdAt": ms(2024, 3, 14, 9, 30), "lastModifiedAt": ms(2024, 3, 14, 9, 30)}
    doc = {"paging": {"start": 0, "count": 200}, "elements": [post] * 200}
    e = write(tmp_path, "big.json", doc)
    assert e.size > 64 * 1024
    assert CH.detect(e) == "api"
    assert len(list(CH.read(e, "api"))) == 200


# --- bad input ----------------------------------------------------------------------------------


def test_bad_json_is_refused_naming_the_file_and_the_place(tmp_path):
    good = json.dumps({"stream": "total_follower_count", "data": {"firstDegreeSize": 1}, "emitted_at": 1713639309459})
    e = write(tmp_path, "batch.jsonl", good + "\n{not json\n")
    with pytest.raises(BadInput, match=r"batch\.jsonl: line 2: malformed JSON"):
        list(CH.read(e, "api"))
    e = write(tmp_path, "odd.jsonl", good + "\n" + json.dumps({"stream": "ads", "data": {"x": 1}, "emitted_at": 1}))
    with pytest.raises(BadInput, match=r"line 2 \(stream ads\): not a LinkedIn object"):
        list(CH.read(e, "api"))
    e = write(tmp_path, "mixed.json", {"paging": {"count": 1}, "elements": [
        {"id": S1, "commentary": "x", "createdAt": 1710408600000}, {"what": "ever"}]})
    with pytest.raises(BadInput, match=r"elements\[1\]: not a LinkedIn object socialledger reads \(keys: what\)"):
        list(CH.read(e, "api"))
    e = write(tmp_path, "notime.json", {"elements": [{"id": "urn:li:share:12", "commentary": "x"}],
                                        "paging": {"count": 1}})
    with pytest.raises(BadInput, match="has no time"):
        list(CH.read(e, "api"))
    e = write(tmp_path, "badrange.json", {"elements": [{"organizationalEntity": f"urn:li:organization:{ORG}",
                                                        "timeRange": {"start": 5, "end": 1},
                                                        "totalShareStatistics": {"clickCount": 1}}]})
    with pytest.raises(BadInput, match="not a time range"):
        list(CH.read(e, "api"))
    with pytest.raises(BadInput, match="reads api, export, not 'webhook'"):
        list(CH.read(e, "webhook"))


def test_no_python_error_escapes_read_on_odd_shapes(tmp_path):
    odd = [
        {"elements": [{"id": S1, "commentary": 5, "createdAt": 1}]},
        {"elements": [{"id": S1, "author": 7, "createdAt": 1710408600000}]},
        {"elements": [{"commentUrn": "urn:li:share:1", "actor": ASA, "message": {"text": "x"}}]},
        {"elements": [{"organizationalEntity": "urn:li:person:x", "totalShareStatistics": {}}]},
        {"elements": [{"totalShareStatistics": {"clickCount": "många"}}]},
        {"elements": [{"followerCountsByGeo": [{"followerCounts": {}}]}]},
        {"elements": [{"followerGains": [1, 2]}]},
        {"stream": "x", "data": [1], "emitted_at": 1},
    ]
    for i, doc in enumerate(odd):
        e = write(tmp_path, f"odd{i}.json", doc)
        with pytest.raises(BadInput) as err:
            list(CH.read(e, "api"))
        assert f"odd{i}.json" in err.value.message, doc
