"""The provider register in a real browser: a commissioner brings a new council's provider in
through the pages alone, suspends a provider (whose manager is then offered no
recommendation), records a new CQC rating with the keyboard alone, and records an exit; the
provider's page and the forms fit a 320 pixel screen. Every page reached is checked by
axe-core and photographed (see pages.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from portal.common.dates import today
from portal.common.roles import Role
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import Seed
from tests.browser.test_loop import fill_date, sign_in, table_rows
from tests.browser.test_outcomes import error_summary, signed_in
from tests.browser.test_recommendations import (
    WorldMaker,
    make_world,  # noqa: F401
)

pytestmark = pytest.mark.browser


def _long(day: dt.date) -> str:
    return day.strftime("%-d %B %Y")


def value_of(browser: Browser, key: str) -> str:
    """The value beside ``key`` in a summary list (whose rows may have actions too)."""
    row = browser.page.locator(".govuk-summary-list__row").filter(
        has=browser.page.locator("dt", has_text=re.compile(f"^{re.escape(key)}$"))
    )
    return re.sub(r"\s+", " ", row.first.locator(".govuk-summary-list__value").inner_text()).strip()


def open_provider(browser: Browser, name: str) -> None:
    browser.open_from_menu("Providers")
    browser.expect_heading("Providers")
    browser.click_link(name)
    browser.expect_heading(name)


def history(browser: Browser, name: str) -> list[list[str]]:
    return table_rows(browser, f"Changes to {name}’s register entry")


def test_a_commissioner_adds_a_new_councils_provider(
    open_browser: BrowserFactory, seed: Seed
) -> None:
    browser = signed_in(open_browser, "add-provider", seed.emails[Role.COMMISSIONER])
    browser.open_from_menu("Providers")
    browser.click_button("Add a provider")
    browser.expect_heading("Add a provider")

    page = browser.page
    page.get_by_label("Provider name").fill("Harbour Lights Care")
    page.get_by_label("Supplier reference").fill("SUP-88120")
    page.get_by_label("CQC location ID").fill("123456789")  # the "1-" forgotten
    page.get_by_role("group", name="Contract type").get_by_label("Patch").check()
    browser.click_button("Add provider")
    summary = error_summary(browser)
    assert "Enter the CQC location ID as the CQC writes it, like 1-123456789" in summary
    assert "Select the quadrant a Patch provider owns" in summary
    assert "Select at least one care category" in summary
    assert "Select whether the provider is in the strategic tier" in summary
    assert "Select the provider’s CQC rating" in summary
    # What was typed is kept.
    assert page.get_by_label("Provider name").input_value() == "Harbour Lights Care"

    page.get_by_label("CQC location ID").fill("1-123456789")
    page.get_by_role("group", name="Quadrant (for a Patch provider)").get_by_label("South").check()
    categories = page.get_by_role("group", name="Care categories awarded")
    categories.get_by_label("Standard adult").check()
    categories.get_by_label("Discharge to assess").check()
    page.get_by_role("group", name="Is the provider in the strategic tier?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Is the provider a trusted assessor?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="CQC rating").get_by_label("Good").check()
    rated = dt.date(2025, 6, 2)
    fill_date(browser, "Date of the CQC rating (optional if not yet rated)", rated)
    page.get_by_role("group", name="QAF level").get_by_label("Not assessed yet").check()
    browser.click_button("Add provider")

    browser.expect_heading("Harbour Lights Care")
    assert "Harbour Lights Care added to the register" in browser.success_banner()
    assert value_of(browser, "Status") == f"Active since {_long(today())}"
    assert value_of(browser, "CQC rating") == f"Good, rated {_long(rated)}"
    assert value_of(browser, "QAF level") == "Not assessed"
    assert value_of(browser, "Contract type") == "Patch, South quadrant"
    assert value_of(browser, "Supplier reference") == "SUP-88120"
    assert [row[1:4] for row in history(browser, "Harbour Lights Care")] == [
        ["Status", "", "Active"],
        ["Added to the register", "", "Harbour Lights Care"],
    ]
    # It is on the list, for the rest of the portal.
    browser.open_from_menu("Providers")
    assert browser.page.get_by_role("link", name="Harbour Lights Care").is_visible()


def test_suspending_a_provider_stops_its_recommendations(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
    seed: Seed,
) -> None:
    world = make_world("Osprey Care Services", ("Ivy", "Irwin"))
    browser = signed_in(open_browser, "suspend-provider", seed.emails[Role.COMMISSIONER])
    open_provider(browser, world.provider_name)
    browser.click_link(f"Suspend {world.provider_name}")
    browser.expect_heading(f"Suspend {world.provider_name}")
    started = today() - dt.timedelta(days=2)
    fill_date(browser, "From what date?", started)
    browser.click_button("Continue")
    assert "Enter why you are suspending the provider" in error_summary(browser)
    browser.page.get_by_label("Why is it being suspended?").fill(
        "CQC rated it Requires improvement after its inspection"
    )
    browser.click_button("Continue")

    browser.expect_heading(f"Check the change to {world.provider_name}")
    assert value_of(browser, "Now") == "Active"
    assert value_of(browser, "Becomes") == "Suspended"
    assert value_of(browser, "From") == _long(started)
    assert "will not be able to make new recommendations" in browser.text()
    browser.click_button("Suspend provider")

    browser.expect_heading(world.provider_name)
    assert f"{world.provider_name} is suspended" in browser.success_banner()
    assert value_of(browser, "Status").startswith(f"Suspended since {_long(started)}")
    row = history(browser, world.provider_name)[0]
    assert row[:5] == [
        _long(started),
        "Status",
        "Active",
        "Suspended",
        "CQC rated it Requires improvement after its inspection",
    ]
    assert row[5].startswith("Cora Commissioner")

    # The provider's manager is told, and offered no recommendation.
    manager = signed_in(open_browser, "suspended-manager", world.manager_email)
    manager.open_from_menu("Service users")
    manager.click_link(world.listed_as)
    manager.expect_heading(world.full_name)
    assert manager.page.get_by_role("link", name="Recommend a package change").count() == 0
    assert f"{world.provider_name} has been suspended since {_long(started)}" in manager.text()
    # and can read why on its own register entry.
    manager.click_link(f"See why on {world.provider_name}’s register entry")
    manager.expect_heading(world.provider_name)
    assert "CQC rated it Requires improvement after its inspection" in manager.text()
    assert manager.page.get_by_role("link", name=re.compile("^Reinstate")).count() == 0


def test_a_new_cqc_rating_with_the_keyboard_alone(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
    seed: Seed,
) -> None:
    world = make_world("Curlew Home Support", ("Ada", "Ames"))
    browser = signed_in(open_browser, "cqc-keyboard", seed.emails[Role.COMMISSIONER])
    open_provider(browser, world.provider_name)
    keyboard = browser.page.keyboard

    def tab_to(text: str) -> None:
        for _ in range(60):
            keyboard.press("Tab")
            if browser.focused("el => (el.textContent || el.value || '').trim()") == text:
                return
        pytest.fail(f"tabbing never reached {text!r} on {browser.page.url}")

    tab_to("Change CQC rating")
    browser.press_and_wait("Enter")
    browser.expect_heading(f"Record a new CQC rating for {world.provider_name}")
    for _ in range(40):  # past the header, the menu and the back link to the first radio
        keyboard.press("Tab")
        if browser.focused("el => el.name") == "rating":
            break
    assert browser.focused("el => el.value") == "outstanding"
    for _ in range(2):  # Outstanding, Good, Requires improvement
        keyboard.press("ArrowDown")
    assert browser.focused("el => el.value") == "requires_improvement"
    rated = today() - dt.timedelta(days=7)
    for value in (rated.day, rated.month, rated.year):
        keyboard.press("Tab")
        keyboard.type(str(value))
    browser.press_and_wait("Enter")
    browser.expect_heading(f"Check the change to {world.provider_name}")
    assert value_of(browser, "Becomes") == "Requires improvement"
    tab_to("Record rating")
    browser.press_and_wait("Enter")
    browser.expect_heading(world.provider_name)
    assert value_of(browser, "CQC rating") == f"Requires improvement, rated {_long(rated)}"


def test_recording_an_exit_at_320_pixels(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
    seed: Seed,
) -> None:
    """WCAG 1.4.10 Reflow: the add form, the provider's page, the change form and its check
    page never scroll sideways at 320 CSS pixels (the tables scroll in their own boxes)."""
    world = make_world("Plover Care at Home", ("Rose", "Reid"))
    phone = open_browser("exit-320px", viewport={"width": 320, "height": 640})
    phone.goto("/")
    sign_in(phone, seed.emails[Role.COMMISSIONER])
    phone.goto("/providers/new")  # the longest form, with its date boxes
    assert phone.page_width() <= 320
    phone.goto("/providers")
    phone.click_link(world.provider_name)
    assert phone.page_width() <= 320
    phone.click_link(f"Record exit of {world.provider_name}")
    phone.expect_heading(f"Record that {world.provider_name} has left")
    assert phone.page_width() <= 320
    left = today() - dt.timedelta(days=1)
    fill_date(phone, "Exit date", left)
    phone.page.get_by_label("Why is it leaving? (optional)").fill("Contract ended by agreement")
    phone.click_button("Continue")
    phone.expect_heading(f"Check the change to {world.provider_name}")
    assert phone.page_width() <= 320
    assert "This cannot be undone" in phone.text()
    phone.click_button("Record exit")
    phone.expect_heading(world.provider_name)
    assert phone.page_width() <= 320
    assert f"Left the register on {_long(left)}" in phone.text()
    assert value_of(phone, "Status") == f"Exited on {_long(left)} Contract ended by agreement"
    # Nothing on an exited provider's entry can change now.
    assert phone.page.get_by_role("link", name=f"Suspend {world.provider_name}").count() == 0
    for fact in ("strategic tier", "CQC rating", "care categories"):
        assert phone.page.get_by_role("link", name=f"Change {fact}").count() == 0


def test_a_legacy_provider_is_given_its_cqc_location_id(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
    seed: Seed,
) -> None:
    world = make_world("Dunlin Domiciliary Care", ("Amos", "Archer"))
    browser = signed_in(open_browser, "cqc-location", seed.emails[Role.COMMISSIONER])
    open_provider(browser, world.provider_name)
    assert value_of(browser, "CQC location ID") == "Not recorded"
    browser.click_link("Change CQC location ID")
    browser.expect_heading(f"Change {world.provider_name}’s CQC location ID")
    browser.page.get_by_label("CQC location ID").fill("1 123456780")
    fill_date(browser, "From what date?", today())
    browser.click_button("Continue")
    assert "Enter the CQC location ID as the CQC writes it" in error_summary(browser)
    browser.page.get_by_label("CQC location ID").fill("1-123456780")
    browser.click_button("Continue")
    browser.expect_heading(f"Check the change to {world.provider_name}")
    assert value_of(browser, "Now") == "Not recorded"
    assert value_of(browser, "Becomes") == "1-123456780"
    browser.click_button("Change the CQC location ID")
    browser.expect_heading(world.provider_name)
    assert value_of(browser, "CQC location ID") == "1-123456780"
