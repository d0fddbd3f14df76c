"""Alerts before a breach: mailed through a real SMTP server on loopback (aiosmtpd), once per item and threshold."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from conftest import who

from socialledger.app import Ledger
from socialledger.core.capture.writer import CaptureWriter
from socialledger.core.domain.alerting import excerpt, office_time_between, threshold_at
from socialledger.core.domain.clock import WorkingCalendar
from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.core.domain.policy import Alerts
from socialledger.core.domain.policy import default_policy as socialledger_policy
from socialledger.core.domain.records import AuthorRef, ContentRecord

PAGE = "104729384756102"
STHLM = ZoneInfo("Europe/Stockholm")
COMMENTER = AuthorRef(native_id="10152345", name="Åsa Öberg")
QUESTION = ("Hej! Jag undrar om biblioteket har öppet på söndag, och om man kan låna e-böcker där "
            "utan lånekort. Ring mig på 070-123 45 67.")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STHLM).astimezone(UTC)


class Inbox:
    """aiosmtpd's handler: every message the server accepted, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def question(ledger, active):
    """A visitor's question on the page, Tuesday 2026-11-17 10:00: due Wednesday 10:00 (R12)."""
    post = ContentRecord(channel="facebook", kind="post", source="api", observed=t("2026-11-16 08:00"),
                         created=t("2026-11-16 08:00"), native_id=f"{PAGE}_1", page_id=PAGE, text="Veckans program",
                         author=AuthorRef(native_id=PAGE, name="Kulturhuset"))
    comment = ContentRecord(channel="facebook", kind="comment", source="api", observed=t("2026-11-17 10:00"),
                            created=t("2026-11-17 10:00"), native_id="1_c1", page_id=PAGE,
                            parent_native_id=f"{PAGE}_1", text=QUESTION, author=COMMENTER)
    CaptureWriter(ledger.store, ledger.store.account(active), "facebook", who("kalle")).write_page([post, comment])
    return active


def configure(ledger, port: int, extra: str = "") -> None:
    (ledger.home / "config.toml").write_text(
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsender = "socialledger@kommun.se"\ndomain = "kommun.se"\n'
        f'{extra}\n[mail.addresses]\nkalle = "kalle.karlsson@kommun.se"\n', encoding="utf-8")


def test_due_soon_then_breached_each_mailed_once(ledger, question, smtp):
    controller, inbox = smtp
    configure(ledger, controller.port)
    ingrid = who("ingrid")
    # Tuesday 12:00: due in 22 hours, of which 7 are office hours: not yet due soon (lead 4 working hours).
    quiet = ledger.run_alerts(ingrid, now=t("2026-11-17 12:00"))
    assert quiet["checked"] == 1 and quiet["sent"] == [] and inbox.messages == []
    # Wednesday 07:00: three working hours (08-10) left.
    run = ledger.run_alerts(ingrid, now=t("2026-11-18 07:00"))
    (alert,) = run["sent"]
    assert alert["threshold"] == "due-soon" and alert["recipients"] == ["kalle", "sara"]
    (rcpt, mail), = inbox.messages
    assert sorted(rcpt) == ["kalle.karlsson@kommun.se", "sara@kommun.se"]
    assert mail["From"] == "socialledger@kommun.se"
    assert mail["Subject"] == "[socialledger] Kulturhuset Tornet: comment due Wed 2026-11-18 10:00"
    body = mail.get_content()
    # Of the commenter only the policy's excerpt (60 characters, cut with an ellipsis): no name, no id, no rest.
    assert f"\u201c{QUESTION[:59].rstrip()}…\u201d" in body
    assert "070-123" not in body and "Åsa" not in body and "Öberg" not in body and "10152345" not in body
    assert "Ring mig" not in str(mail)
    # A rerun sends nothing again.
    again = ledger.run_alerts(ingrid, now=t("2026-11-18 08:00"))
    assert again["sent"] == [] and again["already_sent"] == 1 and len(inbox.messages) == 1
    # Past due: the breach is mailed, once.
    breach = ledger.run_alerts(ingrid, now=t("2026-11-18 10:30"))
    assert [a["threshold"] for a in breach["sent"]] == ["breached"]
    assert len(inbox.messages) == 2
    assert inbox.messages[1][1]["Subject"].startswith("[socialledger] Kulturhuset Tornet: unanswered comment was due")
    assert ledger.run_alerts(ingrid, now=t("2026-11-18 11:00"))["sent"] == []
    assert len(inbox.messages) == 2


def test_the_sent_fact_is_an_event_that_survives_a_new_process(ledger, question, smtp, home):
    controller, inbox = smtp
    configure(ledger, controller.port)
    ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    (entry,) = [e for e in ledger.audit_log(who("ingrid")) if e.type == "FirstAlertSent"]
    assert entry.details["threshold"] == "breached" and entry.details["recipients"] == ["kalle", "sara"]
    assert "kommun.se" not in str(entry.details)  # users, never addresses
    other = Ledger(home)
    try:
        assert other.run_alerts(who("ingrid"), now=t("2026-11-18 12:00"))["already_sent"] == 1
    finally:
        other.close()
    assert len(inbox.messages) == 1


def test_an_answered_item_is_not_alerted(ledger, question, smtp):
    controller, inbox = smtp
    configure(ledger, controller.port)
    reply = ContentRecord(channel="facebook", kind="reply", source="api", observed=t("2026-11-17 11:00"),
                          created=t("2026-11-17 11:00"), native_id="1_r1", page_id=PAGE, parent_native_id="1_c1",
                          text="Ja, 11-16!", author=AuthorRef(native_id=PAGE, name="Kulturhuset"))
    CaptureWriter(ledger.store, ledger.store.account(question), "facebook", who("kalle")).write_page([reply])
    run = ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    assert run["checked"] == 0 and run["sent"] == [] and inbox.messages == []


def test_no_address_is_counted_and_tried_again_later(ledger, question, smtp):
    controller, inbox = smtp
    (ledger.home / "config.toml").write_text(
        f'[mail]\nhost = "127.0.0.1"\nport = {controller.port}\nsender = "socialledger@kommun.se"\n', encoding="utf-8")
    run = ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    assert run["sent"] == [] and [u["threshold"] for u in run["unsent"]] == ["breached"]
    assert "no address for kalle or sara" in run["unsent"][0]["reason"]
    assert inbox.messages == []
    configure(ledger, controller.port)
    assert len(ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:40"))["sent"]) == 1


def test_a_dry_run_sends_and_records_nothing(ledger, question, smtp):
    _, inbox = smtp
    head = ledger.head()
    run = ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"), dry_run=True)  # no [mail] needed
    assert [a["threshold"] for a in run["sent"]] == ["breached"] and inbox.messages == [] and ledger.head() == head


def test_refusals_and_bad_settings(ledger, question):
    with pytest.raises(RuleViolation) as refused:
        ledger.run_alerts(who("kalle"), now=t("2026-11-18 10:30"))
    assert refused.value.rule == "R2"
    with pytest.raises(BadInput, match=r"no \[mail\] settings"):
        ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    (ledger.home / "config.toml").write_text('[mail]\nhost = "127.0.0.1"\nsender = "nobody"\n', encoding="utf-8")
    with pytest.raises(BadInput, match="mail.sender"):
        ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    head = ledger.head()
    configure(ledger, free_port())  # nothing listens there
    with pytest.raises(BadInput, match="cannot send through 127.0.0.1"):
        ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    assert ledger.head() == head  # nothing recorded as sent


def test_alerts_run_from_the_cli(ledger, question, smtp, monkeypatch):
    from click.testing import CliRunner

    from socialledger.cli import main

    controller, inbox = smtp
    configure(ledger, controller.port)
    ledger.close()
    monkeypatch.setenv("SOCIALLEDGER_HOME", str(ledger.home))
    result = CliRunner().invoke(main, ["alerts", "run", "--as", "ingrid"])
    # Now is long after the item's due time (more than the lookback): nothing is mailed.
    assert result.exit_code == 0, result.output
    assert "; 0 alerts mailed, 0 sent before, 0 not sent." in result.output
    assert inbox.messages == []
    result = CliRunner().invoke(main, ["alerts", "run", "--as", "kalle"])
    assert result.exit_code == 3 and "R2" in result.stderr


# The rules as plain functions ------------------------------------------------------------------------------------


def test_office_time_between_counts_working_hours_only():
    calendar = WorkingCalendar(socialledger_policy())
    # Friday 15:00 to Monday 10:00: 2 hours on Friday, 2 on Monday.
    assert office_time_between(calendar, t("2026-11-20 15:00"), t("2026-11-23 10:00")) == timedelta(hours=4)
    # Midsummer Eve 2026-06-19 is non-working (R13).
    assert office_time_between(calendar, t("2026-06-18 16:00"), t("2026-06-22 09:00")) == timedelta(hours=2)
    assert office_time_between(calendar, t("2026-11-23 10:00"), t("2026-11-20 15:00")) == timedelta(0)


def test_threshold_at():
    calendar = WorkingCalendar(socialledger_policy())
    rule = Alerts(lead_working_hours=4, lookback_days=7)
    due = t("2026-11-23 17:00")  # a Monday's close
    assert threshold_at("open", due, t("2026-11-20 16:00"), False, calendar, rule) is None  # 1 + 9 hours left
    assert threshold_at("open", due, t("2026-11-23 13:00"), False, calendar, rule) == "due-soon"
    assert threshold_at("open", due, t("2026-11-20 16:30"), True, calendar, rule) is None  # on call: elapsed
    assert threshold_at("open", due, t("2026-11-23 14:00"), True, calendar, rule) == "due-soon"
    assert threshold_at("breached", due, t("2026-11-24 09:00"), False, calendar, rule) == "breached"
    assert threshold_at("breached", due, t("2026-12-01 18:00"), False, calendar, rule) is None  # past the lookback
    assert threshold_at("answered", due, t("2026-11-23 16:00"), False, calendar, rule) is None


def test_excerpt_keeps_to_the_policy():
    assert excerpt(QUESTION, Alerts(excerpt_chars=0)) == ""
    assert excerpt("  Kort   fråga? ", Alerts(excerpt_chars=60)) == "Kort fråga?"
    cut = excerpt(QUESTION, Alerts(excerpt_chars=20))
    assert len(cut) <= 20 and cut.endswith("…")
    assert excerpt(None, Alerts()) == ""


def test_mail_settings(tmp_path):
    from socialledger.app.mail import MailSettings

    assert MailSettings.load(tmp_path, required=False) is None
    (tmp_path / "config.toml").write_text(
        '[store]\nkind = "sqlite"\n\n[mail]\nhost = "smtp.kommun.se"\nsender = "sl@kommun.se"\nssl = true\n'
        'domain = "kommun.se"\n[mail.addresses]\nkalle = "kalle.karlsson@kommun.se"\n', encoding="utf-8")
    s = MailSettings.load(tmp_path)
    assert (s.host, s.port, s.ssl) == ("smtp.kommun.se", 465, True)  # the SMTPS port by default
    assert s.address_of("kalle") == "kalle.karlsson@kommun.se" and s.address_of("sara") == "sara@kommun.se"
    assert s.address_of("Anna Berg") is None  # not a name that makes an address
    for bad, message in (('port = "25"', "mail.port"), ('smtp = "x"', "not a mail setting"),
                         ("timeout_seconds = 0", "must be positive")):
        (tmp_path / "config.toml").write_text(f'[mail]\nhost = "h"\nsender = "sl@kommun.se"\n{bad}\n',
                                              encoding="utf-8")
        with pytest.raises(BadInput, match=message):
            MailSettings.load(tmp_path)
    (tmp_path / "config.toml").write_text('[mail]\nhost = "h"\nsender = "sl@kommun.se"\n[mail.addresses]\n'
                                          'kalle = "kalle"\n', encoding="utf-8")
    with pytest.raises(BadInput, match="mail.addresses.kalle"):
        MailSettings.load(tmp_path)


def test_a_login_without_its_password_is_refused(ledger, question, smtp, monkeypatch):
    controller, inbox = smtp
    configure(ledger, controller.port, 'username = "socialledger"\npassword_env = "SL_TEST_SMTP_PASSWORD"')
    monkeypatch.delenv("SL_TEST_SMTP_PASSWORD", raising=False)
    with pytest.raises(BadInput, match=r"\$SL_TEST_SMTP_PASSWORD"):
        ledger.run_alerts(who("ingrid"), now=t("2026-11-18 10:30"))
    assert inbox.messages == []
