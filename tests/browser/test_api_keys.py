"""API keys in a real browser, on a phone-width screen and by keyboard alone: an agency's
administrator makes a key, is shown it once, reads the developers' guide, and revokes it;
the key works against the API until then and is refused from then on. Every page is
checked by axe-core."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import Provider
from tests.browser.pages import BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import _app
from tests.browser.test_loop import sign_in
from tests.browser.test_outcomes import error_summary
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

EMAIL = "tess.team@brightwater.example.test"


def _administrator(live_server: LiveServer) -> None:
    with _app(live_server).app_context():
        provider = db.session.query(Provider).filter_by(name=live_server.seed.provider_name).one()
        UserFactory(
            roles=[Role.PROVIDER_MANAGER, Role.AGENCY_ADMINISTRATOR],
            provider_id=provider.id,
            name="Tess Team",
            email=EMAIL,
        )
        db.session.commit()
        db.session.remove()


def _call(live_server: LiveServer, key: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 (the test's own server, over http)
        f"{live_server.url}/api/v1/quarters", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_key_is_made_shown_once_and_revoked_by_keyboard_on_a_phone(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    _administrator(live_server)
    browser = open_browser("api-keys", viewport={"width": 320, "height": 640})
    browser.goto("/")
    sign_in(browser, EMAIL)
    browser.goto("/api-keys")  # the menu folds away at this width
    browser.expect_heading("API keys")
    assert browser.page_width() <= 320
    assert "Your agency has no API keys yet" in browser.text()

    browser.page.get_by_role("button", name="Make a new key").focus()
    browser.press_and_wait("Enter")
    browser.expect_heading("Make an API key")
    browser.page.get_by_role("button", name="Make the key").focus()
    browser.press_and_wait("Enter")  # no name
    assert "Enter a name for the key" in error_summary(browser)
    browser.page.get_by_label("Name the key").focus()
    browser.page.keyboard.type("Nourish, live")
    browser.page.keyboard.press("Tab")  # to the chosen lifetime, 90 days
    browser.page.keyboard.press("ArrowDown")  # 6 months
    browser.press_and_wait("Enter")  # a form sends itself from a radio too
    assert "API key made" in browser.text()
    assert browser.page_width() <= 320
    key = browser.page.locator("#api-key").inner_text().strip()
    assert key.startswith("hcp_")
    status, body = _call(live_server, key)
    assert status == 200 and "items" in body

    browser.page.get_by_role("link", name="developers’ guide").focus()
    browser.press_and_wait("Enter")
    browser.expect_heading("The API: a guide for care-planning systems’ developers")
    assert browser.page_width() <= 320
    browser.page.go_back()
    browser.check_page()
    assert "This key has been shown" in browser.text()  # shown once: not again

    browser.page.get_by_role("link", name="Go to your API keys").focus()
    browser.press_and_wait("Enter")
    assert "Nourish, live" in browser.text() and "Active" in browser.text()
    browser.page.get_by_role("link", name="Revoke Nourish, live").focus()
    browser.press_and_wait("Enter")
    browser.expect_heading("Revoke Nourish, live?")
    browser.page.get_by_role("button", name="Revoke key").focus()
    browser.press_and_wait("Enter")
    browser.expect_heading("API keys")
    assert "is revoked" in browser.success_banner()
    assert "Revoked" in browser.text()
    status, body = _call(live_server, key)
    assert status == 401 and "was revoked" in str(body["detail"])
