"""Payments: created from approved reductions, gathered into batches, exported."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.operations import record, snapshot
from portal.common.dates import format_date, today
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.extensions import db
from portal.notifications import messages
from portal.payments.models import BatchStatus, Payment, PaymentBatch, PaymentRule, PaymentStatus
from portal.payments.queries import rule_in_force
from portal.payments.rules import LineReduction, calculate_reduction_payment
from portal.recommendations.models import ChangeKind, Recommendation


def create_rule(
    *,
    effective_from: dt.date,
    weeks: int = 4,
    minimum_pence: int | None = None,
    cap_pence: int | None = None,
    second_approval_threshold_pence: int | None = None,
    by: User | None,
) -> PaymentRule:
    """A new version of the payment rule. Versions are never changed, and a new one cannot
    start in the past, so every decision keeps the rule it was made under. (The first
    version may be backdated to the contract's start.)"""
    latest = db.session.scalar(select(PaymentRule).order_by(PaymentRule.version.desc()).limit(1))
    if latest is not None and effective_from < today():
        raise DomainError("The new rule must start today or later", field="effective_from")
    if latest is not None and effective_from <= latest.effective_from:
        raise DomainError(
            f"The new rule must start after the current one, which starts on "
            f"{format_date(latest.effective_from)}",
            field="effective_from",
        )
    if not 1 <= weeks <= 52:
        raise DomainError("Weeks of payment must be between 1 and 52", field="weeks")
    if minimum_pence is not None and cap_pence is not None and minimum_pence > cap_pence:
        raise DomainError("The minimum must not be more than the cap", field="minimum")
    rule = PaymentRule(
        version=(latest.version if latest else 0) + 1,
        weeks=weeks,
        minimum_pence=minimum_pence,
        cap_pence=cap_pence,
        second_approval_threshold_pence=second_approval_threshold_pence,
        effective_from=effective_from,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(rule)
    record("payment_rule.created", rule, by=by)
    return rule


def reductions_for(recommendation: Recommendation) -> list[LineReduction]:
    return [
        LineReduction(
            minutes_before=line.current_weekly_minutes,
            minutes_after=line.weekly_minutes,
            hourly_rate_pence=line.hourly_rate_pence,
        )
        for line in recommendation.lines
    ]


def create_reduction_payment(recommendation: Recommendation, *, on: dt.date, by: User) -> Payment:
    """The one-off payment an approved reduction earns, by the rule in force on ``on``."""
    if recommendation.kind != ChangeKind.REDUCE:
        raise DomainError("Only a reduction earns a one-off payment")
    rule = rule_in_force(on)
    if rule is None:
        raise DomainError("No payment rule is in force: ask a commissioner to set one")
    calculation = calculate_reduction_payment(
        reductions_for(recommendation),
        weeks=rule.weeks,
        minimum_pence=rule.minimum_pence,
        cap_pence=rule.cap_pence,
    )
    payment = Payment(
        reference=f"OOP{recommendation.id:07d}",
        provider_id=recommendation.provider_id,
        service_user_id=recommendation.service_user_id,
        recommendation_id=recommendation.id,
        rule_id=rule.id,
        weekly_minutes_removed=calculation.weekly_minutes_removed,
        hourly_rate_pence=calculation.hourly_rate_pence,
        weeks=calculation.weeks,
        amount_pence=calculation.amount_pence,
        status=PaymentStatus.AWAITING_SECOND_APPROVAL
        if needs_second_approval(calculation.amount_pence, rule)
        else PaymentStatus.APPROVED,
    )
    db.session.add(payment)
    record("payment.created", payment, by=by)
    if payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL:
        messages.payment_needs_second_approval(payment, first_approver=by)
    return payment


def needs_second_approval(amount_pence: int, rule: PaymentRule) -> bool:
    threshold = rule.second_approval_threshold_pence
    return threshold is not None and amount_pence > threshold


def give_second_approval(payment: Payment, *, by: User) -> None:
    """A second council officer confirms a payment above the threshold. The care manager who
    approved the recommendation cannot also give the second approval."""
    lock(payment)
    if payment.status != PaymentStatus.AWAITING_SECOND_APPROVAL:
        raise DomainError("This payment is not waiting for a second approval")
    if payment.recommendation.decided_by_id == by.id:
        raise DomainError(
            "You approved the recommendation: a different officer must give the second approval"
        )
    before = snapshot(payment, ("status", "second_approved_by_id", "second_approved_at"))
    payment.status = PaymentStatus.APPROVED
    payment.second_approved_by_id = by.id
    payment.second_approved_at = utcnow()
    record(
        "payment.second_approval",
        payment,
        by=by,
        before=before,
        after=snapshot(payment, ("status", "second_approved_by_id", "second_approved_at")),
    )


def create_batch(payment_ids: list[int], *, by: User) -> PaymentBatch:
    """Gather ready payments into a new open batch. Each payment joins exactly one batch."""
    if not payment_ids:
        raise DomainError("Select at least one payment to put in the batch", field="payment_ids")
    payments = list(
        db.session.scalars(select(Payment).where(Payment.id.in_(payment_ids)).with_for_update())
    )
    if len(payments) != len(set(payment_ids)) or any(
        p.status != PaymentStatus.APPROVED or p.batch_id is not None for p in payments
    ):
        raise DomainError(
            "One or more of the payments is already in a batch: refresh the page and try again",
            field="payment_ids",
        )
    today = utcnow().date()
    count_today = (
        db.session.scalar(
            select(func.count(PaymentBatch.id)).where(
                PaymentBatch.reference.like(f"B{today:%Y%m%d}-%")
            )
        )
        or 0
    )
    batch = PaymentBatch(
        reference=f"B{today:%Y%m%d}-{count_today + 1:02d}",
        status=BatchStatus.OPEN,
        created_by_id=by.id,
    )
    db.session.add(batch)
    db.session.flush()
    for payment in payments:
        before = snapshot(payment, ("status", "batch_id"))
        payment.batch_id = batch.id
        payment.status = PaymentStatus.BATCHED
        record(
            "payment.batched",
            payment,
            by=by,
            before=before,
            after=snapshot(payment, ("status", "batch_id")),
        )
    record(
        "payment_batch.created",
        batch,
        by=by,
        provider_id=None,
        after=snapshot(batch, ("reference", "status")) | {"payment_ids": sorted(payment_ids)},
    )
    return batch


def export_batch(batch: PaymentBatch, *, by: User) -> None:
    """Lock the batch: from now on its payment list can be downloaded and never changes."""
    if batch.status != BatchStatus.OPEN:
        raise DomainError("This batch has already been exported")
    if not batch.payments:
        raise DomainError("This batch has no payments to export")
    before = snapshot(batch, ("status", "exported_at", "exported_by_id"))
    batch.status = BatchStatus.EXPORTED
    batch.exported_at = utcnow()
    batch.exported_by_id = by.id
    for payment in batch.payments:
        payment_before = snapshot(payment, ("status",))
        payment.status = PaymentStatus.EXPORTED
        record(
            "payment.exported",
            payment,
            by=by,
            before=payment_before,
            after=snapshot(payment, ("status",)),
        )
    record(
        "payment_batch.exported",
        batch,
        by=by,
        provider_id=None,
        before=before,
        after=snapshot(batch, ("status", "exported_at", "exported_by_id")),
    )
