"""Accounts in a real browser: an administrator invites someone and is shown the link once;
the person, on a phone-width screen and by keyboard alone, creates a password (a weak one
is refused beside the field) and signs in; the administrator disables the account and the
person's open session stops at their next page. Every page is checked by axe-core."""

from __future__ import annotations

import re

import pytest

from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_outcomes import error_summary, signed_in

pytestmark = pytest.mark.browser

NEW_EMAIL = "nia.newcomer@council.example"
PASSWORD = "lantern meadow biscuit"


def test_an_invitation_becomes_an_account_until_it_is_disabled(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    admin_email = a_council_officer(live_server, "Abe Accounts", Role.ADMINISTRATOR)
    admin = signed_in(open_browser, "accounts-administrator", admin_email)
    admin.open_from_menu("Accounts")
    admin.expect_heading("Accounts")
    admin.click_button("Invite someone")
    admin.expect_heading("Invite someone")

    admin.click_button("Send invitation")  # nothing filled in
    summary = error_summary(admin)
    assert "Enter the person’s full name" in summary
    assert "Select at least one role" in summary

    admin.page.get_by_label("Full name").fill("Nia Newcomer")
    admin.page.get_by_label("Email address").fill(NEW_EMAIL)
    admin.page.get_by_label("Care manager").check()
    admin.click_button("Send invitation")
    admin.expect_heading("Invitation made")
    link = admin.page.locator("#invitation-link").inner_text().strip()
    path = re.sub(r"^https?://[^/]+", "", link)
    assert path.startswith("/set-password/")

    # The person, on a narrow screen, by keyboard alone.
    person = open_browser("accounts-newcomer", viewport={"width": 320, "height": 640})
    person.goto(path)
    person.expect_heading("Create your password")
    assert person.page_width() <= 320
    field = person.page.get_by_label("Create a password")
    field.focus()
    person.page.keyboard.type("password1234")
    person.press_and_wait("Enter")
    assert "Password is too common" in error_summary(person)
    person.page.get_by_label("Create a password").focus()
    person.page.keyboard.press("Control+A")
    person.page.keyboard.type(PASSWORD)
    person.press_and_wait("Enter")
    person.expect_heading("Sign in")
    assert "Your password is set" in person.text()
    person.page.get_by_label("Email address", exact=True).focus()
    person.page.keyboard.type(NEW_EMAIL)
    person.page.keyboard.press("Tab")
    person.page.keyboard.type(PASSWORD)
    person.press_and_wait("Enter")
    person.expect_heading("What needs you")
    assert person.page_width() <= 320

    # The administrator sees the account active, then disables it.
    admin.click_link("Go to Nia Newcomer’s account")
    admin.expect_heading("Nia Newcomer")
    assert "Active" in admin.text() and "Password set" in admin.text()
    admin.click_and_wait(admin.page.get_by_role("link", name=re.compile("^Disable account")))
    admin.expect_heading("Disable Nia Newcomer’s account?")
    admin.click_button("Disable account")
    admin.expect_heading("Nia Newcomer")
    assert "can no longer sign in" in admin.text()

    person.goto("/review")
    person.expect_heading("Sign in")
