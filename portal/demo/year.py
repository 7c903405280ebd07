"""The demo council's year, lived through the portal's own operations as at the days they
happened (``clock_at``): accounts by invitation, four quarters of outcome returns handed in,
late, missed, sent back and accepted, a year of recommendations from both trusted assessors
in every state, and one-off payments in every state. So every page has a history to show,
and the history is one the portal itself could have written."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.administration import Invitee, invite
from portal.accounts.links import set_password_by_link
from portal.accounts.models import User
from portal.common.dates import LONDON, quarter_bounds, today
from portal.common.errors import DomainError
from portal.common.models import clock_at
from portal.common.roles import Role
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes import operations as outcomes
from portal.outcomes.measures import MEASURES, MeasureResult
from portal.outcomes.models import OutcomeReturn, OwedReturn, ReportingPeriod
from portal.outcomes.rules import AnswerData
from portal.outcomes.submission import submit_returns
from portal.payments import operations as payments
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.models import Provider, ServiceUser
from portal.providers.queries import current_lines
from portal.recommendations import operations as recommendations
from portal.recommendations.models import ChangeKind, ReasonCategory, Recommendation
from portal.recommendations.operations import LineProposal, RecommendationData

EVIDENCE = (
    "Confirmed at the quarterly care review.",
    "Reported by the person and their daughter during calls.",
    "Care notes show this every day this quarter.",
    "Observed by the care coordinator on a spot check.",
)


@contextmanager
def on(day: dt.date, hour: int = 10, minute: int = 0) -> Iterator[None]:
    """The operations inside run as at ``day``, at the council's ``hour``."""
    with clock_at(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)):
        yield


def year_start() -> dt.date:
    """The first day of the quarter four quarters before this one."""
    start = quarter_bounds(today())[0]
    for _ in range(4):
        start = quarter_bounds(start - dt.timedelta(days=1))[0]
    return start


def invited_account(
    email: str,
    name: str,
    roles: set[Role],
    *,
    password: str | None,
    by: User | None,
    provider_id: int | None = None,
) -> User:
    """An account made as a real one is: invited, then (``password`` given) the person
    follows the link and sets it."""
    user, token = invite(
        Invitee(email=email, name=name, roles=frozenset(roles), provider_id=provider_id), by=by
    )
    if password is not None:
        set_password_by_link(token, password)
    return user


# Outcome returns ---------------------------------------------------------------------


def _answers(rng: random.Random) -> list[AnswerData]:
    answers = []
    for measure in MEASURES:
        result = rng.choices(list(MeasureResult), weights=[60, 20, 12, 8])[0]
        not_applicable = result == MeasureResult.NOT_APPLICABLE
        answers.append(
            AnswerData(
                measure=measure.code,
                result=result,
                evidence="" if not_applicable else rng.choice(EVIDENCE),
                not_applicable_reason="Family provide this support." if not_applicable else "",
                evidence_sources=(rng.choice(measure.sources).value,),
            )
        )
    return answers


@dataclass(frozen=True)
class Quarter:
    period: ReportingPeriod
    past: bool  # ended before today


def open_quarters(commissioner: User) -> list[Quarter]:
    """The four quarters before this one and this one, each opened on its first day."""
    due_days = get_settings().outcome_return_due_days
    quarters = []
    start = year_start()
    while start <= today():
        end = quarter_bounds(start)[1]
        with on(start, 8):
            period = outcomes.open_period(
                start_date=start, due_date=end + dt.timedelta(days=due_days), by=commissioner
            )
        quarters.append(Quarter(period, past=end < today()))
        start = end + dt.timedelta(days=1)
    return quarters


def hand_in_returns(
    rng: random.Random,
    quarter: Quarter,
    managers: dict[int, User],
    care_manager: User,
) -> None:
    """Each strategic provider's returns for the quarter: most on time, a slow provider's
    late, a few people's never; the care manager accepts them, sending a few back, which the
    provider corrects. In the latest quarter some sent back are still with the provider, and
    the late providers' returns still wait for the council to accept them (the commissioner's
    Outcome returns to accept)."""
    period = quarter.period
    owed = db.session.execute(
        select(OwedReturn.provider_id, ServiceUser)
        .join(ServiceUser, ServiceUser.id == OwedReturn.service_user_id)
        .where(OwedReturn.period_id == period.id)
        .order_by(OwedReturn.provider_id, ServiceUser.id)
    ).all()
    by_provider: dict[int, list[ServiceUser]] = {}
    for provider_id, person in owed:
        by_provider.setdefault(provider_id, []).append(person)
    # Last quarter's: some returns sent back are still with the provider.
    latest_past = (
        quarter.past and period.end_date + dt.timedelta(days=1) == quarter_bounds(today())[0]
    )
    # One provider in five hands in late: the fifth, tenth... as the demo added them (not by
    # database id, which a database that has held other records numbers differently).
    added = {provider_id: n for n, provider_id in enumerate(managers, start=1)}
    for provider_id, people in by_provider.items():
        manager = managers.get(provider_id)
        if manager is None:
            continue
        slow = added[provider_id] % 5 == 0
        if quarter.past:
            handed = (
                period.due_date + dt.timedelta(days=rng.randint(3, 20))
                if slow
                else (period.end_date + dt.timedelta(days=rng.randint(2, 12)))
            )
        else:  # this quarter: a few drafts started, nothing handed in yet
            handed = today()
        if handed > today():
            handed = today()
        chosen = [person for person in people if rng.random() < (0.97 if quarter.past else 0.1)]
        if not chosen:
            continue
        with on(handed, 11):
            drafts = outcomes.create_drafts(
                period, [(person, _answers(rng)) for person in chosen], by=manager
            )
            if quarter.past:
                submit_returns(list(drafts), by=manager, source="upload", made_now=drafts)
        if not quarter.past:
            continue
        if latest_past and slow:
            continue  # handed in late: still waiting for the council to accept them
        returned = []
        with on(handed + dt.timedelta(days=rng.randint(2, 6)), 14):
            for return_id in drafts:
                outcome_return = db.session.get(OutcomeReturn, return_id)
                assert outcome_return is not None
                if rng.random() < 0.05:
                    outcomes.return_for_correction(
                        outcome_return,
                        by=care_manager,
                        reason="Measure 2.1's evidence describes last quarter: please update it.",
                    )
                    returned.append(outcome_return)
                else:
                    outcomes.accept_return(outcome_return, by=care_manager)
        if latest_past:
            continue  # the corrections are still with the provider
        corrected = handed + dt.timedelta(days=10)
        with on(corrected, 11):
            for outcome_return in returned:
                outcomes.save_answers(
                    period=period,
                    service_user=outcome_return.service_user,
                    answers=_answers(rng),
                    by=manager,
                )
                outcomes.submit_return(outcome_return, by=manager)
        with on(corrected + dt.timedelta(days=2), 9):
            for outcome_return in returned:
                outcomes.accept_return(outcome_return, by=care_manager)


# Recommendations and payments --------------------------------------------------------------


@dataclass
class Assessor:
    provider: Provider
    manager: User
    people: list[ServiceUser]


def candidate_people(provider: Provider) -> list[ServiceUser]:
    """The provider's people whose first line a reduction, an increase or a reframe fits."""
    people = db.session.scalars(
        select(ServiceUser).where(ServiceUser.provider_id == provider.id).order_by(ServiceUser.id)
    ).all()
    fitting = []
    for person in people:
        lines = current_lines(person.id, on=today())
        if lines and lines[0].calls_per_day in (2, 4) and lines[0].minutes_per_call <= 60:
            fitting.append(person)
    return fitting


REASONS = {
    ChangeKind.REDUCE: [
        (ReasonCategory.SKILLS_REGAINED, "Has regained the confidence to wash and dress alone."),
        (ReasonCategory.REABLEMENT, "Reablement is complete: lunch is made without us."),
        (ReasonCategory.ASSISTIVE_TECHNOLOGY, "A kettle tipper and falls sensor are fitted."),
        (ReasonCategory.SKILLS_REGAINED, "Her daughter now visits every evening at bedtime."),
    ],
    ChangeKind.INCREASE: [
        (ReasonCategory.NEEDS_INCREASED, "Mobility has declined since a fall."),
    ],
    ChangeKind.REFRAME: [
        (ReasonCategory.OTHER, "Prefers fewer, longer visits."),
    ],
}


def _recommend(
    rng: random.Random, assessor: Assessor, kind: ChangeKind, *, submit: bool = True
) -> Recommendation | None:
    """The assessor's next person's recommendation of ``kind``, as at the clock's today."""
    for _ in range(len(assessor.people)):
        person = assessor.people.pop(0)
        assessor.people.append(person)  # a person may be recommended for again later
        lines = current_lines(person.id, on=today())
        if not lines or lines[0].calls_per_day not in (2, 4):
            continue
        first = lines[0]
        calls, minutes = first.calls_per_day, first.minutes_per_call
        if kind == ChangeKind.REDUCE:
            calls -= 1
        elif kind == ChangeKind.INCREASE:
            calls += 1
        else:  # the same hours as half the calls, each twice as long
            calls, minutes = calls // 2, minutes * 2
        proposals = [
            LineProposal(
                line.id,
                line.calls_per_day,
                line.minutes_per_call,
                line.carers_per_call,
                line.days_of_week,
            )
            for line in lines
        ]
        proposals[0] = LineProposal(
            first.id, calls, minutes, first.carers_per_call, first.days_of_week
        )
        reason, why = rng.choice(REASONS[kind])
        try:
            recommendation = recommendations.save_draft(
                person,
                RecommendationData(
                    kind=kind,
                    lines=proposals,
                    reason_category=reason,
                    reason=why,
                    evidence="Seen by the care coordinator on three visits; notes on file.",
                    person_consulted_and_agrees=True,
                    family_consulted=True,
                    risk_assessed=True,
                    proposed_start_date=today() + dt.timedelta(days=14),
                ),
                by=assessor.manager,
            )
        except DomainError:
            continue  # e.g. someone with a recommendation already open
        if submit:
            recommendations.submit(recommendation, by=assessor.manager)
        return recommendation
    return None


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def recommend_through_the_year(
    rng: random.Random, assessors: list[Assessor], care_manager: User, finance: User
) -> None:
    """Each month, a recommendation from each trusted assessor on the 3rd and the 17th,
    decided within days; on the 5th of the next month finance batches what is ready,
    exports it, and marks it paid on the 12th. The last weeks leave work in every state."""
    target = get_settings().decision_target_working_days
    for month in _months(year_start(), today() - dt.timedelta(days=75)):
        for submitted in (month + dt.timedelta(days=2), month + dt.timedelta(days=16)):
            for assessor in assessors:
                _decide(rng, assessor, submitted, care_manager)
        fifth = (month + dt.timedelta(days=32)).replace(day=5)
        with on(fifth, 9):
            try:
                batch = payments.create_batch(provider_id=None, by=finance)
            except DomainError:
                continue  # nothing ready this month
            payments.export_batch(batch, by=finance)
        paid = fifth + dt.timedelta(days=7)
        with on(paid, 16):
            payments.mark_batch_paid(batch, paid_on=paid, by=finance)
    _leave_work_in_every_state(rng, assessors, care_manager, finance, target)


def _decide(rng: random.Random, assessor: Assessor, submitted: dt.date, care_manager: User) -> None:
    """A recommendation submitted on ``submitted`` and its story, all within 12 days."""
    kind = rng.choice([ChangeKind.REDUCE] * 6 + [ChangeKind.INCREASE, ChangeKind.REFRAME])
    with on(submitted, 10):
        recommendation = _recommend(rng, assessor, kind)
    if recommendation is None:
        return
    decided = submitted + dt.timedelta(days=rng.randint(3, 7))
    outcome = rng.random()
    with on(decided, 15):
        if outcome < 0.7:
            recommendations.approve(
                recommendation, by=care_manager, start_date=decided + dt.timedelta(days=7)
            )
        elif outcome < 0.8:
            recommendations.reject(
                recommendation, by=care_manager, reason="The OT assessment says not yet."
            )
        elif outcome < 0.95:
            recommendations.request_information(
                recommendation, by=care_manager, question="Has the OT visited yet?"
            )
        else:
            recommendations.withdraw(recommendation, by=assessor.manager)
    if outcome < 0.8 or outcome >= 0.95:
        return
    with on(decided + dt.timedelta(days=1), 11):
        recommendations.answer_information_request(
            recommendation, by=assessor.manager, answer="Yes, last Tuesday: the notes are on file."
        )
    with on(decided + dt.timedelta(days=3), 15):
        recommendations.approve(
            recommendation, by=care_manager, start_date=decided + dt.timedelta(days=10)
        )


def _leave_work_in_every_state(
    rng: random.Random,
    assessors: list[Assessor],
    care_manager: User,
    finance: User,
    target: int,
) -> None:
    first, second = assessors[0], assessors[-1]
    recent = today() - dt.timedelta(days=24)
    # Paid last month, then found to be wrong: reversed.
    with on(recent, 10):
        paid = db.session.scalars(
            select(Payment).where(Payment.status == PaymentStatus.PAID).order_by(Payment.id.desc())
        ).first()
        if paid is not None:
            payments.reverse_payment(
                paid,
                reason="The package change was never made: the person went into hospital.",
                by=finance,
            )
    # Approved this month: one cancelled, two batched and exported, two ready.
    approved = []
    for index, assessor in enumerate([first, second, first, second, first]):
        with on(recent + dt.timedelta(days=index), 10):
            recommendation = _recommend(rng, assessor, ChangeKind.REDUCE)
        if recommendation is None:
            continue
        with on(recent + dt.timedelta(days=index + 2), 15):
            recommendations.approve(
                recommendation, by=care_manager, start_date=recent + dt.timedelta(days=index + 9)
            )
        approved.append(recommendation)
    with on(recent + dt.timedelta(days=8), 9):
        ready = db.session.scalars(
            select(Payment)
            .where(Payment.status == PaymentStatus.APPROVED, Payment.kind == PaymentKind.PAYMENT)
            .order_by(Payment.id)
        ).all()
        if ready:
            payments.cancel_payment(
                ready[0],
                reason="Agreed with the provider: the change was a hospital stay.",
                by=finance,
            )
        providers = sorted({payment.provider_id for payment in ready[1:]})
        for index, provider_id in enumerate(providers[:2]):
            batch = payments.create_batch(provider_id=provider_id, by=finance)
            if index == 0:  # exported, not yet paid; the other batch still open
                payments.export_batch(batch, by=finance)
    # Approved since: ready to pay.
    with on(recent + dt.timedelta(days=10), 10):
        ready_to_pay = _recommend(rng, first, ChangeKind.REDUCE)
    if ready_to_pay is not None:
        with on(recent + dt.timedelta(days=12), 15):
            recommendations.approve(
                ready_to_pay, by=care_manager, start_date=recent + dt.timedelta(days=20)
            )
    # Withdrawn by the provider before a decision.
    with on(today() - dt.timedelta(days=6), 10):
        withdrawn = _recommend(rng, second, ChangeKind.REDUCE)
    if withdrawn is not None:
        with on(today() - dt.timedelta(days=5), 12):
            recommendations.withdraw(withdrawn, by=second.manager)
    # Awaiting a decision: two long past the decision target, the rest recent.
    overdue = today() - dt.timedelta(days=target * 2 + 10)
    waiting = (
        (first, overdue),
        (second, overdue),
        (first, today() - dt.timedelta(days=2)),
        (second, today() - dt.timedelta(days=1)),
    )
    for assessor, day in waiting:
        with on(day, 10):
            _recommend(rng, assessor, rng.choice([ChangeKind.REDUCE, ChangeKind.INCREASE]))
    # Waiting on the provider's answer, and a draft not yet sent.
    with on(today() - dt.timedelta(days=3), 10):
        asked = _recommend(rng, second, ChangeKind.REFRAME)
    if asked is not None:
        with on(today() - dt.timedelta(days=2), 14):
            recommendations.request_information(
                asked, by=care_manager, question="Has the person tried the longer morning call?"
            )
    with on(today(), 9):
        _recommend(rng, first, ChangeKind.REDUCE, submit=False)
