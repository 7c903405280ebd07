"""The payment rule's versions, and payments above the threshold needing a second officer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment, PaymentRule, PaymentStatus
from portal.payments.operations import create_rule
from portal.recommendations import operations
from tests.client import text_of
from tests.factories import UserFactory
from tests.fixtures import World, sign_in
from tests.integration.helpers import date_parts
from tests.integration.records import submitted_reduction


def test_a_commissioner_sets_a_new_version_from_a_future_date(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    start = today() + dt.timedelta(days=7)
    response = client.post(
        "/payments/rules/new",
        data={
            "effective_from": date_parts(start),
            "weeks": "6",
            "minimum": "50",
            "cap": "£1,500.00",
            "threshold": "400",
        },
    )
    assert response.status_code == 302
    rule = db.session.scalar(select(PaymentRule).order_by(PaymentRule.version.desc()))
    assert (rule.version, rule.weeks, rule.minimum_pence, rule.cap_pence) == (2, 6, 5000, 150000)
    assert rule.second_approval_threshold_pence == 40000
    page = text_of(client.get(response.location))
    assert "Version 2 of the payment rule starts on" in page
    assert "2 (starts later) " + start.strftime("%-d %B %Y") + " 6 £50.00 £1,500.00 £400.00" in page


def test_a_new_version_cannot_rewrite_the_past(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    page = text_of(
        client.post(
            "/payments/rules/new",
            data={"effective_from": date_parts(today() - dt.timedelta(days=1)), "weeks": "4"},
        )
    )
    assert "The new rule must start today or later" in page
    page = text_of(
        client.post(
            "/payments/rules/new",
            data={"effective_from": date_parts(today()), "weeks": "4", "cap": "lots"},
        )
    )
    assert "Enter the largest payment in pounds, for example 50 or 50.00" in page
    assert db.session.scalar(select(PaymentRule.version).order_by(PaymentRule.version.desc())) == 1


def test_a_rule_applies_only_to_decisions_from_its_start(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    tomorrow = today() + dt.timedelta(days=1)
    create_rule(effective_from=tomorrow, weeks=6, by=world.users[Role.COMMISSIONER])
    first = submitted_reduction(world, world.person)
    operations.approve(
        first, by=world.users[Role.CARE_MANAGER], start_date=first.proposed_start_date
    )
    payment = db.session.scalar(select(Payment).where(Payment.recommendation_id == first.id))
    assert (payment.rule.version, payment.weeks, payment.amount_pence) == (1, 4, 28700)

    # The next day the new version is in force for the next decision.
    monkeypatch.setattr("portal.recommendations.operations.today", lambda: tomorrow)
    second = submitted_reduction(world, world.other_person)
    operations.approve(
        second, by=world.users[Role.CARE_MANAGER], start_date=second.proposed_start_date
    )
    later = db.session.scalar(select(Payment).where(Payment.recommendation_id == second.id))
    assert (later.rule.version, later.weeks, later.amount_pence) == (2, 6, 43050)
    assert payment.weeks == 4  # the earlier payment keeps its rule


def test_a_payment_above_the_threshold_needs_a_second_officer(client, world: World) -> None:
    create_rule(
        effective_from=today(),
        weeks=4,
        second_approval_threshold_pence=20000,
        by=world.users[Role.COMMISSIONER],
    )
    recommendation = submitted_reduction(world, world.person)
    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    second_officer = UserFactory(roles=[Role.CARE_MANAGER], name="Second Officer")
    db.session.commit()
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL  # £287 is above £200

    sign_in(client, world.users[Role.FINANCE_OFFICER])
    assert "No payments are waiting to be batched" in text_of(client.get("/payments"))
    client.post("/sign-out")

    sign_in(client, world.users[Role.CARE_MANAGER])
    response = client.post(f"/payments/{payment.id}/second-approval", data={"approve": "y"})
    assert (
        "You approved the recommendation: a different officer must give the second approval"
        in text_of(client.get(response.location))
    )
    assert payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL
    client.post("/sign-out")

    sign_in(client, second_officer)
    assert "£287.00" in text_of(client.get("/payments/second-approvals"))
    client.post(f"/payments/{payment.id}/second-approval", data={"approve": "y"})
    assert payment.status == PaymentStatus.APPROVED
    assert payment.second_approved_by_id == second_officer.id
    client.post("/sign-out")

    sign_in(client, world.users[Role.FINANCE_OFFICER])
    assert "£287.00" in text_of(client.get("/payments"))


def test_the_review_page_shows_the_payment_approval_makes(client, world: World) -> None:
    """The preview and the payment are worked out by one function: a rule with a cap and a
    threshold gives the same amount and the same second approval on the page as on approval,
    and the payment keeps what the approval told it."""
    care_manager = world.users[Role.CARE_MANAGER]
    create_rule(
        effective_from=today(),
        weeks=6,
        cap_pence=40000,
        second_approval_threshold_pence=35000,
        by=world.users[Role.COMMISSIONER],
    )
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()

    sign_in(client, care_manager)
    review = text_of(client.get(f"/review/{recommendation.id}"))
    # 3.5 hours x £20.50 x 6 weeks is £430.50, capped at £400.
    assert (
        "one-off payment to Brightwater Home Care of £400.00 : 3.5 hours a week removed at "
        "£20.50 an hour for 6 weeks. It is above the payment rule’s threshold" in review
    )
    client.post(
        f"/review/{recommendation.id}",
        data={"decision": "approve", "start_date": date_parts(recommendation.proposed_start_date)},
    )
    payment = recommendation.payment
    assert payment is not None
    assert (payment.amount_pence, payment.weeks, payment.rule.version) == (40000, 6, 2)
    assert payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL
    assert payment.recommendation_reference == recommendation.reference
    assert payment.first_approved_by_id == care_manager.id
    assert payment.first_approved_at == recommendation.decided_at
