"""What the council made of your agency's recommendations, and the money that followed:
recommendations with their decisions and the council's questions; payments and reversals;
remittance advice, batch by batch. Read only: recommendations are made on the portal."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.api.v1 import schemas
from portal.api.v1.auth import current_key, key_required
from portal.api.v1.documented import refused
from portal.api.v1.lists import page_of
from portal.common.problems import problem
from portal.extensions import db
from portal.payments.models import BatchStatus, PaymentBatch
from portal.payments.queries import (
    provider_batches,
    provider_batches_statement,
    provider_payments_statement,
)
from portal.payments.remittances import remittance_for
from portal.recommendations.models import Recommendation, RecommendationStatus

blp = Blueprint(
    "decisions",
    __name__,
    url_prefix="/api/v1",
    description="Recommendations and their decisions, payments and remittance advice",
)


def _recommendations() -> Any:
    return (
        select(Recommendation)
        .options(
            selectinload(Recommendation.service_user),
            selectinload(Recommendation.lines),
            selectinload(Recommendation.messages),
            selectinload(Recommendation.payment),
        )
        .where(Recommendation.provider_id == current_key().provider_id)
    )


def recommendation_out(recommendation: Recommendation) -> dict[str, Any]:
    decided = recommendation.decided_at is not None and recommendation.status in (
        RecommendationStatus.APPROVED,
        RecommendationStatus.REJECTED,
    )
    payment = recommendation.payment
    person = recommendation.service_user
    return {
        "id": recommendation.id,
        "reference": recommendation.reference,
        "person": {
            "id": person.id,
            "case_reference": person.case_reference,
            "name": person.full_name,
        },
        "kind": recommendation.kind.value,
        "status": recommendation.status.value,
        "reason_category": recommendation.reason_category.value,
        "proposed_start_date": recommendation.proposed_start_date,
        "submitted_at": recommendation.submitted_at,
        "decision_due_date": recommendation.decision_due_date,
        "current_weekly_minutes": recommendation.current_weekly_minutes,
        "proposed_weekly_minutes": recommendation.proposed_weekly_minutes,
        "decision": {
            "decided_at": recommendation.decided_at,
            "approved": recommendation.status == RecommendationStatus.APPROVED,
            "reason": recommendation.decision_reason,
            "agreed_start_date": recommendation.agreed_start_date,
        }
        if decided
        else None,
        "payment": {
            "reference": payment.reference,
            "amount_pence": payment.amount_pence,
            "status": payment.status.value,
        }
        if payment is not None
        else None,
        "messages": [
            {"kind": message.kind.value, "text": message.text, "sent_at": message.created_at}
            for message in sorted(recommendation.messages, key=lambda m: (m.created_at, m.id))
        ],
        "url": url_for("decisions.recommendation", recommendation_id=recommendation.id),
    }


@blp.route("/recommendations")
@key_required
@blp.arguments(schemas.RecommendationQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.RecommendationList)
@refused(blp)
def recommendations(page: int, per_page: int, status: str | None = None) -> dict[str, Any]:
    """Your agency's recommendations, the newest first, each with the council's decision
    (once made), its questions and your answers, and the payment an approved reduction
    earned."""
    statement = _recommendations().order_by(
        Recommendation.created_at.desc(), Recommendation.id.desc()
    )
    if status:
        statement = statement.where(Recommendation.status == RecommendationStatus(status))
    found = page_of(statement, per_page=per_page, scalars=True)
    return found.body([recommendation_out(r) for r in found.page.items])


@blp.route("/recommendations/<int:recommendation_id>")
@key_required
@blp.response(200, schemas.RecommendationOut)
@refused(blp, 404)
def recommendation(recommendation_id: int) -> Response | dict[str, Any]:
    """One of your agency's recommendations."""
    found = db.session.scalar(_recommendations().where(Recommendation.id == recommendation_id))
    if found is None:
        return problem(404, "Your agency has no recommendation with this id")
    return recommendation_out(found)


@blp.route("/payments")
@key_required
@blp.arguments(schemas.PageQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.PaymentList)
@refused(blp)
def payments(page: int, per_page: int) -> dict[str, Any]:
    """The one-off payments your agency's approved reductions earned, and any reversals,
    the newest first."""
    found = page_of(
        provider_payments_statement(),
        per_page=per_page,
        params={"provider": current_key().provider_id},
    )
    return found.body(
        [
            {
                "reference": row.reference,
                "kind": row.kind.value,
                "status": row.status.value,
                "amount_pence": row.amount_pence,
                "reason": row.reason,
                "person": {
                    "id": row.service_user_id,
                    "case_reference": row.case_reference,
                    "name": row.full_name,
                },
                "recommendation_reference": row.recommendation_reference,
                "paid_on": row.paid_on,
            }
            for row in found.page.items
        ]
    )


@blp.route("/remittances")
@key_required
@blp.arguments(schemas.PageQuery, location="query", unknown=RAISE, as_kwargs=True)
@blp.response(200, schemas.RemittanceList)
@refused(blp)
def remittances(page: int, per_page: int) -> dict[str, Any]:
    """A remittance advice for each payment batch that held your agency's payments, the
    newest first: what it paid you, in how many payments."""
    found = page_of(
        provider_batches_statement(),
        per_page=per_page,
        params={"provider": current_key().provider_id},
    )
    return found.body(
        [
            {
                "id": batch.id,
                "reference": batch.reference,
                "exported_at": batch.exported_at,
                "paid_on": batch.paid_on,
                "payments": batch.count,
                "total_pence": batch.total_pence,
                "url": url_for("decisions.remittance", batch_id=batch.id),
            }
            for batch in provider_batches(found.page.items)
        ]
    )


@blp.route("/remittances/<int:batch_id>")
@key_required
@blp.response(200, schemas.RemittanceOut)
@refused(blp, 404)
def remittance(batch_id: int) -> Response | dict[str, Any]:
    """One remittance advice: each payment in the batch, what it was for, and the total."""
    batch = db.session.get(PaymentBatch, batch_id)
    advice = (
        remittance_for(batch, current_key().provider_id)
        if batch is not None and batch.status != BatchStatus.OPEN
        else None
    )
    if advice is None:
        return problem(404, "There is no remittance advice for your agency with this id")
    return {
        "reference": advice.batch_reference,
        "exported_on": advice.exported_on,
        "paid_on": advice.paid_on,
        "total_pence": sum(line.amount_pence for line in advice.lines),
        "lines": [
            {
                "payment_reference": line.payment_reference,
                "case_reference": line.case_reference,
                "recommendation_reference": line.recommendation_reference,
                "description": line.description,
                "amount_pence": line.amount_pence,
            }
            for line in advice.lines
        ],
    }
