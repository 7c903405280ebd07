"""Keeping Table F's counts (``OutcomeTally``) as returns are handed in and taken back,
and its counts for the same people quarter to quarter (``OutcomePairTally``).

A return counts while it is submitted or accepted. ``count_in`` adds the returns a
criterion picks to their period's tallies and ``count_out`` takes them away: each reads the
returns' answers with a few grouped queries and applies the differences with one upsert
(``INSERT ... ON CONFLICT DO UPDATE``), which PostgreSQL makes safe when two providers'
returns come in at once.

A return also belongs to up to two pairs: with the same person's return in the quarter
before, and with their return in the quarter after, each counted while both returns are.
``count_in`` and ``count_out`` adjust both pairs' tallies with one more statement, an
``INSERT ... SELECT ... ON CONFLICT`` that reads the two returns' answers side by side.

``recount_period`` rebuilds a period's tallies, and the pairs its returns belong to, from
the returns; ``recount_all`` rebuilds every period's (for loaded data, or a repair);
``period_opened`` mends the pairs a quarter opened between two others splits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from portal.common import stored_figures
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import (
    HANDED_IN,
    RETURNS_CODE,
    OutcomeAnswer,
    OutcomePairTally,
    OutcomeReturn,
    OutcomeTally,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
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
    _forget_figures({row["period_id"] for row in rows})
    table = OutcomeTally.__table__
    statement = _insert(table)
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


def _forget_figures(period_ids: set[int]) -> None:
    """The dashboard's kept figures for those quarters are counted again."""
    stored_figures.forget_months(
        stored_figures.OUTCOMES,
        select(ReportingPeriod.start_date).where(ReportingPeriod.id.in_(period_ids)),
    )


def _insert(table: Any) -> Any:
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _neighbours() -> Any:
    """Each quarter with the quarter before it and the quarter after it, as Table F finds
    the quarter before: the nearest by start date (a few dozen rows)."""
    period = aliased(ReportingPeriod)

    def nearest(before: bool) -> Any:
        other = aliased(ReportingPeriod)
        return (
            select(other.id)
            .where(
                other.kind == period.kind,
                other.start_date < period.start_date
                if before
                else other.start_date > period.start_date,
            )
            .order_by(other.start_date.desc() if before else other.start_date)
            .limit(1)
            .correlate(period)
            .scalar_subquery()
        )

    return (
        select(
            period.id.label("id"),
            nearest(True).label("previous_id"),
            nearest(False).label("next_id"),
        )
        .where(period.kind == PeriodKind.OUTCOMES)
        .cte("neighbours")
    )


def _pairs(criterion: ColumnElement[bool], *, both_ways: bool) -> Any:
    """(before_id, now_id, period_id, provider_id, quadrant) for every pair of one person's
    returns in consecutive quarters, both counted, that a return ``criterion`` picks
    belongs to: as the later return, and (``both_ways``) as the earlier one. A pair filed
    under the later quarter, its return's provider and the person's quadrant. A pair whose
    two returns are both picked is found once, as the later's."""
    neighbours = _neighbours()
    # The picked returns first, then the quarters either side of theirs, so that each finds
    # its neighbours through the unique index on (quarter, person) whatever else the
    # quarters hold.
    picked = (
        select(
            OutcomeReturn.id,
            OutcomeReturn.period_id,
            OutcomeReturn.service_user_id,
            OutcomeReturn.provider_id,
            ServiceUser.quadrant,
        )
        .join(ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id)
        .where(criterion)
        .cte("picked")
    )
    batch = (
        select(picked, neighbours.c.previous_id, neighbours.c.next_id)
        .join(neighbours, neighbours.c.id == picked.c.period_id)
        .cte("batch")
    )
    other = aliased(OutcomeReturn)

    def neighbour(period_id: Any) -> Any:
        # The status through a function, so SQLite looks for the person's return in the
        # quarter by the unique index rather than through every counted return's status.
        return and_(
            other.service_user_id == batch.c.service_user_id,
            other.period_id == period_id,
            func.coalesce(
                other.status,
                literal(ReturnStatus.DRAFT, other.status.type),
                type_=other.status.type,
            ).in_(COUNTED),
        )

    as_later = (
        select(
            other.id.label("before_id"),
            batch.c.id.label("now_id"),
            batch.c.period_id.label("period_id"),
            batch.c.provider_id.label("provider_id"),
            batch.c.quadrant.label("quadrant"),
        )
        .select_from(batch)
        .join(other, neighbour(batch.c.previous_id))
    )
    if not both_ways:
        return as_later.cte("pairs")
    as_earlier = (
        select(batch.c.id, other.id, other.period_id, other.provider_id, batch.c.quadrant)
        .select_from(batch)
        .join(other, neighbour(batch.c.next_id))
        .where(other.id.not_in(select(picked.c.id)))
    )
    return union_all(as_later, as_earlier).cte("pairs")


def _pair_figures(pairs: Any) -> Any:
    """(period, provider, quadrant, code, pairs, met before, met now, improved, declined)
    for each criterion, over the ``pairs``: a measure's pairs are the people for whom it
    applied in both quarters; an outcome's those for whom one of its measures applied in
    each (met when every measure that applied was met), as Table F counts them.

    Each pair's answers side by side, a row a measure answered in both returns (every
    measure, in a return handed in), read from the pairs through the answers' index; then
    counted by measure, and by pair and outcome."""
    before, now = aliased(OutcomeAnswer), aliased(OutcomeAnswer)
    key = (pairs.c.period_id, pairs.c.provider_id, pairs.c.quadrant)

    def one(condition: ColumnElement[bool]) -> Any:
        return case((condition, 1), else_=0)

    side_by_side = (
        select(
            pairs.c.now_id,  # a pair's later return: one pair each
            *key,
            now.measure.label("measure"),
            one(before.result != MeasureResult.NOT_APPLICABLE).label("applied_before"),
            one(before.result == MeasureResult.MET).label("met_before"),
            one(now.result != MeasureResult.NOT_APPLICABLE).label("applied_now"),
            one(now.result == MeasureResult.MET).label("met_now"),
        )
        .select_from(pairs)
        .join(before, before.return_id == pairs.c.before_id)
        .join(now, and_(now.return_id == pairs.c.now_id, now.measure == before.measure))
        .cte("side_by_side")
    )
    by_measure = side_by_side.c
    outcome = func.substr(by_measure.measure, 1, 1)
    by_outcome = (
        select(
            by_measure.period_id,
            by_measure.provider_id,
            by_measure.quadrant,
            outcome.label("outcome"),
            *(
                func.sum(by_measure[name]).label(name)
                for name in ("applied_before", "met_before", "applied_now", "met_now")
            ),
        )
        .group_by(
            by_measure.now_id,
            by_measure.period_id,
            by_measure.provider_id,
            by_measure.quadrant,
            outcome,
        )
        .subquery("by_outcome")
    )

    def figures(each: Any, code: Any) -> Any:
        """The people counted over ``each`` (a pair a row) for whom ``code`` applied in
        both quarters; met when every measure under it that applied was met."""
        before_met = each.met_before == each.applied_before
        now_met = each.met_now == each.applied_now
        group = (each.period_id, each.provider_id, each.quadrant, code)
        return (
            select(
                *group,
                func.count(),
                func.sum(one(before_met)),
                func.sum(one(now_met)),
                func.sum(one(and_(~before_met, now_met))),
                func.sum(one(and_(before_met, ~now_met))),
            )
            .where(each.applied_before > 0, each.applied_now > 0)
            .group_by(*group)
        )

    returns = (
        select(*key, literal(RETURNS_CODE), func.count(), *[literal(0)] * 4)
        .select_from(pairs)
        .group_by(*key)
    )
    return union_all(
        figures(by_measure, by_measure.measure),
        figures(by_outcome.c, by_outcome.c.outcome),
        returns,
    ).subquery("figures")


PAIR_KEY = ("period_id", "provider_id", "quadrant", "code")
PAIR_FIGURES = ("pairs", "met_before", "met_now", "improved", "declined")


def _apply_pairs(pairs: Any, sign: int) -> None:
    """Add (or with ``sign`` -1 take away) the ``pairs``' figures to their tallies, in one
    statement that reads them and applies them."""
    found = _pair_figures(pairs)
    columns = list(found.c)
    table = OutcomePairTally.__table__
    statement = _insert(table).from_select(
        [*PAIR_KEY, *PAIR_FIGURES],
        # WHERE true: SQLite would read ON CONFLICT's ON as a join's without a WHERE.
        select(*columns[:4], *(column * sign for column in columns[4:])).where(true()),
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=list(PAIR_KEY),
            set_={name: table.c[name] + statement.excluded[name] for name in PAIR_FIGURES},
        )
    )


def count_in(criterion: ColumnElement[bool]) -> None:
    """Add the returns ``criterion`` picks (just handed in) to Table F's counts, and the
    pairs they make with the same people's returns in the quarters either side."""
    _apply(criterion, +1)
    _apply_pairs(_pairs(criterion, both_ways=True), +1)


def count_out(criterion: ColumnElement[bool]) -> None:
    """Take the returns ``criterion`` picks (about to be taken back) out of the counts, and
    the pairs they made."""
    _apply(criterion, -1)
    _apply_pairs(_pairs(criterion, both_ways=True), -1)


def recount_pairs(period_id: int) -> None:
    """Rebuild the pairs filed under a period (its returns with the quarter before's)."""
    db.session.execute(delete(OutcomePairTally).where(OutcomePairTally.period_id == period_id))
    _apply_pairs(
        _pairs(
            and_(OutcomeReturn.period_id == period_id, OutcomeReturn.status.in_(COUNTED)),
            both_ways=False,
        ),
        +1,
    )


def _next_period(period_id: int) -> int | None:
    neighbours = _neighbours()
    return db.session.scalar(select(neighbours.c.next_id).where(neighbours.c.id == period_id))


def recount_period(period_id: int) -> None:
    """Rebuild a period's tallies from its returns (for loaded data, or a repair): its own,
    and the pairs its returns belong to, with the quarters before and after."""
    db.session.execute(delete(OutcomeTally).where(OutcomeTally.period_id == period_id))
    _apply(and_(OutcomeReturn.period_id == period_id, OutcomeReturn.status.in_(COUNTED)), +1)
    recount_pairs(period_id)
    following = _next_period(period_id)
    if following is not None:
        recount_pairs(following)


def recount_all() -> None:
    """Rebuild every period's tallies and pairs from the returns, each once."""
    db.session.execute(delete(OutcomeTally))
    db.session.execute(delete(OutcomePairTally))
    handed_in = OutcomeReturn.status.in_(COUNTED)
    _apply(handed_in, +1)
    _apply_pairs(_pairs(handed_in, both_ways=False), +1)


def period_opened(period_id: int) -> None:
    """A quarter opened between two others parts the pairs filed under the later one (they
    paired it with the one before the new quarter): count them again, with the new one."""
    following = _next_period(period_id)
    if following is not None:
        recount_pairs(following)
