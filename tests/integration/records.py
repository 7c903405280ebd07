"""Records at every stage of the loop, made through the operations, for tests that need
something of each kind to point URLs at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.operations import AnswerData, save_answers, submit_return
from portal.payments.models import Payment, PaymentBatch
from portal.payments.operations import create_batch, export_batch
from portal.providers.models import ServiceUser
from portal.providers.queries import current_lines
from portal.recommendations import operations as recommendations
from portal.recommendations.models import ChangeKind, ReasonCategory, Recommendation
from portal.recommendations.operations import LineProposal, RecommendationData
from tests.fixtures import World


def submitted_return(world: World, person: ServiceUser) -> OutcomeReturn:
    manager = (
        world.users[Role.PROVIDER_MANAGER]
        if person.provider_id == world.provider.id
        else world.other_provider_manager
    )
    outcome_return = save_answers(
        period=world.period,
        service_user=person,
        answers=[
            AnswerData(measure=m.code, result=MeasureResult.MET, evidence="Seen at review.")
            for m in MEASURES
        ],
        by=manager,
    )
    submit_return(outcome_return, by=manager)
    return outcome_return


def submitted_reduction(world: World, person: ServiceUser, *, calls: int = 3) -> Recommendation:
    recommendation = drafted_reduction(world, person, calls=calls)
    recommendations.submit(recommendation, by=recommendation.created_by)
    return recommendation


def drafted_reduction(world: World, person: ServiceUser, *, calls: int = 3) -> Recommendation:
    return drafted_change(world, person, kind=ChangeKind.REDUCE, calls=calls)


def submitted_increase(world: World, person: ServiceUser, *, calls: int) -> Recommendation:
    recommendation = drafted_change(world, person, kind=ChangeKind.INCREASE, calls=calls)
    recommendations.submit(recommendation, by=recommendation.created_by)
    return recommendation


def drafted_change(
    world: World, person: ServiceUser, *, kind: ChangeKind, calls: int
) -> Recommendation:
    """A change to the calls a day of the person's first line, starting in a fortnight."""
    manager = (
        world.users[Role.PROVIDER_MANAGER]
        if person.provider_id == world.provider.id
        else world.other_provider_manager
    )
    line = current_lines(person.id, on=today())[0]
    return recommendations.save_draft(
        person,
        RecommendationData(
            kind=kind,
            lines=[
                LineProposal(
                    replaces_line_id=line.id,
                    calls_per_day=calls,
                    minutes_per_call=line.minutes_per_call,
                    carers_per_call=line.carers_per_call,
                    days_of_week=line.days_of_week,
                )
            ],
            reason_category=ReasonCategory.SKILLS_REGAINED
            if kind == ChangeKind.REDUCE
            else ReasonCategory.NEEDS_INCREASED,
            reason="Regained skills." if kind == ChangeKind.REDUCE else "A fall.",
            evidence="Observed on visits.",
            person_consulted_and_agrees=True,
            family_consulted=False,
            risk_assessed=True,
            proposed_start_date=today() + dt.timedelta(days=14),
        ),
        by=manager,
    )


def exported_batch(world: World, recommendation: Recommendation) -> PaymentBatch:
    recommendations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    payment = db.session.scalar(
        select(Payment).where(Payment.recommendation_id == recommendation.id)
    )
    batch = create_batch(provider_id=payment.provider_id, by=world.users[Role.FINANCE_OFFICER])
    export_batch(batch, by=world.users[Role.FINANCE_OFFICER])
    return batch


@dataclass
class Stages:
    outcome_return: OutcomeReturn
    other_return: OutcomeReturn
    recommendation: Recommendation  # awaiting a decision
    other_recommendation: Recommendation
    batch: PaymentBatch


def every_stage(world: World) -> Stages:
    other_recommendation = submitted_reduction(world, world.other_person)
    return Stages(
        outcome_return=submitted_return(world, world.person),
        other_return=submitted_return(world, world.other_person),
        recommendation=submitted_reduction(world, world.person),
        other_recommendation=other_recommendation,
        batch=exported_batch(world, other_recommendation),
    )
