from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from portal.accounts.models import User
from portal.common.dates import LONDON
from portal.extensions import db
from portal.providers.enums import Quadrant
from portal.providers.models import Provider, ServiceUser
from portal.providers.queries import confined
from portal.recommendations.models import (
    ChangeKind,
    MessageKind,
    Recommendation,
    RecommendationMessage,
    RecommendationStatus,
)


@cache
def _recommendation_statement(*, by_provider: bool) -> Select[Any]:
    """:recommendation with its person and provider (only if it is :provider's, when
    ``by_provider``). Built once each way, with the values bound when it runs."""
    statement = (
        select(Recommendation)
        .options(
            joinedload(Recommendation.service_user),
            joinedload(Recommendation.provider).lazyload(Provider.category_rows),
            # One recommendation's few lines and messages come in the same statement.
            joinedload(Recommendation.lines),
            joinedload(Recommendation.messages),
        )
        .where(Recommendation.id == bindparam("recommendation"))
    )
    if by_provider:
        statement = statement.where(Recommendation.provider_id == bindparam("provider"))
    return statement


def get_recommendation(recommendation_id: int, *, provider_id: int | None) -> Recommendation:
    recommendation = db.session.scalar(
        _recommendation_statement(by_provider=provider_id is not None),
        {"recommendation": recommendation_id, "provider": provider_id},
    )
    if recommendation is None:
        abort(404)
    return recommendation


def _listed() -> tuple[Any, ...]:
    """Loader options for recommendations read for their own columns, as a list's rows are:
    the proposed lines and messages (loaded with a recommendation by default, for the
    pages about one) load only if something reads them."""
    return (lazyload(Recommendation.lines), lazyload(Recommendation.messages))


def _sent_for(service_user_id: int | ColumnElement[int]) -> tuple[Any, ...]:
    return (
        Recommendation.service_user_id == service_user_id,
        Recommendation.status != RecommendationStatus.DRAFT,
    )


@cache
def service_user_recommendation_rows(*, by_provider: bool, but_one: bool = False) -> Select[Any]:
    """:person's recommendations (only :provider's, ``by_provider``; all but
    :recommendation, ``but_one``) as their lists show them, newest first: rows of ``id``,
    ``kind``, ``proposed_start_date``, ``submitted_at``, ``status``, ``provider_id`` and
    ``provider_name``, to page or limit. Built once each way, with the values bound when it
    runs."""
    statement = (
        select(
            Recommendation.id,
            Recommendation.kind,
            Recommendation.proposed_start_date,
            Recommendation.submitted_at,
            Recommendation.status,
            Recommendation.provider_id,
            Provider.name.label("provider_name"),
        )
        .join(Provider, Provider.id == Recommendation.provider_id)
        .where(*_sent_for(bindparam("person")))
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
    )
    if but_one:
        statement = statement.where(Recommendation.id != bindparam("recommendation"))
    return confined(statement, Recommendation.provider_id, by_provider)


def _open(service_user_id: int | ColumnElement[int], provider_id: int | ColumnElement[int]) -> Any:
    return and_(
        Recommendation.service_user_id == service_user_id,
        Recommendation.provider_id == provider_id,
        Recommendation.status.in_([s for s in RecommendationStatus if s.is_open]),
    )


def open_recommendation(service_user_id: int, *, provider_id: int) -> Recommendation | None:
    """The provider's recommendation for the person that is not yet decided: a draft,
    awaiting a decision, or waiting for its answer. While one is open the provider may not
    start another. (A provider the person has moved to does not see its predecessor's.)
    Its lines and messages load when first read."""
    return db.session.scalar(
        select(Recommendation)
        .options(*_listed())
        .where(_open(service_user_id, provider_id))
        .order_by(Recommendation.id.desc())
        .limit(1)
    )


@cache
def _open_status_statement() -> Select[Any]:
    return (
        select(Recommendation.id, Recommendation.status)
        .where(_open(bindparam("person"), bindparam("provider")))
        .order_by(Recommendation.id.desc())
        .limit(1)
    )


def open_recommendation_status(service_user_id: int, *, provider_id: int) -> Any:
    """The ``id`` and ``status`` of ``open_recommendation``, for a page that only links to
    it; None when there is none."""
    return (
        db.session.connection()
        .execute(_open_status_statement(), {"person": service_user_id, "provider": provider_id})
        .first()
    )


@dataclass(frozen=True)
class QueueFilters:
    provider_id: int | None = None
    quadrant: Quadrant | None = None  # the service user's
    kind: ChangeKind | None = None
    waiting_on_provider: bool = False  # more information asked for, not yet answered
    answered: bool = False  # back from the provider with an answer, awaiting a decision
    assigned_to_id: int | None = None

    def values(self) -> dict[str, Any]:
        """The values ``queue_statement`` binds when it runs."""
        return {
            "provider": self.provider_id,
            "quadrant": self.quadrant,
            "kind": self.kind,
            "assigned_to": self.assigned_to_id,
        }


def queue_statement(filters: QueueFilters | None = None) -> Select[Any]:
    """Recommendations awaiting a decision, oldest first (the one the provider sent first),
    as rows of the columns the queue shows, filtered as ``filters`` say: built once for
    each shape of filters, with their ``values()`` bound when it runs."""
    filters = filters or QueueFilters()
    return _queue_statement(
        filters.waiting_on_provider,
        filters.answered and not filters.waiting_on_provider,
        filters.provider_id is not None,
        filters.quadrant is not None,
        filters.kind is not None,
        filters.assigned_to_id is not None,
    )


@cache
def _queue_statement(
    waiting_on_provider: bool,
    answered_only: bool,
    by_provider: bool,
    by_quadrant: bool,
    by_kind: bool,
    by_assignee: bool,
) -> Select[Any]:
    status = (
        RecommendationStatus.MORE_INFORMATION
        if waiting_on_provider
        else RecommendationStatus.SUBMITTED
    )
    assigned_to = aliased(User)
    # Awaiting a decision with an answer in its thread: it went to the provider with a
    # question and came back answered (asking again sends it back to the provider).
    answered = (
        select(RecommendationMessage.id)
        .where(
            RecommendationMessage.recommendation_id == Recommendation.id,
            RecommendationMessage.kind == MessageKind.ANSWER,
        )
        .exists()
    )
    statement = (
        select(
            Recommendation.id,
            Recommendation.status,
            answered.label("answered"),
            Recommendation.provider_id,
            Recommendation.kind,
            Recommendation.submitted_at,
            Recommendation.decision_due_date,
            ServiceUser.given_name,
            ServiceUser.family_name,
            ServiceUser.case_reference,
            Provider.name.label("provider_name"),
            assigned_to.name.label("assigned_to_name"),
        )
        .join(Recommendation.service_user)
        .join(Recommendation.provider)
        .outerjoin(assigned_to, assigned_to.id == Recommendation.assigned_to_id)
        .where(Recommendation.status == status)
        .order_by(Recommendation.submitted_at, Recommendation.id)
    )
    if answered_only:
        statement = statement.where(answered)
    if by_provider:
        statement = statement.where(Recommendation.provider_id == bindparam("provider"))
    if by_quadrant:
        statement = statement.where(ServiceUser.quadrant == bindparam("quadrant"))
    if by_kind:
        statement = statement.where(Recommendation.kind == bindparam("kind"))
    if by_assignee:
        statement = statement.where(Recommendation.assigned_to_id == bindparam("assigned_to"))
    return statement


def _sent_by(provider_id: int | ColumnElement[int]) -> tuple[Any, ...]:
    return (
        Recommendation.provider_id == provider_id,
        Recommendation.status != RecommendationStatus.DRAFT,
    )


def _provider_rows(by_status: bool) -> tuple[Any, ...]:
    """:provider's sent recommendations, or only those in :status (drafts included) when
    ``by_status``."""
    if not by_status:
        return _sent_by(bindparam("provider"))
    return (
        Recommendation.provider_id == bindparam("provider"),
        Recommendation.status == bindparam("status", type_=Recommendation.status.type),
    )


@cache
def provider_recommendations_statement(*, by_status: bool = False) -> Select[Any]:
    """:provider's sent recommendations (only those in :status when ``by_status``), newest
    first, as rows of the columns its list shows: ``id``, the person's ``full_name``,
    ``kind``, ``status`` and ``submitted_at``. Built once each way, with the values bound
    when it runs."""
    return (
        select(
            Recommendation.id,
            (ServiceUser.given_name + " " + ServiceUser.family_name).label("full_name"),
            Recommendation.kind,
            Recommendation.status,
            Recommendation.submitted_at,
        )
        .join(Recommendation.service_user)
        .where(*_provider_rows(by_status))
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
    )


@cache
def _provider_count_statement(by_status: bool) -> Select[Any]:
    return select(func.count()).where(*_provider_rows(by_status))


def provider_recommendations_count(
    provider_id: int, status: RecommendationStatus | None = None
) -> int:
    """How many the provider has sent (or has in ``status``), counted from the index alone
    (every recommendation has its person, so the list's join changes nothing)."""
    values = {"provider": provider_id, "status": status}
    return db.session.scalar(_provider_count_statement(status is not None), values) or 0


@dataclass(frozen=True)
class DecidedFilters:
    """A care manager's decisions: the decision (approved or rejected) and the London days
    they were made between, both included."""

    outcome: RecommendationStatus | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None

    def values(self, decided_by_id: int) -> dict[str, Any]:
        """The values ``decided_statement`` binds when it runs."""
        return {
            "decider": decided_by_id,
            "outcome": self.outcome,
            "from": _london_midnight(self.decided_from) if self.decided_from else None,
            "before": _london_midnight(self.decided_to + dt.timedelta(days=1))
            if self.decided_to
            else None,
        }


def _london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC)


def decided_statement(filters: DecidedFilters) -> Select[Any]:
    """The recommendations :decider decided, newest decision first, as rows of the columns
    the list shows, filtered as ``filters`` say: built once for each shape of filters, with
    their ``values()`` bound when it runs. ix_recommendations_decided_by serves the filter
    and the order."""
    return _decided_statement(
        filters.outcome is not None,
        filters.decided_from is not None,
        filters.decided_to is not None,
    )


@cache
def _decided_statement(by_outcome: bool, since: bool, until: bool) -> Select[Any]:
    statement = (
        select(
            Recommendation.id,
            Recommendation.status,
            Recommendation.kind,
            Recommendation.decided_at,
            Recommendation.provider_id,
            ServiceUser.given_name,
            ServiceUser.family_name,
            ServiceUser.case_reference,
            Provider.name.label("provider_name"),
        )
        .join(Recommendation.service_user)
        .join(Recommendation.provider)
        .where(Recommendation.decided_by_id == bindparam("decider"))
        .order_by(Recommendation.decided_at.desc(), Recommendation.id.desc())
    )
    if by_outcome:
        statement = statement.where(Recommendation.status == bindparam("outcome"))
    if since:
        statement = statement.where(Recommendation.decided_at >= bindparam("from"))
    if until:
        statement = statement.where(Recommendation.decided_at < bindparam("before"))
    return statement
