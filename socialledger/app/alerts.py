"""`alerts run`: mail the owner and the deputy about inbound items nearing their due time and at breach (R12).

Run from cron (or by the capture service) as a member of the information unit.
Each run reads the SLA read model at `now`, finds the items that reached a
threshold (`core/domain/alerting.threshold_at`: due soon, breached), and mails
each threshold once per item: the mail sent is recorded as an event
(`ItemAlerts`), after the server took it, so a rerun sends nothing twice and a
mail the server did not take is tried again next run. The mail names the
account, the item and its times; of the commenter it carries at most the
policy's short excerpt (`alerts.excerpt_chars`), never a name or an id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Self, TypedDict
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from socialledger.app.authorisation import check_may_run_alerts
from socialledger.app.base import Service
from socialledger.app.mail import Mailer, MailSettings
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.alerting import ItemAlerts, Threshold, alerts_id, excerpt, threshold_at
from socialledger.core.domain.clock import WorkingCalendar
from socialledger.core.domain.policy import Policy
from socialledger.core.domain.workflow import State
from socialledger.projections import sla

#: how long before the lookback an item may have arrived and still be open or newly breached (due times move
#: past weekends and holidays: a few days at most)
_ARRIVAL_SLACK = timedelta(days=14)


class Alert(TypedDict):
    item: str
    account: str
    name: str
    threshold: str
    due: datetime
    recipients: list[str]  # ledger users mailed
    without_address: list[str]  # the owner or deputy who has no address under [mail] (not mailed)


class Unsent(TypedDict):
    item: str
    threshold: str
    reason: str


class AlertRun(TypedDict):
    """What one run did: every item at a threshold is sent, was sent before, or unsent with its reason."""

    at: datetime
    dry_run: bool
    checked: int  # items open or breached within the lookback
    sent: list[Alert]
    already_sent: int
    unsent: list[Unsent]


class Alerts(Service):
    def run_alerts(self, actor: Actor, *, now: datetime | None = None, dry_run: bool = False) -> AlertRun:
        """Mail every threshold reached and not mailed before (`dry_run`: say what would be sent, send nothing)."""
        check_may_run_alerts(self.store.roster(), actor)
        settings = MailSettings.load(self.store.home, required=not dry_run)
        now = (now or datetime.now(UTC)).astimezone(UTC)
        policy = self.store.policy()
        calendar = WorkingCalendar(policy)
        models = self._caught_up()
        since = now - timedelta(days=policy.alerts.lookback_days) - _ARRIVAL_SLACK
        # Account by account: the SLA model's index is (account, received), so only the recent items are read.
        rows = [r for a in self.store.accounts() if a.platform_id and a.state is not State.CLOSED
                for r in sla.status(models.store, a.id.hex, now, since.timestamp(), now.timestamp() + 1)
                if r["state"] in ("open", "breached")]
        run = AlertRun(at=now, dry_run=dry_run, checked=len(rows), sent=[], already_sent=0, unsent=[])
        with Mailer(settings) if settings else _NoMailer() as mailer:
            for row in rows:
                due = datetime.fromtimestamp(row["due"], UTC)
                threshold = threshold_at(row["state"], due, now, row["clock"] == "on-call", calendar, policy.alerts)
                if threshold is None:
                    continue
                item_id = UUID(hex=row["item"])
                record = self._alerts_of(item_id)
                if record is not None and (threshold in record.sent or "breached" in record.sent):
                    run["already_sent"] += 1
                    continue
                self._alert(actor, run, mailer, settings, policy, row, item_id, threshold, due, now, dry_run)
        return run

    def _alerts_of(self, item: UUID) -> ItemAlerts | None:
        try:
            found = self.store.repository.get(alerts_id(item))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, ItemAlerts) else None

    def _alert(self, actor: Actor, run: AlertRun, mailer: Any, settings: MailSettings | None, policy: Policy,
               row: dict[str, Any], item_id: UUID, threshold: Threshold, due: datetime, now: datetime,
               dry_run: bool) -> None:
        account = self.store.account(UUID(hex=row["account"]))
        people = [u for u in dict.fromkeys((account.owner, account.deputy)) if u]
        addresses = {u: settings.address_of(u) for u in people} if settings else {u: None for u in people}
        if not dry_run and not any(addresses.values()):
            run["unsent"].append(Unsent(item=str(item_id), threshold=threshold,
                                        reason=f"no address for {' or '.join(people)} under [mail]"))
            return
        if not dry_run:
            item = self.store.item(item_id)
            text = (item.current or {}).get("text")
            message = _message(settings, policy, account.name, row, item_id, threshold, due, now,  # type: ignore[arg-type]
                               excerpt(text, policy.alerts), [a for a in addresses.values() if a])
            refused = mailer.send(message)
            reached = [u for u, a in addresses.items() if a and a not in refused]
            if not reached:
                run["unsent"].append(Unsent(item=str(item_id), threshold=threshold,
                                            reason=f"the server refused {', '.join(refused)}"))
                return
            self._record(actor, item_id, threshold, reached, due)
        else:
            reached = people
        run["sent"].append(Alert(item=str(item_id), account=str(account.id), name=account.name, threshold=threshold,
                                 due=due, recipients=reached,
                                 without_address=[u for u in people if settings and not addresses[u]]))

    def _record(self, actor: Actor, item: UUID, threshold: Threshold, recipients: list[str], due: datetime) -> None:
        def command() -> None:
            record = self._alerts_of(item)
            if record is None:
                record = ItemAlerts.first(item, threshold, recipients, due, actor)
            elif not record.record(threshold, recipients, due, actor):
                return
            self.store.save(record)

        self.store.decide(command)


class _NoMailer:
    """What a dry run sends through: nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _message(settings: MailSettings, policy: Policy, name: str, row: dict[str, Any], item: UUID,
             threshold: Threshold, due: datetime, now: datetime, words: str, to: list[str]) -> EmailMessage:
    zone = policy.zone
    kind = row["kind"].replace("_", " ")
    local_due = due.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
    if threshold == "breached":
        subject = f"[socialledger] {name}: unanswered {kind} was due {local_due}"
        lead = f"A {kind} on {name} has had no response, and it was due {local_due} (R12)."
    else:
        subject = f"[socialledger] {name}: {kind} due {local_due}"
        lead = f"A {kind} on {name} is waiting for a response and is due {local_due} (R12)."
    received = datetime.fromtimestamp(row["received"], UTC).astimezone(zone).strftime("%a %Y-%m-%d %H:%M")
    lines = [lead, "", f"Account: {name}", f"Received: {received}", f"Due: {local_due}",
             f"Platform id: {row['native_id'] or '-'}", f"Ledger item: {item}"]
    if words:
        lines += ["", f"Excerpt: \u201c{words}\u201d"]
    lines += ["", "Answer on the platform: a reply that is captured closes the item. To acknowledge it",
              "(\"we have seen your question and will come back\"):",
              f"    socialledger sla ack {item}", "",
              "This mail is sent once per item and threshold (due soon, and past due)."]
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(now.astimezone(zone))
    msg["Message-ID"] = make_msgid(idstring=f"{item.hex[:12]}-{threshold}", domain="socialledger")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines))
    return msg
