"""The email a payment's second approval sends, worded here. Called inside the change's own
transaction (see notifications.email)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.models import User
from portal.common.roles import Role
from portal.notifications.email import portal_link, queue_email, users_with_role

if TYPE_CHECKING:
    from portal.payments.models import Payment


def payment_needs_second_approval(payment: Payment, *, first_approver: User) -> None:
    officers = users_with_role(Role.CARE_MANAGER) + users_with_role(Role.COMMISSIONER)
    queue_email(
        [officer for officer in officers if officer.id != first_approver.id],
        "payment_second_approval",
        payment=payment,
        link=portal_link("payments.second_approvals"),
    )
