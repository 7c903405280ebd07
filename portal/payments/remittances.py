"""What goes on a provider's remittance advice for a batch, read from the records."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.common.dates import format_date, london_date
from portal.common.money import format_minutes_as_hours, format_pence
from portal.common.sql_dates import london_date as london_date_in_sql
from portal.extensions import db
from portal.payments.models import Payment, PaymentBatch, PaymentKind
from portal.payments.remittance import Remittance, RemittanceLine
from portal.providers.models import Provider, ServiceUser


def _what_for(line: Any) -> str:
    if line.kind == PaymentKind.REVERSAL:
        original = line.reverses_reference or "an earlier payment"
        return f"Reversal of {original}: {line.reason}"
    when = f" approved {format_date(line.decided_on)}" if line.decided_on else ""
    return (
        f"Package reduction{when}: {format_minutes_as_hours(line.weekly_minutes_removed)} a "
        f"week at {format_pence(line.hourly_rate_pence)} an hour for {line.weeks} weeks"
    )


def remittance_for(batch: PaymentBatch, provider_id: int) -> Remittance | None:
    """The provider's lines in the batch, or None when it has none there: one query of the
    columns the advice prints (a reversal's line names the payment it reverses)."""
    reversed_payment = aliased(Payment)
    lines = (
        db.session.connection()
        .execute(
            select(
                Payment.reference,
                Payment.kind,
                Payment.reason,
                Payment.weekly_minutes_removed,
                Payment.hourly_rate_pence,
                Payment.weeks,
                Payment.amount_pence,
                Payment.recommendation_reference,
                ServiceUser.case_reference,
                london_date_in_sql(Payment.first_approved_at).label("decided_on"),
                reversed_payment.reference.label("reverses_reference"),
            )
            .join(ServiceUser, ServiceUser.id == Payment.service_user_id)
            .outerjoin(reversed_payment, reversed_payment.id == Payment.reverses_payment_id)
            .where(Payment.batch_id == batch.id, Payment.provider_id == provider_id)
            .order_by(Payment.reference)
        )
        .all()
    )
    if not lines:
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
                payment_reference=line.reference,
                case_reference=line.case_reference,
                recommendation_reference=line.recommendation_reference,
                description=_what_for(line),
                amount_pence=line.amount_pence,
            )
            for line in lines
        ],
    )
