"""Keeping the returns progress page's figures (``OutcomeProgress``) as returns are handed
in, accepted or sent back, and as who owes them changes.

Each change works its rows out again from ``outcome_owed`` and ``outcome_returns`` for the
periods and providers it touches (a provider's quarter is a few hundred rows), never by
adding and taking away, so a figure cannot drift from what it counts:

- ``returns_changed`` after a return's status changes: the provider owing it;
- ``owed.refresh`` calls ``recount`` for the providers its people were owed by, before and
  after, and for every provider in a period it works out again.

A recount makes sure its rows exist, locks them in key order and only then counts, in a
statement of its own: on PostgreSQL two requests changing one provider's quarter at once
(two managers submitting, or a submission and a package change) are served one after the
other, and the second counts what the first committed. SQLite lets one writer in at a
time. A handed-in return counts for the provider owing it, and for none if nobody owes it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy import true as sql_true
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.outcomes.models import (
    HANDED_IN,
    OutcomeProgress,
    OutcomeReturn,
    OwedReturn,
    ReportingPeriod,
    ReturnStatus,
)

PROGRESS = OutcomeProgress.__table__
FIGURES = ("owed", "handed_in", "accepted", "late")
Pair = tuple[int, int]  # (period id, provider id)
# Past this many rows, a recount counts their whole periods rather than list every pair.
PAIRS_LISTED = 200


def counted(owed_criterion: ColumnElement[bool]) -> Any:
    """(period_id, provider_id, owed, handed_in, accepted, late) worked out afresh for the
    owed rows ``owed_criterion`` picks, grouped by period and provider."""
    handed_in = and_(
        OutcomeReturn.period_id == OwedReturn.period_id,
        OutcomeReturn.service_user_id == OwedReturn.service_user_id,
        OutcomeReturn.status.in_(HANDED_IN),
    )
    late = func.date(OutcomeReturn.submitted_at) > ReportingPeriod.due_date
    return (
        select(
            OwedReturn.period_id,
            OwedReturn.provider_id,
            func.count(),
            func.count(OutcomeReturn.id),
            func.count(case((OutcomeReturn.status == ReturnStatus.ACCEPTED, 1))),
            func.count(case((late, 1))),
        )
        .select_from(OwedReturn)
        .join(ReportingPeriod, ReportingPeriod.id == OwedReturn.period_id)
        .outerjoin(OutcomeReturn, handed_in)
        .where(owed_criterion)
        .group_by(OwedReturn.period_id, OwedReturn.provider_id)
    )


def recount(pairs: Collection[Pair] = (), *, periods: Collection[int] = ()) -> None:
    """Work out again the figures of these (period, provider) pairs and of every provider in
    these periods."""
    if pairs:
        ordered = sorted(set(pairs))
        _recount(ordered, tuple_(PROGRESS.c.period_id, PROGRESS.c.provider_id).in_(ordered))
    if periods:
        chosen = sorted(set(periods))
        owing = db.session.execute(
            select(OwedReturn.period_id, OwedReturn.provider_id)
            .where(OwedReturn.period_id.in_(chosen))
            .distinct()
        )
        _recount(sorted({(p, q) for p, q in owing}), PROGRESS.c.period_id.in_(chosen))


def recount_all() -> None:
    """Every period's figures again (for loaded data, or a repair)."""
    owing = db.session.execute(select(OwedReturn.period_id, OwedReturn.provider_id).distinct())
    _recount(sorted({(p, q) for p, q in owing}), sql_true())


def returns_changed(criterion: ColumnElement[bool]) -> None:
    """The returns ``criterion`` picks were handed in, accepted or sent back: flush them,
    and recount the figures of the providers owing them (whose rows exist: every provider
    owing returns in a period has one)."""
    db.session.flush()
    # Read first, then locked by key: a plain join from the returns the criterion picks,
    # which the planner answers through their keys even on tables it has no statistics
    # for yet (a demo council loading in one transaction), where a locking read joining
    # the figures to the same join is not.
    owing = db.session.execute(
        select(OwedReturn.period_id, OwedReturn.provider_id)
        .select_from(OutcomeReturn)
        .join(
            OwedReturn,
            and_(
                OwedReturn.period_id == OutcomeReturn.period_id,
                OwedReturn.service_user_id == OutcomeReturn.service_user_id,
            ),
        )
        .where(criterion)
        .distinct()
    ).all()
    if owing:
        pairs = sorted({(p, q) for p, q in owing})
        _set(_held(tuple_(PROGRESS.c.period_id, PROGRESS.c.provider_id).in_(pairs)))


def _recount(new_pairs: list[Pair], rows: ColumnElement[bool]) -> None:
    """Make sure ``new_pairs`` have rows, then set every row ``rows`` picks."""
    if new_pairs:
        dialect = db.session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PROGRESS)
        db.session.execute(
            insert.on_conflict_do_nothing(index_elements=["period_id", "provider_id"]),
            [{"period_id": p, "provider_id": q} | dict.fromkeys(FIGURES, 0) for p, q in new_pairs],
        )
    _set(_held(rows))


def _held(rows: ColumnElement[bool]) -> Select[Any]:
    """The figures' keys ``rows`` picks, locked in key order."""
    return (
        select(PROGRESS.c.period_id, PROGRESS.c.provider_id)
        .where(rows)
        .order_by(PROGRESS.c.period_id, PROGRESS.c.provider_id)
        .with_for_update()
    )


def _set(rows: Select[Any]) -> None:
    """Lock the rows ``rows`` reads (period, provider; in key order), then set each from
    the owed rows of its period and provider (0 where there are none)."""
    held = db.session.execute(rows).all()
    if not held:
        return
    # Counted in a statement of its own, after the lock: it sees what was committed while
    # this request waited.
    owed = tuple_(OwedReturn.period_id, OwedReturn.provider_id).in_([tuple(row) for row in held])
    if len(held) > PAIRS_LISTED:
        owed = OwedReturn.period_id.in_({period_id for period_id, _ in held})
    figures = {(p, q): rest for p, q, *rest in db.session.execute(counted(owed))}
    db.session.execute(
        update(PROGRESS)
        .where(
            PROGRESS.c.period_id == bindparam("period"),
            PROGRESS.c.provider_id == bindparam("provider"),
        )
        .values({name: bindparam(f"new_{name}") for name in FIGURES}),
        [
            {"period": p, "provider": q}
            | {
                f"new_{name}": value
                for name, value in zip(FIGURES, figures.get((p, q), (0, 0, 0, 0)), strict=True)
            }
            for p, q in held
        ],
    )
