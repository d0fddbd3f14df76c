"""The X channel: an account archive read through its manifest (parts, long posts, deletions, edits, media),
the real sample, refusals, and the ledger's services on X data."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from socialledger.app.archive import verify_archive_package
from socialledger.core.capture.inputs import open_inputs
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.records import ContentRecord, MetricsRecord
from socialledger.plugins.x.archive import tweet_time
from socialledger.plugins.x.channel import XChannel
from socialledger.testing import actor, make_ledger

SAMPLES = Path("/work/shared/platform-samples/x/archive")
FIX = Path(__file__).parent / "fixtures" / "x"
ACCOUNT = "1422334455667788990"
CHANNEL = XChannel()
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="the shared platform samples are not here")


def read(path: Path) -> list:
    out = []
    for entry in open_inputs(path):
        if CHANNEL.skip(entry):
            continue
        source = CHANNEL.detect(entry)
        assert source is not None, entry.path
        out.extend(CHANNEL.read(entry, source))
    return out


def ingest(ledger, account, path: Path, **options):
    return ledger.ingest(actor("kommunikatör"), "x", path, account, **options)


@pytest.fixture
def ledger(tmp_path):
    led, account = make_ledger(tmp_path / "home", "x", ACCOUNT)
    yield led, account
    led.close()


def held(led, account) -> dict[str, dict]:
    return {i["native_id"]: i for i in led.content(actor("info"), account)}


@needs_samples
def test_the_real_sample_ingests_with_every_item_accounted_for_and_again_with_nothing_new(tmp_path):
    # The sample is an excerpt: its manifest lists data/tweets.js, and the excerpt of it is found by the
    # global name the manifest gives it (YTD.tweets.part0), whatever the file is called.
    led, account = make_ledger(tmp_path / "home", "x", "15942882")
    try:
        records = read(SAMPLES)
        first = ingest(led, account, SAMPLES)
        assert first.unaccounted() == 0 and first.records == len(records) and first.new == 4
        items = held(led, account)
        assert items["x:1607434750175715329"]["text"] == "@SEGA Sonic 3 & Knuckles"  # &amp; decoded
        assert items["x:1607434750175715329"]["kind"] == "comment" and items["x:1607434750175715329"]["by_account"]
        head = led.head()
        again = ingest(led, account, SAMPLES, recheck=True)
        assert again.new == again.edited == again.events == 0 and led.head() == head
    finally:
        led.close()


def test_tweets_in_two_parts_long_posts_edits_deletions_and_media(ledger):
    led, account = ledger
    summary = ingest(led, account, FIX / "archive_sv.zip")
    items = held(led, account)
    # Two parts, read through the manifest: every tweet once; the edit chain is one item of two versions.
    edited = items["x:1751000000000000001"]
    assert edited["versions"] == 2 and edited["text"].startswith("Stängt på fredag förmiddag")
    assert "x:1751000000000000002" not in items
    # The long post carries the full text of note-tweet.js, not the truncated tweet's.
    long = items["x:1752000000000000003"]["text"]
    assert long.endswith("titta förbi informationsdisken.") and "…" not in long
    assert summary.items["note tweet"]["skipped"] == {
        "joined to its truncated tweet (the tweet carries its full text)": 1}
    # A deleted tweet: recorded as removed, its content kept.
    gone = items["x:1740000000000000008"]
    assert gone["state"] == "removed" and gone["text"].startswith("Gott nytt år")
    # Entities decoded; the old-style retweet kept as the account's, as truncated as the archive has it.
    assert "konserter, föreläsningar & barnteater" in items["x:1753000000000000004"]["text"].lower()
    assert items["x:1755000000000000006"]["text"].startswith("RT @regionen:") and "&gt;" not in \
        items["x:1755000000000000006"]["text"]
    # A reply to someone else: the account's reply, linked to the tweet it answers by that tweet's id.
    reply = led.content_item(actor("info"), items["x:1754000000000000005"]["id"])
    assert reply["kind"] == "comment" and reply["by_account"]
    # The photo's file in the archive is kept with its tweet.
    photo = led.content_item(actor("info"), items["x:1753000000000000004"]["id"])
    [media] = photo["versions"][-1]["media"]
    assert media["uri"].endswith("1753000000000000004-GFvarprogram1.jpg") and media.get("stored")
    # Likes and followers are counted and skipped (who is not kept); followers become a number.
    assert summary.items["like"]["skipped"] == {"who and what the account liked is not kept": 3}
    assert summary.items["follower"]["skipped"] == {"who follows is not kept (their number is)": 5}
    assert summary.unaccounted() == 0


def test_counts_arrive_as_strings_and_become_numbers():
    counts = {(r.native_id, r.metric): r.value for r in read(FIX / "archive_sv.zip") if isinstance(r, MetricsRecord)}
    assert counts[("1756000000000000007", "reactions")] == 48.0 and counts[("1756000000000000007", "shares")] == 11.0
    # An edit chain's counts are its last version's, under the chain's item.
    assert counts[("1751000000000000001", "reactions")] == 12.0
    assert counts[(None, "followers")] == 5.0


def test_the_times_of_tweets_are_read_as_utc():
    t = tweet_time("Mon Dec 26 17:54:43 +0000 2022", "created_at")
    assert t.isoformat() == "2022-12-26T17:54:43+00:00"
    records = [r for r in read(FIX / "archive_sv.zip") if isinstance(r, ContentRecord)]
    assert [r.observed for r in records] == sorted(r.observed for r in records)  # oldest first, parts merged


def test_a_data_file_without_its_manifest_is_refused(ledger, tmp_path):
    led, account = ledger
    with zipfile.ZipFile(FIX / "archive_sv.zip") as z:
        (tmp_path / "tweets.js").write_bytes(z.read("data/tweets.js"))
    head = led.head()
    with pytest.raises(BadInput, match="manifest"):
        ingest(led, account, tmp_path / "tweets.js")
    assert led.head() == head


def test_a_manifest_whose_tweets_file_is_missing_is_refused(ledger, tmp_path):
    led, account = ledger
    buf = io.BytesIO()
    with zipfile.ZipFile(FIX / "archive_sv.zip") as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            if info.filename != "data/tweets-part1.js":
                out.writestr(info, src.read(info))
    partial = tmp_path / "partial.zip"
    partial.write_bytes(buf.getvalue())
    head = led.head()
    with pytest.raises(BadInput, match="tweets-part1.js"):
        ingest(led, account, partial)
    assert led.head() == head


def test_an_unpacked_archive_folder_reads_as_its_zip(ledger, tmp_path):
    led, account = ledger
    folder = tmp_path / "twitter-2026-02-01"
    with zipfile.ZipFile(FIX / "archive_sv.zip") as z:
        z.extractall(folder)
    from_folder = ingest(led, account, folder)
    assert from_folder.new == 7 and from_folder.unaccounted() == 0
    assert ingest(led, account, FIX / "archive_sv.zip").new == 0  # the same archive as a ZIP: nothing new
    shutil.rmtree(folder)


def test_another_accounts_archive_is_refused(ledger):
    led, account = ledger
    head = led.head()
    with pytest.raises(BadInput, match="page 998877665544"):
        ingest(led, account, FIX / "archive_other_account.zip")
    assert led.head() == head


def test_statistics_sla_archive_and_erasure_on_x_data(ledger, tmp_path):
    led, account = ledger
    ingest(led, account, FIX / "archive_sv.zip")
    [feb] = led.stats(actor("info"), "2024-02", account)
    assert feb["posts"] == 2 and feb["reactions"] == 48 + 0 and feb["shares"] == 11 + 14
    [gen] = led.stats(actor("info"), "2026-02", account)
    assert gen["followers"] == 5  # the archive's follower list, counted at its generation date
    assert led.sla_status(actor("info"), account).rows == []  # an archive holds the account's own tweets only
    (package,) = led.export_archive(actor("info"), account, "2024H1", tmp_path / "out")
    assert verify_archive_package(package) == []
    assert led.verify(actor("info")).ok


def test_an_account_is_linked_to_its_numeric_id_not_its_name(tmp_path):
    led, _ = make_ledger(tmp_path / "home", "x", ACCOUNT)
    try:
        other = led.apply_account(actor("kommunikatör"), ApplicationForm(
            channel="x", name="Andra kontot", unit="Enheten", owner="ägare", deputy="ersättare"))
        led.approve(actor("chef"), other, "manager")
        led.approve(actor("info"), other, "information-unit")
        head = led.head()
        with pytest.raises(BadInput, match="accountId"):
            led.link(actor("info"), other, "@kulturhuset")
        assert led.head() == head
        led.link(actor("info"), other, "15942882")
    finally:
        led.close()
