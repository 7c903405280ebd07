"""Payments: created from approved reductions, gathered into batches, exported."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import and_, exists, insert, select, update

from portal.accounts.models import User
from portal.audit.operations import record, record_from_select, snapshot
from portal.common.database import first_one_wins
from portal.common.dates import format_date, london_date, today
from portal.common.errors import DomainError
from portal.common.models import lock, utcnow
from portal.council.models import get_settings
from portal.extensions import db
from portal.payments import notices
from portal.payments.claims import ReductionClaim, payment_for
from portal.payments.exports import payment_list_csv, payment_list_xlsx
from portal.payments.models import (
    BatchFile,
    BatchStatus,
    Payment,
    PaymentBatch,
    PaymentKind,
    PaymentRule,
    PaymentStatus,
)
from portal.payments.queries import payment_list_rows, reversal_of


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
    # Two commissioners saving a new version at once would both take the next number.
    with first_one_wins(
        "Someone else saved a new version of the payment rule a moment ago: check the rule "
        "in force and its next version before saving yours",
        field="effective_from",
    ):
        db.session.add(rule)
    record("payment_rule.created", rule, by=by)
    return rule


def create_reduction_payment(claim: ReductionClaim, *, by: User) -> Payment:
    """The one-off payment an approved reduction earns, by the rule in force on the day it
    was approved. What the payment list and remittance show of the approval is kept on the
    payment, as the claim told it."""
    earned = payment_for(claim)
    if earned is None:
        raise DomainError("No payment rule is in force: ask a commissioner to set one")
    calculation = earned.calculation
    payment = Payment(
        reference=f"OOP{claim.recommendation_id:07d}",
        provider_id=claim.provider_id,
        service_user_id=claim.service_user_id,
        recommendation_id=claim.recommendation_id,
        recommendation_reference=claim.recommendation_reference,
        first_approved_at=claim.approved_at,
        first_approved_by_id=claim.approved_by_id,
        rule_id=earned.rule.id,
        weekly_minutes_removed=calculation.weekly_minutes_removed,
        hourly_rate_pence=calculation.hourly_rate_pence,
        weeks=calculation.weeks,
        amount_pence=calculation.amount_pence,
        status=PaymentStatus.AWAITING_SECOND_APPROVAL
        if earned.needs_second_approval
        else PaymentStatus.APPROVED,
    )
    db.session.add(payment)
    record("payment.created", payment, by=by)
    if payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL:
        notices.payment_needs_second_approval(payment, first_approver=by)
    return payment


def give_second_approval(payment: Payment, *, by: User) -> None:
    """A second council officer confirms a payment above the threshold. The care manager who
    approved the recommendation cannot also give the second approval."""
    lock(payment)
    if payment.status != PaymentStatus.AWAITING_SECOND_APPROVAL:
        raise DomainError("This payment is not waiting for a second approval")
    if payment.first_approved_by_id == by.id:
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


def create_batch(*, provider_id: int | None, by: User) -> PaymentBatch:
    """A new open batch of every payment ready to pay, or one provider's.

    The ready payments are locked as they are read. When two finance officers create batches
    at the same moment, PostgreSQL makes the second wait and then reads again: payments the
    first batch took no longer match, so each payment lands in exactly one batch."""
    statement = (
        select(Payment)
        .where(Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None))
        .order_by(Payment.id)
        .with_for_update()
    )
    if provider_id is not None:
        statement = statement.where(Payment.provider_id == provider_id)
    payments = list(db.session.scalars(statement))
    if not payments:
        raise DomainError(
            "There are no payments ready to batch"
            + (" for that provider" if provider_id is not None else "")
            + ": another officer may have just batched them",
            field="scope",
        )
    batch = PaymentBatch(
        reference=f"new-{secrets.token_hex(6)}", status=BatchStatus.OPEN, created_by_id=by.id
    )
    db.session.add(batch)
    db.session.flush()
    batch.reference = PaymentBatch.reference_for(batch.id)
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
        after=snapshot(batch, ("reference", "status"))
        | {"payment_ids": [p.id for p in payments], "provider_id": provider_id},
    )
    return batch


def _move_batch_payments(
    batch: PaymentBatch, *, old: PaymentStatus, new: PaymentStatus, action: str, by: User
) -> None:
    """Every payment of the batch in ``old`` moves to ``new``, each with its audit event,
    in two statements whatever the batch's size. Payments this session has loaded are
    updated in place."""
    in_batch = and_(Payment.batch_id == batch.id, Payment.status == old)
    record_from_select(
        action,
        select(Payment.id, Payment.provider_id).where(in_batch),
        entity_type=Payment.__tablename__,
        before={"status": old.value},
        after={"status": new.value},
        by=by,
    )
    db.session.execute(update(Payment).where(in_batch).values(status=new))


def export_batch(batch: PaymentBatch, *, by: User) -> None:
    """Fix the batch: its payment list is made now, as CSV and Excel, and kept byte for
    byte; the batch can no longer change."""
    lock(batch)
    if batch.status != BatchStatus.OPEN:
        raise DomainError("This batch has already been exported")
    if not db.session.scalar(select(exists().where(Payment.batch_id == batch.id))):
        raise DomainError("This batch has no payments to export")
    settings = get_settings()
    if not settings.cost_centre or not settings.nominal_code:
        raise DomainError(
            "The payment list needs the council's cost centre and nominal code: ask a "
            "commissioner to set them in Settings"
        )
    before = snapshot(batch, ("status", "exported_at", "exported_by_id"))
    batch.status = BatchStatus.EXPORTED
    batch.exported_at = utcnow()
    batch.exported_by_id = by.id
    # An open batch holds only batched payments: a cancelled one leaves it.
    _move_batch_payments(
        batch,
        old=PaymentStatus.BATCHED,
        new=PaymentStatus.EXPORTED,
        action="payment.exported",
        by=by,
    )
    codes = {
        "batch_reference": batch.reference,
        "cost_centre": settings.cost_centre,
        "nominal_code": settings.nominal_code,
    }
    # One file at a time, written straight to the table, so a large batch's two files are
    # never in memory together.
    makers = {"csv": payment_list_csv, "xlsx": payment_list_xlsx}
    digests = {}
    for file_format, make in makers.items():
        content = make(payment_list_rows(batch.id), **codes)
        digests[file_format] = hashlib.sha256(content).hexdigest()
        db.session.execute(
            insert(BatchFile),
            {
                "batch_id": batch.id,
                "format": file_format,
                "content": content,
                "sha256": digests[file_format],
            },
        )
        del content  # the CSV goes before the Excel file is made
    record(
        "payment_batch.exported",
        batch,
        by=by,
        provider_id=None,
        before=before,
        after=snapshot(batch, ("status", "exported_at", "exported_by_id"))
        | {f"{name}_sha256": digest for name, digest in digests.items()},
    )


def mark_batch_paid(batch: PaymentBatch, *, paid_on: dt.date, by: User) -> None:
    """Record the date the council's finance system paid the batch."""
    lock(batch)
    if batch.status == BatchStatus.PAID:
        raise DomainError(f"This batch was already marked paid on {format_date(batch.paid_on)}")
    if batch.status != BatchStatus.EXPORTED:
        raise DomainError("Export the batch before marking it paid")
    if paid_on > today():
        raise DomainError("The payment date cannot be in the future", field="paid_on")
    exported_on = london_date(batch.exported_at) if batch.exported_at else today()
    if paid_on < exported_on:
        raise DomainError(
            f"The payment date cannot be before the batch was exported, {format_date(exported_on)}",
            field="paid_on",
        )
    before = snapshot(batch, ("status", "paid_on", "paid_recorded_by_id"))
    batch.status = BatchStatus.PAID
    batch.paid_on = paid_on
    batch.paid_recorded_by_id = by.id
    _move_batch_payments(
        batch, old=PaymentStatus.EXPORTED, new=PaymentStatus.PAID, action="payment.paid", by=by
    )
    record(
        "payment_batch.paid",
        batch,
        by=by,
        provider_id=None,
        before=before,
        after=snapshot(batch, ("status", "paid_on", "paid_recorded_by_id")),
    )


_CANCEL_FIELDS = ("status", "batch_id", "reason", "cancelled_at", "cancelled_by_id")


def cancel_payment(payment: Payment, *, reason: str, by: User) -> None:
    """Stop a payment before it is exported. It stays on record, cancelled, with the reason;
    if it was in an open batch it leaves it."""
    if not reason.strip():
        raise DomainError("Enter why the payment is being cancelled", field="reason")
    # The batch is locked before the payment, in the order exporting takes them, so a
    # cancellation and an export at the same moment wait for each other instead of
    # deadlocking.
    batch_id = payment.batch_id
    if payment.batch is not None:
        lock(payment.batch)
    lock(payment)
    if payment.batch_id != batch_id:
        raise DomainError("The payment has just been batched: look at it again")
    if payment.kind == PaymentKind.REVERSAL:
        raise DomainError(
            "A reversal cannot be cancelled: it corrects an exported payment. If the payment "
            "was right after all, pay it again as a new payment"
        )
    if not payment.can_be_cancelled:
        raise DomainError(
            f"Payment {payment.reference} has been {payment.status.label.lower()}: it can no "
            "longer be cancelled, only reversed in a later batch"
        )
    before = snapshot(payment, _CANCEL_FIELDS)
    payment.status = PaymentStatus.CANCELLED
    payment.batch_id = None
    payment.reason = reason.strip()
    payment.cancelled_at = utcnow()
    payment.cancelled_by_id = by.id
    record(
        "payment.cancelled", payment, by=by, before=before, after=snapshot(payment, _CANCEL_FIELDS)
    )


def reverse_payment(payment: Payment, *, reason: str, by: User) -> Payment:
    """Take back an exported payment: a reversing entry for the same amount, negative, ready
    to go into a later batch. The exported batch is never edited."""
    if not reason.strip():
        raise DomainError("Enter why the payment is being reversed", field="reason")
    lock(payment)
    if payment.kind != PaymentKind.PAYMENT:
        raise DomainError("A reversal cannot itself be reversed")
    if payment.status not in (PaymentStatus.EXPORTED, PaymentStatus.PAID):
        raise DomainError(f"Payment {payment.reference} has not been exported: cancel it instead")
    existing = reversal_of(payment.id)
    if existing is not None:
        raise DomainError(
            f"Payment {payment.reference} has already been reversed by {existing.reference}"
        )
    reversal = Payment(
        reference=f"{payment.reference}-R",
        kind=PaymentKind.REVERSAL,
        reverses_payment_id=payment.id,
        provider_id=payment.provider_id,
        service_user_id=payment.service_user_id,
        recommendation_id=payment.recommendation_id,
        recommendation_reference=payment.recommendation_reference,
        first_approved_at=payment.first_approved_at,
        first_approved_by_id=payment.first_approved_by_id,
        rule_id=payment.rule_id,
        weekly_minutes_removed=payment.weekly_minutes_removed,
        hourly_rate_pence=payment.hourly_rate_pence,
        weeks=payment.weeks,
        amount_pence=-payment.amount_pence,
        status=PaymentStatus.APPROVED,
        reason=reason.strip(),
    )
    db.session.add(reversal)
    record("payment.reversal_created", reversal, by=by)
    return reversal
