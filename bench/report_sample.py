"""A half year of a busy municipal page, with its plan, for the interim report (tests, and the docs' page images).

Builds a ledger with one Facebook page of the culture department from
2026-04-01 to 2026-09-30: two to four posts a week at mostly peak hours (with
reaction, comment and share counts that grow over the summer), visitors'
questions answered after some hours (some late, a few never), the page's
followers and reach every day, and for 2026Q3 a publication plan whose posts
were published on time, late, or missed. Seeded: the same seed builds the same
ledger content.

    python bench/report_sample.py HOME [--pdf report.pdf] [--xlsx report.xlsx] [--png-dir docs/images]

`--png-dir` renders the PDF's pages as PNG images with pdftoppm (poppler-utils),
as docs/reports.md shows them.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from socialledger.app import Ledger
from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.records import AuthorRef, ContentRecord, MetricsRecord
from socialledger.core.domain.roles import Role

PAGE = "104729384756102"
UNIT = "Kulturförvaltningen"
STHLM = ZoneInfo("Europe/Stockholm")
FIRST, LAST = date(2026, 4, 1), date(2026, 9, 30)
PAGE_AUTHOR = AuthorRef(native_id=PAGE, name="Kulturhuset Tornet")
TOPICS = ["Sagostund i biblioteket", "Konsert på stora scenen", "Utställning: Norrlands fjällvärld",
          "Barnteater på lördag", "Skrivarverkstad för unga", "Filmkväll med filmklubben", "Öppet hus på kulturskolan",
          "Författarsamtal med årets pristagare", "Loppis på torget", "Sommarläsning 📚", "Dans i parken 💃",
          "Sommarbio under bar himmel 🎬"]
QUESTIONS = ["När öppnar ni på söndag?", "Är det tillgänglighetsanpassat?", "Kostar det något för barn?",
             "Går det att parkera i närheten?", "Blir det fler tillfällen?", "Kan man köpa biljett i dörren?"]
HOURS = [8, 8, 9, 12, 12, 17, 17, 20, 20, 10, 14, 19]


def who(name: str) -> Actor:
    return Actor(name=name, os_user="sample", host="sample")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STHLM).astimezone(UTC)


def build(ledger: Ledger, seed: int = 7) -> UUID:
    """Make the sample in an initialised-or-empty ledger; the page's account id."""
    rng = random.Random(seed)
    if not ledger.store.is_initialised():
        ledger.init("ingrid", who("ingrid"))
    ingrid = who("ingrid")
    ledger.grant_role(ingrid, "maria", Role.MANAGER, UNIT)
    ledger.grant_role(ingrid, "kalle", Role.COMMUNICATOR, UNIT)
    ledger.grant_role(ingrid, "sara", Role.COMMUNICATOR, UNIT)
    account = ledger.apply_account(who("kalle"), ApplicationForm(
        channel="facebook", name="Kulturhuset Tornet", unit=UNIT, owner="kalle", deputy="sara",
        purpose="Evenemang och öppettider", answering_hours="Vardagar 08-17", page_rules="Inga påhopp"))
    ledger.approve(who("maria"), account, "manager")
    ledger.approve(ingrid, account, "information-unit")
    ledger.link(who("kalle"), account, PAGE)
    writer = CaptureWriter(ledger.store, ledger.store.account(account), "facebook", who("kalle"))

    records: list = []
    posts: list[tuple[str, datetime]] = []
    day, n = FIRST, 0
    while day <= LAST:
        # Two to four posts a week, more in the summer; none some weeks in May (below the cadence).
        summer = day >= date(2026, 6, 15)
        chance = 0.5 if summer else 0.33
        if date(2026, 5, 11) <= day <= date(2026, 5, 24):
            chance = 0.0
        if rng.random() < chance:
            n += 1
            when = local(day, rng.choice(HOURS), rng.choice([0, 0, 15, 30]))
            native = f"{PAGE}_{n}"
            posts.append((native, when))
            records.append(ContentRecord(channel="facebook", kind="post", source="api", observed=when, created=when,
                                         native_id=native, page_id=PAGE, author=PAGE_AUTHOR,
                                         text=f"{rng.choice(TOPICS)}. Välkomna! #{n}"))
            growth = 1.0 + (day - FIRST).days / 250
            reactions = int(rng.gauss(45, 18) * growth)
            for metric, value in (("reactions", max(reactions, 1)), ("comments", rng.randint(0, 12)),
                                  ("shares", rng.randint(0, 9))):
                records.append(MetricsRecord(channel="facebook", source="api", metric=metric, platform_metric=metric,
                                             period="lifetime", end=when + timedelta(days=5), value=value,
                                             native_id=native))
            # A visitor's question; the page answers after one to thirty hours, or (one in twelve) never.
            if rng.random() < 0.6:
                asked = when + timedelta(hours=rng.randint(1, 20), minutes=rng.randint(0, 59))
                comment = f"{n}_c1"
                records.append(ContentRecord(
                    channel="facebook", kind="comment", source="api", observed=asked, created=asked, native_id=comment,
                    page_id=PAGE, parent_native_id=native, text=rng.choice(QUESTIONS),
                    author=AuthorRef(native_id=str(10_000_000 + rng.randint(0, 9999)), name="Besökare")))
                if rng.random() > 1 / 12:
                    answered = asked + timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 30]))
                    records.append(ContentRecord(
                        channel="facebook", kind="reply", source="api", observed=answered, created=answered,
                        native_id=f"{n}_r1", page_id=PAGE, parent_native_id=comment, author=PAGE_AUTHOR,
                        text="Hej! Tack för frågan, vi svarar gärna."))
        day += timedelta(days=1)
    followers = 1000.0
    day = FIRST - timedelta(days=1)
    while day <= LAST:
        followers += rng.gauss(1.2 if day < date(2026, 6, 15) else 2.1, 1.5)
        end = local(day + timedelta(days=1), 0)
        records.append(MetricsRecord(channel="facebook", source="api", metric="followers",
                                     platform_metric="page_follows", period="instant", end=end,
                                     value=round(followers), page_id=PAGE))
        weekend = day.weekday() >= 5
        reach = max(0, int(rng.gauss(380 if weekend else 520, 120) * (1 + (day - FIRST).days / 300)))
        records.append(MetricsRecord(channel="facebook", source="api", metric="reach",
                                     platform_metric="page_impressions_unique", period="day",
                                     start=local(day, 0), end=end, value=reach, page_id=PAGE))
        day += timedelta(days=1)
    for i in range(0, len(records), 500):
        writer.write_page(records[i:i + 500])

    # The plan of the third quarter: each post was planned, most at their time, some hours before (late);
    # some planned posts never came (missed), one was cancelled.
    kalle = who("kalle")
    for native, when in posts:
        if when < local(date(2026, 7, 1), 0):
            continue
        early = timedelta(hours=2) if rng.random() < 0.15 else timedelta(minutes=rng.choice([0, 0, 10, 20]))
        ledger.plan_post(kalle, account, when - early, rng.choice(["post", "post", "reel", "story", "event"]),
                         rng.choice(["kalle", "sara"]), sponsored=rng.random() < 0.1, title=rng.choice(TOPICS))
    for missed in (date(2026, 7, 14), date(2026, 8, 20), date(2026, 9, 8)):
        ledger.plan_post(kalle, account, local(missed, 17), "video", "sara", title="Kort film från sommarscenen")
    cancelled = ledger.plan_post(kalle, account, local(date(2026, 8, 27), 12), "event", "kalle", title="Föreläsning")
    ledger.cancel_planned(kalle, cancelled, "Föreläsaren sjuk")
    return account


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--pdf", type=Path)
    parser.add_argument("--xlsx", type=Path)
    parser.add_argument("--png-dir", type=Path)
    args = parser.parse_args()
    ledger = Ledger(args.home)
    try:
        account = build(ledger, args.seed)
        print(f"account {account} in {args.home}")
        if args.pdf or args.xlsx:
            written = ledger.write_report(who("ingrid"), args.period, pdf=args.pdf, xlsx=args.xlsx)
            print(written)
        if args.png_dir and args.pdf:
            if not shutil.which("pdftoppm"):
                sys.exit("pdftoppm (poppler-utils) is needed for --png-dir")
            args.png_dir.mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-png", "-r", "80", str(args.pdf), str(args.png_dir / "report-page")],
                           check=True)
    finally:
        ledger.close()


if __name__ == "__main__":
    main()
