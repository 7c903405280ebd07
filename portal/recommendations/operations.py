"""Trusted assessor recommendations: drafted and submitted by a provider, decided by a
council care manager. Approval changes the package lines and, for a reduction, creates the
provider's one-off payment, all in the one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.accounts.models import User
from portal.audit.operations import record, snapshot
from portal.common import stored_figures
from portal.common.dates import (
    add_working_days,
    format_date,
    london_date,
    london_days_between,
    today,
    working_days_between,
)
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes import owed
from portal.payments.models import Payment
from portal.payments.operations import create_reduction_payment
from portal.providers.enums import ProviderStatus
from portal.providers.models import PackageLine, Provider, ServiceUser, weekly_minutes
from portal.providers.queries import current_lines
from portal.recommendations import checkpoints, notices
from portal.recommendations.claims import reduction_claim
from portal.recommendations.models import (
    ChangeKind,
    MessageKind,
    ProposedLine,
    ReasonCategory,
    Recommendation,
    RecommendationMessage,
    RecommendationStatus,
)
from portal.recommendations.queries import open_recommendation

_FIELDS = (
    "kind",
    "status",
    "reason_category",
    "assigned_to_id",
    "reason",
    "evidence",
    "person_consulted_and_agrees",
    "family_consulted",
    "risk_assessed",
    "proposed_start_date",
    "submitted_at",
    "decision_due_date",
    "decided_at",
    "decided_by_id",
    "decision_reason",
    "agreed_start_date",
)


@dataclass(frozen=True)
class LineProposal:
    """A current line as it should become (``calls_per_day`` 0 ends it), or with
    ``replaces_line_id`` None, a new line."""

    replaces_line_id: int | None
    calls_per_day: int
    minutes_per_call: int
    carers_per_call: int
    days_of_week: int

    @property
    def weekly_minutes(self) -> int:
        if self.calls_per_day == 0:
            return 0
        return weekly_minutes(
            self.calls_per_day,
            self.minutes_per_call,
            self.carers_per_call,
            self.days_of_week.bit_count(),
        )


@dataclass(frozen=True)
class RecommendationData:
    kind: ChangeKind
    lines: list[LineProposal]
    reason_category: ReasonCategory
    reason: str
    evidence: str
    person_consulted_and_agrees: bool
    family_consulted: bool
    risk_assessed: bool
    proposed_start_date: dt.date


def _snapshot(recommendation: Recommendation) -> dict[str, object]:
    data = snapshot(recommendation, _FIELDS)
    data["lines"] = [
        {
            "replaces_line_id": line.replaces_line_id,
            "calls_per_day": line.calls_per_day,
            "minutes_per_call": line.minutes_per_call,
            "carers_per_call": line.carers_per_call,
            "days_of_week": line.days_of_week,
            "hourly_rate_pence": line.hourly_rate_pence,
        }
        for line in recommendation.lines
    ]
    return data


def check_kind_matches_hours(kind: ChangeKind, minutes_before: int, minutes_after: int) -> None:
    if kind == ChangeKind.REDUCE and minutes_after >= minutes_before:
        raise DomainError("A reduction must propose fewer weekly hours than now", field="kind")
    if kind == ChangeKind.INCREASE and minutes_after <= minutes_before:
        raise DomainError("An increase must propose more weekly hours than now", field="kind")
    if kind == ChangeKind.REFRAME and minutes_after != minutes_before:
        raise DomainError(
            "A reframe keeps the same weekly hours: change the shape, not the total", field="kind"
        )


def save_draft(service_user: ServiceUser, data: RecommendationData, *, by: User) -> Recommendation:
    """Create or update the provider's draft recommendation for this person."""
    _may_recommend(service_user.provider)
    if not data.person_consulted_and_agrees:
        raise DomainError(
            "Confirm the person was consulted and agrees", field="person_consulted_and_agrees"
        )
    if not data.risk_assessed:
        raise DomainError("Confirm the risk has been assessed", field="risk_assessed")
    if data.proposed_start_date <= today():
        raise DomainError(
            "The proposed start date must be in the future", field="proposed_start_date"
        )

    lines = {line.id: line for line in current_lines(service_user.id, on=today())}
    replaced = [p.replaces_line_id for p in data.lines if p.replaces_line_id is not None]
    if not lines or sorted(replaced) != sorted(lines):
        raise DomainError("The package has changed since you opened the form: start again")
    if any(p.replaces_line_id is None and p.calls_per_day < 1 for p in data.lines):
        raise DomainError("A new line needs at least 1 call a day")
    rate = package_rate_pence(list(lines.values()))
    check_kind_matches_hours(
        data.kind,
        sum(line.weekly_minutes for line in lines.values()),
        sum(p.weekly_minutes for p in data.lines),
    )

    recommendation = open_recommendation(service_user.id, provider_id=service_user.provider_id)
    if recommendation is not None and recommendation.status != RecommendationStatus.DRAFT:
        raise DomainError("A recommendation for this person is already awaiting a decision")
    if recommendation is None:
        recommendation = Recommendation(
            service_user_id=service_user.id,
            provider_id=service_user.provider_id,
            status=RecommendationStatus.DRAFT,
            created_by_id=by.id,
        )
        db.session.add(recommendation)
        before = None
        action = "recommendation.created"
    else:
        before = _snapshot(recommendation)
        action = "recommendation.updated"
    recommendation.kind = data.kind
    recommendation.reason_category = data.reason_category
    recommendation.reason = data.reason.strip()
    recommendation.evidence = data.evidence.strip()
    recommendation.person_consulted_and_agrees = data.person_consulted_and_agrees
    recommendation.family_consulted = data.family_consulted
    recommendation.risk_assessed = data.risk_assessed
    recommendation.proposed_start_date = data.proposed_start_date
    recommendation.lines = [
        ProposedLine(
            replaces_line_id=p.replaces_line_id,
            calls_per_day=p.calls_per_day,
            minutes_per_call=p.minutes_per_call,
            carers_per_call=p.carers_per_call,
            days_of_week=p.days_of_week,
            hourly_rate_pence=rate
            if p.replaces_line_id is None
            else lines[p.replaces_line_id].hourly_rate_pence,
        )
        for p in data.lines
    ]
    db.session.flush()
    record(action, recommendation, by=by, before=before, after=_snapshot(recommendation))
    return recommendation


def package_rate_pence(lines: list[PackageLine]) -> int:
    """The hourly rate a new line is costed at: the rate of the latest current line."""
    latest = max(lines, key=lambda line: (line.start_date, line.id))
    return latest.hourly_rate_pence


def _may_recommend(provider: Provider) -> None:
    """Only an active trusted assessor makes new recommendations: a suspended or exited
    provider may neither draft one nor send a draft it had."""
    if provider.may_recommend:
        return
    if not provider.trusted_assessor:
        raise DomainError(f"{provider.name} is not a trusted assessor")
    if provider.status == ProviderStatus.SUSPENDED:
        raise DomainError(f"{provider.name} is suspended, so it cannot make new recommendations")
    raise DomainError(
        f"{provider.name} has left the register, so it cannot make new recommendations"
    )


def submit(recommendation: Recommendation, *, by: User) -> None:
    if recommendation.status != RecommendationStatus.DRAFT:
        raise DomainError("This recommendation has already been submitted")
    _may_recommend(recommendation.provider)
    before = _snapshot(recommendation)
    recommendation.status = RecommendationStatus.SUBMITTED
    recommendation.submitted_at = utcnow()
    recommendation.decision_due_date = add_working_days(
        today(), get_settings().decision_target_working_days
    )
    record(
        "recommendation.submitted",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation),
    )
    notices.recommendation_to_review(recommendation, answered=False)


def _lock_for_decision(recommendation: Recommendation) -> None:
    """Take the row lock and re-read the recommendation, so two care managers deciding at
    once are served one after the other: the second finds it decided and is told by whom."""
    lock(recommendation)
    if recommendation.status == RecommendationStatus.SUBMITTED:
        return
    if recommendation.decided_by is not None and recommendation.decided_at is not None:
        raise DomainError(
            f"{recommendation.decided_by.name} {recommendation.status.label.lower()} this "
            f"recommendation on {format_date(recommendation.decided_at)}"
        )
    raise DomainError(
        {
            RecommendationStatus.MORE_INFORMATION: "The provider has been asked for more "
            "information: the recommendation comes back to the queue when they answer",
            RecommendationStatus.WITHDRAWN: "The provider has withdrawn this recommendation",
        }.get(recommendation.status, "This recommendation is not awaiting a decision")
    )


def approve(recommendation: Recommendation, *, by: User, start_date: dt.date) -> Payment | None:
    """Approve, change the package lines from ``start_date`` and, for a reduction, create
    the provider's one-off payment: returned, so the care manager can be told of it."""
    _lock_for_decision(recommendation)
    if start_date <= today():
        raise DomainError("The agreed start date must be in the future", field="start_date")
    before = _snapshot(recommendation)
    decided_at = _decide(recommendation, RecommendationStatus.APPROVED, by=by)
    recommendation.agreed_start_date = start_date
    _change_package(recommendation, start_date=start_date, by=by)
    record(
        "recommendation.approved",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation),
    )
    payment = None
    if recommendation.kind == ChangeKind.REDUCE:
        # The rule in force on the day of the decision, whatever the start date.
        claim = reduction_claim(
            recommendation, approved_by=by, approved_on=today(), approved_at=decided_at
        )
        payment = create_reduction_payment(claim, by=by)
    notices.recommendation_decided(recommendation)
    return payment


def _decide(
    recommendation: Recommendation, status: RecommendationStatus, *, by: User
) -> dt.datetime:
    """Record the decision and when it was made; the London calendar days it took from
    sending are kept with it, as the commissioners' summary adds them up over a year."""
    decided_at = utcnow()
    recommendation.status = status
    recommendation.decided_at = decided_at
    recommendation.decided_by_id = by.id
    if recommendation.submitted_at is not None:
        recommendation.decision_days = london_days_between(recommendation.submitted_at, decided_at)
    return decided_at


def reject(recommendation: Recommendation, *, by: User, reason: str) -> None:
    if not reason.strip():
        raise DomainError("Enter why you are rejecting the recommendation", field="reason")
    _lock_for_decision(recommendation)
    before = _snapshot(recommendation)
    _decide(recommendation, RecommendationStatus.REJECTED, by=by)
    recommendation.decision_reason = reason.strip()
    record(
        "recommendation.rejected",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation),
    )
    notices.recommendation_decided(recommendation)


def _change_package(recommendation: Recommendation, *, start_date: dt.date, by: User) -> None:
    """End each changed line the day before ``start_date`` and start its successor; start
    each new line. Lines proposed as they are stay as they are."""
    last_old_day = start_date - dt.timedelta(days=1)
    for proposal in recommendation.lines:
        old = proposal.replaces
        if old is None:
            _start_line(recommendation, proposal, start_date=start_date, by=by)
            continue
        if old.end_date is not None and old.end_date < start_date:
            raise DomainError(
                "The package has changed since this recommendation was made: reject it and "
                "ask the provider for a new one"
            )
        if old.start_date > last_old_day:
            raise DomainError(
                f"The agreed start date must be after {format_date(old.start_date)}, "
                "when the current line began",
                field="start_date",
            )
        if proposal.unchanged:
            continue
        before = snapshot(old, ("end_date",))
        old.end_date = last_old_day
        record("package_line.ended", old, by=by, before=before, after=snapshot(old, ("end_date",)))
        if not proposal.ends_line:
            _start_line(recommendation, proposal, start_date=start_date, by=by)
    owed.lines_changed([recommendation.service_user_id])
    # The dashboard's kept figures from the month the package changed.
    stored_figures.forget(stored_figures.PACKAGES, since=min(start_date, last_old_day))
    # This reduction's own row, and any earlier reduction of theirs that an increase moves.
    checkpoints.lines_changed([recommendation.service_user_id])


def _start_line(
    recommendation: Recommendation, proposal: ProposedLine, *, start_date: dt.date, by: User
) -> None:
    replaced = proposal.replaces
    new = PackageLine(
        service_user_id=recommendation.service_user_id,
        provider_id=recommendation.provider_id,
        calls_per_day=proposal.calls_per_day,
        minutes_per_call=proposal.minutes_per_call,
        carers_per_call=proposal.carers_per_call,
        days_of_week=proposal.days_of_week,
        hourly_rate_pence=proposal.hourly_rate_pence,
        start_date=start_date,
        recommendation_id=recommendation.id,
    )
    if replaced is not None:
        # A successor is the same line of care, changed: the case system knows it by the
        # same id, and it is bought under the same category.
        new.case_system_line_id = replaced.case_system_line_id
        new.care_category = replaced.care_category
    db.session.add(new)
    record("package_line.started", new, by=by)


def request_information(recommendation: Recommendation, *, by: User, question: str) -> None:
    """Ask the provider for more: the item leaves the queue until they answer."""
    if not question.strip():
        raise DomainError("Enter what you need to know", field="question")
    _lock_for_decision(recommendation)
    before = _snapshot(recommendation)
    recommendation.status = RecommendationStatus.MORE_INFORMATION
    _add_message(recommendation, MessageKind.QUESTION, question, by=by)
    record(
        "recommendation.information_requested",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation) | {"question": question.strip()},
    )
    notices.recommendation_question(recommendation)


def answer_information_request(recommendation: Recommendation, *, by: User, answer: str) -> None:
    """The provider answers; the recommendation goes back into the care managers' queue."""
    if not answer.strip():
        raise DomainError("Enter your answer", field="answer")
    lock(recommendation)
    if recommendation.status != RecommendationStatus.MORE_INFORMATION:
        raise DomainError("The council is not waiting for an answer on this recommendation")
    before = _snapshot(recommendation)
    recommendation.status = RecommendationStatus.SUBMITTED
    # The clock stops while the council waits on the provider: the working days the
    # question was open are added to the decision's due date.
    asked = max(m.created_at for m in recommendation.messages if m.kind == MessageKind.QUESTION)
    waited = working_days_between(london_date(asked), today())
    if recommendation.decision_due_date is not None and waited:
        recommendation.decision_due_date = add_working_days(
            recommendation.decision_due_date, waited
        )
    _add_message(recommendation, MessageKind.ANSWER, answer, by=by)
    record(
        "recommendation.information_given",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation) | {"answer": answer.strip()},
    )
    notices.recommendation_to_review(recommendation, answered=True)


def withdraw(recommendation: Recommendation, *, by: User) -> None:
    """The provider takes back a recommendation before it is decided."""
    lock(recommendation)
    if recommendation.status == RecommendationStatus.DRAFT:
        raise DomainError("This recommendation has not been sent, so there is nothing to withdraw")
    if not recommendation.status.is_open:
        raise DomainError(
            f"This recommendation has been {recommendation.status.label.lower()} and can no "
            "longer be withdrawn"
        )
    before = _snapshot(recommendation)
    recommendation.status = RecommendationStatus.WITHDRAWN
    record(
        "recommendation.withdrawn",
        recommendation,
        by=by,
        before=before,
        after=_snapshot(recommendation),
    )


def _add_message(recommendation: Recommendation, kind: MessageKind, text: str, *, by: User) -> None:
    db.session.add(
        RecommendationMessage(
            recommendation_id=recommendation.id, kind=kind, text=text.strip(), author_id=by.id
        )
    )
    db.session.flush()
    db.session.expire(recommendation, ["messages"])


def assign(recommendation: Recommendation, *, to: User, by: User) -> None:
    """A care manager takes an item from the queue, so others can see it is in hand."""
    if recommendation.status not in (
        RecommendationStatus.SUBMITTED,
        RecommendationStatus.MORE_INFORMATION,
    ):
        raise DomainError("Only a recommendation awaiting a decision can be assigned")
    before = snapshot(recommendation, ("assigned_to_id",))
    recommendation.assigned_to_id = to.id
    record(
        "recommendation.assigned",
        recommendation,
        by=by,
        before=before,
        after=snapshot(recommendation, ("assigned_to_id",)),
    )
