"""All authorisation is in socialledger.app: every public command and query refuses a user without the role.

The app API is enumerated by introspection (the `Ledger` facade's public methods,
every public function of every `socialledger.app` module, every public class);
each name must be in the table of calls below, or in one of the short lists of
names that act for nobody (with the reason). A public name added to `app/`
without a line here fails `test_every_public_app_name_is_covered`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
from datetime import date
from pathlib import Path
from typing import is_typeddict
from uuid import UUID

import pytest
from conftest import UNIT, form, who

import socialledger.app
from socialledger.app import Ledger, authorisation
from socialledger.app.base import Service
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.roles import Role

FIX = Path(__file__).parent / "fixtures" / "facebook"
NOBODY = who("stranger")  # holds no role at all

#: name -> (the rule its refusal names, the call made as NOBODY)
CALLS = {
    # organisation
    "grant_role": ("R1", lambda c: c.ledger.grant_role(NOBODY, "lisa", Role.AUDITOR)),
    "revoke_role": ("R1", lambda c: c.ledger.revoke_role(NOBODY, "kalle", Role.COMMUNICATOR, UNIT)),
    "roles": ("R2", lambda c: c.ledger.roles(NOBODY)),
    "read_models": ("R2", lambda c: c.ledger.read_models(NOBODY)),
    "short_ids": ("R2", lambda c: c.ledger.short_ids(NOBODY, [str(c.active)])),
    "set_policy": ("R2", lambda c: c.ledger.set_policy(NOBODY, "", "policy.toml")),
    "show_policy": ("R2", lambda c: c.ledger.show_policy(NOBODY)),
    # accounts
    "apply_account": ("R2", lambda c: c.ledger.apply_account(NOBODY, form(name="Ny sida"))),
    "approve": ("R2", lambda c: c.ledger.approve(NOBODY, c.applied, "manager")),
    "reject": ("R2", lambda c: c.ledger.reject(NOBODY, c.applied, "manager", "nej")),
    "revise": ("R2", lambda c: c.ledger.revise(NOBODY, c.rejected, {"goals": "x"})),
    "link": ("R2", lambda c: c.ledger.link(NOBODY, c.approved, "555")),
    "set_properties": ("R2", lambda c: c.ledger.set_properties(NOBODY, c.active, {"page_rules": "x"})),
    "request_close": ("R8", lambda c: c.ledger.request_close(NOBODY, c.active, "x")),
    "close_account": ("R8", lambda c: c.ledger.close_account(NOBODY, c.active, "x")),
    "list_accounts": ("R2", lambda c: c.ledger.list_accounts(NOBODY)),
    "show_account": ("R2", lambda c: c.ledger.show_account(NOBODY, c.active)),
    # content, cases, answering
    "content": ("R2", lambda c: c.ledger.content(NOBODY, c.active)),
    "content_item": ("R2", lambda c: c.ledger.content_item(NOBODY, c.item)),
    "not_returned": ("R2", lambda c: c.ledger.not_returned(NOBODY, c.active, set(), None)),
    "moderate": ("R18", lambda c: c.ledger.moderate(NOBODY, c.item, "hide", "spam", "regel 1")),
    "register_case": ("R2", lambda c: c.ledger.register_case(NOBODY, c.item, "KS 2026/1", None)),
    "cases": ("R2", lambda c: c.ledger.cases(NOBODY)),
    "acknowledge": ("R2", lambda c: c.ledger.acknowledge(NOBODY, c.item)),
    "mark_final_answer": ("R2", lambda c: c.ledger.mark_final_answer(NOBODY, c.item)),
    # reports
    "sla_status": ("R2", lambda c: c.ledger.sla_status(NOBODY)),
    "sla_report": ("R2", lambda c: c.ledger.sla_report(NOBODY, "2026H1")),
    "cadence_report": ("R2", lambda c: c.ledger.cadence_report(NOBODY, "2026H1")),
    "stats": ("R2", lambda c: c.ledger.stats(NOBODY, "2026H1")),
    "stats_by_period": ("R2", lambda c: c.ledger.stats_by_period(NOBODY, "2026H1")),
    "replay": ("R2", lambda c: c.ledger.replay(NOBODY, "1")),
    "projections_rebuild": ("R2", lambda c: c.ledger.projections_rebuild(NOBODY)),
    "projections_status": ("R2", lambda c: c.ledger.projections_status(NOBODY)),
    "projections_update": ("R2", lambda c: c.ledger.projections_update(NOBODY)),
    # archive
    "export_archive": ("R20", lambda c: c.ledger.export_archive(NOBODY, c.active, "2026H1", c.tmp / "out")),
    "export_archive_outcomes": ("R20", lambda c: c.ledger.export_archive_outcomes(NOBODY, c.active, "2026H1",
                                                                                  c.tmp / "out")),
    "archive_status": ("R20", lambda c: c.ledger.archive_status(NOBODY)),
    "archive_overview": ("R20", lambda c: c.ledger.archive_overview(NOBODY)),
    # audit
    "audit_log": ("R2", lambda c: c.ledger.audit_log(NOBODY)),
    "verify": ("R2", lambda c: c.ledger.verify(NOBODY)),
    "seal": ("R2", lambda c: c.ledger.seal(NOBODY)),
    "public_key": ("R2", lambda c: c.ledger.public_key(NOBODY)),
    "backup": ("R2", lambda c: c.ledger.backup(NOBODY, c.tmp / "backup")),
    # data subjects and retention
    "subject_export": ("R23", lambda c: c.ledger.subject_export(NOBODY, "facebook:10152345")),
    "erase_subject": ("R23", lambda c: c.ledger.erase_subject(NOBODY, "facebook:10152345", "KS 2026/2")),
    "apply_retention": ("R22", lambda c: c.ledger.apply_retention(NOBODY, date(2040, 1, 1), "KS 1")),
    "place_hold": ("R22", lambda c: c.ledger.place_hold(NOBODY, account=str(c.active), reason="tvist")),
    "release_hold": ("R22", lambda c: c.ledger.release_hold(NOBODY, account=str(c.active), reason="klar")),
    "holds": ("R22", lambda c: c.ledger.holds(NOBODY)),
    # where the ledger is kept (refused before any server is reached)
    "copy_store": ("R2", lambda c: c.ledger.copy_store(NOBODY, "postgresql://x@localhost:1/none", "nej")),
    # capture
    "ingest": ("R2", lambda c: c.ledger.ingest(NOBODY, "facebook", FIX / "sv", str(c.active))),
    "capture_refusals": ("R2", lambda c: c.ledger.capture_refusals(NOBODY)),
    "record_removals": ("R2", lambda c: c.ledger.record_removals(NOBODY, "facebook", str(c.active), [])),
    "check_may_capture": ("R2", lambda c: c.ledger.check_may_capture(NOBODY, str(c.active))),
    # the publication plan, the interim report, the alerts
    "plan_post": ("R2", lambda c: c.ledger.plan_post(NOBODY, c.active, "2027-03-01T08:30", "post", "kalle")),
    "move_planned": ("R2", lambda c: c.ledger.move_planned(NOBODY, c.plan, "2027-03-02T08:30")),
    "cancel_planned": ("R2", lambda c: c.ledger.cancel_planned(NOBODY, c.plan, "x")),
    "mark_planned_done": ("R2", lambda c: c.ledger.mark_planned_done(NOBODY, c.plan, c.item)),
    "plan_list": ("R2", lambda c: c.ledger.plan_list(NOBODY)),
    "plan_check": ("R2", lambda c: c.ledger.plan_check(NOBODY)),
    "plan_ical": ("R2", lambda c: c.ledger.plan_ical(NOBODY)),
    "interim_report": ("R2", lambda c: c.ledger.interim_report(NOBODY, "2026H1")),
    "write_report": ("R2", lambda c: c.ledger.write_report(NOBODY, "2026H1", pdf=c.tmp / "out.pdf")),
    "run_alerts": ("R2", lambda c: c.ledger.run_alerts(NOBODY, dry_run=True)),
    # search, records requests, the web view's sign-ins and recorded views
    "search": ("R2", lambda c: c.ledger.search(NOBODY, "söndag")),
    "thread": ("R2", lambda c: c.ledger.thread(NOBODY, c.item)),
    "record_view": ("R2", lambda c: c.ledger.record_view(NOBODY, "overview", [UUID(c.item)], {}, "web")),
    "open_request": ("R2", lambda c: c.ledger.open_request(NOBODY, "Jan", date(2026, 1, 2), "allt")),
    "add_to_request": ("R2", lambda c: c.ledger.add_to_request(NOBODY, "0123abcd", [c.item])),
    "decide_on_item": ("R2", lambda c: c.ledger.decide_on_item(NOBODY, "0123abcd", c.item, "release")),
    "requests": ("R2", lambda c: c.ledger.requests(NOBODY)),
    "request_detail": ("R2", lambda c: c.ledger.request_detail(NOBODY, "0123abcd")),
    "release_request": ("R2", lambda c: c.ledger.release_request(NOBODY, "0123abcd", c.tmp / "out")),
    "add_web_user": ("R2", lambda c: c.ledger.add_web_user(NOBODY, "kalle", "x" * 20)),
    "remove_web_user": ("R2", lambda c: c.ledger.remove_web_user(NOBODY, "kalle")),
    "web_users": ("R2", lambda c: c.ledger.web_users(NOBODY)),
    # the checks themselves (socialledger.app.authorisation)
    "require_any": ("R2", lambda c: authorisation.require_any(c.roster, NOBODY, "x")),
    "require_information_unit": ("R2", lambda c: authorisation.require_information_unit(c.roster, NOBODY, "x")),
    "check_may_answer": ("R2", lambda c: authorisation.check_may_answer(c.roster, NOBODY, c.account)),
    "check_may_register_case": ("R2", lambda c: authorisation.check_may_register_case(c.roster, NOBODY,
                                                                                       c.account)),
    "check_may_moderate": ("R18", lambda c: authorisation.check_may_moderate(c.roster, NOBODY, c.account)),
    "check_may_ingest": ("R2", lambda c: authorisation.check_may_ingest(c.roster, NOBODY, c.account)),
    "check_may_export_archive": ("R20", lambda c: authorisation.check_may_export_archive(c.roster, NOBODY)),
    "check_may_answer_access_request": (
        "R23", lambda c: authorisation.check_may_answer_access_request(c.roster, NOBODY)),
    "check_may_erase": ("R23", lambda c: authorisation.check_may_erase(c.roster, NOBODY)),
    "check_may_dispose": ("R22", lambda c: authorisation.check_may_dispose(c.roster, NOBODY)),
    "check_may_read_archive_status": ("R20", lambda c: authorisation.check_may_read_archive_status(c.roster,
                                                                                                 NOBODY)),
    "check_may_hold": ("R22", lambda c: authorisation.check_may_hold(c.roster, NOBODY)),
    "check_may_plan": ("R2", lambda c: authorisation.check_may_plan(c.roster, NOBODY, c.account)),
    "check_may_be_responsible": ("R2", lambda c: authorisation.check_may_be_responsible(c.roster, NOBODY.name,
                                                                                         c.account)),
    "check_may_run_alerts": ("R2", lambda c: authorisation.check_may_run_alerts(c.roster, NOBODY)),
    "check_may_revise": ("R2", lambda c: authorisation.check_may_revise(c.roster, NOBODY, c.account)),
    "check_named_keepers": ("R2", lambda c: authorisation.check_named_keepers(
        c.roster, UNIT, {"owner": "kalle", "deputy": NOBODY.name}, "x")),
    # an owner by name who holds no role: the account's powers went with the role
    "check_keeper_holds_role": ("R2", lambda c: authorisation.check_keeper_holds_role(
        c.roster, NOBODY, _named_owner(c.account, NOBODY.name), "x")),
    "readable_accounts": ("R2", lambda c: authorisation.readable_accounts(c.roster, NOBODY, lambda: [c.account])),
    "check_may_handle_records_request": (
        "R2", lambda c: authorisation.check_may_handle_records_request(c.roster, NOBODY)),
}

#: public names that act for nobody, and why they need no role
UNACTED = {
    "init": "creates the ledger: there is no roster yet (an initialised ledger refuses)",
    "configure_store": "chooses the store `init` creates the ledger in: there is no roster yet",
    "policy": "the policy for the software's own use (time zone, organisation) shows no one anything: "
              "`policy show` goes through show_policy, which checks",
    "head": "a position number",
    "close": "closes the store",
    "open_ledger": "opens a ledger home; every command on it checks",
    "verify_archive_package": "offline check of a package, without a ledger: whoever holds a package may",
    "check_identified": "a rule on the policy (R20: a package names the real organisation), not a role; "
                        "export_archive checks the role first",
    "check_not_held": "a rule on legal holds (R23), not a role; erase_subject checks the role first",
    "identified_policy_text": "builds the policy text init adopts; records nothing",
    "keep_identity": "keeps the organisation's identity in a policy set_policy records after its role check",
    "slices": "cuts a period into days, weeks or months for the report's charts: no data",
    "check_archive_package": "offline check of a package, without a ledger: whoever holds a package may",
    "sign_in": "checks a name and password against the password file and returns the actor; every page the "
               "actor then opens checks its role",
    "masked_text": "splits a text at the spans to mask: no ledger, no data of its own",
    "may_read_archive_status": "answers whether the actor's role may read the archive status (the web view's "
                               "menu): shows nothing; archive_overview checks",
}

#: public classes of app/ that are neither services nor plain results, and why they are no way around a check
INTERNAL = {
    "ContentReader": "built on a LedgerStore (`Ledger.store`, core's infrastructure, like the SQLite file "
                     "itself: code holding it is trusted, and the app API is what checks); the services use it "
                     "after their check",
    "MailSettings": "the [mail] table of the home's config.toml (the operator's file, like the store setting)",
    "Mailer": "an SMTP session: sends what the alerts service built after its check",
    "Passwords": "the password file of a ledger home (the operator's file, like config.toml): sign_in and "
                 "the web user services use it after their check",
    "Ids": "built on a LedgerStore like ContentReader: turns typed ids into aggregates for a service that "
           "checks its role first (`Service._account`, `_item`); `Ledger.short_ids` checks its own",
    "carry_out": "carries out a decision that erase_subject or apply_retention recorded after its check",
    "unfinished": "reads key states for erase_subject, after its check",
    "finish_disposals": "finishes an interrupted disposal for apply_retention, after its check",
    "check_inbox_empty": "reads how many deliveries the capture service's inbox holds, for erase_subject after "
                         "its check",
}


def _named_owner(account, name: str):
    """A copy of `account` that names `name` its owner (as an account applied for before R2 was checked)."""
    named = copy.copy(account)
    named.owner = name
    return named


def _app_modules() -> list:
    return [importlib.import_module(m.name)
            for m in pkgutil.walk_packages(socialledger.app.__path__, "socialledger.app.")]


def public_names() -> set[str]:
    names = {n for n, v in inspect.getmembers(Ledger) if not n.startswith("_") and callable(v)
             and not inspect.isclass(v)}
    for module in _app_modules():
        for n, v in vars(module).items():
            if n.startswith("_") or getattr(v, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(v):
                names.add(n)
            elif inspect.isclass(v) and not issubclass(v, Service) and not _is_result(v):
                names.add(n)
    return names


def _is_result(cls: type) -> bool:
    """A plain typed result (a TypedDict, or an attrs class without public methods): data, nothing to authorise."""
    return is_typeddict(cls) or hasattr(cls, "__attrs_attrs__") and not [
        n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_")]


def test_every_public_app_name_is_covered():
    uncovered = public_names() - set(CALLS) - set(UNACTED) - set(INTERNAL)
    assert not uncovered, f"public app/ names with no authorisation test (add them to CALLS): {sorted(uncovered)}"
    stale = (set(CALLS) | set(UNACTED) | set(INTERNAL)) - public_names()
    assert not stale, f"names in this test that app/ no longer has: {sorted(stale)}"


class Context:
    def __init__(self, ledger: Ledger, active, tmp: Path) -> None:
        self.ledger, self.active, self.tmp = ledger, active, tmp
        ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
        self.item = ledger.content(who("ingrid"), active)[0]["id"]
        self.applied = ledger.apply_account(who("kalle"), form(name="Kulturhuset Ung"))
        self.approved = ledger.apply_account(who("kalle"), form(name="Kulturhuset Barn"))
        ledger.approve(who("maria"), self.approved, "manager")
        ledger.approve(who("ingrid"), self.approved, "information-unit")
        self.rejected = ledger.apply_account(who("kalle"), form(name="Kulturhuset Vuxen"))
        ledger.reject(who("maria"), self.rejected, "manager", "oklart syfte")
        ledger.read_models(who("ingrid"))  # caught up: a refused report must not be what records or changes anything
        self.plan = ledger.plan_post(who("kalle"), active, "2027-03-01T08:30", "post", "kalle")
        self.roster = ledger.store.roster()
        self.account = ledger.store.account(active)


@pytest.fixture
def context(ledger, active, tmp_path):
    return Context(ledger, active, tmp_path)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_user_without_the_role_is_refused_and_nothing_is_recorded(context, name):
    rule, call = CALLS[name]
    head = context.ledger.head()
    with pytest.raises(RuleViolation) as refused:
        call(context)
    assert refused.value.rule == rule, refused.value.message
    assert context.ledger.head() == head
    assert not (context.tmp / "out").exists()  # no archive package either


def test_a_stranger_learns_nothing_of_which_accounts_exist(context):
    # R2 comes before the account is looked up: an unknown id and a known one are refused alike.
    for account in (str(context.active), "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(RuleViolation) as refused:
            context.ledger.ingest(NOBODY, "facebook", FIX / "sv", account)
        assert refused.value.rule == "R2"
        with pytest.raises(RuleViolation) as refused:
            context.ledger.plan_post(NOBODY, account, "2027-03-01T08:30", "post", "kalle")
        assert refused.value.rule == "R2"
    for plan in (str(context.plan), "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(RuleViolation) as refused:
            context.ledger.move_planned(NOBODY, plan, "2027-03-02T08:30")
        assert refused.value.rule == "R2"
