"""Passwords in a real browser. A care manager changes their password from the header's
link: a wrong current password is refused beside its field, the right one keeps them
signed in here and signs out their other browser. Someone who has forgotten their
password asks for a link on a phone-width screen, receives it by email through a real
SMTP server, chooses a new password and signs in with it. Every page is checked by
axe-core and photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_outcomes import error_summary, signed_in
from tests.factories import PASSWORD
from tests.smtp import Inbox, body_of, smtp_inbox

pytestmark = pytest.mark.browser

NEW_PASSWORD = "kettle lighthouse marmalade"
_LINK = re.compile(r"https?://[^/\s]+(/set-password/[A-Za-z0-9_-]+)")


@pytest.fixture
def inbox(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """The live portal sends its email to a real SMTP server on loopback."""
    with smtp_inbox(live_server.app, monkeypatch) as received:
        yield received


def test_a_care_manager_changes_their_password(
    open_browser: BrowserFactory, live_server: LiveServer, inbox: Inbox
) -> None:
    email = a_council_officer(live_server, "Cath Changer", Role.CARE_MANAGER)
    other = signed_in(open_browser, "password-change-elsewhere", email)
    other.expect_heading("What needs you")
    person = signed_in(open_browser, "password-change", email)
    person.expect_heading("What needs you")

    person.click_link("Your account")
    person.expect_heading("Your account")
    person.click_link("Change password")
    person.expect_heading("Change your password")
    person.page.get_by_label("Current password").fill("not my password at all")
    person.page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    person.click_button("Change password")
    assert "Your current password is not right" in error_summary(person)
    person.page.get_by_role("link", name="Your current password is not right").click()
    assert person.focused() == "current_password"

    person.page.get_by_label("Current password").fill(PASSWORD)
    person.page.get_by_label("New password", exact=True).fill("Password2026!")
    person.page.get_by_label("Confirm new password").fill("Password2026!")
    person.click_button("Change password")
    assert "Password is too common" in error_summary(person)

    person.page.get_by_label("Current password").fill(PASSWORD)
    person.page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    person.page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    person.click_button("Change password")
    person.expect_heading("What needs you")
    assert "Your password has been changed" in person.success_banner()
    assert "signed out everywhere else" in person.success_banner()

    other.goto("/review")
    other.expect_heading("Sign in")
    person.goto("/review")
    person.expect_heading("Review queue")  # still signed in here

    [notice] = inbox.to(email)
    assert notice["Subject"].endswith("has changed")
    assert NEW_PASSWORD not in body_of(notice)


def test_a_forgotten_password_is_reset_through_an_emailed_link(
    open_browser: BrowserFactory, live_server: LiveServer, inbox: Inbox
) -> None:
    email = a_council_officer(live_server, "Fran Forgetful", Role.CARE_MANAGER)
    person = open_browser("password-reset", viewport={"width": 320, "height": 640})
    person.goto("/sign-in")
    person.click_link("Forgotten your password?")
    person.expect_heading("Forgotten your password?")
    assert person.page_width() <= 320

    person.click_button("Send me a link")  # nothing filled in
    assert "Enter your email address" in error_summary(person)
    person.page.get_by_label("Email address").fill(email.upper())
    person.click_button("Send me a link")
    person.expect_heading("Check your email")
    assert "If an account uses that address, we have sent a link" in person.text()

    [message] = inbox.to(email)
    assert message["Subject"].startswith("Reset your password")
    found = _LINK.search(body_of(message))
    assert found, body_of(message)
    person.goto(found.group(1))
    person.expect_heading("Choose a new password")
    assert person.page_width() <= 320
    person.page.get_by_label("New password").fill("fran forgetful 1")
    person.click_button("Set password")
    assert "must not include your name" in error_summary(person)
    person.page.get_by_label("New password").fill(NEW_PASSWORD)
    person.click_button("Set password")
    person.expect_heading("Sign in")

    person.page.get_by_label("Email address", exact=True).fill(email)
    person.page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    person.click_button("Sign in")
    person.expect_heading("What needs you")
    assert person.page_width() <= 320
