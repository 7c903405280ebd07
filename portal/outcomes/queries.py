from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from flask import abort
from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.outcomes.models import HANDED_IN, OutcomeReturn, PeriodKind, ReportingPeriod
from portal.providers.queries import confined, found_or_404


@cache
def _period_on_statement() -> Select[Any]:
    day = bindparam("day", type_=Date)
    return select(ReportingPeriod).where(
        ReportingPeriod.kind == PeriodKind.OUTCOMES,
        ReportingPeriod.start_date <= day,
        ReportingPeriod.end_date >= day,
    )


def outcome_period_on(day: dt.date) -> ReportingPeriod | None:
    """The open quarterly outcomes period that ``day`` falls in, if one has been opened."""
    return db.session.scalar(_period_on_statement(), {"day": day})


def find_period(start_date: dt.date) -> ReportingPeriod | None:
    return db.session.scalar(
        select(ReportingPeriod).where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES, ReportingPeriod.start_date == start_date
        )
    )


def periods_statement() -> Any:
    return (
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
        .order_by(ReportingPeriod.start_date.desc())
    )


def get_period(period_id: int) -> ReportingPeriod:
    period = db.session.get(ReportingPeriod, period_id)
    if period is None or period.kind != PeriodKind.OUTCOMES:
        abort(404)
    return period


@cache
def _return_statement(by_provider: bool) -> Select[Any]:
    """A return with its person and quarter, which every page about one shows; built once
    each way, with :return_id and :provider bound when it runs."""
    statement = (
        select(OutcomeReturn)
        .options(joinedload(OutcomeReturn.service_user), joinedload(OutcomeReturn.period))
        .where(OutcomeReturn.id == bindparam("return_id"))
    )
    return confined(statement, OutcomeReturn.provider_id, by_provider)


def get_return(return_id: int, *, provider_id: int | None) -> OutcomeReturn:
    outcome_return: OutcomeReturn = found_or_404(
        _return_statement(provider_id is not None),
        {"return_id": return_id, "provider": provider_id},
    )
    return outcome_return


def find_return(period_id: int, service_user_id: int) -> OutcomeReturn | None:
    return db.session.scalar(
        select(OutcomeReturn).where(
            OutcomeReturn.period_id == period_id,
            OutcomeReturn.service_user_id == service_user_id,
        )
    )


@cache
def service_user_returns_statement(*, by_provider: bool) -> Select[Any]:
    """:person's outcome history (only :provider's returns, ``by_provider``), newest quarter
    first, as a statement to page or limit: rows of each return's ``id``, ``period_id``,
    quarter ``label``, ``status`` and ``submitted_at``, all a list of returns shows. Built
    once each way, with the values bound when it runs."""
    statement = (
        select(
            OutcomeReturn.id,
            OutcomeReturn.period_id,
            ReportingPeriod.label,
            OutcomeReturn.status,
            OutcomeReturn.submitted_at,
        )
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeReturn.period_id)
        .where(OutcomeReturn.service_user_id == bindparam("person"))
        .order_by(ReportingPeriod.start_date.desc(), OutcomeReturn.id.desc())
    )
    return confined(statement, OutcomeReturn.provider_id, by_provider)


@cache
def _latest_submitted_return_statement() -> Select[Any]:
    return (
        select(OutcomeReturn)
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeReturn.period_id)
        .options(contains_eager(OutcomeReturn.period), joinedload(OutcomeReturn.answers))
        .where(
            OutcomeReturn.service_user_id == bindparam("person"),
            OutcomeReturn.status.in_(HANDED_IN),
        )
        .order_by(ReportingPeriod.start_date.desc())
        .limit(1)
    )


def latest_submitted_return(service_user_id: int) -> OutcomeReturn | None:
    """The newest return a provider has submitted for the person, with its quarter, for
    care managers."""
    return db.session.scalar(_latest_submitted_return_statement(), {"person": service_user_id})


def previous_return(service_user_id: int, *, before: dt.date) -> OutcomeReturn | None:
    """The person's latest return for a quarter before ``before``, submitted or not."""
    return db.session.scalar(
        select(OutcomeReturn)
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeReturn.period_id)
        .where(
            OutcomeReturn.service_user_id == service_user_id,
            ReportingPeriod.start_date < before,
            OutcomeReturn.status.in_(HANDED_IN),
        )
        .order_by(ReportingPeriod.start_date.desc())
        .limit(1)
    )
