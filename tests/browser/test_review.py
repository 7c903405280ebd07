"""The care manager's review page by keyboard alone, at a desktop width and at 320 pixels:
the decision sits under a short summary, each choice's box opens under its radio, a refused
decision keeps the choice and its box, and the queue's banner names the person and the
payment the approval created. (Without JavaScript every box shows, as GOV.UK Frontend's
conditional reveal does: axe-core needs JavaScript, so tests/integration/test_review_page.py
checks that from the HTML.) Every page is checked by axe-core and photographed (pages.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Locator
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.dates import format_date
from portal.common.money import format_pence
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment
from portal.recommendations.models import Recommendation
from portal.recommendations.operations import answer_information_request, request_information
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_loop import sign_in, table_rows
from tests.browser.test_outcomes import error_summary
from tests.browser.test_recommendations import (
    World,
    WorldMaker,
    make_world,  # noqa: F401 (a fixture, asked for by name)
    submit_a_reduction,
)

pytestmark = pytest.mark.browser

# Each width's test writes its own provider, person and care manager, named apart.
NAMES = {1280: "Wren", 320: "Dunnock"}

BOXES = {
    "Approve": "Agreed start date",
    "Reject": "Why are you rejecting it?",
    "Ask the provider for more information": "Your question for the provider",
}


def _app(live_server: LiveServer) -> Flask:
    assert live_server.app is not None
    return live_server.app


def _box(browser: Browser, choice: str) -> Locator:
    page = browser.page
    if choice == "Approve":
        return page.get_by_role("group", name=BOXES[choice], exact=True)
    return page.get_by_label(BOXES[choice], exact=True)


def open_boxes(browser: Browser) -> set[str]:
    """The choices whose box is showing."""
    return {choice for choice in BOXES if _box(browser, choice).is_visible()}


def open_review(open_browser: BrowserFactory, world: World, width: int) -> Browser:
    council = open_browser(f"review-{width}", viewport={"width": width, "height": 900})
    council.goto("/")
    sign_in(council, next(iter(world.officers.values())))
    council.expect_heading("What needs you")
    council.goto("/review")  # at 320 px the menu is folded behind "Menu"
    council.expect_heading("Review queue")
    council.page.get_by_role("link", name=world.full_name, exact=True).focus()
    council.press_and_wait("Enter")
    council.expect_heading("Recommendation to reduce the package")
    return council


def created_payment(live_server: LiveServer, recommendation_id: int) -> tuple[str, int, str]:
    with _app(live_server).app_context():
        payment = db.session.scalar(
            select(Payment).where(Payment.recommendation_id == recommendation_id)
        )
        assert payment is not None, "approving the reduction created no payment"
        recommendation = db.session.get(Recommendation, recommendation_id)
        assert recommendation is not None and recommendation.agreed_start_date is not None
        found = (
            payment.reference,
            payment.amount_pence,
            format_date(recommendation.agreed_start_date),
        )
        db.session.remove()
    return found


@pytest.mark.parametrize("width", [1280, 320])
def test_a_care_manager_decides_by_keyboard(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
    width: int,
) -> None:
    world = make_world(
        f"{NAMES[width]} Care",
        ("Ada", NAMES[width]),
        officers={f"Rhea {NAMES[width]}": Role.CARE_MANAGER},
    )
    recommendation_id = submit_a_reduction(live_server, world)
    council = open_review(open_browser, world, width)
    page = council.page

    # The decision comes before the outcome return and the history, which are folded away.
    decision = page.get_by_role("group", name="Your decision")
    history = page.locator(
        "#latest-return, #earlier-recommendations, p:has-text('no submitted outcome return')"
    )
    decision_at, history_at = decision.bounding_box(), history.first.bounding_box()
    assert decision_at is not None and history_at is not None
    assert decision_at["y"] < history_at["y"]
    assert "Weekly hours 14 now, 10.5 proposed (3.5 fewer)" in council.text()
    assert open_boxes(council) == set()  # no box until a choice is made
    assert council.page_width() <= width

    # Choose "Approve" with the keyboard: its box, and only its box, opens.
    page.get_by_label("Approve", exact=True).focus()
    page.keyboard.press("Space")
    assert open_boxes(council) == {"Approve"}
    # Arrow keys move the choice, and the box with it.
    page.keyboard.press("ArrowDown")
    assert open_boxes(council) == {"Reject"}
    page.keyboard.press("ArrowUp")
    assert open_boxes(council) == {"Approve"}

    # The provider's proposed date is filled in. Cleared and sent: refused, with the choice
    # kept and its box still open.
    page.keyboard.press("Tab")  # into the day box
    assert council.focused() == "start_date-day"
    for _ in range(3):
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.press("Tab")
    council.press_and_wait("Enter")  # on "Confirm decision"
    council.expect_heading("Recommendation to reduce the package")
    assert "Enter the date the change starts" in error_summary(council)
    assert page.get_by_label("Approve", exact=True).is_checked()
    assert open_boxes(council) == {"Approve"}

    # The error summary's link takes the keyboard to the date; typed, Enter sends it.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert council.focused() == "start_date-day"
    with _app(live_server).app_context():
        recommendation = db.session.get(Recommendation, recommendation_id)
        assert recommendation is not None
        start = recommendation.proposed_start_date
        db.session.remove()
    for part in (str(start.day), str(start.month), str(start.year)):
        page.keyboard.type(part)
        page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    council.press_and_wait("Enter")

    council.expect_heading("Review queue")
    reference, amount, starts = created_payment(live_server, recommendation_id)
    banner = council.success_banner()
    assert f"Recommendation approved for {world.full_name}." in banner
    assert f"The package changes from {starts}." in banner
    assert (
        f"Payment {reference} of {format_pence(amount)} created for {world.provider_name}."
        in banner
    )
    assert council.page_width() <= width


def ask_and_answer(live_server: LiveServer, world: World, recommendation_id: int) -> None:
    """The world's care manager asks a question and the provider answers, through the
    operations."""
    with _app(live_server).app_context():
        recommendation = db.session.get(Recommendation, recommendation_id)
        assert recommendation is not None
        officer = db.session.scalar(
            select(User).where(User.email == next(iter(world.officers.values())))
        )
        manager = db.session.scalar(select(User).where(User.email == world.manager_email))
        assert officer is not None and manager is not None
        request_information(recommendation, by=officer, question="Who fitted the rails?")
        answer_information_request(recommendation, by=manager, answer="Our handyperson did.")
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("width", [1280, 320])
def test_an_answered_item_is_marked_and_the_decision_is_listed(
    open_browser: BrowserFactory,
    live_server: LiveServer,
    make_world: WorldMaker,  # noqa: F811 (the fixture imported above)
    width: int,
) -> None:
    name = {1280: "Yellowhammer", 320: "Siskin"}[width]
    world = make_world(f"{name} Care", ("Bea", name), officers={f"Cara {name}": Role.CARE_MANAGER})
    recommendation_id = submit_a_reduction(live_server, world)
    ask_and_answer(live_server, world, recommendation_id)

    council = open_browser(f"worklists-{width}", viewport={"width": width, "height": 900})
    council.goto("/")
    sign_in(council, next(iter(world.officers.values())))
    council.expect_heading("What needs you")
    council.goto("/review")  # at 320 px the menu is folded behind "Menu"
    council.expect_heading("Review queue")
    page = council.page
    page.get_by_label("Show", exact=True).select_option(
        label="Answered by the provider, awaiting a decision"
    )
    council.click_button("Apply filters")
    row = [
        r
        for r in table_rows(council, "Recommendations awaiting a decision")
        if world.full_name in r[0]
    ]
    assert len(row) == 1 and row[0][0].endswith("Answered"), row
    council.click_link(world.full_name)
    council.expect_heading("Recommendation to reduce the package")
    assert "Our handyperson did." in council.text()
    page.get_by_label("Approve", exact=True).check()
    council.click_button("Confirm decision")
    council.expect_heading("Review queue")
    assert f"Recommendation approved for {world.full_name}" in council.success_banner()

    council.click_link("Recommendations you decided")
    council.expect_heading("Decided by you")
    page.get_by_label("Decision", exact=True).select_option(label="Approved")
    council.click_button("Apply filters")
    council.expect_heading("Decided by you")
    rows = table_rows(council, "Recommendations you decided, the latest first")
    assert [r[1].split()[0] for r in rows if world.full_name in r[0]] == ["Approved"]
    assert f"Reduce, from {world.provider_name}" in rows[0][0]
    assert council.page_width() <= width  # the list reads without scrolling sideways
    council.click_link(world.full_name)
    council.expect_heading("Recommendation to reduce the package")
    assert council.page_width() <= width
