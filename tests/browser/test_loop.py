"""The mission's loop in a real browser, the way each person would work through it: the
provider returns outcomes and recommends a smaller package, the care manager approves it,
the package changes, and finance batches the payment and downloads the payment list.

Every page reached is checked by axe-core and photographed (see pages.py)."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pytest
from playwright.sync_api import Locator

from portal.common.dates import format_date, today
from portal.common.roles import Role
from portal.outcomes.measures import OUTCOMES
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer, Seed
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(browser: Browser, email: str) -> None:
    """Fill in the sign-in page now showing and send it."""
    browser.expect_heading("Sign in")
    browser.page.get_by_label("Email address", exact=True).fill(email)
    browser.page.get_by_label("Password", exact=True).fill(PASSWORD)
    browser.click_button("Sign in")


def sign_out(browser: Browser) -> None:
    browser.click_button("Sign out")
    browser.expect_heading("You have signed out")


def date_inputs(browser: Browser, question: str) -> tuple[Locator, Locator, Locator]:
    """The Day, Month and Year boxes of a date question, found by its legend."""
    group = browser.page.get_by_role("group", name=question, exact=True)
    return (
        group.get_by_label("Day", exact=True),
        group.get_by_label("Month", exact=True),
        group.get_by_label("Year", exact=True),
    )


def fill_date(browser: Browser, question: str, day: dt.date) -> None:
    boxes = date_inputs(browser, question)
    for box, value in zip(boxes, (day.day, day.month, day.year), strict=True):
        box.fill(str(value))


def table_rows(browser: Browser, caption: str) -> list[list[str]]:
    """Each body row's cells, as words. A reflowing table on a phone's screen repeats its
    column's heading in each cell for the eye (hidden from screen readers): only the value
    is read."""
    table = browser.page.get_by_role("table", name=caption)
    return [
        [
            str(
                cell.evaluate("c => (c.querySelector('.portal-reflow__value') || c).innerText")
            ).strip()
            for cell in row.locator("th, td").all()
        ]
        for row in table.locator("tbody tr").all()
    ]


def test_the_loop_from_outcome_return_to_payment_list(
    open_browser: BrowserFactory, live_server: LiveServer, seed: Seed
) -> None:
    start = today() + dt.timedelta(days=14)

    # 1. The provider manager returns the quarter's outcomes for Margaret.
    provider = open_browser("loop-1-provider-manager")
    provider.goto("/")
    sign_in(provider, seed.emails[Role.PROVIDER_MANAGER])
    provider.expect_heading("What needs you")
    provider.open_from_menu("Service users")
    provider.click_link(seed.person_name)
    provider.expect_heading(seed.person_full_name)
    provider.click_button(f"Start the {seed.period_label} outcome return")
    provider.expect_heading(f"Appendix A outcome return, {seed.period_label}")
    page = provider.page
    provider.click_link(re.compile(r"^Outcome 1: "), exact=False)
    for outcome in OUTCOMES:
        provider.expect_heading(outcome.text)
        for measure in outcome.measures:
            page.get_by_role("group", name=f"Is measure {measure.code} met?").get_by_label(
                "Met", exact=True
            ).check()
            page.get_by_label(f"Evidence for measure {measure.code}").fill(
                f"Seen at the care review for {measure.code}."
            )
            sources = page.get_by_role("group", name=f"Evidence sources for measure {measure.code}")
            sources.get_by_role("checkbox").first.check()
        provider.click_button("Save and continue")
    provider.expect_heading("Check your answers before submitting the return")
    assert "Seen at the care review for 5.1." in provider.text()
    provider.click_button("Submit return")
    assert f"Outcome return for {seed.person_full_name} submitted" in provider.success_banner()
    # Submitting brings the provider to the quarter's task list (commit c277c6b).
    provider.expect_heading(f"Outcome returns for {seed.period_label}")

    # 2. ... and recommends 4 calls a day become 3 from a fortnight today.
    provider.open_from_menu("Service users")
    provider.click_link(seed.person_name)
    provider.expect_heading(seed.person_full_name)
    provider.click_button("Recommend a package change")
    provider.expect_heading("Recommend a package change")
    page.get_by_label("Reduce the package").check()
    line_1 = page.get_by_role("group", name=re.compile(r"^Line 1, now: 4 calls a day"))
    calls = line_1.get_by_label("Calls a day")
    assert calls.input_value() == "4"
    calls.fill("3")
    page.get_by_label("Skills regained").check()
    page.get_by_label("Why is the change right for the person?").fill(
        "Margaret has regained the strength to make her own lunch."
    )
    page.get_by_label("What is the evidence?").fill(
        "Observed by the coordinator on three visits; OT assessment on file."
    )
    page.get_by_label("The person was consulted and agrees with the change").check()
    page.get_by_label("Their family or representative was consulted, where appropriate").check()
    page.get_by_label("The risks of the change have been assessed").check()
    fill_date(provider, "When should the change start?", start)
    provider.click_button("Continue")
    provider.expect_heading("Check your recommendation before sending it")
    comparison = table_rows(provider, "Current and proposed package")
    assert comparison[0][:2] == [
        "4 calls a day, 30 minutes, 7 days a week",
        "3 calls a day, 30 minutes, 7 days a week",
    ]
    provider.click_button("Submit recommendation")
    assert "Recommendation sent to the council" in provider.success_banner()
    sign_out(provider)

    # 3. The care manager finds it in the review queue and approves it.
    council = open_browser("loop-2-care-manager")
    council.goto("/")
    sign_in(council, seed.emails[Role.CARE_MANAGER])
    council.expect_heading("What needs you")
    council.open_from_menu("Review queue")
    council.click_link(seed.person_full_name)
    council.expect_heading("Recommendation to reduce the package")
    review = council.text()
    assert "Current and proposed package" in review
    # The latest outcome return is folded away under the decision until opened.
    assert "Seen at the care review for 1.1." not in review
    council.page.locator("summary", has_text="Latest outcome return").click()
    assert "Seen at the care review for 1.1." in council.text()
    assert f"one-off payment to {seed.provider_name} of £287.00" in review
    page = council.page
    page.get_by_label("Approve", exact=True).check()
    # The date is filled in with the provider's proposal; the care manager keeps it.
    kept = [int(box.input_value()) for box in date_inputs(council, "Agreed start date")]
    assert kept == [start.day, start.month, start.year]
    council.click_button("Confirm decision")
    council.expect_heading("Review queue")
    assert f"The package changes from {format_date(start)}" in council.success_banner()

    # 4. Margaret's package history: the old line ends the day before the new one starts.
    council.open_from_menu("Service users")
    council.click_link(seed.person_name)
    council.expect_heading(seed.person_full_name)
    history = table_rows(council, "Every package line, newest first")
    assert [row[:3] for row in history] == [
        ["3 calls a day, 30 minutes, 7 days a week", format_date(start), "Ongoing"],
        [
            "4 calls a day, 30 minutes, 7 days a week",
            format_date(seed.line_start),
            format_date(start - dt.timedelta(days=1)),
        ],
    ]
    sign_out(council)

    # 5. Finance batches the payment, exports the batch and downloads the payment list.
    finance = open_browser("loop-3-finance-officer")
    finance.goto("/")
    sign_in(finance, seed.emails[Role.FINANCE_OFFICER])
    finance.open_from_menu("Payments")
    finance.expect_heading("Payments ready to pay")
    assert "£287.00" in finance.text()
    finance.page.get_by_label("Every payment ready to pay").check()
    finance.click_button("Create batch")
    assert re.search(r"Batch \S+ created with 1 payment", finance.success_banner())
    finance.click_button("Export payment list")
    finance.expect_heading("Check the batch before you export it")
    finance.click_button("Confirm and export")
    assert "exported: 1 payment, £287.00" in finance.success_banner()
    with finance.page.expect_download() as download_info:
        finance.page.get_by_role(
            "link", name=re.compile(r"^Payment list \S+ \(CSV, \d+ bytes\)$")
        ).click()
    download = download_info.value
    assert download.suggested_filename == "payment-list-{}.csv".format(
        finance.heading().removeprefix("Batch ")
    )
    assert download.failure() is None, f"the download failed: {download.failure()}"
    with open(download.path(), newline="", encoding="utf-8") as csv_file:
        rows = list(csv.DictReader(csv_file))
    assert len(rows) == 1
    assert rows[0]["amount_gbp"] == "287.00"
    assert rows[0]["provider_name"] == seed.provider_name
    assert rows[0]["service_user_case_reference"] == seed.person_case_reference


def test_sign_in_and_service_users_fit_a_320_pixel_screen(
    open_browser: BrowserFactory, seed: Seed
) -> None:
    """WCAG 1.4.10 Reflow: at 320 CSS pixels the page never scrolls sideways (wide tables
    scroll inside their own box)."""
    phone = open_browser("reflow-320px", viewport={"width": 320, "height": 640})
    phone.goto("/sign-in")
    assert phone.page_width() <= 320
    sign_in(phone, seed.emails[Role.CARE_MANAGER])
    assert phone.page_width() <= 320
    # The service navigation folds away behind a Menu button on a small screen.
    phone.page.get_by_role("button", name="Menu").click()
    phone.check_page()  # the menu, open
    assert phone.page_width() <= 320
    phone.open_from_menu("Service users")
    phone.expect_heading("Service users")
    assert phone.page_width() <= 320
    assert phone.page.get_by_role("link", name=seed.person_name).is_visible()


def test_signing_in_with_the_keyboard_alone(browser: Browser, seed: Seed) -> None:
    browser.goto("/sign-in")
    keyboard = browser.page.keyboard
    keyboard.press("Tab")
    assert browser.focused("el => el.textContent.trim()") == "Skip to main content"
    keyboard.press("Enter")  # the skip link moves focus to the main content
    keyboard.press("Tab")
    assert browser.focused() == "email"
    keyboard.type(seed.emails[Role.PROVIDER_MANAGER])
    keyboard.press("Tab")
    assert browser.focused() == "password"
    keyboard.type(PASSWORD)
    browser.press_and_wait("Enter")
    browser.expect_heading("What needs you")

    # Tab on to Service users in the menu (past the page and its footer: the skip link's
    # #main-content came along), then to Margaret's row, and open it.
    for _ in range(40):
        keyboard.press("Tab")
        if browser.focused("el => el.textContent.trim()") == "Service users":
            break
    else:
        pytest.fail("tabbing through the page never reached Service users")
    browser.press_and_wait("Enter")
    browser.expect_heading("Service users")
    for _ in range(30):
        keyboard.press("Tab")
        if browser.focused("el => el.textContent.trim()") == seed.person_name:
            break
    else:
        pytest.fail(f"tabbing through the service users list never reached {seed.person_name}")
    browser.press_and_wait("Enter")
    browser.expect_heading(seed.person_full_name)
