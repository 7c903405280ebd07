from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.payments.models import Payment, PaymentBatch, PaymentRule, PaymentStatus
from portal.providers.models import Provider, ServiceUser


def rule_in_force(on: dt.date) -> PaymentRule | None:
    return db.session.scalar(
        select(PaymentRule)
        .where(PaymentRule.effective_from <= on)
        .order_by(PaymentRule.effective_from.desc())
        .limit(1)
    )


def _with_payee(statement: Select[Any]) -> Select[Any]:
    return (
        statement.join(Payment.provider)
        .join(Payment.service_user)
        .options(contains_eager(Payment.provider), contains_eager(Payment.service_user))
    )


def ready_payments_statement() -> Select[Any]:
    """Approved payments not yet in a batch, oldest first."""
    return (
        _with_payee(select(Payment))
        .where(Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None))
        .order_by(Payment.created_at, Payment.id)
    )


def ready_payments_total() -> tuple[int, int]:
    count, total = db.session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount_pence), 0)).where(
            Payment.status == PaymentStatus.APPROVED, Payment.batch_id.is_(None)
        )
    ).one()
    return int(count), int(total)


def batches_statement() -> Select[Any]:
    totals = (
        select(
            Payment.batch_id,
            func.count(Payment.id).label("payment_count"),
            func.sum(Payment.amount_pence).label("total_pence"),
        )
        .group_by(Payment.batch_id)
        .subquery()
    )
    return (
        select(PaymentBatch, totals.c.payment_count, totals.c.total_pence)
        .outerjoin(totals, totals.c.batch_id == PaymentBatch.id)
        .order_by(PaymentBatch.created_at.desc(), PaymentBatch.id.desc())
    )


def get_batch(batch_id: int) -> PaymentBatch:
    batch = db.session.get(PaymentBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def batch_payments(batch_id: int) -> list[Payment]:
    return list(
        db.session.scalars(
            _with_payee(select(Payment))
            .where(Payment.batch_id == batch_id)
            .order_by(Provider.name, Payment.reference)
        )
    )


def batch_payment_rows(batch_id: int) -> Any:
    """The batch's payment list rows, streamed from the database in provider order."""
    return db.session.execute(
        select(
            Payment.reference,
            Provider.name,
            Provider.supplier_reference,
            ServiceUser.case_reference,
            Payment.recommendation_id,
            Payment.weekly_minutes_removed,
            Payment.hourly_rate_pence,
            Payment.weeks,
            Payment.amount_pence,
        )
        .join(Provider, Provider.id == Payment.provider_id)
        .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
        .where(Payment.batch_id == batch_id)
        .order_by(Provider.name, Payment.reference)
        .execution_options(yield_per=500)
    )


def rules_statement() -> Select[Any]:
    return select(PaymentRule).order_by(PaymentRule.version.desc())


def awaiting_second_approval_statement() -> Select[Any]:
    return (
        _with_payee(select(Payment))
        .options(joinedload(Payment.recommendation))
        .where(Payment.status == PaymentStatus.AWAITING_SECOND_APPROVAL)
        .order_by(Payment.created_at, Payment.id)
    )


def get_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    return payment
