from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.recommendations.models import Recommendation, RecommendationStatus


def get_recommendation(recommendation_id: int, *, provider_id: int | None) -> Recommendation:
    statement = (
        select(Recommendation)
        .options(joinedload(Recommendation.service_user), joinedload(Recommendation.provider))
        .where(Recommendation.id == recommendation_id)
    )
    if provider_id is not None:
        statement = statement.where(Recommendation.provider_id == provider_id)
    recommendation = db.session.scalar(statement)
    if recommendation is None:
        abort(404)
    return recommendation


def recommendations_for_service_user(
    service_user_id: int, *, provider_id: int | None
) -> list[Recommendation]:
    statement = (
        select(Recommendation)
        .where(
            Recommendation.service_user_id == service_user_id,
            Recommendation.status != RecommendationStatus.DRAFT,
        )
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
    )
    if provider_id is not None:
        statement = statement.where(Recommendation.provider_id == provider_id)
    return list(db.session.scalars(statement))


def open_recommendation(service_user_id: int) -> Recommendation | None:
    """The person's recommendation that is still a draft or awaiting a decision."""
    return db.session.scalar(
        select(Recommendation)
        .where(
            Recommendation.service_user_id == service_user_id,
            Recommendation.status.in_([RecommendationStatus.DRAFT, RecommendationStatus.SUBMITTED]),
        )
        .order_by(Recommendation.id.desc())
        .limit(1)
    )


def queue_statement() -> Select[Any]:
    """Recommendations awaiting a decision, the one due soonest first."""
    return (
        select(Recommendation)
        .join(Recommendation.service_user)
        .join(Recommendation.provider)
        .options(
            contains_eager(Recommendation.service_user),
            contains_eager(Recommendation.provider),
        )
        .where(Recommendation.status == RecommendationStatus.SUBMITTED)
        .order_by(Recommendation.decision_due_date, Recommendation.submitted_at, Recommendation.id)
    )


def provider_recommendations_statement(provider_id: int) -> Select[Any]:
    return (
        select(Recommendation)
        .join(Recommendation.service_user)
        .options(contains_eager(Recommendation.service_user))
        .where(
            Recommendation.provider_id == provider_id,
            Recommendation.status != RecommendationStatus.DRAFT,
        )
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
    )
