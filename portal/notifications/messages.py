"""Who is emailed about what: the same events the "What needs you" list counts, told to
the people they now wait on. Each function is called inside the change's own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.models import User
from portal.common.roles import Role
from portal.notifications.email import portal_link, queue_email, users_with_role

if TYPE_CHECKING:
    from portal.outcomes.models import OutcomeReturn
    from portal.payments.models import Payment
    from portal.recommendations.models import Recommendation


def _care_managers_for(recommendation: Recommendation) -> list[User]:
    """The care manager who took the item, or, until one has, every care manager."""
    if recommendation.assigned_to is not None:
        return [recommendation.assigned_to]
    return users_with_role(Role.CARE_MANAGER)


def recommendation_to_review(recommendation: Recommendation, *, answered: bool) -> None:
    queue_email(
        _care_managers_for(recommendation),
        "recommendation_to_review",
        recommendation=recommendation,
        answered=answered,
        link=portal_link("recommendations.review", recommendation_id=recommendation.id),
    )


def recommendation_question(recommendation: Recommendation) -> None:
    queue_email(
        users_with_role(Role.PROVIDER_MANAGER, provider_id=recommendation.provider_id),
        "recommendation_question",
        recommendation=recommendation,
        link=portal_link("recommendations.view", recommendation_id=recommendation.id),
    )


def recommendation_decided(recommendation: Recommendation) -> None:
    queue_email(
        users_with_role(Role.PROVIDER_MANAGER, provider_id=recommendation.provider_id),
        "recommendation_decided",
        recommendation=recommendation,
        link=portal_link("recommendations.view", recommendation_id=recommendation.id),
    )


def payment_needs_second_approval(payment: Payment, *, first_approver: User) -> None:
    officers = users_with_role(Role.CARE_MANAGER) + users_with_role(Role.COMMISSIONER)
    queue_email(
        [officer for officer in officers if officer.id != first_approver.id],
        "payment_second_approval",
        payment=payment,
        link=portal_link("payments.second_approvals"),
    )


def return_for_correction(outcome_return: OutcomeReturn) -> None:
    queue_email(
        users_with_role(Role.PROVIDER_MANAGER, provider_id=outcome_return.provider_id),
        "return_for_correction",
        outcome_return=outcome_return,
        link=portal_link(
            "outcomes.edit_return",
            service_user_id=outcome_return.service_user_id,
            period_id=outcome_return.period_id,
        ),
    )
