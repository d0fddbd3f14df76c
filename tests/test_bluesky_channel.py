"""The Bluesky channel: real samples, the repository export's oracle, facets, threads, the stream, and the
ledger's services (SLA, statistics, moderation, archive packages, erasure) on Bluesky data."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialledger.app.archive import verify_archive_package
from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import ContentRecord, ModerationRecord, Skipped
from socialledger.plugins.bluesky import repo
from socialledger.plugins.bluesky.channel import BlueskyChannel
from socialledger.plugins.bluesky.common import at_time, facet_spans
from socialledger.testing import actor, make_ledger

SAMPLES = Path("/work/shared/platform-samples/bluesky")
FIX = Path(__file__).parent / "fixtures" / "bluesky"
ACCOUNT = "did:plc:hvidovrekommune2kx4qa7bz"
ASTRID = "did:plc:astridjensenaarhus2345ab"
LARS = "did:plc:larsoberg7mariestad22xyz"
P1 = f"at://{ACCOUNT}/app.bsky.feed.post/3mabcq2vwo22a"
C1 = f"at://{ASTRID}/app.bsky.feed.post/3mabcr7kqx52b"
C2 = f"at://{LARS}/app.bsky.feed.post/3mabctb4gr22d"
C3 = f"at://{LARS}/app.bsky.feed.post/3mabdc3kqx52j"
CHANNEL = BlueskyChannel()
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="the shared platform samples are not here")


def read(path: Path) -> list:
    out = []
    for entry in open_inputs(path):
        source = CHANNEL.detect(entry)
        assert source is not None, entry.path
        out.extend(CHANNEL.read(entry, source))
    return out


def ingest(ledger, account, path: Path, **options):
    return ledger.ingest(actor("kommunikatör"), "bluesky", path, account, **options)


def items(ledger, account) -> dict[str, dict]:
    return {i["native_id"].removeprefix("bluesky:"): i for i in ledger.content(actor("info"), account)}


@pytest.fixture
def ledger(tmp_path):
    led, account = make_ledger(tmp_path / "home", "bluesky", ACCOUNT)
    yield led, account
    led.close()


# The real samples ------------------------------------------------------------------------------------------

REAL = [  # (sample, the account it belongs to: the test snapshots name users by placeholders)
    ("api/author_feed_snapshot_a.json", "user(0)"),
    ("api/author_feed_snapshot_c_repost_quote.json", "user(2)"),
    ("api/post_thread_deep_snapshot.json", "user(0)"),
    ("api/post_thread_deleted_posts_1_snapshot.json", "user(0)"),
    ("api/post_thread_deleted_posts_2_snapshot.json", "user(0)"),
    ("api/post_thread_deleted_posts_3_snapshot.json", "user(0)"),
    ("api/post_thread_takedown_replies_by_actor_snapshot.json", "user(0)"),
    ("jetstream/golden_v1_events.jsonl", ACCOUNT),
    ("jetstream/posts_and_deletes_v1.jsonl", ACCOUNT),
    ("repo/repo.car", "did:plc:53iucmf5ldftgqyf2ac7hmhd"),
]


@needs_samples
@pytest.mark.parametrize(("sample", "owner"), REAL)
def test_every_real_sample_ingests_with_every_item_accounted_for_and_again_with_nothing_new(tmp_path, sample,
                                                                                             owner):
    led, account = make_ledger(tmp_path / "home", "bluesky", owner)
    try:
        path = SAMPLES / sample
        records = read(path)
        first = ingest(led, account, path)
        # Every record is one item of the summary: recorded, unchanged, or skipped with its reason.
        assert first.unaccounted() == 0 and first.records == len(records) > 0
        assert sum(t["items"] for t in first.items.values()) == len(records)
        head = led.head()
        again = ingest(led, account, path, recheck=True)
        assert again.new == again.edited == again.events == 0 and led.head() == head
        assert led.verify(actor("info")).ok
    finally:
        led.close()


@needs_samples
def test_a_stream_of_strangers_posts_records_nothing_for_the_account(tmp_path):
    # The real Jetstream recording holds other accounts' posts, replies to their posts, a deletion of
    # someone's post, follows, identity and account events: none of it is the account's.
    led, account = make_ledger(tmp_path / "home", "bluesky", ACCOUNT)
    try:
        summary = ingest(led, account, SAMPLES / "jetstream" / "posts_and_deletes_v1.jsonl")
        assert summary.new == 0 and summary.removed == 0
        assert summary.items["post"]["skipped"] == {"another account's item, not in the account's threads": 9}
        assert summary.items["remove"]["skipped"] == {
            "a moderation of an item the ledger does not hold (the input cannot say it is the account's)": 1}
        assert led.content(actor("info"), account) == []
    finally:
        led.close()


@needs_samples
def test_the_repository_export_lists_exactly_the_oracles_records():
    commit, listing = repo.listing((SAMPLES / "repo" / "repo.car").read_bytes())
    expected = [tuple(line.split("\t")) for line in
                (SAMPLES / "repo" / "car_expected_records.tsv").read_text().splitlines() if line]
    assert [(key, cid) for key, cid, _ in listing] == expected
    expected_commit = (SAMPLES / "repo" / "car_expected_commit.txt").read_text().splitlines()
    facts = dict(line.split(": ", 1) for line in expected_commit)
    assert commit["did"] == facts["DID"] and commit["rev"] == facts["Revision"]
    assert repo.cid_text(commit["data"]) == facts["Data CID"] and commit["version"] == 3
    # Only the account's posts are content; every other record is counted and skipped with its reason.
    records = read(SAMPLES / "repo" / "repo.car")
    posts = [r for r in records if isinstance(r, ContentRecord)]
    assert len(posts) == sum(1 for k, _ in expected if k.startswith("app.bsky.feed.post/")) == 6
    assert all(r.page_id == commit["did"] and r.author.native_id == commit["did"] for r in posts)
    assert {r.kind for r in records if isinstance(r, Skipped)} == {"like", "repost", "follow"}


@needs_samples
def test_the_sample_repository_folder_ingests_whole_its_listings_passed_over(tmp_path):
    led, account = make_ledger(tmp_path / "home", "bluesky", "did:plc:53iucmf5ldftgqyf2ac7hmhd")
    try:
        summary = ingest(led, account, SAMPLES / "repo")  # repo.car beside the oracle's .tsv and .txt
        assert summary.files_passed == 2 and summary.new == 6 and summary.unaccounted() == 0
    finally:
        led.close()


@needs_samples
def test_a_damaged_repository_export_is_refused_and_nothing_recorded(tmp_path):
    data = bytearray((SAMPLES / "repo" / "repo.car").read_bytes())
    i = data.index(b"This is my first post!")
    data[i] ^= 0x20  # one letter of one record: its block no longer matches its CID
    damaged = tmp_path / "repo.car"
    damaged.write_bytes(bytes(data))
    led, account = make_ledger(tmp_path / "home", "bluesky", "did:plc:53iucmf5ldftgqyf2ac7hmhd")
    try:
        head = led.head()
        with pytest.raises(BadInput, match="does not match its CID"):
            ingest(led, account, damaged)
        assert led.head() == head
        truncated = tmp_path / "cut.car"
        truncated.write_bytes(bytes(data[: len(data) // 2]))
        with pytest.raises(BadInput, match="cut.car"):
            ingest(led, account, truncated)
        assert led.head() == head
    finally:
        led.close()


# Text, times, ids --------------------------------------------------------------------------------------------


def test_facets_are_byte_offsets_so_a_link_after_aao_and_emoji_keeps_its_span():
    text = "Välkommen på söndag 😊 Läs mer: hvidovre.dk/åbent-hus"
    data = text.encode()
    start = data.index("hvidovre".encode())
    record = {"facets": [{"index": {"byteStart": start, "byteEnd": len(data)},
                          "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://hvidovre.dk/x"}]}]}
    [(span, feature)] = list(facet_spans(text, record))
    assert span == "hvidovre.dk/åbent-hus" and feature["uri"] == "https://hvidovre.dk/x"
    assert start != text.index("hvidovre")  # characters and bytes differ here: the byte offset is the one that holds
    # And in a whole post: the link keeps its visible (shortened) text beside the full address.
    post = next(r for r in read(FIX / "author_feed_sv.json") if isinstance(r, ContentRecord) and r.native_id == P1)
    link = next(m for m in post.media if m.kind == "link")
    assert link.title == "hvidovre.dk/åbent-hus…" and link.url == "https://www.hvidovre.dk/borger/aabent-hus-2026"
    with pytest.raises(ValueError, match="outside the text"):
        list(facet_spans("kort", {"facets": [{"index": {"byteStart": 0, "byteEnd": 99}, "features": []}]}))


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-07-04T14:38:06.240Z", datetime(2026, 7, 4, 14, 38, 6, 240000, tzinfo=UTC)),
    ("2026-07-04T14:38:02+00:00", datetime(2026, 7, 4, 14, 38, 2, tzinfo=UTC)),
    ("2026-07-04T16:38:02.123456789+02:00", datetime(2026, 7, 4, 14, 38, 2, 123456, tzinfo=UTC)),
    ("2026-07-04T14:38:02", datetime(2026, 7, 4, 14, 38, 2, tzinfo=UTC)),
    (1783175888090631, datetime(2026, 7, 4, 14, 38, 8, 90631, tzinfo=UTC)),  # Jetstream's time_us
])
def test_created_at_is_read_in_every_form_it_takes(value, expected):
    assert at_time(value) == expected


def test_the_account_and_every_author_are_their_dids_never_their_handles(ledger):
    led, account = ledger
    ingest(led, account, FIX / "jetstream_sv.jsonl")  # the stream names Lars by DID only
    ingest(led, account, FIX / "thread_sv.json")  # the API adds his handle and name
    held = items(led, account)
    assert held[C3]["author"] == held[C2]["author"]  # one subject, whichever source named him first
    assert held[C2]["author_name"] == "Lars Öberg"
    assert held[P1]["by_account"] and not held[C2]["by_account"]


# Threads -----------------------------------------------------------------------------------------------------


def test_a_thread_nests_replies_marks_hidden_replies_and_counts_what_it_cannot_show(ledger):
    led, account = ledger
    summary = ingest(led, account, FIX / "thread_sv.json")
    held = items(led, account)
    assert held[C1]["kind"] == "comment" and held[C1]["parent"] == held[P1]["id"]
    answer = f"at://{ACCOUNT}/app.bsky.feed.post/3mabcsa3fq22c"
    assert held[answer]["kind"] == "reply" and held[answer]["parent"] == held[C1]["id"]
    assert held[C2]["state"] == "hidden"  # in the threadgate's hiddenReplies: hidden by the organisation
    assert summary.items["hide"]["recorded"] == 1
    assert summary.items["post"]["skipped"] == {
        "not found: deleted or not visible (a deletion is never read from absence)": 1,
        "blocked: the platform shows the viewer no content": 1}


def test_a_deleted_branch_leaves_the_thread_view_but_never_the_ledger(ledger):
    led, account = ledger
    ingest(led, account, FIX / "thread_sv.json")
    before = items(led, account)
    # Astrid deleted her comment: the thread view no longer shows it, nor the account's answer to it.
    after = ingest(led, account, FIX / "thread_after_deletion_sv.json")
    assert after.removed == 0 and after.new == 0
    now = items(led, account)
    assert {k: (v["text"], v["state"]) for k, v in now.items()} == {k: (v["text"], v["state"])
                                                                     for k, v in before.items()}


def test_a_feed_keeps_the_reply_context_of_the_accounts_threads_and_skips_reposts(ledger):
    led, account = ledger
    summary = ingest(led, account, FIX / "author_feed_sv.json")
    held = items(led, account)
    assert held[C1]["text"] == "Hej! När öppnar ni på söndag? 🙂" and not held[C1]["by_account"]
    assert summary.items["repost"]["skipped"] == {
        "a repost of another account's post (the post is not the account's)": 1}
    assert f"at://{LARS}/app.bsky.feed.post/3m7zzzq2abc2e" not in held


# The stream ---------------------------------------------------------------------------------------------------


def test_the_stream_keeps_replies_to_the_account_and_records_their_removal_with_the_content(ledger):
    led, account = ledger
    ingest(led, account, FIX / "thread_sv.json")
    summary = ingest(led, account, FIX / "jetstream_sv.jsonl")
    held = items(led, account)
    # Lars's reply to the account's post: kept (another DID, the account's thread), hidden, then deleted.
    assert held[C3]["kind"] == "comment" and held[C3]["parent"] == held[P1]["id"]
    assert held[C3]["state"] == "removed"
    assert held[C3]["text"] == "Tack för infon! Gäller det även på påskdagen? 🐣"
    assert summary.items["post"]["skipped"] == {"another account's item, not in the account's threads": 1}
    assert summary.items["like"]["skipped"] == {"who liked is not kept (the counts come from the API)": 1}
    assert summary.items["remove"] == {"items": 2, "recorded": 1, "unchanged": 0, "skipped": {
        "a moderation of an item the ledger does not hold (the input cannot say it is the account's)": 1}}


def test_an_update_of_a_post_is_an_edit_and_both_versions_are_kept(ledger):
    led, account = ledger
    ingest(led, account, FIX / "jetstream_before_edit.jsonl")
    assert ingest(led, account, FIX / "jetstream_after_edit.jsonl").edited == 1
    [post] = led.content(actor("info"), account)
    assert post["versions"] == 2 and post["text"].startswith("Stängt på fredag förmiddag")
    detail = led.content_item(actor("info"), post["id"])
    cids = [v["raw"]["commit"]["cid"] for v in detail["versions"]]
    assert len(set(cids)) == 2  # each version is kept with its own CID


def test_the_stream_parts_of_a_large_input_are_read_by_two_processes_alike(ledger, tmp_path):
    # A stream file past the split size: the ingest reads its second half in a reader process.
    lines = (FIX / "jetstream_sv.jsonl").read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "stream"
    folder.mkdir()
    for i in range(3):
        (folder / f"part{i}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    led, account = ledger
    summary = ingest(led, account, folder, split_input=True, writer_process=True, page_size=2)
    assert summary.unaccounted() == 0 and summary.records == 3 * len(read(FIX / "jetstream_sv.jsonl"))
    assert items(led, account)[C3]["state"] == "removed"


# The ledger's services on Bluesky data --------------------------------------------------------------------------


def test_sla_statistics_moderation_archive_and_erasure_work_as_for_facebook(ledger, tmp_path):
    led, account = ledger
    for name in ("author_feed_sv.json", "thread_sv.json", "profile_sv.json", "repo_sv.car"):
        ingest(led, account, FIX / name)
    held = items(led, account)
    # SLA: replies by others are inbound items; Astrid's question was answered by the account.
    status = {r["native_id"].removeprefix("bluesky:"): r for r in led.sla_status(actor("info"), account,
                                                                                  at="2026-03-10T12:00").rows}
    assert status[C1]["state"] == "answered"
    assert status[C2]["state"] == "moderated"  # hidden by the organisation
    assert f"bluesky:{P1}" not in {r["native_id"] for r in led.sla_status(actor("info"), account).rows}
    # Statistics: likes, reposts and replies of the posts; followers from the profile (counted at ingest).
    [march] = led.stats(actor("info"), "2026-03", account)
    assert march["reactions"] == 42 and march["shares"] == 7 and march["posts"] == 2
    [today] = led.stats(actor("info"), datetime.now(UTC).strftime("%Y-%m"), account)
    assert today["followers"] == 1234
    # Moderation by a person with a role, as for any channel.
    assert led.moderate(actor("ägare"), held[C1]["id"], "hide", "personuppgifter", "Regel 3")
    assert items(led, account)[C1]["state"] == "hidden"
    # An archive package of the half year.
    (package,) = led.export_archive(actor("info"), account, "2026H1", tmp_path / "out")
    assert verify_archive_package(package) == []
    # Erasure of Astrid: her name and words are gone from every file of the ledger home (the account's own
    # answer, which mentions her handle, is the organisation's record and stays, as on every channel).
    c1 = held[C1]["id"]
    led.erase_subject(actor("info"), f"bluesky:{ASTRID}", "KS 2026/77", override=True)
    # Her reply's at:// URI names her DID: it is erased with her, and the item is found by its ledger id.
    assert C1 not in items(led, account)
    gone = next(i for i in items(led, account).values() if i["id"] == c1)
    assert gone["text"] is None and gone["author_name"] is None
    assert led.verify(actor("info")).ok
    led.close()
    for f in led.home.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in ("Astrid Jensen", "När öppnar ni på söndag", ASTRID):
                assert secret.encode() not in data, (secret, f)


def test_data_of_another_account_is_refused(ledger, tmp_path):
    led, account = ledger
    head = led.head()
    profile = json.loads((FIX / "profile_sv.json").read_text(encoding="utf-8"))
    other = tmp_path / "profile.json"
    other.write_text(json.dumps({**profile, "did": "did:plc:kobenhavnskommune5qrstuv"}), encoding="utf-8")
    for path in (other, FIX / "author_feed_other_account.json"):
        with pytest.raises(BadInput, match="page did:plc:kobenhavnskommune5qrstuv"):
            ingest(led, account, path)
    assert led.head() == head


def test_unknown_json_and_a_lone_event_in_an_api_file_are_refused(tmp_path):
    bad = tmp_path / "x.json"
    shutil.copyfile(FIX / "profile_sv.json", bad)
    bad.write_text('{"feed": [{"post": {"uri": "at://x", "record": {}}}], "cursor": 3}', encoding="utf-8")
    [entry] = open_inputs(bad)
    assert CHANNEL.detect(entry) == "api"
    with pytest.raises(BadInput, match="indexedAt"):
        list(CHANNEL.read(entry, "api"))
    assert isinstance(next(r for r in read(FIX / "jetstream_sv.jsonl") if isinstance(r, ModerationRecord)),
                      ModerationRecord)


@pytest.mark.parametrize(("given", "refused"), [
    ("did:plc:kobenhavnskommune5qrstuv", False),
    ("did:web:social.hvidovre.dk", False),
    ("hvidovre.dk", True),
    ("@hvidovre.bsky.social", True),
    ("did:plc:TOO-SHORT", True),
])
def test_an_account_is_linked_to_its_did_not_its_handle(tmp_path, given, refused):
    led, account = make_ledger(tmp_path / "home", "bluesky", ACCOUNT)
    try:
        other = led.apply_account(actor("kommunikatör"), ApplicationForm(
            channel="bluesky", name="Andra kontot", unit="Enheten", owner="ägare", deputy="ersättare"))
        led.approve(actor("chef"), other, "manager")
        led.approve(actor("info"), other, "information-unit")
        if refused:
            with pytest.raises(BadInput, match="DID"):
                led.link(actor("info"), other, given)
        else:
            led.link(actor("info"), other, given)
    finally:
        led.close()
