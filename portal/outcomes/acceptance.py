"""Outcome returns waiting to be accepted: the council's acceptance queue.

A provider hands a return in (submitted); a commissioner or care manager accepts it, or sends
it back for correction. The queue lists what waits by quarter and provider, then each
provider's returns for the quarter, to accept several at once. Every statement reads only
the waiting returns, through ``ix_outcome_returns_waiting`` (status first), so the queue
costs the same however many returns were accepted before."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from portal.outcomes.models import OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.providers.models import Provider, ServiceUser

WAITING = OutcomeReturn.status == ReturnStatus.SUBMITTED


def waiting_count() -> Select[Any]:
    """How many returns wait to be accepted, across the council."""
    return select(func.count(OutcomeReturn.id)).where(WAITING)


@cache
def waiting_summary_statement() -> Select[Any]:
    """Each quarter and provider with returns waiting: how many, and when the oldest came
    in; the earliest quarter first, then the provider whose oldest has waited longest."""
    waiting = (
        select(
            OutcomeReturn.period_id,
            OutcomeReturn.provider_id,
            func.count().label("waiting"),
            func.min(OutcomeReturn.submitted_at).label("oldest"),
        )
        .where(WAITING)
        .group_by(OutcomeReturn.period_id, OutcomeReturn.provider_id)
        .subquery()
    )
    return (
        select(
            waiting.c.period_id,
            ReportingPeriod.label.label("period_label"),
            ReportingPeriod.start_date,
            waiting.c.provider_id,
            Provider.name.label("provider_name"),
            waiting.c.waiting,
            waiting.c.oldest,
        )
        .join(ReportingPeriod, ReportingPeriod.id == waiting.c.period_id)
        .join(Provider, Provider.id == waiting.c.provider_id)
        .order_by(ReportingPeriod.start_date, waiting.c.oldest, Provider.name)
    )


@cache
def waiting_returns_statement() -> Select[Any]:
    """One provider's returns waiting for the quarter, the longest waiting first, with the
    person each is for; :period and :provider bound when it runs."""
    return (
        select(
            OutcomeReturn.id,
            OutcomeReturn.submitted_at,
            ServiceUser.id.label("person_id"),
            ServiceUser.given_name,
            ServiceUser.family_name,
            ServiceUser.case_reference,
        )
        .join(ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id)
        .where(
            WAITING,
            OutcomeReturn.period_id == bindparam("period"),
            OutcomeReturn.provider_id == bindparam("provider"),
        )
        .order_by(OutcomeReturn.submitted_at, OutcomeReturn.id)
    )


def waiting_for(period_id: int, provider_id: int) -> Select[Any]:
    """The count of one provider's returns waiting for the quarter."""
    return select(func.count(OutcomeReturn.id)).where(
        WAITING,
        OutcomeReturn.period_id == period_id,
        OutcomeReturn.provider_id == provider_id,
    )
