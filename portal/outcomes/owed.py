"""Keeping ``OwedReturn`` in step with the package lines and periods it comes from.

A return is owed for every service user who had a package line with a strategic-tier
provider at any time in the quarter; the provider of the person's latest such line owes it.
Lines, periods and providers are written through the ORM, so a flush hook sees every
change that can move a return: after a flush that wrote any of them, the rows of the people
(or periods) touched are worked out again from the lines, with one ranked
``INSERT ... SELECT``. Loads that insert lines in bulk call ``refresh`` themselves.

A refresh locks the people whose rows it rewrites (every person, for a new period), so on
PostgreSQL two package changes for one person, or a change and a quarter being opened,
wait for each other and the second sees the first's lines and periods. SQLite lets one
writer in at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, event, func, or_, select
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import History, instance_state

from portal.outcomes.models import OwedReturn, PeriodKind, ReportingPeriod
from portal.providers.models import PackageLine, Provider, ServiceUser

OWED = OwedReturn.__table__
# A line's changes that can move a return to another provider, or in or out of a quarter.
LINE_FIELDS = ("service_user_id", "provider_id", "start_date", "end_date")
PERIOD_FIELDS = ("kind", "start_date", "end_date")


def owed_rows(*criteria: ColumnElement[bool]) -> Any:
    """(period_id, service_user_id, provider_id) for each return owed, as the lines stand;
    ``criteria`` narrow the periods or the people worked out."""
    in_quarter = and_(
        PackageLine.start_date <= ReportingPeriod.end_date,
        or_(PackageLine.end_date.is_(None), PackageLine.end_date >= ReportingPeriod.start_date),
    )
    ranked = (
        select(
            ReportingPeriod.id.label("period_id"),
            PackageLine.service_user_id,
            PackageLine.provider_id,
            func.row_number()
            .over(
                partition_by=(ReportingPeriod.id, PackageLine.service_user_id),
                order_by=(PackageLine.start_date.desc(), PackageLine.id.desc()),
            )
            .label("newest"),
        )
        .select_from(ReportingPeriod)
        .join(PackageLine, in_quarter)
        .join(Provider, Provider.id == PackageLine.provider_id)
        .where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES,
            Provider.strategic_tier.is_(True),
            *criteria,
        )
        .subquery()
    )
    return select(ranked.c.period_id, ranked.c.service_user_id, ranked.c.provider_id).where(
        ranked.c.newest == 1
    )


def _rewrite(
    connection: Connection,
    *,
    people: ColumnElement[bool],
    owed: ColumnElement[bool],
    source: ColumnElement[bool],
) -> None:
    connection.execute(
        select(ServiceUser.id).where(people).order_by(ServiceUser.id).with_for_update()
    )
    connection.execute(delete(OWED).where(owed))
    connection.execute(
        OWED.insert().from_select(
            ["period_id", "service_user_id", "provider_id"], owed_rows(source)
        )
    )


def refresh(
    connection: Connection, *, people: Collection[int] = (), periods: Collection[int] = ()
) -> None:
    """Work the owed rows out again for these people (in every period) and for everyone in
    these periods."""
    if people:
        _rewrite(
            connection,
            people=ServiceUser.id.in_(people),
            owed=OWED.c.service_user_id.in_(people),
            source=PackageLine.service_user_id.in_(people),
        )
    if periods:
        _rewrite(
            connection,
            people=sql_true(),
            owed=OWED.c.period_id.in_(periods),
            source=ReportingPeriod.id.in_(periods),
        )


def refresh_all(connection: Connection) -> None:
    """Work out every period's owed rows again (for loaded data, or a repair)."""
    _rewrite(connection, people=sql_true(), owed=sql_true(), source=sql_true())


def _history(instance: object, field: str) -> History:
    return instance_state(instance).attrs[field].history


def _changed(instance: object, fields: Iterable[str]) -> bool:
    return any(_history(instance, field).has_changes() for field in fields)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    people: set[int] = set()
    periods: set[int] = set()
    everyone = False
    for instance in (*session.new, *session.dirty, *session.deleted):
        written = instance in session.new or instance in session.deleted
        if isinstance(instance, PackageLine):
            if written or _changed(instance, LINE_FIELDS):
                # The person it belongs to now, and any it was moved from.
                people.add(instance.service_user_id)
                people.update(_history(instance, "service_user_id").deleted)
        elif isinstance(instance, ReportingPeriod):
            if written or _changed(instance, PERIOD_FIELDS):
                periods.add(instance.id)
        elif isinstance(instance, Provider) and not written:
            everyone |= _changed(instance, ("strategic_tier",))
    if everyone:
        refresh_all(session.connection())
    elif people or periods:
        refresh(session.connection(), people=people, periods=periods)
