"""Where people land, and the header, in a real browser: a provider manager signs in to
"What needs you", sees what the provider owes with its deadline, and follows a line to the
work; the header keeps its sections on one row at 1280 pixels for the person with the most
of them, Sign out and the account on the header's right, reachable by keyboard; at 320
pixels the sections fold into the Menu button. Every page is checked by axe-core."""

from __future__ import annotations

import pytest

from portal.common.roles import Role
from portal.extensions import db
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_finance import _app
from tests.browser.test_loop import sign_in
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def _provider_owing_returns(live_server: LiveServer) -> str:
    """A strategic-tier provider with three people owed this quarter's returns, none
    started; its manager's email."""
    email = "manager@landing.example.test"
    with _app(live_server).app_context():
        provider = ProviderFactory(name="Landing Lane Care")
        for family in ("Ash", "Birch", "Cedar"):
            person = ServiceUserFactory(provider=provider, given_name="Pat", family_name=family)
            PackageLineFactory(service_user=person)
        UserFactory(
            roles=[Role.PROVIDER_MANAGER], provider_id=provider.id, name="Lee Lander", email=email
        )
        db.session.commit()
        db.session.remove()
    return email


def _several_roles(live_server: LiveServer) -> str:
    """A council officer who is both commissioner and care manager: the longest menu."""
    email = "many.hats@testshire.example.test"
    with _app(live_server).app_context():
        UserFactory(roles=[Role.COMMISSIONER, Role.CARE_MANAGER], name="Mo Manyhats", email=email)
        db.session.commit()
        db.session.remove()
    return email


def _signed_in(open_browser: BrowserFactory, name: str, email: str, **options: object) -> Browser:
    browser = open_browser(name, **options)
    browser.goto("/")
    sign_in(browser, email)
    return browser


def test_a_provider_lands_on_what_is_owed_and_follows_it_to_the_work(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    email = _provider_owing_returns(live_server)
    for name, options in (("home-provider", {}), ("home-provider-320px", {"viewport": PHONE})):
        provider = _signed_in(open_browser, name, email, **options)
        provider.expect_heading("What needs you")
        line = provider.page.get_by_role("link", name="3 outcome returns not started")
        # The line's deadline is read out with it.
        description = line.evaluate(
            "a => a.getAttribute('aria-describedby').split(' ')"
            ".map(id => document.getElementById(id).innerText).join(' ')"
        )
        assert ", due by " in description and "Due in" in description
        assert provider.page_width() <= (320 if options else 1280)
        if not options:
            assert len(set(_menu_tops(provider))) == 1, "the provider's menu wraps"
        provider.click_and_wait(line)
        assert provider.heading().startswith("Outcome returns for ")
        listed = provider.text()
        assert all(f"Pat {family}" in listed for family in ("Ash", "Birch", "Cedar"))
        assert "Not started" in listed


def _menu_tops(browser: Browser) -> list[float]:
    menu = browser.page.get_by_role("navigation", name="Menu")
    return [box["y"] for box in (item.bounding_box() for item in menu.locator("li").all()) if box]


def test_the_header_keeps_one_row_at_1280_and_folds_into_menu_at_320(
    open_browser: BrowserFactory, live_server: LiveServer
) -> None:
    email = _several_roles(live_server)
    desk = _signed_in(open_browser, "header-1280px", email)
    desk.expect_heading("What needs you")
    tops = _menu_tops(desk)
    assert len(tops) >= 5 and len(set(tops)) == 1, f"the menu wraps: {tops}"
    current = desk.page.get_by_role("navigation", name="Menu").locator("[aria-current]")
    assert current.inner_text().strip() == "What needs you"
    # The account area sits on the header's right, above the menu, not in it.
    account = desk.page.get_by_role("navigation", name="Your account")
    sign_out = account.get_by_role("button", name="Sign out")
    menu_box = desk.page.get_by_role("navigation", name="Menu").bounding_box()
    sign_out_box = sign_out.bounding_box()
    assert menu_box and sign_out_box and sign_out_box["y"] < menu_box["y"]
    assert sign_out_box["x"] > 640
    # The sections the row has no room for are one step away, under "More".
    desk.open_from_menu("Rate card")
    desk.expect_heading("Rate card")
    more = desk.page.get_by_role("navigation", name="Menu").locator("[aria-current]")
    assert more.inner_text().strip() == "More"
    # Sign out is reached with the Tab key, after the skip link and the account links.
    for _ in range(6):
        desk.page.keyboard.press("Tab")
        if desk.focused("el => el.textContent.trim()") == "Sign out":
            break
    assert desk.focused("el => el.textContent.trim()") == "Sign out"
    desk.press_and_wait("Enter")
    desk.expect_heading("You have signed out")

    # Every other role's menu fits its row too.
    for role in (Role.COMMISSIONER, Role.FINANCE_OFFICER):
        other = _signed_in(
            open_browser, f"header-1280px-{role.value}", live_server.seed.emails[role]
        )
        other.expect_heading("What needs you")
        assert len(set(_menu_tops(other))) == 1, f"the {role.label} menu wraps"

    phone = _signed_in(open_browser, "header-320px", email, viewport=PHONE)
    phone.expect_heading("What needs you")
    assert phone.page_width() <= 320
    toggle = phone.page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    review = phone.page.get_by_role("link", name="Review queue", exact=True)
    assert not review.is_visible()
    toggle.click()
    phone.check_page()  # the opened menu is checked too
    assert review.is_visible()
    phone.click_and_wait(review)
    phone.expect_heading("Review queue")
    assert phone.page.get_by_role("button", name="Sign out").is_visible()
