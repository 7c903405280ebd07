"""The email an outcome return's review sends, worded here. Called inside the change's own
transaction (see notifications.email)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.common.roles import Role
from portal.notifications.email import portal_link, queue_email, users_with_role

if TYPE_CHECKING:
    from portal.outcomes.models import OutcomeReturn


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
