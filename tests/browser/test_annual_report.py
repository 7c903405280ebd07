"""A commissioner chooses a year and downloads the committee's annual report, in a real
browser at desktop and phone width (each page checked by axe-core and photographed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import Seed
from tests.browser.test_finance import download, pdf_text
from tests.browser.test_loop import sign_in
from tests.browser.test_outcomes import signed_in

pytestmark = pytest.mark.browser

CURRENT = FinancialYear.containing(today())
EARLIER = FinancialYear(CURRENT.start_year - 3)


def choose_year(browser: Browser, year: FinancialYear) -> None:
    browser.page.get_by_label("Financial year", exact=True).select_option(str(year.start_year))
    browser.click_button("Show this year")
    browser.expect_heading("Annual report for the scrutiny committee")


@pytest.mark.parametrize("width", [1280, 320])
def test_a_commissioner_downloads_the_annual_report_for_a_chosen_year(
    open_browser: BrowserFactory, seed: Seed, tmp_path: Path, width: int
) -> None:
    commissioner = open_browser(f"annual-report-{width}", viewport={"width": width, "height": 800})
    commissioner.goto("/")
    sign_in(commissioner, seed.emails[Role.COMMISSIONER])
    if width > 320:
        commissioner.open_from_menu("Annual report")
    else:  # on a phone the menu folds behind its button: the address is typed
        commissioner.goto("/reports/annual-report")
    commissioner.expect_heading("Annual report for the scrutiny committee")
    last = FinancialYear(CURRENT.start_year - 1)
    assert f"Download the annual monitoring report for {last.label} (PDF)" in commissioner.text()

    choose_year(commissioner, EARLIER)
    name, pdf = download(
        commissioner, f"Download the annual monitoring report for {EARLIER.label} (PDF)"
    )
    assert name == f"home-care-annual-report-{EARLIER.label.replace('/', '-')}.pdf"
    text = pdf_text(pdf, tmp_path / "pdf")
    assert f"Home care contracts: annual monitoring report {EARLIER.label}" in text
    assert "Summary for the committee" in text and "Contents" in text

    choose_year(commissioner, CURRENT)
    assert "is not over yet" in commissioner.text()
    assert commissioner.page_width() <= width


def test_a_care_manager_is_not_offered_the_report(open_browser: BrowserFactory, seed: Seed) -> None:
    care_manager = signed_in(open_browser, "annual-report-care", seed.emails[Role.CARE_MANAGER])
    menu = care_manager.page.get_by_role("navigation", name="Menu")
    assert not menu.get_by_role("link", name="Annual report", exact=True).count()
