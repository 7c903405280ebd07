"""Keeping ``ReductionCheckpoint`` in step with the package lines it is judged from.

For each approved reduction: the person's weekly minutes on the agreed start (the package
the reduction left them with: every line in force that day, whoever provides it), and at
91 and 365 days after it, once that day has come. At each checkpoint the reduction
**held** (lines in force, no more minutes than it left), **went back up** (more), or
**ended** (no line in force); a checkpoint still to come is **not yet known**.

It is derived state, refreshed by calls you can see, as ``portal.outcomes.owed`` is:
approving a recommendation and a case system import call ``lines_changed`` for the people
whose lines they wrote (an approval's own reduction gets its row there); ``refresh_due``,
run each night by ``flask reductions checkpoints``, fills the checkpoints whose day has
come; ``refresh_all`` works every row out again (bulk loads, repairs). Each is a delete and
one ``INSERT ... SELECT`` whose weekly minutes are sums over each person's lines, through
ix_package_lines_service_user_dates, so nothing is counted when a page is read.

A refresh locks the people whose rows it rewrites, so on PostgreSQL two refreshes for one
person wait for each other rather than both inserting their rows; SQLite lets one writer in
at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy import true as sql_true

from portal.common import stored_figures
from portal.common.dates import today
from portal.common.sql_dates import days_after
from portal.extensions import db
from portal.providers.models import PackageLine, ServiceUser
from portal.providers.queries import weekly_minutes_expression
from portal.recommendations.models import (
    ChangeKind,
    Recommendation,
    RecommendationStatus,
    ReductionCheckpoint,
    Verdict,
)

CHECKPOINTS = (91, 365)  # days after the agreed start: about three months, and a year
TABLE = ReductionCheckpoint.__table__
COLUMNS = [column.name for column in TABLE.columns]


def _minutes_on(day: Any) -> Any:
    """The person's weekly minutes in force on ``day``, correlated with the reduction."""
    return (
        select(func.coalesce(func.sum(weekly_minutes_expression()), 0))
        .where(
            PackageLine.service_user_id == Recommendation.service_user_id,
            PackageLine.start_date <= day,
            or_(PackageLine.end_date.is_(None), PackageLine.end_date >= day),
        )
        .correlate(Recommendation)
        .scalar_subquery()
    )


def verdict(minutes: Any, agreed: Any) -> Any:
    """The verdict at a checkpoint, in SQL, from its minutes (null until its day has come)."""
    return case(
        (minutes.is_(None), literal(Verdict.NOT_YET_KNOWN.value)),
        (minutes == 0, literal(Verdict.ENDED.value)),
        (minutes > agreed, literal(Verdict.WENT_BACK_UP.value)),
        else_=literal(Verdict.HELD.value),
    )


@cache
def _source() -> Select[Any]:
    """Every row, as the lines stand and as seen on :today, for the approved reductions
    that :criteria (added by ``_rows``) pick."""
    start = Recommendation.agreed_start_date
    columns: list[Any] = [
        Recommendation.id.label("recommendation_id"),
        Recommendation.provider_id,
        Recommendation.service_user_id,
        start.label("agreed_start_date"),
        _minutes_on(start).label("weekly_minutes_agreed"),
    ]
    for days in CHECKPOINTS:
        day = days_after(start, days)
        come = day <= bindparam("today", type_=Date)
        columns += [
            day.label(f"checkpoint_{days}_on"),
            case((come, _minutes_on(day)), else_=null()).label(f"weekly_minutes_{days}"),
        ]
    return select(*columns).where(
        Recommendation.status == RecommendationStatus.APPROVED,
        Recommendation.kind == ChangeKind.REDUCE,
        Recommendation.agreed_start_date.is_not(None),
    )


def _rows(criterion: ColumnElement[bool]) -> Select[Any]:
    figures = _source().where(criterion).subquery()
    by_name = {
        **{name: figures.c[name] for name in COLUMNS if name in figures.c},
        **{
            f"verdict_{days}": verdict(
                figures.c[f"weekly_minutes_{days}"], figures.c.weekly_minutes_agreed
            ).label(f"verdict_{days}")
            for days in CHECKPOINTS
        },
    }
    return select(*(by_name[name] for name in COLUMNS))


def _rewrite(
    connection: Connection,
    *,
    people: ColumnElement[bool],
    rows: ColumnElement[bool],
    source: ColumnElement[bool],
    on: dt.date,
) -> None:
    connection.execute(
        select(ServiceUser.id).where(people).order_by(ServiceUser.id).with_for_update()
    )
    days = [TABLE.c.checkpoint_91_on, TABLE.c.checkpoint_365_on]
    gone = connection.execute(delete(TABLE).where(rows).returning(*days)).all()
    made = connection.execute(
        TABLE.insert().from_select(COLUMNS, _rows(source)).returning(*days), {"today": on}
    ).all()
    # The counts kept for the months these checkpoints fell in, and now fall in, are
    # counted again (``portal.recommendations.sustained``).
    fell = [day for row in (*gone, *made) for day in row if day is not None]
    if fell:
        stored_figures.forget(
            stored_figures.HELD, since=min(fell), until=max(fell), connection=connection
        )


def refresh(connection: Connection, people: Iterable[int], *, on: dt.date) -> None:
    """Work out again the rows of these people's approved reductions, as seen on ``on``."""
    chosen = sorted(set(people))
    if chosen:
        _rewrite(
            connection,
            people=ServiceUser.id.in_(chosen),
            rows=TABLE.c.service_user_id.in_(chosen),
            source=Recommendation.service_user_id.in_(chosen),
            on=on,
        )


def refresh_all(connection: Connection, *, on: dt.date) -> None:
    """Every approved reduction's row, again (for loaded data, or a repair)."""
    _rewrite(connection, people=sql_true(), rows=sql_true(), source=sql_true(), on=on)


def lines_changed(people: Iterable[int]) -> None:
    """These people's lines were started, ended or moved (or a reduction of theirs was
    approved): flush them, and judge their reductions again."""
    db.session.flush()
    refresh(db.session.connection(), people, on=today())


def refresh_due(*, on: dt.date | None = None) -> int:
    """Fill in the checkpoints whose day has come since their row was worked out (the
    nightly job; safe to run at any time, as often as you like). Returns how many
    reductions were judged again."""
    on = on or today()
    db.session.flush()
    due = [
        and_(
            TABLE.c[f"verdict_{days}"] == Verdict.NOT_YET_KNOWN,
            TABLE.c[f"checkpoint_{days}_on"] <= on,
        )
        for days in CHECKPOINTS
    ]
    found = db.session.execute(
        select(TABLE.c.recommendation_id, TABLE.c.service_user_id).where(or_(*due))
    ).all()
    refresh(db.session.connection(), (person for _, person in found), on=on)
    return len(found)


def refresh_everything(*, on: dt.date | None = None) -> None:
    """Lines or reductions were loaded in bulk: every row, again."""
    db.session.flush()
    refresh_all(db.session.connection(), on=on or today())
