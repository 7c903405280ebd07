"""Payments: created from approved reductions, gathered into batches, exported."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.operations import record, snapshot
from portal.common.errors import DomainError
from portal.common.models import utcnow
from portal.extensions import db
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
    by: User | None,
) -> PaymentRule:
    version = (db.session.scalar(select(func.max(PaymentRule.version))) or 0) + 1
    rule = PaymentRule(
        version=version,
        weeks=weeks,
        minimum_pence=minimum_pence,
        cap_pence=cap_pence,
        effective_from=effective_from,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(rule)
    record("payment_rule.created", rule, by=by)
    return rule


def reductions_for(recommendation: Recommendation) -> list[LineReduction]:
    return [
        LineReduction(
            minutes_before=line.replaces.weekly_minutes,
            minutes_after=line.weekly_minutes if line.calls_per_day else 0,
            hourly_rate_pence=line.replaces.hourly_rate_pence,
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
        status=PaymentStatus.APPROVED,
    )
    db.session.add(payment)
    record("payment.created", payment, by=by)
    return payment


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
