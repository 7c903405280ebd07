"""The pages still work under the Content-Security-Policy: in Chromium, on a phone-width
screen, GOV.UK Frontend's scripts run (the nonce'd snippet marks the page as supported, the
error summary takes the focus, the menu button opens the menu), the council's colour comes
from its own stylesheet, and the browser reports no policy violation. An inline script
slipped into the page is refused, which shows the policy is enforced and the listening
works. Every page the checking Browser reaches is checked by axe-core and photographed, and
fails its test if the policy refused anything on it (pages.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import ConsoleMessage

from portal.common.roles import Role
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer, Seed
from tests.browser.test_loop import sign_in

pytestmark = pytest.mark.browser

# Runs before any of the page's own scripts, outside the policy (Playwright's init script).
LISTEN_FOR_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watched(open_browser: BrowserFactory) -> tuple[Browser, list[str]]:
    """A phone-width browser whose console errors are collected."""
    browser = open_browser(viewport={"width": 320, "height": 640})
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    browser.page.on("console", on_console)
    browser.page.add_init_script(LISTEN_FOR_VIOLATIONS)
    return browser, errors


def violations(browser: Browser) -> list[Any]:
    return browser.page.evaluate("window.__violations")


def test_gov_uk_frontend_runs_under_the_policy(open_browser: BrowserFactory, seed: Seed) -> None:
    browser, console_errors = watched(open_browser)
    browser.goto("/sign-in")
    body_classes = browser.page.evaluate("document.body.className")
    assert "govuk-frontend-supported" in body_classes, "the nonce'd snippet ran"

    browser.click_button("Sign in")  # nothing filled in
    assert browser.focused("el => el.className").startswith("govuk-error-summary")
    assert browser.page.get_by_role("alert").is_visible()

    sign_in(browser, seed.emails[Role.COMMISSIONER])
    header = browser.page.locator(".govuk-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(29, 91, 121)"

    menu_button = browser.page.get_by_role("button", name="Menu")
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert not browser.page.get_by_role("link", name="Providers").is_visible()
    menu_button.click()
    assert menu_button.get_attribute("aria-expanded") == "true"
    assert browser.page.get_by_role("link", name="Providers").is_visible()
    browser.check_page()
    browser.open_from_menu("Capacity")
    assert browser.heading().startswith("Capacity picture")

    assert violations(browser) == []
    assert console_errors == []


def test_an_inline_script_is_refused(chromium: PlaywrightBrowser, live_server: LiveServer) -> None:
    """A bare page, not the checking Browser, which fails a test on any refusal."""
    context = chromium.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        console_errors: list[str] = []
        page.on("console", lambda message: console_errors.append(message.text))
        page.add_init_script(LISTEN_FOR_VIOLATIONS)
        page.goto("/accessibility")
        assert page.evaluate("window.__violations") == []
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.__ran = true";
              document.body.append(script);
            }"""
        )
        page.wait_for_function("window.__violations.length > 0")
        assert page.evaluate("window.__violations") == ["script-src-elem inline"]
        assert page.evaluate("window.__ran === undefined")
        assert any("Content Security Policy" in error for error in console_errors)
    finally:
        context.close()
