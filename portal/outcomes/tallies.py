"""Keeping Table F's counts (``OutcomeTally``) as returns are handed in and taken back.

A return counts while it is submitted or accepted. ``count_in`` adds the returns a
criterion picks to their period's tallies and ``count_out`` takes them away: each reads the
returns' answers with a few grouped queries and applies the differences with one upsert
(``INSERT ... ON CONFLICT DO UPDATE``), which PostgreSQL makes safe when two providers'
returns come in at once. ``recount_period`` rebuilds a period from its returns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import (
    HANDED_IN,
    RETURNS_CODE,
    OutcomeAnswer,
    OutcomeReturn,
    OutcomeTally,
)
from portal.providers.models import ServiceUser

COUNTED = HANDED_IN
KEY = ("period_id", "provider_id", "quadrant", "code")


def _contributions(criterion: ColumnElement[bool]) -> list[Any]:
    """(period, provider, quadrant, code, met, sample) for the returns ``criterion`` picks."""
    group = (OutcomeReturn.period_id, OutcomeReturn.provider_id, ServiceUser.quadrant)
    applicable = case((OutcomeAnswer.result != MeasureResult.NOT_APPLICABLE, 1), else_=0)
    met = case((OutcomeAnswer.result == MeasureResult.MET, 1), else_=0)

    def answers(*columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(OutcomeAnswer)
            .join(OutcomeReturn, OutcomeReturn.id == OutcomeAnswer.return_id)
            .join(ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id)
            .where(criterion)
        )

    measures = answers(*group, OutcomeAnswer.measure, func.sum(met), func.sum(applicable)).group_by(
        *group, OutcomeAnswer.measure
    )
    # An outcome is met for a return when every measure under it that applied was met; a
    # return where none applied is not in that outcome's sample.
    outcome = func.substr(OutcomeAnswer.measure, 1, 1)
    per_return = (
        answers(
            *group,
            outcome.label("outcome"),
            func.sum(applicable).label("applied"),
            func.sum(met).label("met"),
        )
        .group_by(OutcomeReturn.id, *group, outcome)
        .subquery()
    )
    applied = per_return.c.applied > 0
    outcomes = select(
        per_return.c.period_id,
        per_return.c.provider_id,
        per_return.c.quadrant,
        per_return.c.outcome,
        func.sum(case((and_(applied, per_return.c.met == per_return.c.applied), 1), else_=0)),
        func.sum(case((applied, 1), else_=0)),
    ).group_by(
        per_return.c.period_id,
        per_return.c.provider_id,
        per_return.c.quadrant,
        per_return.c.outcome,
    )
    returns = (
        select(*group, literal(RETURNS_CODE), literal(0), func.count())
        .select_from(OutcomeReturn)
        .join(ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id)
        .where(criterion)
        .group_by(*group)
    )
    return list(db.session.execute(union_all(measures, outcomes, returns)).all())


def _apply(criterion: ColumnElement[bool], sign: int) -> None:
    rows = [
        dict(zip(KEY, key, strict=True)) | {"met": sign * int(met), "sample": sign * int(sample)}
        for *key, met, sample in _contributions(criterion)
    ]
    if not rows:
        return
    table = OutcomeTally.__table__
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY),
            set_={
                "met": table.c.met + statement.excluded.met,
                "sample": table.c.sample + statement.excluded.sample,
            },
        ),
        rows,
    )


def count_in(criterion: ColumnElement[bool]) -> None:
    """Add the returns ``criterion`` picks (just handed in) to Table F's counts."""
    _apply(criterion, +1)


def count_out(criterion: ColumnElement[bool]) -> None:
    """Take the returns ``criterion`` picks (about to be taken back) out of the counts."""
    _apply(criterion, -1)


def recount_period(period_id: int) -> None:
    """Rebuild a period's tallies from its returns (for loaded data, or a repair)."""
    db.session.execute(delete(OutcomeTally).where(OutcomeTally.period_id == period_id))
    count_in(and_(OutcomeReturn.period_id == period_id, OutcomeReturn.status.in_(COUNTED)))
