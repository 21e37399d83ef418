"""The pages in a real browser: headless Chromium (Debian's package, installed by
``.ci/chromium``) driven over the DevTools protocol. Signs in with a link, watches the live
overview change, opens a ticket page, downloads a CSV, and keeps a screenshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from actions.intake import NewTicket, open_ticket
from actions.signin import issue_link
from tests.web.cdp import Browser, chromium_path


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    """One Chromium for the module (starting it is the costly part); each test signs in anew."""
    if chromium_path() is None:
        pytest.fail("chromium is not installed: bash .ci/chromium (the browser tests must run)")
    where = tmp_path_factory.mktemp("chromium")
    b = Browser(where / "profile", where / "downloads")
    try:
        yield b
    finally:
        b.close()


def _until(probe, what: str, ceiling: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + ceiling
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {ceiling}s for {what}")


def test_a_lead_signs_in_watches_the_queue_opens_a_ticket_and_downloads_a_csv(
        web, month, browser, tmp_path, sqlite_services, settings, cast):
    token, _ = issue_link(web.services.uow(), person="Marta Ruiz")
    browser.goto(f"{web.url}/signin/link/{token}")
    browser.click_and_load("#continue")
    assert browser.url == f"{web.url}/"
    assert browser.text("#me") == "Marta Ruiz"
    assert browser.text("#open-total") == "1"

    # The overview refreshes itself (live.js, allowed by the CSP): a new ticket shows up.
    with time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False):
        open_ticket(sqlite_services.uow(), settings, NewTicket(
            requester_id=cast.emma.id, description="The VPN drops every ten minutes"))
    _until(lambda: browser.text("#open-total") == "2", "the live overview to count it")
    shot = browser.screenshot(tmp_path / "overview.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    browser.goto(f"{web.url}/tickets/{month.keys['inc1']}")
    assert browser.text("#key") == month.keys["inc1"]
    timeline = browser.text("#timeline")
    assert "Fusor dañado" in timeline and "Voy para allá" in timeline  # staff see the note

    browser.goto(f"{web.url}/trends?since=2026-11-01&until=2026-11-30")
    saved = browser.download('a[href^="/csv/trends/headline.csv"]')
    rows = saved.read_text("utf-8").splitlines()
    assert rows[0] == "figure,value,previous,change"
    assert "opened,6,1,5" in rows  # the month's five and the one opened on the 25th
    browser.screenshot(tmp_path / "trends.png")


def test_an_employee_in_the_browser_sees_own_tickets_and_no_notes(web, month, browser):
    token, _ = issue_link(web.services.uow(), person="Carlos Gómez")
    browser.goto(f"{web.url}/signin/link/{token}")
    browser.click_and_load("#continue")
    assert browser.url == f"{web.url}/tickets"
    listing = browser.text("#tickets")
    assert month.keys["inc1"] in listing and month.keys["inc2"] not in listing
    browser.click_and_load(f'a[href="/tickets/{month.keys["inc1"]}"]')
    assert "Voy para allá" in browser.text("#timeline")
    assert "Fusor dañado" not in browser.text("body")  # the private note
    assert "Fusor cambiado" in browser.text("#timeline")  # the public resolution
    browser.goto(f"{web.url}/tickets/{month.keys['inc2']}")
    assert browser.text("#error")
