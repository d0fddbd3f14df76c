"""The web view (Starlette's test client: the ASGI app in this process; the real browser is test_web_browser.py):
sign-in, sessions, CSRF, the app's role checks on every page, and the recorded views of personal data."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import who
from starlette.testclient import TestClient

from socialledger.core.domain.errors import BadInput, RuleViolation
from socialledger.web.app import create_app

FIX = Path(__file__).parent / "fixtures" / "facebook"
PASSWORD = "korrekt häst batteri"


@pytest.fixture
def filled(ledger, active):
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    for name in ("ingrid", "kalle", "olof"):
        ledger.add_web_user(who("ingrid"), name, PASSWORD + name)
    return ledger


def client(ledger, **options) -> TestClient:
    # The cookie is Secure: the test client speaks https to the app.
    return TestClient(create_app(ledger, **options), base_url="https://testserver")


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def sign_in(c: TestClient, name: str, password: str | None = None):
    token = csrf(c.get("/login").text)
    return c.post("/login", data={"user": name, "password": password or PASSWORD + name, "csrf": token,
                                  "next": "/"}, follow_redirects=False)


def test_passwords_are_scrypt_hashes_in_a_private_file(filled):
    line = (filled.home / "web-users").read_text().splitlines()[0]
    assert line.startswith("ingrid\tscrypt$") and PASSWORD not in line
    assert (filled.home / "web-users").stat().st_mode & 0o077 == 0
    with pytest.raises(RuleViolation):
        filled.add_web_user(who("kalle"), "kalle", "x" * 20)  # only the information unit gives sign-ins
    with pytest.raises(BadInput):
        filled.add_web_user(who("ingrid"), "nobody", "x" * 20)  # no role: nothing to see
    with pytest.raises(BadInput):
        filled.add_web_user(who("ingrid"), "kalle", "short")


def test_sign_in_and_the_pages(filled):
    c = client(filled)
    assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")
    r = sign_in(c, "ingrid")
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    page = c.get("/").text
    assert "Kulturhuset" in page and "Register" in page
    found = c.get("/search", params={"q": "söndagen"}).text
    assert "När öppnar biblioteket på söndag?" in found and "2 found" in found
    item = re.search(r'href="/items/([0-9a-f-]{36})"', found).group(1)
    assert "Välkommen till Kulturhuset" in c.get(f"/items/{item}").text
    assert c.get("/requests").status_code == 200


def test_wrong_password_and_unknown_user_are_refused(filled):
    c = client(filled)
    assert sign_in(c, "ingrid", "fel lösenord här").status_code == 401
    assert sign_in(c, "nobody", "whatever at all").status_code == 401
    assert c.get("/", follow_redirects=False).status_code == 303


def test_an_idle_session_ends(filled):
    c = client(filled, idle=0.5)
    sign_in(c, "ingrid")
    assert c.get("/").status_code == 200
    time.sleep(0.8)
    r = c.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert "Your session has ended" in c.get("/login").text


def test_a_forged_form_post_is_refused(filled):
    c = client(filled)
    sign_in(c, "ingrid")
    head = filled.head()
    r = c.post("/requests", data={"requester": "x", "received": "2024-03-10", "subject": "y"})
    assert r.status_code == 403
    r = c.post("/requests", data={"requester": "x", "received": "2024-03-10", "subject": "y", "csrf": "forged"})
    assert r.status_code == 403
    token = csrf(c.get("/requests").text)
    r = c.post("/requests", data={"requester": "x", "received": "2024-03-10", "subject": "y", "csrf": token},
               headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert filled.head() == head
    r = c.post("/requests", data={"requester": "x", "received": "2024-03-10", "subject": "y", "csrf": token},
               follow_redirects=False)
    assert r.status_code == 303 and filled.head() == head + 1


def test_missing_roles_are_refused_by_the_app(filled):
    c = client(filled)
    sign_in(c, "kalle")  # a communicator: no records requests
    assert c.get("/requests").status_code == 403
    assert "R2" in c.get("/requests").text
    sign_in(c, "olof")  # a manager of another unit: none of this account's items
    assert "0 found" in c.get("/search", params={"q": "söndag"}).text


def test_views_of_personal_data_are_recorded(filled):
    c = client(filled)
    sign_in(c, "kalle")
    c.get("/search", params={"q": "söndag"})
    (view,) = [e for e in filled.audit_log(who("ingrid")) if e.type == "PersonalDataViewed"]
    assert view.actor == "kalle" and view.details["via"] == "web" and len(view.details["items"]) == 2
    c.get("/", params={"period": "2024-03"})  # the overview lists open items with their authors
    views = [e for e in filled.audit_log(who("ingrid")) if e.type == "PersonalDataViewed"]
    assert [v.details["what"] for v in views] == ["search", "overview"] and views[1].details["items"]


def test_the_archivists_page(filled, active, tmp_path):
    # Per account and half-year, what is overdue, the packages made and, on request, a package's offline check;
    # offered in the menu to whose role may read the archive status, refused (by the app) to others; recorded.
    filled.add_web_user(who("ingrid"), "arvid", PASSWORD + "arvid")
    c = client(filled)
    sign_in(c, "arvid")
    page = c.get("/").text
    assert 'href="/archive"' in page
    page = c.get("/archive").text
    overdue = page.split('id="overdue"')[1].split('id="halfyears"')[0]
    assert "Kulturhuset" in overdue and ">due<" in overdue and "2024H1" in overdue  # ended, nothing exported
    assert "No package has been exported yet" in page
    (path,) = filled.export_archive(who("arvid"), str(active), "2024H1", tmp_path / "out")
    page = c.get("/archive").text
    assert "Nothing is overdue" in page
    package = unquote(re.search(r'verify=([^"#]+)#checked', page).group(1))
    row = page.split('id="packages"')[1]
    assert "2024H1" in row and ">arvid<" in row and "beside the package" in row
    checked = c.get("/archive", params={"verify": package}).text
    assert "passed / godkänt" in checked and "every checksum" in checked
    changed = next(p for p in sorted(path.rglob("*.json")) if p.is_file())
    changed.write_bytes(changed.read_bytes() + b" ")  # one byte more in one file of the package
    failed = c.get("/archive", params={"verify": package}).text
    assert "failed / underkänt" in failed and 'class="flag"' in failed
    assert c.get("/archive", params={"verify": "no-such-package"}).status_code == 404
    views = [e for e in filled.audit_log(who("ingrid")) if e.type == "PersonalDataViewed"]
    assert [v.details["what"] for v in views].count("archive status") == 4 and views[-1].actor == "arvid"
    sign_in(c, "kalle")  # a communicator: neither the menu entry nor the page
    assert 'href="/archive"' not in c.get("/").text
    refused = c.get("/archive")
    assert refused.status_code == 403 and "R20" in refused.text


def test_a_closure_request_makes_the_final_package_overdue(filled, active, tmp_path):
    # R8: after a closure request, the final package is due; once exported, nothing is overdue for the account.
    filled.export_archive(who("arvid"), str(active), "2024H1", tmp_path / "out")
    assert filled.archive_overview(who("arvid"))["overdue"] == []
    filled.request_close(who("kalle"), str(active), "the project ended")
    (due,) = filled.archive_overview(who("arvid"))["overdue"]
    assert due["what"] == "final due" and due["name"] == "Kulturhuset Tornet" and due["days"] == 0
    filled.export_archive(who("arvid"), str(active), None, tmp_path / "final", final=True)
    overview = filled.archive_overview(who("arvid"))
    assert overview["overdue"] == [] and [p["final"] for p in overview["packages"]] == [False, True]
    with pytest.raises(RuleViolation):
        filled.archive_overview(who("kalle"))
