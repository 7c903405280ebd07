"""What an approved reduction tells payments. Recommendations build the claim and hand it
over; payments work out the money from it alone, for the payment approval creates and for
the review page's preview of it alike."""

from __future__ import annotations

import datetime as dt

from portal.accounts.models import User
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.payments.claims import ReductionClaim, ReductionPayment, payment_for
from portal.payments.rules import LineReduction
from portal.recommendations.models import ChangeKind, Recommendation


def reduction_claim(
    recommendation: Recommendation,
    *,
    approved_by: User,
    approved_on: dt.date,
    approved_at: dt.datetime,
) -> ReductionClaim:
    """The claim a reduction approved by ``approved_by`` makes: each line's weekly minutes
    before and after, at the line's rate, and what the payment list and remittance show."""
    if recommendation.kind != ChangeKind.REDUCE:
        raise DomainError("Only a reduction earns a one-off payment")
    return ReductionClaim(
        recommendation_id=recommendation.id,
        recommendation_reference=recommendation.reference,
        provider_id=recommendation.provider_id,
        service_user_id=recommendation.service_user_id,
        lines=tuple(
            LineReduction(
                minutes_before=line.current_weekly_minutes,
                minutes_after=line.weekly_minutes,
                hourly_rate_pence=line.hourly_rate_pence,
            )
            for line in recommendation.lines
        ),
        approved_on=approved_on,
        approved_at=approved_at,
        approved_by_id=approved_by.id,
    )


def payment_preview(
    recommendation: Recommendation, *, by: User, on: dt.date
) -> ReductionPayment | None:
    """What ``by`` approving the recommendation on ``on`` would pay, worked out as the
    approval will work it out; None for a change that earns nothing, or when no payment rule
    is in force."""
    if recommendation.kind != ChangeKind.REDUCE:
        return None
    return payment_for(
        reduction_claim(recommendation, approved_by=by, approved_on=on, approved_at=utcnow())
    )
