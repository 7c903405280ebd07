"""Filling in, submitting and reviewing an Appendix A return, outcome by outcome."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.dates import quarter_bounds
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from tests.client import text_of
from tests.factories import OutcomePeriodFactory
from tests.fixtures import World, sign_in
from tests.integration.helpers import complete_return, outcome_page_form, return_url
from tests.integration.records import submitted_return


def test_a_return_is_answered_outcome_by_outcome_then_checked_and_submitted(
    as_role, world: World
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    overview = text_of(client.get(return_url(world.person.id, world.period.id)))
    assert (
        "Outcome 1: The individual can maintain or increase their level of personal care"
        in overview
    )
    assert "Not started" in overview
    assert "Check answers and submit" not in overview

    check_url = complete_return(client, world.person.id, world.period.id)
    overview = text_of(client.get(return_url(world.person.id, world.period.id)))
    assert overview.count("Completed") == 5
    page = text_of(client.get(check_url))
    assert "Check your answers before submitting the return" in page
    assert "Seen at the care review for 5.1." in page

    outcome_return = db.session.scalar(select(OutcomeReturn))
    assert outcome_return.status == ReturnStatus.DRAFT
    response = client.post(check_url)
    assert response.status_code == 302
    assert outcome_return.status == ReturnStatus.SUBMITTED
    assert len(outcome_return.answers) == 9
    assert "Outcome return for Margaret Able submitted" in text_of(client.get(response.location))
    # Submitted returns are read-only: the form now sends the provider to the read-only page.
    assert client.get(return_url(world.person.id, world.period.id, 1)).status_code == 302


def test_each_problem_is_explained_and_nothing_is_saved(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post(
        return_url(world.person.id, world.period.id, 1),
        data=outcome_page_form(1, m1_1_result="", m1_2_evidence="", m1_3_result="not_applicable"),
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "Select whether measure 1.1 is met, partly met, not met or not applicable" in page
    assert "Enter the evidence that measure 1.2 is met" in page
    assert "Enter why measure 1.3 does not apply" in page
    assert db.session.scalar(select(OutcomeReturn)) is None


def test_a_draft_can_be_saved_half_done_but_not_submitted(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = outcome_page_form(1, m1_2_result="", m1_3_evidence="")
    del data["save_and_continue"]
    data["save_draft"] = "Save as draft"
    response = client.post(return_url(world.person.id, world.period.id, 1), data=data)
    assert response.status_code == 302
    overview = text_of(client.get(response.location))
    assert "Your answers are saved as a draft" in overview
    assert "In progress" in overview
    outcome_return = db.session.scalar(select(OutcomeReturn))
    assert {a.measure for a in outcome_return.answers} == {"1.1", "1.3", "1.4"}

    page = text_of(client.get(f"/outcome-returns/{outcome_return.id}/check"))
    assert "Before you can submit" in page
    assert "Enter the evidence that measure 1.3 is met" in page
    response = client.post(f"/outcome-returns/{outcome_return.id}/check")
    assert response.status_code == 200
    assert outcome_return.status == ReturnStatus.DRAFT


def test_starting_from_last_quarter_copies_the_answers_as_a_draft(as_role, world: World) -> None:
    earlier = submitted_return(world, world.person)
    start, end = quarter_bounds(world.period.end_date + dt.timedelta(days=1))
    next_period = OutcomePeriodFactory(start_date=start, end_date=end)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    overview = text_of(client.get(return_url(world.person.id, next_period.id)))
    assert "Start from last quarter’s answers" in overview
    response = client.post(return_url(world.person.id, next_period.id) + "/start-from-previous")
    assert response.status_code == 302
    copied = db.session.scalar(
        select(OutcomeReturn).where(OutcomeReturn.period_id == next_period.id)
    )
    assert copied.status == ReturnStatus.DRAFT
    assert [(a.measure, a.result, a.evidence) for a in copied.answers] == [
        (a.measure, a.result, a.evidence) for a in earlier.answers
    ]
    assert "Start from last quarter’s answers" not in text_of(client.get(response.location))


def test_the_council_returns_a_return_for_correction_and_accepts_the_resubmission(
    client, world: World
) -> None:
    outcome_return = submitted_return(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.COMMISSIONER])
    page = text_of(
        client.post(f"/outcome-returns/{outcome_return.id}", data={"decision": "return"})
    )
    assert "Enter what the provider needs to correct" in page
    client.post(
        f"/outcome-returns/{outcome_return.id}",
        data={"decision": "return", "reason": "Measure 2.1 needs this quarter's evidence."},
    )
    assert outcome_return.status == ReturnStatus.RETURNED
    client.post("/sign-out")

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    overview = text_of(client.get(return_url(world.person.id, world.period.id)))
    assert "Measure 2.1 needs this quarter's evidence." in overview
    client.post(
        return_url(world.person.id, world.period.id, 2),
        data=outcome_page_form(2, m2_1_evidence="New risk assessment, 3 November."),
    )
    client.post(f"/outcome-returns/{outcome_return.id}/check")
    assert outcome_return.status == ReturnStatus.SUBMITTED
    client.post("/sign-out")

    sign_in(client, world.users[Role.CARE_MANAGER])
    client.post(f"/outcome-returns/{outcome_return.id}", data={"decision": "accept"})
    assert outcome_return.status == ReturnStatus.ACCEPTED
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "outcome_returns")
            .order_by(AuditEvent.id)
        )
    )
    assert actions[-4:] == [
        "outcome_return.returned_for_correction",
        "outcome_return.updated",
        "outcome_return.submitted",
        "outcome_return.accepted",
    ]


def test_providers_cannot_review_returns(as_role, world: World) -> None:
    outcome_return = submitted_return(world, world.person)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    assert "Review this return" not in text_of(client.get(f"/outcome-returns/{outcome_return.id}"))
    response = client.post(f"/outcome-returns/{outcome_return.id}", data={"decision": "accept"})
    assert response.status_code == 403
    assert outcome_return.status == ReturnStatus.SUBMITTED


def test_the_persons_page_tells_how_their_outcomes_moved(as_role, world: World) -> None:
    start, end = quarter_bounds(world.period.start_date - dt.timedelta(days=1))
    earlier_period = OutcomePeriodFactory(start_date=start, end_date=end)
    earlier = submitted_return(world, world.person)
    earlier.period_id = earlier_period.id
    for answer in earlier.answers:
        if answer.measure == "1.2":
            answer.result = MeasureResult.NOT_MET
    db.session.flush()
    submitted_return(world, world.person)  # this quarter: everything met
    db.session.commit()

    page = text_of(as_role(Role.CARE_MANAGER).get(f"/service-users/{world.person.id}"))
    assert "How Margaret’s outcomes have moved" in page
    assert f"{earlier_period.label} {world.period.label}" in page
    assert (
        "Outcome 1 : The individual can maintain or increase their level of personal care Not met Met"
        in page
    )
    assert "1.2 : The individual is able to maintain personal hygiene Not met Met" in page


def test_the_menu_marks_outcome_returns_while_filling_one_in(as_role, world: World) -> None:
    html = as_role(Role.PROVIDER_MANAGER).get(return_url(world.person.id, world.period.id, 1))
    current = html.get_data(as_text=True).split("govuk-service-navigation__item--active")[1]
    assert "Outcome returns" in current.split("</li>")[0]
