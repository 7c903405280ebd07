"""`flask retention apply` anonymises the people whose care ended more than the retention
period ago, and every figure the council reads adds up exactly as it did before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.audit.models import AuditEvent
from portal.casework import retention
from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn
from portal.outcomes.table_f import Filters, table_f
from portal.outcomes.tasks import provider_progress
from portal.payments.models import Payment
from portal.payments.queries import ready_totals_by_provider
from portal.payments.summary import finance_summary
from portal.providers.models import PackageLine, ServiceUser
from portal.recommendations import operations as recommendations
from portal.recommendations.models import Recommendation, RecommendationMessage
from portal.recommendations.summary import model_summary
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.records import exported_batch, submitted_reduction, submitted_return

YEARS = 8
CUTOFF = retention.cutoff(today(), YEARS)


def ended(person: ServiceUser, on: dt.date) -> None:
    """Move all of the person's package lines into the past, the last ending ``on``."""
    db.session.execute(
        update(PackageLine)
        .where(PackageLine.service_user_id == person.id)
        .values(start_date=on - dt.timedelta(days=400), end_date=on)
    )
    db.session.flush()


def person_with_lines(world: World, *, ended_on: dt.date | None, open_line: bool = False) -> Any:
    person = ServiceUserFactory(provider=world.provider)
    PackageLineFactory(
        service_user=person, start_date=dt.date(2010, 1, 1), end_date=ended_on or CUTOFF
    )
    if open_line:
        PackageLineFactory(service_user=person, start_date=dt.date(2012, 1, 1))
    return person


def test_who_is_chosen_is_care_ended_more_than_the_period_ago(world: World) -> None:
    long_ago = person_with_lines(world, ended_on=CUTOFF - dt.timedelta(days=1))
    exactly = person_with_lines(world, ended_on=CUTOFF)
    still_open = person_with_lines(world, ended_on=dt.date(2011, 1, 1), open_line=True)
    no_lines = ServiceUserFactory(provider=world.provider)
    chosen = [d.service_user_id for d in retention.due(today(), YEARS)]
    assert chosen == [long_ago.id]
    assert exactly.id not in chosen and still_open.id not in chosen
    assert no_lines.id not in chosen and world.person.id not in chosen


def test_the_cutoff_is_the_same_day_years_before(world: World) -> None:
    assert retention.cutoff(dt.date(2026, 12, 5), 8) == dt.date(2018, 12, 5)
    assert retention.cutoff(dt.date(2028, 2, 29), 8) == dt.date(2020, 2, 29)
    assert retention.cutoff(dt.date(2028, 2, 29), 7) == dt.date(2021, 2, 28)


def full_record(world: World) -> dict[str, Any]:
    """World's person with a record of every kind, then their care ended long ago."""
    person = world.person
    submitted_return(world, person)
    recommendation = submitted_reduction(world, person)
    recommendations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question="Is Margaret managing?"
    )
    recommendations.answer_information_request(
        recommendation, by=world.users[Role.PROVIDER_MANAGER], answer="Margaret is fine."
    )
    batch = exported_batch(world, recommendation)
    ended(person, CUTOFF - dt.timedelta(days=30))
    return {"recommendation": recommendation, "batch": batch}


def figures(world: World) -> dict[str, Any]:
    """What the council's pages show: Table F (all, by provider, by quadrant), returns
    progress, the trusted assessor model's summary, finance's summary and ready totals."""
    year = FinancialYear.containing(today())
    return {
        "table_f": [
            table_f(world.period, filters)
            for filters in (
                Filters(),
                Filters(provider_id=world.provider.id),
                Filters(quadrant=world.person.quadrant),
            )
        ],
        "progress": provider_progress(world.period),
        "model": model_summary(year),
        "finance": finance_summary(year),
        "ready": ready_totals_by_provider(),
    }


def test_anonymising_keeps_every_figure_and_removes_what_identifies(world: World) -> None:
    records = full_record(world)
    person_id = world.person.id
    before = figures(world)
    trail_before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))

    outcome = retention.apply(today(), YEARS, dry_run=False)
    db.session.commit()
    db.session.expire_all()

    assert [d.service_user_id for d in outcome.people] == [person_id]
    assert outcome.audit_events > 0
    assert figures(world) == before

    person = db.session.get(ServiceUser, person_id)
    assert person.full_name == "Name removed"
    assert person.case_reference == f"ANON-{person_id}"
    assert person.nhs_number is None and person.date_of_birth is None
    assert person.sex is None and person.ethnicity is None
    assert person.anonymised_at is not None
    # Dates of care, amounts, statuses and links stay.
    lines = db.session.scalars(select(PackageLine).where(PackageLine.service_user_id == person_id))
    assert all(line.end_date == CUTOFF - dt.timedelta(days=30) for line in lines)
    payment = db.session.scalar(select(Payment).where(Payment.service_user_id == person_id))
    assert payment.amount_pence > 0 and payment.batch_id == records["batch"].id
    recommendation = db.session.get(Recommendation, records["recommendation"].id)
    assert (recommendation.reason, recommendation.evidence) == ("", "")
    assert recommendation.status.value == "approved"
    messages = db.session.scalars(
        select(RecommendationMessage.text).where(
            RecommendationMessage.recommendation_id == recommendation.id
        )
    ).all()
    assert messages == ["", ""]
    answers = db.session.scalars(
        select(OutcomeAnswer)
        .join(OutcomeReturn, OutcomeReturn.id == OutcomeAnswer.return_id)
        .where(OutcomeReturn.service_user_id == person_id)
    ).all()
    assert len(answers) == 9 and {a.evidence for a in answers} == {""}
    assert {a.result.value for a in answers} == {"met"}
    # The other person is untouched.
    assert db.session.get(ServiceUser, world.other_person.id).given_name == "Olive"

    # One audit event, naming the fields cleared and none of the old values.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == retention.ANONYMISED)
    ).all()
    assert len(events) == 1
    (event,) = events
    assert (event.entity_type, event.entity_id, event.actor_id) == (
        "service_users",
        person_id,
        None,
    )
    assert "service_users.nhs_number" in event.after["cleared"]
    assert "Margaret" not in str(event.before) + str(event.after)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == trail_before + 1


def test_running_again_changes_nothing(world: World) -> None:
    full_record(world)
    retention.apply(today(), YEARS, dry_run=False)
    db.session.commit()
    trail = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    again = retention.apply(today(), YEARS, dry_run=False)
    assert again.people == []
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == trail


def test_a_person_with_an_open_line_is_never_touched(world: World) -> None:
    full_record(world)
    PackageLineFactory(service_user=world.person, start_date=dt.date(2012, 1, 1))
    assert retention.apply(today(), YEARS, dry_run=False).people == []
    db.session.expire_all()
    person = db.session.get(ServiceUser, world.person.id)
    assert person.full_name == "Margaret Able" and person.anonymised_at is None


def test_the_command_dry_run_names_ids_and_writes_nothing(app: Flask, world: World) -> None:
    full_record(world)
    db.session.commit()
    trail = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"1 person would be anonymised: service user ids {world.person.id}" in result.output
    assert "Dry run: nothing was changed" in result.output
    assert "Margaret" not in result.output and "Able" not in result.output
    db.session.expire_all()
    assert db.session.get(ServiceUser, world.person.id).given_name == "Margaret"
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == trail


def test_the_command_applies_in_one_transaction(app: Flask, world: World) -> None:
    full_record(world)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert f"1 person were anonymised: service user ids {world.person.id}" in result.output
    assert "events about their records" in result.output
    db.session.expire_all()
    assert db.session.get(ServiceUser, world.person.id).full_name == "Name removed"


def test_a_failure_part_way_leaves_everyone_as_they_were(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_record(world)
    db.session.commit()

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the audit trail could not be written")

    monkeypatch.setattr(retention, "record_many", refuse)
    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code != 0
    db.session.expire_all()
    person = db.session.get(ServiceUser, world.person.id)
    assert person.full_name == "Margaret Able" and person.anonymised_at is None


def test_an_anonymised_person_reads_as_removed_and_the_trail_keeps_what_it_recorded(
    world: World, as_role: Any
) -> None:
    """The person's page and their subject access JSON show the placeholder; the audit
    trail, append-only, still holds the question that named her, and the count the
    command reports is the trail's events about her records."""
    full_record(world)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    listed = len(
        client.get(f"/service-users/{world.person.id}/subject-access.json").json["audit_events"]
    )
    outcome = retention.apply(today(), YEARS, dry_run=False)
    db.session.commit()
    # Everything the export listed, and the export itself.
    assert outcome.audit_events == listed + 1

    page = client.get(f"/service-users/{world.person.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Name removed" in text and f"ANON-{world.person.id}" in text
    assert "Margaret" not in text

    held = client.get(f"/service-users/{world.person.id}/subject-access.json").json
    assert held["person"]["given_name"] == "Name removed"
    assert held["person"]["nhs_number"] is None and held["person"]["date_of_birth"] is None
    assert [m["text"] for m in held["recommendations"][0]["messages"]] == ["", ""]
    asked = [
        e for e in held["audit_events"] if e["action"] == "recommendation.information_requested"
    ]
    assert asked[0]["after"]["question"] == "Is Margaret managing?"
    assert retention.ANONYMISED in {e["action"] for e in held["audit_events"]}
