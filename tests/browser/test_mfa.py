"""Multi-factor sign-in in a real browser, at phone and desktop width, with the keyboard
alone: a care manager's first sign-in where it is required sets up their authenticator app
from the QR code (read back from the screen, so it is shown to scan), a wrong code is
refused beside its box, the recovery codes are shown once, and the next sign-in asks for a
code. Every page is checked by axe-core and photographed."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.roles import Role
from portal.extensions import db
from tests import mfa
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import a_council_officer
from tests.browser.test_outcomes import error_summary, signed_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _type_password(browser: Browser, email: str) -> None:
    browser.goto("/sign-in")
    browser.page.get_by_label("Email address").focus()
    browser.page.keyboard.type(email)
    browser.page.keyboard.press("Tab")
    browser.page.keyboard.type(PASSWORD)
    browser.press_and_wait("Enter")


def _type_code(browser: Browser, code: str) -> None:
    browser.page.locator("#code").focus()
    browser.page.keyboard.press("Control+A")  # over whatever was typed before
    browser.page.keyboard.type(code)
    browser.press_and_wait("Enter")


def _scanned(browser: Browser) -> str:
    """What a phone's camera reads from the QR code as the screen shows it."""
    picture = browser.page.get_by_role("img", name="QR code for your authenticator app")
    image = Image.open(io.BytesIO(picture.screenshot()))
    [read] = zxingcpp.read_barcodes(image)
    return str(read.text)


@pytest.mark.parametrize("width", [320, 1280])
def test_a_care_manager_sets_up_an_authenticator_app_at_first_sign_in(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    assert live_server.app is not None
    monkeypatch.setitem(live_server.app.config, "MFA_REQUIRED", True)
    email = a_council_officer(live_server, f"Mfa Person {width}", Role.CARE_MANAGER)
    person = open_browser(f"mfa-{width}", viewport={"width": width, "height": 900})

    _type_password(person, email)
    person.expect_heading("Set up multi-factor sign-in")
    assert person.page_width() <= width, "the page scrolls sideways"
    uri = _scanned(person)
    assert uri.startswith("otpauth://totp/")
    [secret] = parse_qs(urlsplit(uri).query)["secret"]
    assert email.replace("@", "%40") in uri

    # The key as text, for typing into an app, behind "I cannot scan the QR code".
    person.page.locator("summary", has_text="I cannot scan the QR code").focus()
    person.page.keyboard.press("Enter")
    key = person.page.locator("#setup-key").inner_text()
    assert key.replace(" ", "") == secret
    assert all(len(group) == 4 for group in key.split())
    person.check_page()

    _type_code(person, "000000")
    assert "Enter the 6-digit code your authenticator app shows now" in error_summary(person)
    totp = pyotp.TOTP(secret)
    _type_code(person, totp.now())
    person.expect_heading("Save your recovery codes")
    codes = person.page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    person.page.get_by_role("button", name="I have saved these codes").focus()
    person.press_and_wait("Enter")
    person.expect_heading("What needs you")

    menu = person.page.get_by_role("button", name="Menu")
    if menu.is_visible():  # at phone width, sign-out is in the menu
        menu.focus()
        person.page.keyboard.press("Enter")
    person.page.get_by_role("button", name="Sign out").focus()
    person.press_and_wait("Enter")
    _type_password(person, email)
    person.expect_heading("Enter the code from your authenticator app")
    _type_code(person, totp.at(time.time(), counter_offset=1))  # not the code used above
    person.expect_heading("What needs you")


def test_a_recovery_code_new_codes_and_an_administrator_s_reset(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    assert live_server.app is not None
    email = a_council_officer(live_server, "Rhys Recovery", Role.CARE_MANAGER)
    admin_email = a_council_officer(live_server, "Ada Resetter", Role.ADMINISTRATOR)
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        user_id = user.id
        secret = mfa.enrolled(user)
        codes = mfa.recovery_codes_for(user)
        db.session.remove()

    person = signed_in(open_browser, "mfa-recovery", email)
    person.expect_heading("Enter the code from your authenticator app")
    person.click_link("I do not have my phone: use a recovery code")
    person.expect_heading("Use a recovery code")
    person.page.get_by_label("Recovery code").fill(codes[0])
    person.click_button("Continue")
    person.expect_heading("What needs you")
    assert "you have 9 recovery codes left" in person.text()

    person.click_link("Your account")
    person.expect_heading("Your account")
    assert "On 9 recovery codes left" in person.text()
    person.click_link("Manage multi-factor sign-in")
    person.expect_heading("Multi-factor sign-in")
    person.click_link("Make new recovery codes")
    person.page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    person.click_button("Continue")
    person.expect_heading("Save your recovery codes")
    person.click_button("I have saved these codes")
    person.expect_heading("Multi-factor sign-in")
    assert person.page.locator("#codes-left").inner_text() == "10"

    admin = signed_in(open_browser, "mfa-reset", admin_email)
    admin.page.set_viewport_size({"width": 320, "height": 900})
    admin.goto(f"/accounts/{user_id}")
    admin.click_link("Reset multi-factor sign-in of Rhys Recovery")
    admin.expect_heading("Reset Rhys Recovery’s multi-factor sign-in?")
    admin.click_button("Reset multi-factor sign-in")
    admin.expect_heading("Rhys Recovery")
    assert "multi-factor sign-in is reset" in admin.success_banner()
    assert "Multi-factor sign-in reset, 1 session ended" in admin.text()

    person.goto("/review")
    person.expect_heading("Sign in")
