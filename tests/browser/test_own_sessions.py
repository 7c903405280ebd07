"""Your sessions in a real browser: a care manager signed in on a phone and at a desk sees
both, each page read at 320 px and at 1280 px, and signs the phone out from the desk using
the keyboard alone; the phone is then sent to sign in. Every page is checked by axe-core
and photographed."""

from __future__ import annotations

import pytest

from portal.common.roles import Role
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_outcomes import sign_in

pytestmark = pytest.mark.browser

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DESK = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def _tab_to(browser: Browser, words: str) -> None:
    """Press Tab until the focused control's words (those a screen reader reads, hidden
    ones included) start with ``words``."""
    for _ in range(60):
        browser.page.keyboard.press("Tab")
        focused = browser.focused("el => (el.textContent || '').replace(/\\s+/g, ' ').trim()")
        if str(focused).startswith(words):
            return
    raise AssertionError(f"no control starting {words!r} is reached by the Tab key")


def test_a_care_manager_signs_out_their_phone_from_their_desk(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    email = a_council_officer(live_server, "Sid Sessions", Role.CARE_MANAGER)
    phone = open_browser(
        "own-sessions-phone", viewport={"width": 320, "height": 640}, user_agent=PHONE
    )
    phone.goto("/")
    sign_in(phone, email)
    desk = open_browser("own-sessions-desk", user_agent=DESK)
    desk.goto("/")
    sign_in(desk, email)

    desk.click_link("Your account")
    assert "Signed in on 2 browsers" in desk.text()
    desk.click_link("View your sessions")
    desk.expect_heading("Your sessions")
    this, others = desk.text().split("Other sessions", 1)
    assert "Chrome on Windows" in this and "Mobile Safari on iOS" in others

    phone.goto("/account/sessions")
    phone.expect_heading("Your sessions")
    this, others = phone.text().split("Other sessions", 1)
    assert "Mobile Safari on iOS" in this and "Chrome on Windows" in others
    assert phone.page_width() <= 320, "the page scrolls sideways on a phone"

    _tab_to(desk, "Sign out of Mobile Safari on iOS, last used")
    desk.press_and_wait("Enter")
    desk.expect_heading("Your sessions")
    assert desk.success_banner() == "Success Mobile Safari on iOS is signed out"
    assert "Your account is not signed in anywhere else." in desk.text()

    phone.goto("/review")
    phone.expect_heading("Sign in")
    desk.goto("/review")
    desk.expect_heading("Review queue")
