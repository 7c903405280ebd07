"""Trusted assessor recommendations in a real browser, past the happy path of test_loop.py:
the care manager asks the provider for more information and the answer brings the
recommendation back to the queue; a provider withdraws a recommendation; a commissioner
sets a payment rule whose second-approval threshold sends a reduction's payment to a second
care manager before finance can batch it.

Each test writes its own provider, people and accounts into the live database, so the
tests do not depend on each other or on the loop's records. Every page reached is checked
by axe-core and photographed (see pages.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts.models import User
from portal.common.dates import format_date, today
from portal.common.money import format_pence
from portal.common.roles import Role
from portal.common.weekdays import EVERY_DAY
from portal.extensions import db
from portal.payments.models import Payment, PaymentRule, PaymentStatus
from portal.payments.queries import rule_in_force
from portal.payments.rules import LineReduction, calculate_reduction_payment
from portal.providers.models import PackageLine, Provider, ServiceUser
from portal.recommendations.models import ChangeKind, ReasonCategory, Recommendation
from portal.recommendations.operations import (
    LineProposal,
    RecommendationData,
    request_information,
    save_draft,
    submit,
)
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer
from tests.browser.test_loop import fill_date, sign_in, table_rows
from tests.browser.test_outcomes import error_summary, signed_in
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.browser

# Every person's package: 4 calls a day of 30 minutes, 7 days a week, at £20.50 an hour
# (the factory's line), 14 hours a week.
CALLS, MINUTES, DAYS, RATE_PENCE = 4, 30, 7, 2050
PACKAGE = "4 calls a day, 30 minutes, 7 days a week"


# The live database -----------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A trusted assessor of the test's own, its manager, one person it supports and the
    council officers the test needs, each by the email they sign in with."""

    provider_id: int
    provider_name: str
    manager_email: str
    person_id: int
    line_id: int
    given_name: str
    full_name: str  # "Nora Nash"
    listed_as: str  # as the lists show it: "Nash, Nora"
    officers: dict[str, str]  # email by name, "Cass Kendal": "cass.kendal@..."


def _app(live_server: LiveServer) -> Flask:
    assert live_server.app is not None
    return live_server.app


WorldMaker = Callable[..., World]


@pytest.fixture
def make_world(live_server: LiveServer) -> WorldMaker:
    """``make_world(provider name, (given, family), officers={name: role})`` writes the
    provider, a provider manager, the person with the standard package line and a council
    account for each officer."""

    def _make(
        provider_name: str, person: tuple[str, str], officers: dict[str, Role] | None = None
    ) -> World:
        slug = re.sub(r"[^a-z]+", "", provider_name.lower())
        with _app(live_server).app_context():
            provider = cast(Provider, ProviderFactory(name=provider_name))
            manager_email = f"manager@{slug}.example.test"
            UserFactory(
                roles=[Role.PROVIDER_MANAGER],
                provider_id=provider.id,
                name=f"{provider_name} Manager",
                email=manager_email,
            )
            given, family = person
            service_user = cast(
                ServiceUser,
                ServiceUserFactory(provider=provider, given_name=given, family_name=family),
            )
            line = cast(
                PackageLine,
                PackageLineFactory(
                    service_user=service_user,
                    calls_per_day=CALLS,
                    minutes_per_call=MINUTES,
                    days_of_week=EVERY_DAY,
                    hourly_rate_pence=RATE_PENCE,
                ),
            )
            emails = {}
            for name, role in (officers or {}).items():
                emails[name] = f"{name.lower().replace(' ', '.')}@testshire.example.test"
                UserFactory(roles=[role], name=name, email=emails[name])
            db.session.commit()
            world = World(
                provider_id=provider.id,
                provider_name=provider.name,
                manager_email=manager_email,
                person_id=service_user.id,
                line_id=line.id,
                given_name=given,
                full_name=f"{given} {family}",
                listed_as=f"{family}, {given}",
                officers=emails,
            )
            db.session.remove()
        return world

    return _make


def submit_a_reduction(live_server: LiveServer, world: World, calls: int = CALLS - 1) -> int:
    """The provider manager's recommendation that the person's calls a day come down to
    ``calls`` a fortnight today, saved and submitted through the operations; its id."""
    with _app(live_server).app_context():
        manager = db.session.scalar(select(User).where(User.email == world.manager_email))
        assert manager is not None
        recommendation = save_draft(
            cast(ServiceUser, db.session.get(ServiceUser, world.person_id)),
            RecommendationData(
                kind=ChangeKind.REDUCE,
                lines=[
                    LineProposal(
                        replaces_line_id=world.line_id,
                        calls_per_day=calls,
                        minutes_per_call=MINUTES,
                        carers_per_call=1,
                        days_of_week=EVERY_DAY,
                    )
                ],
                reason_category=ReasonCategory.SKILLS_REGAINED,
                reason=f"{world.given_name} makes her own lunch again.",
                evidence="Seen by the coordinator on three visits.",
                person_consulted_and_agrees=True,
                family_consulted=True,
                risk_assessed=True,
                proposed_start_date=today() + dt.timedelta(days=14),
            ),
            by=manager,
        )
        submit(recommendation, by=manager)
        db.session.commit()
        recommendation_id = recommendation.id
        db.session.remove()
    return recommendation_id


def summary_value(browser: Browser, key: str) -> str:
    """The value beside ``key`` in the page's first summary list holding it."""
    row = browser.page.locator(".govuk-summary-list__row").filter(
        has=browser.page.locator("dt", has_text=re.compile(f"^{re.escape(key)}$"))
    )
    return re.sub(r"\s+", " ", row.first.locator("dd").inner_text()).strip()


def important_banner(browser: Browser) -> str:
    """The words of the (non-success) notification banner the portal shows a refusal in."""
    banner = browser.page.locator(
        ".govuk-notification-banner:not(.govuk-notification-banner--success)"
    )
    assert banner.count() == 1, f"no notification banner on {browser.page.url}"
    return re.sub(r"\s+", " ", banner.inner_text()).strip()


# 1. The care manager asks for more information; the provider answers ----------------------


def test_asking_the_provider_for_more_information(
    open_browser: BrowserFactory, make_world: WorldMaker
) -> None:
    world = make_world(
        "Kestrel Home Care", ("Nora", "Nash"), officers={"Cass Kendal": Role.CARE_MANAGER}
    )
    care_manager = world.officers["Cass Kendal"]
    start = today() + dt.timedelta(days=21)
    question = "Has the occupational therapist seen Nora manage the longer morning call alone?"
    answer = "Yes: the OT visited on Tuesday and Nora managed the whole call herself."

    # The provider recommends the same hours in a different shape: 2 calls of an hour.
    provider = signed_in(open_browser, "more-info-provider", world.manager_email)
    provider.expect_heading("What needs you")
    provider.open_from_menu("Service users")
    provider.click_link(world.listed_as)
    provider.expect_heading(world.full_name)
    provider.click_button("Recommend a package change")
    provider.expect_heading("Recommend a package change")
    page = provider.page
    page.get_by_label("Reframe the package").check()
    line_1 = page.get_by_role("group", name=re.compile(rf"^Line 1, now: {PACKAGE}"))
    line_1.get_by_label("Calls a day").fill("2")
    line_1.get_by_label("Minutes a call").fill("60")
    page.get_by_role("group", name="What is the main reason for the change?").get_by_label(
        "Reablement", exact=True
    ).check()
    page.get_by_label("Why is the change right for the person?").fill(
        "After reablement Nora prefers one longer morning call to two short ones."
    )
    page.get_by_label("What is the evidence?").fill("Reablement discharge summary of last week.")
    page.get_by_label("The person was consulted and agrees with the change").check()
    page.get_by_label("The risks of the change have been assessed").check()
    fill_date(provider, "When should the change start?", start)
    provider.click_button("Continue")
    provider.expect_heading("Check your recommendation before sending it")
    assert table_rows(provider, "Current and proposed package")[0][:4] == [
        PACKAGE,
        "2 calls a day, 60 minutes, 7 days a week",
        "14",
        "14",
    ]
    provider.click_button("Submit recommendation")
    assert "Recommendation sent to the council" in provider.success_banner()
    provider.expect_heading("Recommendation to reframe the package")
    assert summary_value(provider, "Status") == "Awaiting decision"

    # The care manager asks a question from the review page ...
    council = signed_in(open_browser, "more-info-care-manager", care_manager)
    council.expect_heading("What needs you")
    council.open_from_menu("Review queue")
    council.click_link(world.full_name)
    council.expect_heading("Recommendation to reframe the package")
    assert summary_value(council, "Main reason") == "Reablement"
    page = council.page
    page.get_by_label("Ask the provider for more information").check()
    council.click_button("Confirm decision")
    council.expect_heading("Recommendation to reframe the package")
    assert "Enter what you need to know" in error_summary(council)
    page.get_by_label("Your question for the provider").fill(question)
    council.click_button("Confirm decision")
    council.expect_heading("Review queue")
    assert "Question sent" in council.success_banner()
    assert page.get_by_role("link", name=world.full_name).count() == 0

    # ... and finds it among those waiting for the provider.
    page.get_by_label("Show", exact=True).select_option(label="Waiting for the provider to answer")
    council.click_button("Apply filters")
    council.expect_heading("Review queue")
    waiting = table_rows(council, "Recommendations waiting for the provider")
    assert [row[1:3] for row in waiting if world.full_name in row[0]] == [
        [world.provider_name, "Reframe"]
    ]

    # The provider is told what needs them, and answers.
    provider.open_from_menu("What needs you")
    provider.expect_heading("What needs you")
    provider.click_link("1 recommendation where the council needs more information from you")
    provider.expect_heading("Recommendations")
    mine = table_rows(provider, "Your recommendations")
    assert [(row[0], row[3]) for row in mine] == [(world.full_name, "More information needed")]
    provider.click_link(world.full_name)
    provider.expect_heading("Recommendation to reframe the package")
    assert summary_value(provider, "Status") == "More information needed"
    needs = provider.page.locator(".govuk-inset-text").filter(
        has=provider.page.get_by_role("heading", name="The council needs more information")
    )
    assert question in needs.inner_text()
    provider.click_button("Send answer")
    provider.expect_heading("Recommendation to reframe the package")
    assert "Enter your answer" in error_summary(provider)
    provider.page.get_by_label("Your answer").fill(answer)
    provider.click_button("Send answer")
    assert "Answer sent" in provider.success_banner()
    assert summary_value(provider, "Status") == "Awaiting decision"
    assert provider.page.get_by_label("Your answer").count() == 0

    # Back in the care manager's queue: they take it and approve it.
    council.open_from_menu("Review queue")
    council.expect_heading("Review queue")
    row = [
        r
        for r in table_rows(council, "Recommendations awaiting a decision")
        if world.full_name in r[0]
    ]
    assert len(row) == 1 and row[0][5] == "No one"
    council.click_link(world.full_name)
    council.expect_heading("Recommendation to reframe the package")
    thread = council.text()
    assert f"Question from the council Cass Kendal, {format_date(today())} {question}" in thread
    assert f"Answer from the provider {world.provider_name} Manager" in thread
    assert answer in thread
    council.click_button("Assign to me")
    council.expect_heading("Recommendation to reframe the package")
    assert "Assigned to you" in council.success_banner()
    assert council.page.get_by_role("button", name="Assign to me").count() == 0
    council.page.get_by_label("Approve", exact=True).check()
    council.click_button("Confirm decision")
    council.expect_heading("Review queue")
    assert f"The package changes from {format_date(start)}" in council.success_banner()


# 2. The provider withdraws a recommendation -----------------------------------------------


def test_a_provider_withdraws_a_recommendation(
    open_browser: BrowserFactory, live_server: LiveServer, make_world: WorldMaker
) -> None:
    world = make_world("Larkspur Care", ("Olive", "Oakes"))
    submit_a_reduction(live_server, world)

    provider = signed_in(open_browser, "withdraw", world.manager_email)
    provider.open_from_menu("Recommendations")
    provider.expect_heading("Recommendations")
    provider.click_link(world.full_name)
    provider.expect_heading("Recommendation to reduce the package")
    assert summary_value(provider, "Status") == "Awaiting decision"
    # Withdrawing asks first; "No, keep it" changes nothing.
    provider.click_button("Withdraw this recommendation")
    provider.expect_heading(
        "Are you sure you want to withdraw the recommendation to reduce the package?"
    )
    provider.click_link("No, keep it")
    assert summary_value(provider, "Status") == "Awaiting decision"
    provider.click_button("Withdraw this recommendation")
    provider.click_button("Yes, withdraw it")
    provider.expect_heading("Recommendation to reduce the package")
    assert "Recommendation withdrawn. The package is unchanged." in provider.success_banner()
    assert summary_value(provider, "Status") == "Withdrawn"
    assert provider.page.get_by_role("button", name="Withdraw this recommendation").count() == 0

    # The person's page offers a new recommendation again, and lists the withdrawn one.
    provider.click_link(f"Back to {world.full_name}")
    provider.expect_heading(world.full_name)
    assert provider.page.get_by_role("button", name="Recommend a package change").is_visible()
    assert "Withdrawn" in provider.text()


def ask_for_more_information(
    live_server: LiveServer, recommendation_id: int, question: str
) -> None:
    """A council care manager of the test's own asks the provider a question, through the
    operations."""
    with _app(live_server).app_context():
        officer = cast(User, UserFactory(roles=[Role.CARE_MANAGER]))
        recommendation = db.session.get(Recommendation, recommendation_id)
        assert recommendation is not None
        request_information(recommendation, by=officer, question=question)
        db.session.commit()
        db.session.remove()


def test_a_recommendation_waiting_for_an_answer_is_still_open(
    open_browser: BrowserFactory, live_server: LiveServer, make_world: WorldMaker
) -> None:
    world = make_world("Nightjar Care", ("Queenie", "Quinn"))
    question = "Who fitted the key safe, and when?"
    ask_for_more_information(live_server, submit_a_reduction(live_server, world), question)

    provider = signed_in(open_browser, "waiting-is-open", world.manager_email)
    provider.expect_heading("What needs you")
    provider.open_from_menu("Service users")
    provider.click_link(world.listed_as)
    provider.expect_heading(world.full_name)
    actions = provider.page.get_by_role("button", name="Recommend a package change")
    assert actions.count() == 0, (
        "the person's page offers a new recommendation while the council waits for an answer"
    )
    provider.click_link("Your recommendation: more information needed")
    assert question in provider.text()


# 3. The payment rule's second approval ---------------------------------------------------


def _taken_start_dates(live_server: LiveServer) -> set[dt.date]:
    with _app(live_server).app_context():
        taken = set(db.session.scalars(select(PaymentRule.effective_from)))
        db.session.remove()
    return taken


def _payment_for(live_server: LiveServer, recommendation_id: int) -> tuple[str, PaymentStatus]:
    with _app(live_server).app_context():
        payment = db.session.scalar(
            select(Payment).where(Payment.recommendation_id == recommendation_id)
        )
        assert payment is not None, "approving the reduction created no payment"
        found = (payment.reference, payment.status)
        db.session.remove()
    return found


def test_a_large_payment_needs_a_second_officer(
    open_browser: BrowserFactory, live_server: LiveServer, make_world: WorldMaker
) -> None:
    world = make_world(
        "Merlin Homecare",
        ("Pearl", "Price"),
        officers={
            "Cora Marsh": Role.COMMISSIONER,
            "Alan Ashby": Role.CARE_MANAGER,
            "Beth Brook": Role.CARE_MANAGER,
            "Finn Ford": Role.FINANCE_OFFICER,
        },
    )
    # 4 calls a day become 2: £574.00 over 4 weeks, above the £500 threshold set below, and
    # the loop's £287.00 payment stays under it whichever test runs first.
    recommendation_id = submit_a_reduction(live_server, world, calls=2)

    # Rule versions are shared by the whole live database and only one may start on a day,
    # after the latest: today, unless some other test has already taken it.
    taken = _taken_start_dates(live_server)
    start = today() if today() not in taken else today() + dt.timedelta(days=1)
    assert start > max(taken, default=dt.date.min), (
        "a rule version starts after tomorrow: this test cannot add one"
    )

    commissioner = signed_in(
        open_browser, "second-approval-commissioner", world.officers["Cora Marsh"]
    )
    commissioner.open_from_menu("Payment rule")
    commissioner.expect_heading("One-off payment rule")
    commissioner.click_button("Set a new version of the rule")
    commissioner.expect_heading("Set a new version of the payment rule")
    page = commissioner.page
    weeks = page.get_by_label("Weeks of payment")
    assert weeks.input_value() != ""  # the rule in force now, to start from
    weeks.fill("4")
    page.get_by_label("Second approval above (optional)").fill("500")
    fill_date(commissioner, "When does the new rule start?", start)
    commissioner.click_button("Save the new rule")
    commissioner.expect_heading("One-off payment rule")
    banner = commissioner.success_banner()
    assert re.search(rf"Version \d+ of the payment rule starts on {format_date(start)}", banner)
    newest = table_rows(commissioner, "Versions, newest first")[0]
    assert newest[1:] == [format_date(start), "4", "None", "No limit", "£500.00"]

    # Approving uses the rule in force today: ours, unless another test's version took today.
    with _app(live_server).app_context():
        rule = rule_in_force(today())
        assert rule is not None
        weeks_in_force, threshold = rule.weeks, rule.second_approval_threshold_pence
        db.session.remove()
    amount = calculate_reduction_payment(
        [LineReduction(CALLS * MINUTES * DAYS, 2 * MINUTES * DAYS, RATE_PENCE)],
        weeks=weeks_in_force,
    ).amount_pence
    if threshold is None or amount <= threshold:
        pytest.skip(
            "another test's rule version is in force today, with no threshold below the payment"
        )
    shown = format_pence(amount)  # £574.00 under our rule

    # Care manager A approves the reduction: its payment waits for a second approval.
    officer_a = signed_in(
        open_browser, "second-approval-care-manager-a", world.officers["Alan Ashby"]
    )
    officer_a.expect_heading("What needs you")
    officer_a.open_from_menu("Review queue")
    officer_a.click_link(world.full_name)
    officer_a.expect_heading("Recommendation to reduce the package")
    assert f"one-off payment to {world.provider_name} of {shown}" in officer_a.text()
    officer_a.page.get_by_label("Approve", exact=True).check()
    officer_a.click_button("Confirm decision")
    officer_a.expect_heading("Review queue")
    assert "Recommendation approved" in officer_a.success_banner()
    reference, status = _payment_for(live_server, recommendation_id)
    assert status == PaymentStatus.AWAITING_SECOND_APPROVAL

    # Finance cannot batch it yet.
    finance = signed_in(open_browser, "second-approval-finance", world.officers["Finn Ford"])
    finance.open_from_menu("Payments")
    finance.expect_heading("Payments ready to pay")
    assert reference not in finance.text()

    # A cannot give the second approval to a payment for a recommendation A approved.
    give = f"Give second approval to payment {reference}"
    officer_a.open_from_menu("Second approvals")
    officer_a.expect_heading("Payments awaiting a second approval")
    assert [reference, world.provider_name, world.full_name, shown] in [
        row[:4] for row in table_rows(officer_a, "Payments awaiting a second approval")
    ]
    # A is told why, and offered no button to press.
    assert officer_a.page.get_by_role("button", name=give).count() == 0
    assert (
        "You approved the recommendation: another officer must give the second approval"
        in officer_a.text()
    )
    assert _payment_for(live_server, recommendation_id)[1] == PaymentStatus.AWAITING_SECOND_APPROVAL

    # Care manager B is told it waits for them, and gives it.
    officer_b = signed_in(
        open_browser, "second-approval-care-manager-b", world.officers["Beth Brook"]
    )
    officer_b.open_from_menu("What needs you")
    officer_b.expect_heading("What needs you")
    officer_b.click_link(re.compile(r"^\d+ payments? waiting for your second approval$"))
    officer_b.expect_heading("Payments awaiting a second approval")
    officer_b.click_button(give)
    officer_b.expect_heading("Payments awaiting a second approval")
    assert f"Payment {reference} approved: finance can now batch it" in officer_b.success_banner()
    assert officer_b.page.get_by_role("button", name=give).count() == 0
    assert _payment_for(live_server, recommendation_id)[1] == PaymentStatus.APPROVED

    # Finance now sees it, and batches it (so no payment of ours is left waiting for a batch).
    finance.open_from_menu("Payments")
    finance.expect_heading("Payments ready to pay")
    ready = table_rows(finance, "Payments ready to pay")
    assert [row[0:2] + row[3:] for row in ready if row[0] == reference] == [
        [reference, world.provider_name, format_date(today()), shown]
    ]
    # Only this provider's payments go in the batch.
    finance.page.get_by_role("radio", name="One provider’s").check()
    finance.page.get_by_label("If one provider’s: which provider").select_option(
        label=f"{world.provider_name} (1, {shown})"
    )
    finance.click_button("Create batch")
    assert re.search(r"Batch \S+ created with 1 payment", finance.success_banner())


# 4. An increase with a new line, built by keyboard at a phone's width --------------------


def test_an_increase_adds_a_line_by_keyboard_on_a_phone(
    open_browser: BrowserFactory, make_world: WorldMaker
) -> None:
    world = make_world(
        "Wren Valley Care", ("Ivy", "Irwin"), officers={"Idris Hale": Role.CARE_MANAGER}
    )
    start = today() + dt.timedelta(days=28)
    provider = open_browser("increase-provider", viewport={"width": 320, "height": 640})
    provider.goto("/")
    sign_in(provider, world.manager_email)
    provider.goto(f"/service-users/{world.person_id}/recommendations/new")
    provider.expect_heading("Recommend a package change")
    page = provider.page
    page.get_by_label("Increase the package").check()

    # "Add a new line" by keyboard: the new line appears and its first box has the focus.
    page.get_by_role("button", name="Add a new line").focus()
    provider.press_and_wait("Enter")
    provider.expect_heading("Recommend a package change")
    assert provider.focused() == "new_lines-0-calls_per_day"
    assert page.get_by_label("Increase the package").is_checked()  # nothing typed is lost
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    page.keyboard.type("45")
    new_line = page.get_by_role("group", name="New line 1")
    for weekend_day in ("Saturday", "Sunday"):
        new_line.get_by_label(weekend_day).focus()
        page.keyboard.press("Space")
    assert not new_line.get_by_label("Sunday").is_checked()

    # A second new line, added by mistake, is removed again.
    page.get_by_role("button", name="Add a new line").focus()
    provider.press_and_wait("Enter")
    assert page.get_by_role("group", name="New line 2").count() == 1
    page.get_by_role("button", name="Remove new line 2").focus()
    provider.press_and_wait("Enter")
    assert page.get_by_role("group", name="New line 2").count() == 0
    assert (
        page.get_by_role("group", name="New line 1").get_by_label("Minutes a call").input_value()
        == "45"
    )

    page.get_by_label("Needs have increased").check()
    page.get_by_label("Why is the change right for the person?").fill(
        "Ivy now needs help with a hot lunch on weekdays since her stroke."
    )
    page.get_by_label("What is the evidence?").fill("Hospital discharge letter of last week.")
    page.get_by_label("The person was consulted and agrees with the change").check()
    page.get_by_label("The risks of the change have been assessed").check()
    fill_date(provider, "When should the change start?", start)
    # Enter in the last box sends the form on, as Continue does, not to "Add a new line".
    page.get_by_role("group", name="When should the change start?").get_by_label("Year").focus()
    provider.press_and_wait("Enter")
    provider.expect_heading("Check your recommendation before sending it")
    assert provider.page_width() <= 320
    rows = table_rows(provider, "Current and proposed package")
    # 3.75 more hours a week at £20.50: £76.875, £76.88 to the penny.
    assert rows == [
        [PACKAGE, "No change", "14", "14", "£287.00", "£287.00"],
        ["New line", "1 call a day, 45 minutes, Monday to Friday", "0", "3.75", "£0.00", "£76.88"],
        ["Total", "14", "17.75", "£287.00", "£363.88"],
        ["Difference a week", "+3.75 hours", "+£76.88"],
    ]
    provider.click_button("Submit recommendation")
    assert "Recommendation sent to the council" in provider.success_banner()
    recommendation_url = provider.page.url

    # The care manager approves it; the old line carries on and the new one starts.
    council = open_browser("increase-care-manager")
    council.goto("/")
    sign_in(council, world.officers["Idris Hale"])
    council.open_from_menu("Review queue")
    council.click_link(world.full_name)
    council.expect_heading("Recommendation to increase the package")
    assert "one-off payment" not in council.text()
    council.page.get_by_label("Approve", exact=True).check()
    council.click_button("Confirm decision")
    assert f"The package changes from {format_date(start)}" in council.success_banner()
    council.goto(f"/service-users/{world.person_id}")
    history = table_rows(council, "Every package line, newest first")
    assert [row[:3] for row in history] == [
        ["1 call a day, 45 minutes, Monday to Friday", format_date(start), "Ongoing"],
        [PACKAGE, format_date(today() - dt.timedelta(days=200)), "Ongoing"],
    ]

    provider.goto(recommendation_url)
    assert summary_value(provider, "Status") == "Approved"
    assert "One-off payment" not in provider.text()
