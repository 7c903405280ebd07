"""Trusted assessor recommendations: what the provider must say, and what the care
manager's decision does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment
from portal.providers.models import PackageLine
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import date_parts, reduction_form
from tests.integration.records import submitted_reduction


def test_a_reduction_must_remove_hours(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post(
        f"/service-users/{world.person.id}/recommendations/new", data=reduction_form(calls=4)
    )
    assert response.status_code == 200
    assert "A reduction must propose fewer weekly hours than now" in text_of(response)
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0


def test_consent_risk_and_a_real_future_date_are_required(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = reduction_form()
    del data["person_consulted_and_agrees"]
    del data["risk_assessed"]
    data["proposed_start_date"] = ["31", "2", "2027"]
    page = text_of(client.post(f"/service-users/{world.person.id}/recommendations/new", data=data))
    assert "Confirm the person was consulted and agrees" in page
    assert "Confirm the risks of the change have been assessed" in page
    assert "The start date must be a real date" in page

    data = reduction_form(start=today() - dt.timedelta(days=1))
    page = text_of(client.post(f"/service-users/{world.person.id}/recommendations/new", data=data))
    assert "The proposed start date must be in the future" in page


def test_a_provider_that_is_not_a_trusted_assessor_cannot_recommend(as_role, world: World) -> None:
    world.provider.trusted_assessor = False
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    page = text_of(client.get(f"/service-users/{world.person.id}"))
    assert "Recommend a package change" not in page
    assert "Brightwater Home Care is not a trusted assessor, so it cannot recommend" in page
    assert "is not a trusted assessor" in text_of(client.get("/recommendations"))
    assert client.get(f"/service-users/{world.person.id}/recommendations/new").status_code == 404


def test_rejecting_needs_a_reason_and_changes_nothing_in_the_package(as_role, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    page = text_of(client.post(f"/review/{recommendation.id}", data={"decision": "reject"}))
    assert "Enter why you are rejecting the recommendation" in page
    response = client.post(
        f"/review/{recommendation.id}",
        data={"decision": "reject", "reason": "The OT has not yet assessed the kitchen."},
    )
    assert response.status_code == 302
    assert recommendation.status == RecommendationStatus.REJECTED
    assert world.line.end_date is None
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert db.session.scalar(select(func.count(PackageLine.id))) == 2  # both people's lines


def test_approval_needs_a_future_start_date(as_role, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    page = text_of(
        client.post(
            f"/review/{recommendation.id}",
            data={"decision": "approve", "start_date": date_parts(today())},
        )
    )
    assert "The agreed start date must be in the future" in page
    assert recommendation.status == RecommendationStatus.SUBMITTED
    assert world.line.end_date is None


def test_a_second_recommendation_waits_for_the_first(as_role, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.get(f"/service-users/{world.person.id}/recommendations/new")
    assert response.status_code == 302
    assert response.location == f"/recommendations/{recommendation.id}"


def test_the_provider_sees_the_decision_and_the_payment_due(client, world: World) -> None:
    from portal.recommendations import operations
    from tests.fixtures import sign_in

    recommendation = submitted_reduction(world, world.person)
    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get(f"/recommendations/{recommendation.id}"))
    assert "Status Approved" in page
    assert "Decided " in page
    assert "Carl Caremanager" in page
    assert "One-off payment £287.00 (ready to batch)" in page
    assert "Weekly cost now Weekly cost proposed" in page
    assert "£287.00 £215.25" in page


def test_commissioners_see_what_the_model_released(as_role, world: World) -> None:
    from portal.recommendations import operations

    approved = submitted_reduction(world, world.person)
    operations.approve(
        approved, by=world.users[Role.CARE_MANAGER], start_date=approved.proposed_start_date
    )
    rejected = submitted_reduction(world, world.other_person)
    operations.reject(rejected, by=world.users[Role.CARE_MANAGER], reason="Not yet")
    db.session.commit()
    page = text_of(as_role(Role.COMMISSIONER).get("/recommendations/summary"))
    assert "trusted assessor providers sent 2 recommendations" in page
    # 3.5 hours a week at £20.50 is £3,731.00 over 52 weeks.
    assert (
        "released 3.5 hours a week, worth £3,731.00 a year, for £287.00 in one-off payments" in page
    )
    assert "Brightwater Home Care 1 0 0 1 0 0 0 0.0" in page
    assert "Rival Care Ltd 1 0 0 0 1 0 0 0.0" in page
    assert "Brightwater Home Care 3.5 £3,731.00 £287.00" in page


def test_the_decision_clock_stops_while_the_provider_is_asked(world: World) -> None:
    from portal.common.dates import add_working_days, working_days_between
    from portal.recommendations import operations
    from portal.recommendations.models import MessageKind

    recommendation = submitted_reduction(world, world.person)
    due = recommendation.decision_due_date
    assert due is not None
    operations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question="Has the OT been?"
    )
    # The question was asked eight days ago and is answered today.
    [question] = [m for m in recommendation.messages if m.kind == MessageKind.QUESTION]
    question.created_at -= dt.timedelta(days=8)
    operations.answer_information_request(
        recommendation, by=world.users[Role.PROVIDER_MANAGER], answer="Yes, on Tuesday."
    )
    waited = working_days_between(today() - dt.timedelta(days=8), today())
    assert waited >= 4  # eight calendar days hold at least four working days
    assert recommendation.decision_due_date == add_working_days(due, waited)
