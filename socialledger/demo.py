"""The demo story: a short, readable walk through the ledger on a fresh home."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from socialledger.app import Ledger
from socialledger.app.archive import verify_archive_package
from socialledger.core.domain.account import ApplicationForm
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.roles import Role

UNIT = "Kulturförvaltningen"
OTHER_UNIT = "Tekniska förvaltningen"
#: The demo's Mastodon account: its actor uri on the municipality's own server.
MASTODON_ACTOR = "https://social.example.se/users/kommunen"


#: the bundled samples: channel -> the platform id of the page they belong to
SAMPLE_PAGES = {"facebook": "104729384756102", "instagram": "17841400000000001", "linkedin": "90362860",
                "mastodon": MASTODON_ACTOR, "bluesky": "did:plc:hvidovrekommune2kx4qa7bz",
                "x": "1422334455667788990"}


def sample(channel: str) -> Path:
    """The bundled sample data of a channel."""
    return Path(str(resources.files("socialledger").joinpath("data", "demo", channel)))


def write_samples(target: Path) -> dict[str, Path]:
    """Copy the bundled samples into `target`, a folder per channel (`demo --data-dir`); the folders written.

    A folder that already holds a channel's files is refused rather than overwritten (BadInput).
    """
    folders = {channel: target / channel for channel in SAMPLE_PAGES}
    for folder in folders.values():  # all checked before anything is written
        if folder.exists() and any(folder.iterdir()):
            raise BadInput(f"{folder} exists and is not empty; give another --data-dir")
    written = {}
    for channel, folder in folders.items():
        # The whole folder: a channel's samples may sit in subfolders (Mastodon's contexts and statuses).
        shutil.copytree(sample(channel), folder, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))
        written[channel] = folder
    return written


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 item`, `2 items` (the CLI's `output.count`; the demo's story sits below the CLI)."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


class Story:
    """Runs the demo against a ledger, telling each step through `say` and showing tables through `show`."""

    def __init__(self, ledger: Ledger, say: Callable[[str], None],
                 show: Callable[[str, Ledger, Any], None]) -> None:
        self.ledger = ledger
        self.say = say
        self.show = show

    def who(self, name: str) -> Actor:
        return Actor.current(name)

    def run(self) -> dict[str, str]:
        ledger, say = self.ledger, self.say
        say(f"A new ledger in {ledger.home}.")
        ledger.init("ingrid", self.who("ingrid"), organisation="Exempelkommunen", organisation_code="SE2120001234")
        say("ingrid, of the information unit, grants the roles (R1):")
        ingrid = self.who("ingrid")
        for user, role, unit in [
            ("maria", Role.MANAGER, UNIT),
            ("olof", Role.MANAGER, OTHER_UNIT),
            ("kalle", Role.COMMUNICATOR, UNIT),
            ("sara", Role.COMMUNICATOR, UNIT),
            ("arvid", Role.ARCHIVIST, None),
            ("astrid", Role.AUDITOR, None),
        ]:
            ledger.grant_role(ingrid, user, role, unit)
            say(f"  {user}: {role.value}" + (f" of {unit}" if unit else ""))

        say(f"\nkalle, communicator of {UNIT}, applies for a Facebook page (R3):")
        account_id = ledger.apply_account(
            self.who("kalle"),
            ApplicationForm(
                channel="facebook",
                name="Kulturhuset Tornet",
                unit=UNIT,
                owner="kalle",
                deputy="sara",
                purpose="Berätta om föreställningar, utställningar och öppettider",
                goals="Nå unga vuxna i kommunen; 2 inlägg i veckan",
                audience="Kommuninvånare 18–35 år",
                gdpr_handling="Personuppgifter i kommentarer döljs och hänvisas till registrator",
                answering_hours="Vardagar 08–17; helger nästa vardag",
                page_rules="Vi tar bort inlägg som är kränkande, olagliga eller reklam.",
            ),
        )
        say(f"  application {account_id}")

        say("\nThe approvals, in the order R4 demands:")
        for name, level in [("ingrid", "information-unit"), ("olof", "manager"), ("maria", "manager"),
                            ("ingrid", "information-unit")]:
            try:
                ledger.approve(self.who(name), account_id, level)
                say(f"  {name} approves at the {level} level.")
            except RuleViolation as refusal:
                say(f"  {name} tries to approve at the {level} level: refused, {refusal.line()}")

        ledger.link(self.who("kalle"), account_id, "104729384756102")
        say("\nkalle links the page 104729384756102: owner kalle and deputy sara are two people, so it is active (R6).")

        second = ledger.apply_account(
            self.who("kalle"),
            ApplicationForm(channel="instagram", name="tornet.kultur", unit=UNIT, owner="kalle", deputy="kalle",
                            answering_hours="Vardagar 08–17", page_rules="Samma regler som på Facebook."),
        )
        ledger.approve(self.who("maria"), second, "manager")
        ledger.approve(self.who("ingrid"), second, "information-unit")
        try:
            ledger.link(self.who("kalle"), second, "17841400000000001")
        except RuleViolation as refusal:
            say(f"\nA second application, for Instagram, names kalle as owner and deputy; linking it is refused: "
                f"{refusal.line()}")
        ledger.set_properties(self.who("kalle"), second, {"deputy": "sara"})
        ledger.link(self.who("kalle"), second, "17841400000000001")
        say("  With sara as deputy it is linked and active.")
        third = ledger.apply_account(
            self.who("maria"),
            ApplicationForm(channel="linkedin", name="Kulturhuset Tornet (LinkedIn)", unit=UNIT, owner="sara",
                            deputy="kalle", answering_hours="Vardagar 08–17", page_rules="Saklig ton."),
        )
        ledger.grant_role(self.who("ingrid"), "nils", Role.MANAGER, UNIT)
        ledger.approve(self.who("nils"), third, "manager")  # maria applied, so another manager approves (R5)
        ledger.approve(self.who("ingrid"), third, "information-unit")
        ledger.link(self.who("sara"), third, "90362860")
        say("A LinkedIn page follows: maria applied, so nils, another manager of the unit, approves (R5).")

        say("\nThe register the information unit keeps:")
        self.show("register", ledger, None)

        say("\nkalle loads what each page has on its platform: API crawls, webhook deliveries, insights.")
        for channel, account in (("facebook", account_id), ("instagram", second), ("linkedin", third)):
            summary = ledger.ingest(self.who("kalle"), channel, sample(channel), str(account))
            say(f"  {channel}: {count(summary.records, 'record')}: {count(summary.new, 'item')} captured, "
                f"{summary.hidden} hidden, {summary.removed} removed on the platform, "
                f"{count(summary.metrics, 'metric value')}, {count(summary.subjects, 'person', 'people')}; "
                f"{count(summary.events, 'event')}.")
        again = ledger.ingest(self.who("kalle"), "facebook", sample("facebook"), str(account_id))
        say(f"  The Facebook data again records {count(again.events, 'event')}.")
        say("\nWhat was captured on Facebook (commenters' names and texts are stored encrypted, each under its "
            "own key):")
        self.show("content", ledger, account_id)
        say("\nThe answer SLA (R12): when each comment was due and how it went:")
        self.show("sla", ledger, account_id)
        say("\nStatistics for March 2024, every account side by side, as the information unit follows them:")
        self.show("stats", ledger, "2024-03")

        self.mastodon()

        ledger.grant_role(self.who("ingrid"), "arvid", Role.ARCHIVIST)
        out = ledger.home.parent / f"{ledger.home.name}-archive"
        (package,) = ledger.export_archive(self.who("arvid"), account_id, "2024H1", out)
        problems = verify_archive_package(package)
        pdfs = sorted(package.rglob("*.pdf"))
        say(f"\narvid, the archivist, exports the Facebook page's first half of 2024 as an E-ARK package "
            f"(METS, PREMIS, the feed as JSON and as a PDF/A printout in {count(len(pdfs), 'volume')}):\n  {package}")
        say("  archive verify: " + ("every file present, listed and intact." if not problems
                                     else "; ".join(problems)))

        say("\nÅsa Öberg asks to be forgotten (GDPR). ingrid exports what the ledger holds about her, then erases "
            "her under decision KS 2026/57:")
        data = ledger.subject_export(self.who("ingrid"), "facebook:10152345")
        say(f"  access: {count(len(data['items']), 'comment')}, e.g. \"{data['items'][0]['text']}\"")
        asked = data["items"][0]["id"]  # after the erasure, not even its platform id can be read
        result = ledger.erase_subject(self.who("ingrid"), "facebook:10152345", "KS 2026/57")
        after = next(i for i in ledger.content(self.who("ingrid"), account_id) if i["id"] == asked)
        name = "erased" if after["author_name"] is None else after["author_name"]
        text = "erased" if after["text"] is None else f'"{after["text"]}"'
        say(f"  erased: {count(result['items'], 'item')}; the comment now reads as author {after['author']} "
            f"(the pseudonym), name {name}, text {text}; her keys are destroyed.")
        say(f"  packages exported earlier that hold her: {', '.join(result['packages']) or 'none'}")

        receipt = ledger.seal(self.who("astrid"))
        report = ledger.verify(self.who("astrid"), [receipt])
        say(f"\nastrid, the auditor, seals the ledger at position {receipt.position} and verifies it: "
            f"{'the ledger verifies' if report.ok else 'BROKEN'}, {count(report.events, 'event')} chained, "
            f"{count(report.seals, 'seal')} matching.")
        return {"account": str(account_id), "home": str(ledger.home)}


    def mastodon(self) -> None:
        """The municipality's own Mastodon server: an account linked by its actor uri, its statuses,
        the replies and mentions addressed to it, a deletion, and what the stream held that is not its business."""
        ledger, say = self.ledger, self.say
        say(f"\n{UNIT} also posts on the municipality's own Mastodon server. kalle applies for the account; "
            "it is linked to its actor uri (a status is keyed by its uri: its id differs on every server):")
        account = ledger.apply_account(
            self.who("kalle"),
            ApplicationForm(channel="mastodon", name="Kulturnatten (Mastodon)", unit=UNIT, owner="kalle",
                            deputy="sara", answering_hours="Vardagar 08–17",
                            page_rules="Samma regler som på Facebook; direktmeddelanden besvaras inte här."),
        )
        ledger.approve(self.who("maria"), account, "manager")
        ledger.approve(self.who("ingrid"), account, "information-unit")
        ledger.link(self.who("kalle"), account, MASTODON_ACTOR)
        say(f"  linked to {MASTODON_ACTOR}")
        summary = ledger.ingest(self.who("kalle"), "mastodon", sample("mastodon"), str(account))
        skipped = sum(sum(t["skipped"].values()) for t in summary.items.values())
        say(f"  mastodon: {summary.records} records: {summary.new} items captured, {summary.edited} edited, "
            f"{summary.removed} removed on the platform (content kept), {summary.metrics} metric values; "
            f"{skipped} skipped with a reason (boosts, a direct message, other accounts' statuses).")
        say("What was captured on Mastodon (replies in Swedish and Danish, each person's words under their own key):")
        self.show("content", ledger, account)
        say("\nThe answer SLA on Mastodon: replies by others are inbound, the account's replies answer them:")
        self.show("sla", ledger, account)


def temporary_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="socialledger-demo-"))
