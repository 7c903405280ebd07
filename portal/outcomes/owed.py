"""Keeping ``OwedReturn`` in step with the package lines and periods it comes from.

A return is owed for every service user who had a package line with a strategic-tier
provider at any time in the quarter; the provider of the person's latest such line owes it.
A provider that has left the register owes none for a quarter starting after its exit date.
It is derived state, refreshed by a call you can see: every operation that starts, ends or
moves a person's lines calls ``lines_changed``, opening a quarter calls ``period_opened``,
a provider's exit or move in or out of the strategic tier calls ``provider_changed``, and a change to which providers are in the strategic tier (or a bulk load) calls
``refresh_everything``. Each works the rows out again from the lines, with one ranked
``INSERT ... SELECT``.

A refresh locks the people whose rows it rewrites (every person, for a new period), so on
PostgreSQL two package changes for one person, or a change and a quarter being opened,
wait for each other and the second sees the first's lines and periods. SQLite lets one
writer in at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select
from sqlalchemy import true as sql_true

from portal.extensions import db
from portal.outcomes import progress
from portal.outcomes.models import OwedReturn, PeriodKind, ReportingPeriod
from portal.providers.models import PackageLine, Provider, ServiceUser

OWED = OwedReturn.__table__


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
            or_(Provider.exited_on.is_(None), ReportingPeriod.start_date <= Provider.exited_on),
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
    these periods, and the progress figures of the providers they were and are owed by."""
    if people:
        owing = OWED.c.service_user_id.in_(people)
        before = _pairs(connection, owing)
        _rewrite(
            connection,
            people=ServiceUser.id.in_(people),
            owed=owing,
            source=PackageLine.service_user_id.in_(people),
        )
        progress.recount(before | _pairs(connection, owing))
    if periods:
        _rewrite(
            connection,
            people=sql_true(),
            owed=OWED.c.period_id.in_(periods),
            source=ReportingPeriod.id.in_(periods),
        )
        progress.recount(periods=periods)


def _pairs(connection: Connection, criterion: ColumnElement[bool]) -> set[tuple[int, int]]:
    """(period, provider) of the owed rows ``criterion`` picks."""
    rows = connection.execute(
        select(OWED.c.period_id, OWED.c.provider_id).where(criterion).distinct()
    )
    return {(period_id, provider_id) for period_id, provider_id in rows}


def refresh_all(connection: Connection) -> None:
    """Work out every period's owed rows again (for loaded data, or a repair), and the
    progress figures."""
    _rewrite(connection, people=sql_true(), owed=sql_true(), source=sql_true())
    progress.recount_all()


def lines_changed(people: Iterable[int]) -> None:
    """These people's lines were started, ended or moved: flush them, and work out who owes
    their returns, in every quarter, again."""
    db.session.flush()
    refresh(db.session.connection(), people=set(people))


def provider_changed(provider_id: int) -> None:
    """A provider left the register, or joined or left the strategic tier: flush it, and
    work out again who owes the returns of everyone who ever had a line with it."""
    db.session.flush()
    people = db.session.scalars(
        select(PackageLine.service_user_id).where(PackageLine.provider_id == provider_id).distinct()
    )
    refresh(db.session.connection(), people=set(people))


def period_opened(period: ReportingPeriod) -> None:
    """A quarter was opened (or its dates changed): flush it, and work out who owes its
    returns."""
    db.session.flush()
    refresh(db.session.connection(), periods={period.id})


def refresh_everything() -> None:
    """Providers joined or left the strategic tier, or lines and quarters were loaded in
    bulk: every quarter's rows, again."""
    db.session.flush()
    refresh_all(db.session.connection())
