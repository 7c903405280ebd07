"""A commissioner opens a provider's scorecard from its register entry, chooses last year
with the keyboard alone, and goes on to the ranking; the provider's manager opens their own
scorecard from their home page. At 1280 and 320 pixels, each page checked by axe-core and
photographed (see pages.py), none wider than the screen."""

from __future__ import annotations

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from tests.browser.pages import BrowserFactory
from tests.browser.test_loop import sign_in
from tests.browser.test_recommendations import (
    WorldMaker,
    make_world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.browser

SECTIONS = (
    "Outcome returns on time",
    "Capacity returns on time",
    "Outcome results against the council",
    "Recommendations",
    "Hours released and payments earned",
    "Capacity flags",
    "CQC rating and QAF level",
)


@pytest.mark.parametrize("width", [1280, 320])
def test_a_scorecard_by_year_and_the_ranking(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
    width: int,
) -> None:
    size = "Narrow" if width < 641 else "Wide"
    officer = f"Sol {size}"
    world = make_world(
        f"Scorecard {size} Care", ("Ana", f"Ames{size}"), officers={officer: Role.COMMISSIONER}
    )
    this_year = FinancialYear.containing(today())
    last_year = FinancialYear(this_year.start_year - 1)

    council = open_browser(f"scorecard-{width}", viewport={"width": width, "height": 800})
    council.goto(f"/providers/{world.provider_id}")
    sign_in(council, world.officers[officer])
    council.goto(f"/providers/{world.provider_id}")
    council.click_link(f"Scorecard for {world.provider_name}")
    council.expect_heading(world.provider_name)
    headings = council.page.locator("main h2").all_inner_texts()
    for section in SECTIONS:
        assert section in headings
    assert f"Provider scorecard, financial year {this_year.label}" in council.text()
    assert council.page_width() <= width

    # Last year, by keyboard alone: the year's list, then its button.
    page = council.page
    page.get_by_label("Financial year", exact=True).focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Financial year", exact=True).input_value() == str(
        last_year.start_year
    )
    page.keyboard.press("Tab")
    assert council.focused("el => el.innerText") == "Show this year"
    council.press_and_wait("Enter")
    assert f"Provider scorecard, financial year {last_year.label}" in council.text()
    assert council.page_width() <= width

    council.click_link(f"Ranking for {last_year.label}")
    council.expect_heading("Provider ranking")
    assert world.provider_name in council.text()
    assert council.page_width() <= width

    provider = open_browser(f"scorecard-own-{width}", viewport={"width": width, "height": 800})
    provider.goto("/")
    sign_in(provider, world.manager_email)
    provider.expect_heading("What needs you")
    provider.click_link("scorecard")
    provider.expect_heading(world.provider_name)
    assert provider.page_width() <= width
