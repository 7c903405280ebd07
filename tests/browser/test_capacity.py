"""Capacity returns in a real browser: a provider files a late return for last month, fixes
what the form refuses, confirms "nothing has changed" for this month; a provider supporting
no one sends a nil return; a commissioner reads the capacity picture. The portal's clock is
set to 10 November 2026, inside November's window (8th to Monday the 16th)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.common.roles import Role
from portal.extensions import db
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.reflow import assert_reflowed
from tests.browser.server import LiveServer
from tests.browser.test_loop import sign_in, table_rows
from tests.browser.test_outcomes import error_summary, signed_in
from tests.browser.test_recommendations import (
    WorldMaker,
    make_world,  # noqa: F401
    summary_value,
)
from tests.factories import ProviderFactory, UserFactory

pytestmark = pytest.mark.browser

DAY = dt.date(2026, 11, 10)
NARROW = {"width": 320, "height": 640}


@pytest.fixture(autouse=True)
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (
        "portal.capacity.views",
        "portal.capacity.operations",
        "portal.capacity.picture",
        "portal.casework.needs",
    ):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


def fill_return(browser: Browser, *, leavers: str = "1") -> None:
    page = browser.page
    page.get_by_label("People you support").fill("38")
    page.get_by_label("Weekly hours of care delivered").fill("1,120.5")
    east = page.get_by_role("group", name="East quadrant")
    east.get_by_label("Spare weekly hours").fill("25")
    east.get_by_label("New packages you could start in the next 7 days").fill("3")
    page.get_by_role("group", name="Can you start new packages at weekends?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Do you accept hospital discharges 7 days a week?").get_by_label(
        "No"
    ).check()
    page.get_by_label("Spare weekly hours you expect over winter").fill("30")
    page.get_by_label("Spare weekly hours over Christmas and New Year").fill("12")
    page.get_by_label("Dementia care").check()
    page.get_by_label("Care staff headcount").fill("30")
    page.get_by_label("Care staff full-time equivalents").fill("24.5")
    page.get_by_label("Starters this month").fill("1")
    page.get_by_label("Leavers this month").fill(leavers)
    page.get_by_label("Vacancies").fill("4")
    page.get_by_label("Overseas-sponsored recruits").fill("5")
    page.get_by_label("Weekly hours covered by agency staff").fill("0")
    page.get_by_role("group", name="Do you pay care staff for travel time?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Average hourly pay for care staff").fill("12.95")


def answer(browser: Browser, question: str) -> str:
    """An answer on a check answers page (whose rows also hold a "Change" link)."""
    row = browser.page.locator(".govuk-summary-list__row").filter(
        has=browser.page.locator("dt", has_text=question)
    )
    return row.locator(".govuk-summary-list__value").inner_text().strip()


def a_provider_supporting_no_one(live_server: LiveServer, name: str) -> str:
    """A provider and its manager, with no one on its books; the manager's email."""
    email = f"manager@{name.lower().replace(' ', '')}.example.test"
    assert live_server.app is not None
    with live_server.app.app_context():
        provider = ProviderFactory(name=name)
        UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=provider.id, email=email)
        db.session.commit()
        db.session.remove()
    return email


def test_providers_file_confirm_and_nil_return(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 - the fixture imported above
) -> None:
    world = make_world("Linnet Care", ("Pearl", "Pike"), officers={"Cleo Crane": Role.COMMISSIONER})
    quiet_manager = a_provider_supporting_no_one(live_server, "Quail Lane Care")

    # Last month's return, late: the form explains what it refuses.
    provider = signed_in(open_browser, "capacity-provider", world.manager_email)
    # They land on What needs you, which names the month's return and its deadline.
    assert (
        "Capacity return for November 2026 Due by 16 November 2026, the window closes in 6 days"
        in provider.text()
    )
    provider.goto("/capacity/2026/10")
    provider.expect_heading("Capacity return for October 2026")
    assert "The window for October 2026 closed on 14 October 2026" in provider.text()
    assert "the return will be marked late" in provider.text()
    provider.click_button("Continue")
    assert "Enter the number of people you support, or 0" in error_summary(provider)
    fill_return(provider, leavers="40")
    provider.click_button("Continue")
    assert "Leavers cannot be more than your care staff headcount plus starters" in error_summary(
        provider
    )
    # What was typed is kept beside the error.
    assert provider.page.get_by_label("Vacancies").input_value() == "4"
    provider.page.get_by_label("Leavers this month").fill("2")
    provider.click_button("Continue")

    # Check your answers: nothing is sent yet; "Change" goes back to the box.
    provider.expect_heading("Check your capacity return for October 2026")
    assert "Nothing has been sent yet." in provider.text()
    assert answer(provider, "Leavers in October 2026") == "2"
    provider.click_link("Change leavers in october 2026")
    provider.expect_heading("Capacity return for October 2026")
    assert provider.page.url.endswith("/capacity/2026/10#leavers")
    leavers = provider.page.get_by_label("Leavers this month")
    assert leavers.input_value() == "2"
    leavers.fill("1")
    provider.click_button("Continue")
    provider.expect_heading("Check your capacity return for October 2026")
    assert answer(provider, "Leavers in October 2026") == "1"
    provider.click_button("Send the return")
    provider.expect_heading("Capacity returns")
    assert "Capacity return for October 2026 sent. It was sent after the window closed" in (
        provider.success_banner()
    )

    # On a phone, November's form says where its figures come from and leaves the month's
    # starters and leavers empty; the check answers page reads at 320 pixels too.
    narrow_provider = open_browser("capacity-provider-narrow", viewport=NARROW)
    narrow_provider.goto("/")
    sign_in(narrow_provider, world.manager_email)
    narrow_provider.goto("/capacity/2026/11")
    assert "These figures are from your October 2026 return." in narrow_provider.text()
    assert narrow_provider.page.get_by_label("Care staff headcount").input_value() == "30"
    assert narrow_provider.page.get_by_label("Starters this month").input_value() == ""
    assert narrow_provider.page.get_by_label("Leavers this month").input_value() == ""
    narrow_provider.page.get_by_label("Starters this month").fill("0")
    narrow_provider.page.get_by_label("Leavers this month").fill("0")
    narrow_provider.click_button("Continue")
    narrow_provider.expect_heading("Check your capacity return for November 2026")
    assert narrow_provider.page_width() <= 320
    # Not sent: the one-step "nothing has changed" is used instead, below.

    # This month: nothing has changed, in one step, with no starters or leavers.
    assert "Starters and leavers are sent as 0" in provider.text()
    provider.click_button("Send October 2026’s figures for November 2026")
    assert "November 2026 sent, with the same figures as your last return" in (
        provider.success_banner()
    )
    history = table_rows(provider, "Your capacity returns, newest first")
    assert [row[0] for row in history] == ["November 2026", "October 2026"]
    assert "Late" in history[1][1] and "Nothing changed since last month" in history[0][1]
    # October's 1 leaver among 30 staff is 40% a year; November carried over no leavers.
    assert history[1][2:] == ["25", "0.02", "40.0%", "£12.95"]
    assert history[0][2:] == ["25", "0.02", "0.0%", "£12.95"]
    provider.click_link("November 2026")
    provider.expect_heading("Capacity return for November 2026")
    assert summary_value(provider, "People supported") == "38"

    # On a phone the list of returns reflows: every figure beside its heading.
    narrow_provider.goto("/capacity")
    assert_reflowed(narrow_provider, "Your capacity returns, newest first", width=320)

    # Linnet supports Pearl, so it is not offered a nil return.
    assert provider.page.get_by_role("button", name="Send a nil return").count() == 0

    # A provider supporting no one sends a nil return in one step.
    nil = open_browser("capacity-nil-provider")
    nil.goto("/")
    sign_in(nil, quiet_manager)
    nil.open_from_menu("Capacity")
    nil.expect_heading("Capacity returns")
    nil.click_button("Send a nil return")
    assert "Nil return for November 2026 sent." in nil.success_banner()
    assert "Nil return" in table_rows(nil, "Your capacity returns, newest first")[0][1]

    # The commissioner's picture shows Linnet's figures and who has not returned.
    council = signed_in(open_browser, "capacity-commissioner", world.officers["Cleo Crane"])
    council.open_from_menu("Capacity")
    council.expect_heading("Capacity picture, November 2026")
    providers = {row[0]: row for row in table_rows(council, "Each provider's return and flags")}
    assert providers["Linnet Care"][1].startswith("Returned")
    assert providers["Quail Lane Care"][1].startswith("Returned")
    assert "Not returned yet" in {row[1] for row in providers.values()}  # others have not
    assert "The window for November 2026 is open until 16 November 2026" in council.text()

    # On a phone the picture's tables scroll within themselves; the page never does.
    narrow = open_browser("capacity-commissioner-narrow", viewport=NARROW)
    narrow.goto("/")
    sign_in(narrow, world.officers["Cleo Crane"])
    narrow.goto("/capacity/picture")
    narrow.expect_heading("Capacity picture, November 2026")
    assert narrow.page_width() <= 320
    # Each provider's return and flags reflow, each provider a block of its own.
    assert_reflowed(narrow, "Each provider's return and flags", width=320)
    # A month whose window has not opened says so, rather than that no one returned.
    narrow.goto("/capacity/picture?month=2026-12")
    narrow.expect_heading("Capacity picture, December 2026")
    assert "No returns are due for December 2026 yet." in narrow.text()
    assert {row[1] for row in table_rows(narrow, "Each provider's return and flags")} == {
        "Not due yet"
    }
    assert narrow.page_width() <= 320
    assert narrow.page.get_by_label("Month", exact=True).input_value() == "2026-12"
