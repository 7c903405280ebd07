"""Limits on guessing in a real browser: ten wrong passwords lock an account, and the
right one is then refused with the same words plus when to try again; the administrator
sees the lockout on the accounts pages and lifts it, and the person signs in; too many
sign-ins from one address get the 429 page. Every page is checked by axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from portal.common.roles import Role
from portal.extensions import limiter
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_outcomes import error_summary, signed_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WRONG = "not my password at all"


@pytest.fixture
def limits(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The live portal's limit settings, for the test to change; put back afterwards,
    with the limiter's counts emptied before and after."""
    assert live_server.app is not None
    config: dict[str, Any] = live_server.app.config  # type: ignore[assignment]
    # A day: the lockout cannot end by itself while the test runs, however slowly.
    monkeypatch.setitem(config, "SIGN_IN_LOCKOUT_MINUTES", 24 * 60)
    monkeypatch.setitem(config, "SIGN_IN_LIMIT_PER_ADDRESS", config["SIGN_IN_LIMIT_PER_ADDRESS"])
    limiter.reset()
    yield config
    limiter.reset()


def _try_to_sign_in(browser: Browser, email: str, password: str) -> None:
    browser.expect_heading("Sign in")
    browser.page.get_by_label("Email address", exact=True).fill(email)
    browser.page.get_by_label("Password", exact=True).fill(password)
    browser.click_button("Sign in")


def test_a_locked_account_is_seen_and_lifted_by_an_administrator(
    open_browser: BrowserFactory, live_server: LiveServer, limits: dict[str, Any]
) -> None:
    email = a_council_officer(live_server, "Lorna Lockout", Role.CARE_MANAGER)
    admin_email = a_council_officer(live_server, "Ali Unlocker", Role.ADMINISTRATOR)

    person = open_browser("locked-person", viewport={"width": 320, "height": 640})
    person.goto("/sign-in")
    for _ in range(9):
        _try_to_sign_in(person, email, WRONG)
    assert error_summary(person) == (
        "There is a problem Enter a correct email address and password"
    )
    _try_to_sign_in(person, email, WRONG)
    _try_to_sign_in(person, email, PASSWORD)
    message = error_summary(person)
    assert message.startswith(
        "There is a problem Enter a correct email address and password. There have been too many tries for "
        "this email address: you can try again after "
    )
    assert person.page_width() <= 320

    admin = signed_in(open_browser, "lockout-administrator", admin_email)
    admin.open_from_menu("Accounts")
    admin.page.get_by_label("Search by name or email address").fill("Lorna")
    admin.click_button("Show accounts")
    row = admin.page.get_by_role("row", name=re.compile("Lorna Lockout"))
    assert "Locked" in row.inner_text()
    admin.click_link("Lorna Lockout")
    admin.expect_heading("Lorna Lockout")
    assert "Locked after 10 failed sign-ins" in admin.text()
    assert "even with the right password" in admin.text()
    admin.click_button("Lift lockout of Lorna Lockout")
    admin.expect_heading("Lorna Lockout")
    assert "Lorna Lockout can sign in again now" in admin.success_banner()
    assert "Lockout lifted" in admin.text()

    _try_to_sign_in(person, email, PASSWORD)
    person.expect_heading("What needs you")


def test_too_many_sign_ins_from_one_address_get_the_429_page(
    open_browser: BrowserFactory, live_server: LiveServer, limits: dict[str, Any]
) -> None:
    limits["SIGN_IN_LIMIT_PER_ADDRESS"] = "2 per hour"
    browser = open_browser("too-many-tries")
    browser.goto("/sign-in")
    _try_to_sign_in(browser, "first.guess@example.test", WRONG)
    _try_to_sign_in(browser, "second.guess@example.test", WRONG)
    _try_to_sign_in(browser, "third.guess@example.test", WRONG)
    browser.answered(429)
    browser.expect_heading("Too many tries")
    assert re.search(r"Wait \d+ minutes?, then try again", browser.text())
    narrow = open_browser("too-many-tries-narrow", viewport={"width": 320, "height": 640})
    narrow.goto("/sign-in")
    _try_to_sign_in(narrow, "fourth.guess@example.test", WRONG)
    narrow.answered(429)
    narrow.expect_heading("Too many tries")
    assert narrow.page_width() <= 320
