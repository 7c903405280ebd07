"""The contract dashboard in a real browser: a commissioner opens it from the menu, reads
each section's chart and table, and chooses another year and a quarter by keyboard alone;
on a phone's screen the page keeps to the screen's width, its charts shrink to fit and its
wide tables scroll inside their own region. Every page is checked by axe-core."""

from __future__ import annotations

import re

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.test_loop import sign_in
from tests.browser.test_recommendations import WorldMaker, make_world  # noqa: F401

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
THIS_YEAR = FinancialYear.containing(today())
LAST_YEAR = FinancialYear(THIS_YEAR.start_year - 1)
YEAR_PATTERN = THIS_YEAR.label.replace("/", r"\/")  # Playwright's selector ends at a bare /
SECTIONS = (
    "Table F: outcomes met each quarter",
    "Trusted assessor recommendations and decisions",
    "Hours released and one-off payments",
    "Spare capacity by quadrant",
    "Returns handed in, by provider",
    "Providers by CQC rating and QAF level",
)


def _commissioner(
    open_browser: BrowserFactory,
    maker: WorldMaker,
    name: str,
    **options: object,
) -> Browser:
    """A commissioner of a world of their own (each test names its own provider)."""
    world = maker(f"{name} Care", ("Dora", "Dale"), officers={f"Dana {name}": Role.COMMISSIONER})
    browser = open_browser(**options)
    browser.goto("/")
    sign_in(browser, world.officers[f"Dana {name}"])
    return browser


def _tab_to(browser: Browser, element_id: str, *, most: int = 60) -> None:
    """Press Tab until the element has the focus, as a keyboard user moves through a page."""
    for _ in range(most):
        browser.page.keyboard.press("Tab")
        if browser.focused() == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_commissioner_reads_the_year_and_chooses_a_quarter_by_keyboard(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
) -> None:
    browser = _commissioner(open_browser, make_world, "Dashdale")
    browser.open_from_menu("Dashboard")
    browser.expect_heading(f"Contract dashboard: {THIS_YEAR.label}")
    page = browser.page
    contents = page.get_by_role("navigation", name="Contents")
    for title in SECTIONS:
        assert contents.get_by_role("link", name=title, exact=True).count() == 1
        heading = page.get_by_role("heading", name=title, exact=True, level=2)
        assert heading.count() == 1
        assert page.get_by_role("table", name=f"{title}, {THIS_YEAR.label}").count() == 1
        assert (
            page.get_by_role(
                # Its name says which table: the words after "(CSV)" are for screen readers.
                "link",
                name=re.compile(
                    rf"^Download this table \(CSV\)\s*: {re.escape(title)}, {YEAR_PATTERN}$"
                ),
            ).count()
            == 1
        )
    # Each chart is an image named by its title, drawn within the column.
    charts = page.locator("svg.app-chart[role=img]")
    assert charts.count() >= len(SECTIONS)
    assert (
        page.get_by_role(
            "img", name=f"Spare weekly hours by quadrant each month, {THIS_YEAR.label}"
        ).count()
        == 1
    )

    # The contents take the keyboard to a section.
    contents.get_by_role("link", name="Spare capacity by quadrant").focus()
    page.keyboard.press("Enter")
    assert page.url.endswith("#capacity-by-quadrant")

    # Last year's second quarter, by keyboard alone: Tab to the year, arrow to last year,
    # Tab to the quarter, arrow to Q2, Tab to the button and press Enter.
    browser.goto("/reports/dashboard")
    _tab_to(browser, "year")
    page.keyboard.press("ArrowDown")
    assert page.locator("#year").input_value() == str(LAST_YEAR.start_year)
    page.keyboard.press("Tab")
    assert browser.focused() == "quarter"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#quarter").input_value() == "2"
    page.keyboard.press("Tab")
    assert browser.focused("el => el.textContent.trim()") == "Show these figures"
    browser.press_and_wait("Enter")
    label = f"Q2 {LAST_YEAR.label} (July to September)"
    browser.expect_heading(f"Contract dashboard: {label}")
    assert page.locator("#year").input_value() == str(LAST_YEAR.start_year)
    assert page.locator("#quarter").input_value() == "2"
    # A table too wide for the column takes the keyboard's focus, so arrows can scroll it.
    region = page.get_by_role(
        "region", name=f"Trusted assessor recommendations and decisions, {label}"
    )
    region.focus()
    assert browser.focused("el => el.getAttribute('role')") == "region"


def test_the_dashboard_fits_a_phones_screen(
    open_browser: BrowserFactory,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
) -> None:
    browser = _commissioner(open_browser, make_world, "Narrowby", viewport=NARROW)
    browser.goto(f"/reports/dashboard?year={THIS_YEAR.start_year}")
    browser.expect_heading(f"Contract dashboard: {THIS_YEAR.label}")
    assert browser.page_width() <= NARROW["width"]
    # Each chart keeps a readable size (its lettering would be a few pixels high shrunk to
    # the column) in a frame inside the screen that scrolls sideways and takes the focus.
    frames = browser.page.locator(".app-chart-frame").evaluate_all(
        """frames => frames.map(f => ({
            frame: f.getBoundingClientRect().right,
            chart: f.querySelector('svg.app-chart').getBoundingClientRect().width,
            scrolls: f.scrollWidth > f.clientWidth,
            focusable: f.tabIndex === 0 && f.getAttribute('role') === 'region'
                && f.getAttribute('aria-label').startsWith('Chart: '),
        }))"""
    )
    assert frames, "the dashboard has charts"
    for frame in frames:
        assert frame["frame"] <= NARROW["width"] and frame["chart"] >= 500, frame
        assert frame["scrolls"] and frame["focusable"], frame
    # One quarter's Table F has three columns: it reflows, each row a block.
    browser.goto(f"/reports/dashboard?year={THIS_YEAR.start_year}&quarter=1")
    assert browser.page_width() <= NARROW["width"]
    table = browser.page.get_by_role(
        "table", name=f"Table F: outcomes met each quarter, Q1 {THIS_YEAR.label} (April to June)"
    )
    assert table.evaluate("t => getComputedStyle(t).display") == "block"
