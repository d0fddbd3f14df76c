"""The CLI through click's runner: the scripted command lines, JSON, exit codes, refusals."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from socialledger.cli import main


class CLI:
    def __init__(self, home, monkeypatch):
        self.home = str(home)
        self.runner = CliRunner()
        monkeypatch.setenv("SOCIALLEDGER_HOME", self.home)
        monkeypatch.delenv("SOCIALLEDGER_USER", raising=False)

    def __call__(self, *args: str, user: str | None = None, code: int = 0):
        argv = list(args) + (["--as", user] if user else [])
        result = self.runner.invoke(main, argv)
        assert result.exit_code == code, (argv, result.exit_code, result.output, result.stderr)
        assert "Traceback" not in result.output + result.stderr
        return result

    def json(self, *args: str, user: str | None = None, code: int = 0):
        return json.loads(self(*args, "--json", user=user, code=code).stdout)

    def events(self) -> int:
        return len(self.json("audit", "log", user="ingrid"))


@pytest.fixture
def cli(home, monkeypatch):
    c = CLI(home, monkeypatch)
    c("init", "--admin", "ingrid", "--organisation", "Exempelkommunen", "--organisation-code", "SE2120001234")
    c("role", "grant", "maria", "manager", "--unit", "Kultur", user="ingrid")
    c("role", "grant", "olof", "manager", "--unit", "Teknik", user="ingrid")
    c("role", "grant", "kalle", "communicator", "--unit", "Kultur", user="maria")
    c("role", "grant", "sara", "communicator", "--unit", "Kultur", user="maria")  # the deputy holds a role (R2)
    return c


@pytest.fixture
def account_id(cli):
    return cli.json(
        "account", "apply", "--channel", "facebook", "--name", "Kulturhuset Tornet", "--unit", "Kultur",
        "--owner", "kalle", "--deputy", "sara", "--purpose", "Evenemang", "--goals", "Två inlägg/vecka",
        "--audience", "Alla", "--gdpr", "Registrator", "--answering-hours", "Vardagar 8–17",
        "--page-rules", "Inga påhopp", user="kalle")["id"]


def test_whole_lifecycle_through_the_cli(cli, account_id):
    cli("account", "approve", account_id, "--level", "manager", user="maria")
    cli("account", "approve", account_id, "--level", "information-unit", user="ingrid")
    cli("account", "link", account_id, "--platform-id", "104729384756102", user="kalle")
    cli("account", "set", account_id, "--deputy", "lisa", "--on-call", user="kalle", code=3)  # R2: lisa holds no role
    cli("role", "grant", "lisa", "communicator", "--unit", "Kultur", user="maria")
    cli("account", "set", account_id, "--deputy", "lisa", "--on-call", user="kalle")
    cli("account", "request-close", account_id, "--reason", "Flyttar", user="kalle")
    cli("account", "close", account_id, "--reason", "Enligt begäran", user="ingrid", code=3)  # R8
    cli("archive", "export", "--account", account_id, "--final", "--out", str(cli.home + "-out"), user="ingrid")
    cli("account", "close", account_id, "--reason", "Enligt begäran", user="ingrid")
    shown = cli.json("account", "show", account_id, user="ingrid")
    assert shown["state"] == "closed"
    assert shown["deputy"] == "lisa" and shown["on_call"] is True
    assert [(a["level"], a["actor"]) for a in shown["approvals"]] == [
        ("manager", "maria"), ("information-unit", "ingrid")]
    assert shown["approvals"][0]["time"].endswith(("+01:00", "+02:00"))  # Stockholm offset
    types = [e["type"] for e in cli.json("audit", "log", "--account", account_id, user="ingrid")]
    assert types == ["ApplicationSubmitted", "ManagerApproved", "InformationUnitApproved",
                     "PlatformLinked", "PropertiesChanged", "ClosureRequested", "AccountClosed"]
    exports = [e["type"] for e in cli.json("audit", "log", user="ingrid") if e["aggregate_type"] == "Archive"]
    assert exports == ["HalfYearArchived"]


def test_reject_and_revise_through_the_cli(cli, account_id):
    cli("account", "reject", account_id, "--level", "manager", "--reason", "Oklart syfte", user="maria")
    assert cli.json("account", "show", account_id, user="maria")["state"] == "rejected"
    cli("account", "revise", account_id, "--purpose", "Tydligt syfte", user="kalle")
    shown = cli.json("account", "show", account_id, user="maria")
    assert (shown["state"], shown["purpose"]) == ("applied", "Tydligt syfte")
    assert shown["rejections"][0]["reason"] == "Oklart syfte"


def test_account_list_json_has_the_register_fields(cli, account_id):
    rows = cli.json("account", "list", user="olof")
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "channel", "name", "unit", "state", "owner", "deputy", "approvals", "flags"):
        assert key in row
    assert (row["id"], row["state"], row["owner"], row["deputy"]) == (account_id, "applied", "kalle", "sara")


def test_audit_log_json_in_ledger_order(cli, account_id):
    log = cli.json("audit", "log", user="ingrid")
    assert [e["position"] for e in log] == sorted(e["position"] for e in log)
    assert {"position", "time", "actor", "aggregate", "type"} <= set(log[0])
    assert log[-1]["type"] == "ApplicationSubmitted" and log[-1]["actor"] == "kalle"
    assert log[-1]["aggregate"] == account_id


@pytest.mark.parametrize("args, user, rule", [
    (("account", "approve", "{id}", "--level", "information-unit"), "ingrid", "R4"),
    (("account", "approve", "{id}", "--level", "manager"), "olof", "R4"),
    (("account", "approve", "{id}", "--level", "manager"), "kalle", "R2"),
    (("account", "link", "{id}", "--platform-id", "1"), "kalle", "R6"),
    (("account", "close", "{id}", "--reason", "x"), "maria", "R8"),
    (("role", "grant", "x", "auditor"), "maria", "R1"),
    (("account", "list"), "stranger", "R2"),
])
def test_refusals_one_line_exit_3_nothing_recorded(cli, account_id, args, user, rule):
    before = cli.events()
    argv = [a.replace("{id}", account_id) for a in args]
    result = cli(*argv, user=user, code=3)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {rule}: "), result.stderr
    assert cli.events() == before


def test_refusal_under_json_is_also_an_object(cli, account_id):
    out = cli.json("account", "approve", account_id, "--level", "manager", user="maria", code=0)
    assert out["approved"] == "manager"
    refusal = cli.json("account", "approve", account_id, "--level", "manager", user="kalle", code=3)
    assert refusal["rule"] == "R2" and "manager" in refusal["error"]


def test_r5_through_the_cli(cli):
    own = cli.json("account", "apply", "--channel", "instagram", "--name", "x", "--unit", "Kultur",
                   "--owner", "maria", "--deputy", "sara", user="kalle")["id"]
    result = cli("account", "approve", own, "--level", "manager", user="maria", code=3)
    assert result.stderr.startswith("error: R5: maria is named owner")


def test_actor_from_environment_then_login_name(cli, account_id, monkeypatch):
    monkeypatch.setenv("SOCIALLEDGER_USER", "maria")
    cli("account", "approve", account_id, "--level", "manager")
    log = cli.json("audit", "log", "--account", account_id, user="ingrid")
    assert log[-1]["actor"] == "maria"


def test_global_options_before_the_command(cli, account_id, tmp_path):
    result = cli("--as", "maria", "account", "approve", account_id, "--level", "manager")
    assert "approved" in result.stdout
    other = tmp_path / "elsewhere"
    cli("--home", str(other), "init", "--admin", "eva")
    assert cli.json("--home", str(other), "account", "list", user="eva") == []


def test_uninitialised_home_is_a_clear_error(tmp_path, monkeypatch):
    c = CLI(tmp_path / "nothing", monkeypatch)
    result = c("account", "list", code=4)
    assert "socialledger init" in result.stderr


def test_init_twice_is_refused(cli):
    before = cli.events()
    cli("init", "--admin", "someone", code=4)
    assert cli.events() == before


def test_policy_show_and_set(cli, tmp_path):
    shown = cli.json("policy", "show", user="ingrid")
    assert shown["organisation"]["time_zone"] == "Europe/Stockholm"
    assert shown["sla"]["hours"] == 24
    f = tmp_path / "policy.toml"
    f.write_text('[sla]\nhours = 8\n[organisation]\nname = "Region Norr"\n', encoding="utf-8")
    cli("policy", "set", str(f), user="maria", code=3)  # R2: only the information unit
    cli("policy", "set", str(f), user="ingrid")
    shown = cli.json("policy", "show", user="ingrid")
    assert (shown["sla"]["hours"], shown["organisation"]["name"]) == (8, "Region Norr")
    assert shown["cadence"]["standard"]["min_posts_per_week"] == 1  # defaults kept
    assert "hours = 8" in cli("policy", "show", user="kalle").stdout  # any role reads it
    assert cli("policy", "show", user="stranger", code=3).stderr.startswith("error: R2: ")
    types = [e["type"] for e in cli.json("audit", "log", user="ingrid")]
    assert types.count("PolicySet") == 1


def test_invalid_policy_names_key_and_problem(cli, tmp_path):
    before = cli.events()
    f = tmp_path / "bad.toml"
    f.write_text('[sla]\nhours = "tjugofyra"\n', encoding="utf-8")
    result = cli("policy", "set", str(f), user="ingrid", code=4)
    assert "sla.hours" in result.stderr and "Expected `int`" in result.stderr
    f.write_text('[organisation]\ntime_zone = "Europe/Stokholm"\n', encoding="utf-8")
    result = cli("policy", "set", str(f), user="ingrid", code=4)
    assert "organisation.time_zone" in result.stderr
    assert cli.events() == before


def test_role_list(cli):
    rows = cli.json("role", "list", user="kalle")
    assert {"user": "maria", "role": "manager", "unit": "Kultur"} in rows
    assert {"user": "ingrid", "role": "information-unit", "unit": None} in rows


def test_unknown_role_is_a_usage_error(cli):
    cli("role", "grant", "x", "boss", user="ingrid", code=2)


def test_workflow_table(cli):
    rows = cli.json("account", "workflow")
    assert {"command": "approve information-unit", "from": "manager-approved", "to": "approved",
            "rule": "R4", "who": "information unit"} in rows


def test_demo_tells_the_story(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "refused, R4:" in out
    assert "Kulturhuset Tornet" in out and "active" in out
