"""What needs the signed-in person's attention, worked out from the records themselves, so
the list is never out of date: a handful of counting queries, one for each kind of item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.common.dates import format_date, today
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentStatus
from portal.recommendations.models import Recommendation, RecommendationStatus

RECENT_DAYS = 30


@dataclass(frozen=True)
class Notice:
    text: str
    href: str
    count: int


def _count(statement: object) -> int:
    return int(db.session.scalar(statement) or 0)  # type: ignore[call-overload]


def notices_for(user: User) -> list[Notice]:
    notices: list[Notice] = []
    if user.has_role(Role.PROVIDER_MANAGER) and user.provider_id is not None:
        notices += _provider_notices(user.provider_id)
    if user.has_role(Role.CARE_MANAGER):
        notices += _care_manager_notices(user)
    if user.has_any_role({Role.CARE_MANAGER, Role.COMMISSIONER}):
        waiting = _count(
            select(func.count(Payment.id))
            .join(Recommendation, Recommendation.id == Payment.recommendation_id)
            .where(
                Payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL,
                Recommendation.decided_by_id != user.id,
            )
        )
        notices.append(
            Notice(
                f"{waiting} payment{'' if waiting == 1 else 's'} waiting for your second approval",
                url_for("payments.second_approvals"),
                waiting,
            )
        )
    if user.has_role(Role.FINANCE_OFFICER):
        ready = _count(
            select(func.count(Payment.id)).where(
                Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None)
            )
        )
        open_batches = _count(
            select(func.count(PaymentBatch.id)).where(PaymentBatch.status == BatchStatus.OPEN)
        )
        notices.append(
            Notice(
                f"{ready} payment{'' if ready == 1 else 's'} ready to put in a batch",
                url_for("payments.payment_list"),
                ready,
            )
        )
        notices.append(
            Notice(
                f"{open_batches} batch{'' if open_batches == 1 else 'es'} not yet exported",
                url_for("payments.batch_list"),
                open_batches,
            )
        )
        unpaid = _count(
            select(func.count(PaymentBatch.id)).where(PaymentBatch.status == BatchStatus.EXPORTED)
        )
        notices.append(
            Notice(
                f"{unpaid} exported batch{'' if unpaid == 1 else 'es'} not yet marked paid",
                url_for("payments.batch_list"),
                unpaid,
            )
        )
    return notices


def capacity_notice(provider_id: int) -> Notice:
    """This month's capacity return, once its window has opened and until it is sent."""
    from portal.capacity.operations import find_return, window_for

    month = today().replace(day=1)
    window = window_for(month)
    due = today() >= window.opens and find_return(provider_id, month) is None
    when = (
        f"overdue since {format_date(window.closes)}"
        if today() > window.closes
        else f"due by {format_date(window.closes)}"
    )
    return Notice(
        f"Capacity return for {month:%B %Y}, {when}" if due else "No capacity return to send",
        url_for("capacity.overview"),
        1 if due else 0,
    )


def _provider_notices(provider_id: int) -> list[Notice]:
    questions = _count(
        select(func.count(Recommendation.id)).where(
            Recommendation.provider_id == provider_id,
            Recommendation.status == RecommendationStatus.MORE_INFORMATION,
        )
    )
    returned = _count(
        select(func.count(OutcomeReturn.id)).where(
            OutcomeReturn.provider_id == provider_id,
            OutcomeReturn.status == ReturnStatus.RETURNED,
        )
    )
    since = dt.datetime.combine(
        today() - dt.timedelta(days=RECENT_DAYS), dt.time.min, tzinfo=dt.UTC
    )
    decided = _count(
        select(func.count(Recommendation.id)).where(
            Recommendation.provider_id == provider_id,
            Recommendation.decided_at >= since,
        )
    )
    return [
        capacity_notice(provider_id),
        Notice(
            f"{questions} recommendation{'' if questions == 1 else 's'} where the council needs more information from you",
            url_for("recommendations.provider_list"),
            questions,
        ),
        Notice(
            f"{returned} outcome return{'' if returned == 1 else 's'} returned to you for correction",
            url_for("periods.period_list"),
            returned,
        ),
        Notice(
            f"{decided} recommendation{'' if decided == 1 else 's'} decided in the last {RECENT_DAYS} days",
            url_for("recommendations.provider_list"),
            decided,
        ),
    ]


def _care_manager_notices(user: User) -> list[Notice]:
    waiting = _count(
        select(func.count(Recommendation.id)).where(
            Recommendation.status == RecommendationStatus.SUBMITTED
        )
    )
    overdue = _count(
        select(func.count(Recommendation.id)).where(
            Recommendation.status == RecommendationStatus.SUBMITTED,
            Recommendation.decision_due_date < today(),
        )
    )
    mine = _count(
        select(func.count(Recommendation.id)).where(
            Recommendation.status == RecommendationStatus.SUBMITTED,
            Recommendation.assigned_to_id == user.id,
        )
    )
    return [
        Notice(
            f"{waiting} recommendation{'' if waiting == 1 else 's'} awaiting a decision, {overdue} overdue",
            url_for("recommendations.queue"),
            waiting,
        ),
        Notice(
            f"{mine} assigned to you",
            url_for("recommendations.queue", assigned="me"),
            mine,
        ),
    ]
