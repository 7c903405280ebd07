"""What an approved reduction tells payments, and what it earns.

Payments are told, they do not ask: approving a reduction hands payments a ``ReductionClaim``
holding everything a payment needs, so nothing in payments reads the recommendation that
earned it. The review page's preview and the payment approval creates are both worked out
by ``payment_for``, so the care manager sees exactly what approving will pay."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.payments.models import PaymentRule
from portal.payments.queries import rule_in_force
from portal.payments.rules import LineReduction, PaymentCalculation, calculate_reduction_payment


@dataclass(frozen=True)
class ReductionClaim:
    """An approved reduction, as payments are told of it."""

    # One payment per recommendation: the payment's reference is made from its id.
    recommendation_id: int
    recommendation_reference: str  # as the payment list and remittance print it
    provider_id: int
    service_user_id: int
    lines: tuple[LineReduction, ...]
    approved_on: dt.date  # the council's date of the decision: the rule in force on it applies
    approved_at: dt.datetime
    approved_by_id: int  # who may not also give the second approval


@dataclass(frozen=True)
class ReductionPayment:
    """What a claim earns under the rule in force on the day it was approved."""

    rule: PaymentRule
    calculation: PaymentCalculation
    needs_second_approval: bool


def needs_second_approval(amount_pence: int, rule: PaymentRule) -> bool:
    threshold = rule.second_approval_threshold_pence
    return threshold is not None and amount_pence > threshold


def payment_for(claim: ReductionClaim) -> ReductionPayment | None:
    """The payment a claim earns, or None when no rule is in force on its approval date."""
    rule = rule_in_force(claim.approved_on)
    if rule is None:
        return None
    calculation = calculate_reduction_payment(
        list(claim.lines),
        weeks=rule.weeks,
        minimum_pence=rule.minimum_pence,
        cap_pence=rule.cap_pence,
    )
    return ReductionPayment(
        rule=rule,
        calculation=calculation,
        needs_second_approval=needs_second_approval(calculation.amount_pence, rule),
    )
