"""One way to submit: a return handed in on the form and one in an uploaded file go through
the same operation, so they are audited alike, held to the same checks and counted into
Table F once, however many times or ways they are sent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.outcomes import period_views
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import RETURNS_CODE, OutcomeReturn, OutcomeTally, ReturnStatus
from portal.outcomes.operations import ImportResult, import_returns, save_answers, submit_return
from portal.outcomes.rules import AnswerData
from portal.outcomes.submission import submit_returns
from portal.outcomes.tallies import recount_period
from portal.providers.models import ServiceUser
from tests.client import text_of
from tests.databases import backend_name
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.helpers import complete_return
from tests.integration.records import submitted_return
from tests.integration.test_outcome_upload import _csv, _fill, _template, _upload


def _answers(**evidence: str) -> list[AnswerData]:
    """Every measure met, with evidence; ``evidence`` replaces it by measure ("1_2")."""
    return [
        AnswerData(
            measure=m.code,
            result=MeasureResult.MET,
            evidence=evidence.get(m.code.replace(".", "_"), f"Seen at review ({m.code})."),
            evidence_sources=[m.sources[0].value],
        )
        for m in MEASURES
    ]


def _person(world: World, name: str) -> ServiceUser:
    person = ServiceUserFactory(provider=world.provider, given_name=name, family_name="Baker")
    PackageLineFactory(service_user=person)
    db.session.commit()
    return person


def _events(return_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "outcome_returns", AuditEvent.entity_id == return_id)
            .order_by(AuditEvent.id)
        )
    )


def _counted(period_id: int) -> int:
    """How many returns Table F's tallies count for the period."""
    return (
        db.session.scalar(
            select(func.sum(OutcomeTally.sample)).where(
                OutcomeTally.period_id == period_id, OutcomeTally.code == RETURNS_CODE
            )
        )
        or 0
    )


def _tallies(period_id: int) -> dict[tuple[object, ...], tuple[int, int]]:
    rows = db.session.execute(
        select(OutcomeTally).where(OutcomeTally.period_id == period_id)
    ).scalars()
    return {
        (t.provider_id, t.quadrant, t.code): (t.met, t.sample) for t in rows if t.sample or t.met
    }


def _kept_counts_are_the_recount(period_id: int) -> None:
    kept = _tallies(period_id)
    recount_period(period_id)
    assert _tallies(period_id) == kept


def test_the_form_and_the_upload_write_the_same_audit_events(as_role, world: World) -> None:
    bob = _person(world, "Bob")
    client = as_role(Role.PROVIDER_MANAGER)
    check_url = complete_return(client, world.person.id, world.period.id)
    assert client.post(check_url).status_code == 302
    rows = _template(client, world)  # only Bob is still owed
    assert [row["name"] for row in rows] == ["Bob Baker"]
    assert _upload(client, world, _csv([_fill(rows[0])])).status_code == 302

    by_form = db.session.scalar(select(OutcomeReturn).filter_by(service_user_id=world.person.id))
    by_upload = db.session.scalar(select(OutcomeReturn).filter_by(service_user_id=bob.id))
    form_events, upload_events = _events(by_form.id), _events(by_upload.id)
    # The form saves page by page; the file's return is made whole, then submitted.
    assert [e.action for e in form_events] == ["outcome_return.created"] + [
        "outcome_return.updated"
    ] * 4 + ["outcome_return.submitted"]
    assert [e.action for e in upload_events] == [
        "outcome_return.created",
        "outcome_return.submitted",
    ]
    for form_event, upload_event in (
        (form_events[0], upload_events[0]),
        (form_events[-1], upload_events[-1]),
    ):
        assert (form_event.before is None) == (upload_event.before is None)
        assert set(form_event.before or {}) == set(upload_event.before or {})
        assert set(form_event.after) == set(upload_event.after)
        assert form_event.actor_id == upload_event.actor_id == world.users[Role.PROVIDER_MANAGER].id
        assert form_event.provider_id == upload_event.provider_id == world.provider.id

    created = upload_events[0].after
    assert created["status"] == "draft"
    assert created["answers"]["1.1"] == {
        "result": "met",
        "evidence": "Seen at review (1.1)",
        "not_applicable_reason": "",
        "evidence_sources": ["care_reviews", "service_user_feedback"],
    }
    assert set(created["answers"]) == set(form_events[-2].after["answers"])
    for event, source in ((form_events[-1], "form"), (upload_events[-1], "upload")):
        assert event.before["status"] == "draft" and event.before["submitted_at"] is None
        assert event.after["status"] == "submitted"
        assert event.after["submitted_by_id"] == world.users[Role.PROVIDER_MANAGER].id
        assert event.after["source"] == source


def test_the_checks_refuse_an_incomplete_return_on_either_path(world: World) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]
    draft = save_answers(
        period=world.period,
        service_user=world.person,
        answers=_answers()[:-1],
        by=manager,
        complete=False,
    )
    with pytest.raises(DomainError) as refused:
        submit_return(draft, by=manager)
    assert refused.value.message == (
        "Before submitting: Select whether measure 5.1 is met, partly met, not met or not "
        "applicable"
    )
    assert draft.status == ReturnStatus.DRAFT

    # A file's rows past the upload's own checks meet the submission's.
    bob, carol = _person(world, "Bob"), _person(world, "Carol")
    with pytest.raises(DomainError) as refused:
        import_returns(
            period=world.period,
            rows=[(bob, _answers()), (carol, _answers(**{"1_2": "  "}))],
            existing={},
            by=manager,
        )
    assert refused.value.message == (
        f"Before submitting {carol.case_reference}’s return: Enter the evidence that measure "
        "1.2 is met"
    )
    statuses = db.session.scalars(select(OutcomeReturn.status).distinct()).all()
    assert statuses == [ReturnStatus.DRAFT]
    assert _counted(world.period.id) == 0


def test_a_return_submitted_twice_or_both_ways_is_counted_once(world: World) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]
    sent = submitted_return(world, world.person)
    assert _counted(world.period.id) == 1
    with pytest.raises(DomainError) as refused:
        submit_return(sent, by=manager)
    assert refused.value.message == "This return has already been submitted"

    # A file with the same answers leaves it be; one planned before it was sent is refused
    # whole, naming it.
    same = [
        AnswerData(measure=a.measure, result=a.result, evidence=a.evidence) for a in sent.answers
    ]
    assert import_returns(
        period=world.period,
        rows=[(world.person, same)],
        existing={world.person.id: sent},
        by=manager,
    ) == ImportResult(submitted=0, unchanged=1)
    bob = _person(world, "Bob")
    draft = save_answers(period=world.period, service_user=bob, answers=_answers(), by=manager)
    with pytest.raises(DomainError) as refused:
        submit_returns([draft.id, sent.id], by=manager, source="upload")
    assert refused.value.message == (
        f"{world.person.case_reference}’s return has already been submitted by someone else a "
        "moment ago: nothing has been saved. Try again"
    )
    assert draft.status == ReturnStatus.DRAFT
    assert _counted(world.period.id) == 1
    _kept_counts_are_the_recount(world.period.id)


def test_a_files_returns_are_saved_with_as_many_statements_for_one_person_as_for_five(
    world: World,
) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]

    def statements(people: list[ServiceUser]) -> list[str]:
        with recorded_statements() as run:
            result = import_returns(
                period=world.period,
                rows=[(person, _answers()) for person in people],
                existing={},
                by=manager,
            )
        assert result == ImportResult(submitted=len(people), unchanged=0)
        return run

    people = [_person(world, name) for name in ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay")]
    for loaded in (world.period, manager, *people):  # read afresh now, not while counting
        db.session.refresh(loaded)
    # Fifteen: the returns, their ids, answers and created events; the locking read, the
    # UPDATE, the tallies' read and upsert, the dashboard's kept figures for the quarter
    # forgotten, the same people's pairs' upsert, the progress figures' owners, locking
    # read, count and update, and the submitted events. On PostgreSQL one more: the shared
    # lock that keeps a refresh of the kept figures from racing the forgetting.
    expected = 16 if backend_name() == "postgresql" else 15
    assert len(statements(people[:1])) == len(statements(people[1:])) == expected
    assert _counted(world.period.id) == 6


def test_an_upload_that_meets_a_return_started_a_moment_ago_saves_nothing(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    content = _csv([_fill(row) for row in _template(client, world)])
    planned = period_views.plan_upload

    def someone_starts_it_after_the_plan(*args: object, **kwargs: object) -> object:
        plan = planned(*args, **kwargs)  # type: ignore[arg-type]
        save_answers(
            period=world.period,
            service_user=world.person,
            answers=_answers()[:2],
            by=world.users[Role.PROVIDER_MANAGER],
            complete=False,
        )
        return plan

    monkeypatch.setattr(period_views, "plan_upload", someone_starts_it_after_the_plan)
    response = _upload(client, world, content)
    assert response.status_code == 200
    assert (
        "Someone else started some of these returns a moment ago: nothing has been saved. "
        "Try again" in text_of(response)
    )
    assert db.session.scalar(select(func.count(OutcomeReturn.id))) == 0
