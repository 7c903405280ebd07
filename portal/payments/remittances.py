"""What goes on a provider's remittance advice for a batch, read from the records."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from portal.common.dates import format_date, london_date
from portal.common.money import format_minutes_as_hours, format_pence
from portal.extensions import db
from portal.payments.models import Payment, PaymentBatch, PaymentKind
from portal.payments.remittance import Remittance, RemittanceLine
from portal.providers.models import Provider
from portal.recommendations.models import Recommendation


def _what_for(payment: Payment) -> str:
    if payment.kind == PaymentKind.REVERSAL:
        original = payment.reverses.reference if payment.reverses else "an earlier payment"
        return f"Reversal of {original}: {payment.reason}"
    decided = payment.recommendation.decided_at
    when = f" approved {format_date(london_date(decided))}" if decided else ""
    return (
        f"Package reduction{when}: {format_minutes_as_hours(payment.weekly_minutes_removed)} a "
        f"week at {format_pence(payment.hourly_rate_pence)} an hour for {payment.weeks} weeks"
    )


def remittance_for(batch: PaymentBatch, provider_id: int) -> Remittance | None:
    """The provider's lines in the batch, or None when it has none there."""
    payments = list(
        db.session.scalars(
            select(Payment)
            .join(Payment.service_user)
            .join(Payment.recommendation)
            .options(
                contains_eager(Payment.service_user),
                contains_eager(Payment.recommendation),
                selectinload(Payment.reverses),  # a reversal's line names what it reverses
            )
            .where(Payment.batch_id == batch.id, Payment.provider_id == provider_id)
            .order_by(Payment.reference)
        )
    )
    if not payments:
        return None
    provider = db.session.get(Provider, provider_id)
    assert provider is not None
    config = current_app.config
    return Remittance(
        council_name=config["COUNCIL_NAME"],
        service_name=config["SERVICE_NAME"],
        brand_colour=config["COUNCIL_BRAND_COLOUR"],
        support_email=config["SUPPORT_EMAIL"],
        batch_reference=batch.reference,
        provider_name=provider.name,
        supplier_reference=provider.supplier_reference,
        exported_on=london_date(batch.exported_at or batch.created_at),
        paid_on=batch.paid_on,
        lines=[
            RemittanceLine(
                payment_reference=payment.reference,
                case_reference=payment.service_user.case_reference,
                recommendation_reference=Recommendation.reference_for(payment.recommendation_id),
                description=_what_for(payment),
                amount_pence=payment.amount_pence,
            )
            for payment in payments
        ],
    )
