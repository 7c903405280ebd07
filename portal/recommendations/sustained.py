"""Do reductions hold? For every approved reduction that started in a financial year, the
person's package at 91 days and at 12 months from the agreed start, against the package
the reduction left them with: stayed down (no more weekly hours than then), went back up
(more), or ended (no package line in force). A checkpoint still to come is "not yet".

The package on a day is the sum of the person's lines in force that day, whoever provides
them, read from the package lines (an increase later approved, a new line from the case
system, an end recorded by the council are all there). Everything is counted in one SQL
statement grouped by provider, through indexes on the reductions' start and on each
person's lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, case, func, or_, select

from portal.common.dates import FinancialYear, today
from portal.common.sql_dates import days_after
from portal.extensions import db
from portal.providers.models import PackageLine, Provider
from portal.providers.queries import weekly_minutes_expression
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus

CHECKPOINTS = (91, 365)  # days after the agreed start: about three months, and a year


@dataclass(frozen=True)
class Held:
    """What became of a provider's reductions at one checkpoint."""

    stayed_down: int = 0
    went_back_up: int = 0
    ended: int = 0
    not_yet: int = 0

    @property
    def reached(self) -> int:
        return self.stayed_down + self.went_back_up + self.ended

    @property
    def sustained_percent(self) -> int | None:
        """The share that stayed down of those that reached the checkpoint, as a whole
        percent (a half rounded up)."""
        if not self.reached:
            return None
        return (200 * self.stayed_down + self.reached) // (2 * self.reached)


@dataclass(frozen=True)
class ProviderHeld:
    provider_id: int
    provider_name: str
    reductions: int
    at: dict[int, Held]  # by checkpoint


def _minutes_on(day: Any) -> Any:
    """The person's weekly minutes in force on ``day``: a subquery correlated with the
    reduction, answered through ix_package_lines_service_user_dates."""
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


@cache
def _statement() -> Select[Any]:
    start = Recommendation.agreed_start_date
    columns: list[Any] = [
        Recommendation.provider_id,
        _minutes_on(start).label("at_start"),
    ]
    for days in CHECKPOINTS:
        columns += [
            _minutes_on(days_after(start, days)).label(f"at_{days}"),
            (days_after(start, days) <= bindparam("today", type_=Date)).label(f"due_{days}"),
        ]
    each = (
        select(*columns)
        .where(
            Recommendation.status == RecommendationStatus.APPROVED,
            Recommendation.agreed_start_date >= bindparam("first", type_=Date),
            Recommendation.agreed_start_date <= bindparam("last", type_=Date),
            Recommendation.kind == ChangeKind.REDUCE,
        )
        .subquery()
    )

    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    totals: list[Any] = [each.c.provider_id, Provider.name, func.count().label("reductions")]
    for days in CHECKPOINTS:
        at, due = each.c[f"at_{days}"], each.c[f"due_{days}"]
        reached = due == True  # noqa: E712 - SQL's comparison, not Python's
        totals += [
            count(and_(reached, at > 0, at <= each.c.at_start)).label(f"down_{days}"),
            count(and_(reached, at > each.c.at_start)).label(f"up_{days}"),
            count(and_(reached, at == 0)).label(f"ended_{days}"),
            count(due == False).label(f"not_yet_{days}"),  # noqa: E712
        ]
    return (
        select(*totals)
        .join(Provider, Provider.id == each.c.provider_id)
        .group_by(each.c.provider_id, Provider.name)
        .order_by(Provider.name)
    )


def reductions_held(year: FinancialYear, *, on: dt.date | None = None) -> list[ProviderHeld]:
    """By provider, the approved reductions that started in ``year`` and what became of
    them at each checkpoint, as seen on ``on`` (today)."""
    values = {"first": year.first_day, "last": year.last_day, "today": on or today()}
    found = []
    for row in db.session.connection().execute(_statement(), values):
        found.append(
            ProviderHeld(
                provider_id=row.provider_id,
                provider_name=row.name,
                reductions=int(row.reductions),
                at={
                    days: Held(
                        stayed_down=int(row._mapping[f"down_{days}"] or 0),
                        went_back_up=int(row._mapping[f"up_{days}"] or 0),
                        ended=int(row._mapping[f"ended_{days}"] or 0),
                        not_yet=int(row._mapping[f"not_yet_{days}"] or 0),
                    )
                    for days in CHECKPOINTS
                },
            )
        )
    return found


def all_providers(rows: list[ProviderHeld]) -> dict[int, Held]:
    """The council's totals at each checkpoint."""
    return {
        days: Held(
            stayed_down=sum(r.at[days].stayed_down for r in rows),
            went_back_up=sum(r.at[days].went_back_up for r in rows),
            ended=sum(r.at[days].ended for r in rows),
            not_yet=sum(r.at[days].not_yet for r in rows),
        )
        for days in CHECKPOINTS
    }
