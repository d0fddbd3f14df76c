"""The web view in a real browser: headless Chromium (Debian's `chromium`, driven by Playwright) against
`socialledger web` served on loopback by its own process.

Signs in, searches in Swedish, opens a thread, opens a records request, masks a name, releases and reads
the PDF's text; and is refused with a wrong password, an expired session, a missing role and a forged form
post. With SOCIALLEDGER_SCREENSHOTS=DIR it saves the main pages there (docs/web.md shows them).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from conftest import who

pytestmark = pytest.mark.slow

FIX = Path(__file__).parent / "fixtures" / "facebook"
PASSWORD = "korrekt häst batteri"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(ledger, active) -> Iterator[tuple[str, str, Path]]:
    """Two servers of one ledger: the usual one, and one whose sessions end after 1.5 idle seconds."""
    ledger.ingest(who("kalle"), "facebook", FIX / "sv", str(active))
    for name in ("ingrid", "kalle", "arvid"):
        ledger.add_web_user(who("ingrid"), name, PASSWORD + name)
    home = ledger.home
    ledger.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    procs, urls = [], []
    for minutes in ("30", "0.025"):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "socialledger.cli", "--home", str(home), "web",
                                       "--port", str(port), "--session-minutes", minutes], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        urls.append(f"http://localhost:{port}")
    try:
        for url, proc in zip(urls, procs, strict=True):
            _wait(url, proc)
        yield urls[0], urls[1], home
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def _wait(url: str, proc: subprocess.Popen) -> None:
    port = int(url.rsplit(":", 1)[1])
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the web view did not start")


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.fail("Chromium is needed: apt-get install chromium (the README's test set-up)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def shoot(page, name: str) -> None:
    folder = os.environ.get("SOCIALLEDGER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"web-{name}.png"), full_page=True)


def sign_in(page, url: str, name: str, password: str | None = None) -> None:
    page.goto(url + "/login")
    page.get_by_label("User / Användare").fill(name)
    page.get_by_label("Password / Lösenord").fill(password or PASSWORD + name)
    page.get_by_role("button", name="Sign in / Logga in").click()


def test_a_records_officer_from_search_to_release(served, browser, tmp_path):
    url, _, _home = served
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    sign_in(page, url, "ingrid")
    page.wait_for_url(url + "/")
    assert page.get_by_role("heading", name="Register / Kontoregister").is_visible()
    page.get_by_label("Period").fill("2024-03")
    page.get_by_role("button", name="Show / Visa").click()
    assert page.get_by_role("heading", name="Response times 2024-03 / Svarstider").is_visible()
    shoot(page, "overview")

    # Search in Swedish: an inflected form finds the others.
    page.get_by_role("link", name="Search / Sök").click()
    page.get_by_label("Words / Sökord").fill("söndagen")
    page.get_by_role("button", name="Search / Sök").click()
    assert page.get_by_text("2 found / träffar").is_visible()
    assert page.get_by_text("När öppnar biblioteket på söndag? 😊", exact=True).is_visible()
    shoot(page, "search")

    # Open a request first, so that the thread page offers to add to it.
    page.goto(url + "/requests")
    page.get_by_label("Requester / Sökande").fill("Journalist Jan Jansson")
    page.get_by_label("What is asked for / Vad som begärs").fill("Svar om söndagsöppet i mars 2024")
    page.get_by_role("button", name="Open / Öppna").click()
    page.wait_for_url(url + "/requests/*")
    request_url = page.url

    # The thread of the library answer; add the answer to the request.
    page.goto(url + "/search?q=biblioteket&kind=reply")
    page.get_by_role("link", name="Thread / Tråd").first.click()
    assert page.get_by_text("Välkommen till Kulturhuset! Öppet på lördag").first.is_visible()
    shoot(page, "thread")
    page.get_by_role("button", name="Add / Lägg till").click()
    page.wait_for_url(request_url)

    # Mask the name in the answer, on OSL 21:7; release.
    page.get_by_label("Release with masking / Lämna ut med maskering").check()
    page.get_by_label("Text to mask, one per line / Text att maskera").fill("Åsa")
    page.get_by_label("Legal ground / Grund").fill("OSL 21:7")
    page.get_by_role("button", name="Decide / Besluta").click()
    page.wait_for_url(request_url)
    assert page.locator(".decision").inner_text() == "mask"
    shoot(page, "request")
    page.get_by_role("button", name="Release what is decided / Lämna ut").click()
    page.wait_for_url(request_url)
    link = page.get_by_role("link", name="release.pdf")
    response = page.request.get(url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    (tmp_path / "release.pdf").write_bytes(response.body())
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "release.pdf").pages)
    assert "Hej" in text and "[OSL 21:7]" in text and "Biblioteket öppnar kl. 11" in text
    assert "Åsa" not in text and "Journalist Jan" not in text


def test_refusals(served, browser):
    url, quick, _ = served
    context = browser.new_context()
    page = context.new_page()
    # A wrong password.
    sign_in(page, url, "ingrid", "inte rätt lösenord")
    assert page.get_by_text("Wrong name or password").is_visible()
    assert page.url.startswith(url + "/login")

    # A missing role: a communicator does not handle records requests.
    sign_in(page, url, "kalle")
    page.wait_for_url(url + "/")
    response = page.goto(url + "/requests")
    assert response.status == 403 and page.get_by_text("R2").is_visible()

    # A forged form post: without the session's token, and with it from another origin.
    sign_in(page, url, "ingrid")
    page.wait_for_url(url + "/")
    forged = context.request.post(url + "/requests", form={"requester": "x", "received": "2024-03-10",
                                                           "subject": "y"}, max_redirects=0)
    assert forged.status == 403
    page.goto(url + "/requests")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    elsewhere = context.request.post(url + "/requests", form={"requester": "x", "received": "2024-03-10",
                                                              "subject": "y", "csrf": token},
                                     headers={"Origin": "http://evil.example"}, max_redirects=0)
    assert elsewhere.status == 403

    # An expired session (this server ends sessions idle for 1.5 s).
    sign_in(page, quick, "ingrid")
    page.wait_for_url(quick + "/")
    time.sleep(2.5)
    page.goto(quick + "/search")
    assert page.url.startswith(quick + "/login")
    assert page.get_by_text("Your session has ended").is_visible()
    context.close()


def test_the_archivists_page(served, browser, tmp_path):
    # The archivist finds the page in the menu: 2024H1 overdue, then (a package exported meanwhile) delivered,
    # the package listed with who made it, and checked offline on request.
    url, _, home = served
    page = browser.new_page()
    sign_in(page, url, "arvid")
    page.get_by_role("link", name="Archive / Arkivering").click()
    assert page.locator("#overdue + table").get_by_text("2024H1").is_visible()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    subprocess.run([sys.executable, "-m", "socialledger.cli", "--home", str(home), "--as", "arvid", "archive",
                    "export", "--all-accounts", "--period", "2024H1", "--out", str(tmp_path)], env=env, check=True,
                   capture_output=True)
    page.reload()
    assert page.get_by_text("Nothing is overdue").is_visible()
    page.get_by_role("link", name="Verify / Kontrollera").click()
    assert page.get_by_text("passed / godkänt").is_visible()
    shoot(page, "archive")
    page.close()
