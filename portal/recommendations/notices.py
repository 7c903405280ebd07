"""The emails a recommendation's steps send, worded here: who now waits on it, and where
to find it. Each is called inside the change's own transaction (see notifications.email)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.models import User
from portal.common.roles import Role
from portal.notifications.email import portal_link, queue_email, users_with_role

if TYPE_CHECKING:
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
