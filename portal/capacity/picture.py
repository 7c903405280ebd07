"""The commissioners' capacity picture: this month's spare capacity by quadrant and
category, discharge and weekend cover, each provider's flags, who has not returned, and
twelve months of trends. Totals are summed in SQL; a handful of queries whatever the size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from portal.capacity.models import CapacityByQuadrant, CapacityReturn
from portal.capacity.operations import window_for
from portal.capacity.rules import (
    MissedWindows,
    annualised_turnover_percent,
    missed_windows,
    spare_capacity_index,
    turnover_flagged,
)
from portal.common.dates import today
from portal.council.models import get_settings
from portal.extensions import db
from portal.providers.enums import ProviderStatus, Quadrant
from portal.providers.models import Provider

CATEGORIES = (
    ("takes_children", "Children and young people"),
    ("takes_palliative", "Palliative and end of life"),
    ("takes_double_handed", "Double-handed"),
    ("takes_dementia", "Dementia"),
)


def months_back(month: dt.date, count: int) -> list[dt.date]:
    """``count`` months ending with ``month``, oldest first."""
    months = [month.replace(day=1)]
    while len(months) < count:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    return months


@dataclass(frozen=True)
class QuadrantTotal:
    quadrant: Quadrant
    spare_weekly_minutes: int
    new_packages: int


@dataclass(frozen=True)
class CategoryTotal:
    label: str
    providers: int
    spare_weekly_minutes: int


@dataclass
class ProviderRow:
    provider_id: int
    name: str
    returned: bool = False
    late: bool = False
    return_id: int | None = None
    spare_index: Decimal | None = None
    turnover: Decimal | None = None
    pay_below_floor: bool = False
    no_travel_time: bool = False
    missed: MissedWindows = field(default_factory=lambda: MissedWindows(0, 0))

    @property
    def flags(self) -> list[str]:
        flags = []
        if turnover_flagged(self.turnover):
            flags.append(f"Turnover {self.turnover}%")
        if self.pay_below_floor:
            flags.append("Pay below the wage floor")
        if self.no_travel_time:
            flags.append("Travel time not paid")
        if self.missed.flagged:
            flags.append(f"{self.missed.missed} windows missed in 12 months")
        return flags


@dataclass(frozen=True)
class MonthTrend:
    month: dt.date
    returns: int
    spare_weekly_minutes: int
    new_packages: int
    delivered_weekly_minutes: int


@dataclass
class Picture:
    month: dt.date
    closes: dt.date
    quadrants: list[QuadrantTotal]
    categories: list[CategoryTotal]
    returns: int
    weekend_starts: int
    seven_day_discharge: int
    providers: list[ProviderRow]
    trends: list[MonthTrend]

    @property
    def spare_weekly_minutes(self) -> int:
        return sum(q.spare_weekly_minutes for q in self.quadrants)

    @property
    def new_packages(self) -> int:
        return sum(q.new_packages for q in self.quadrants)

    @property
    def not_returned(self) -> list[ProviderRow]:
        return [row for row in self.providers if not row.returned]


def _from_active_providers() -> Any:
    """The picture is of the providers the council can place with now: active ones (the
    page counts returns against them, this month and in the trends alike)."""
    return CapacityReturn.provider_id.in_(
        select(Provider.id).where(Provider.status == ProviderStatus.ACTIVE)
    )


def capacity_picture(month: dt.date | None = None) -> Picture:
    month = (month or today()).replace(day=1)
    in_month = and_(CapacityReturn.month == month, _from_active_providers())

    quadrant_rows = {
        quadrant: (int(spare or 0), int(new or 0))
        for quadrant, spare, new in db.session.execute(
            select(
                CapacityByQuadrant.quadrant,
                func.sum(CapacityByQuadrant.spare_weekly_minutes),
                func.sum(CapacityByQuadrant.new_packages),
            )
            .join(CapacityReturn, CapacityReturn.id == CapacityByQuadrant.return_id)
            .where(in_month)
            .group_by(CapacityByQuadrant.quadrant)
        )
    }
    quadrants = [QuadrantTotal(q, *quadrant_rows.get(q, (0, 0))) for q in Quadrant]

    spare_by_return = (
        select(
            CapacityByQuadrant.return_id,
            func.sum(CapacityByQuadrant.spare_weekly_minutes).label("spare"),
        )
        .group_by(CapacityByQuadrant.return_id)
        .subquery()
    )
    categories = []
    for column, label in CATEGORIES:
        flag = getattr(CapacityReturn, column)
        count, spare = db.session.execute(
            select(func.count(CapacityReturn.id), func.sum(spare_by_return.c.spare))
            .outerjoin(spare_by_return, spare_by_return.c.return_id == CapacityReturn.id)
            .where(in_month, flag.is_(True))
        ).one()
        categories.append(CategoryTotal(label, int(count), int(spare or 0)))

    returns, weekend, discharge = db.session.execute(
        select(
            func.count(CapacityReturn.id),
            func.count(CapacityReturn.id).filter(CapacityReturn.weekend_starts.is_(True)),
            func.count(CapacityReturn.id).filter(CapacityReturn.seven_day_discharge.is_(True)),
        ).where(in_month)
    ).one()

    return Picture(
        month=month,
        closes=window_for(month).closes,
        quadrants=quadrants,
        categories=categories,
        returns=int(returns),
        weekend_starts=int(weekend),
        seven_day_discharge=int(discharge),
        providers=_provider_rows(month),
        trends=_trends(month),
    )


def _provider_rows(month: dt.date) -> list[ProviderRow]:
    """Every active provider, with this month's return (if any) and its flags."""
    floor = get_settings().wage_floor_pence
    rows = {
        provider_id: ProviderRow(provider_id, name)
        for provider_id, name in db.session.execute(
            select(Provider.id, Provider.name)
            .where(Provider.status == ProviderStatus.ACTIVE)
            .order_by(Provider.name)
        )
    }
    current = db.session.scalars(
        select(CapacityReturn).where(
            CapacityReturn.month == month, CapacityReturn.provider_id.in_(rows)
        )
    )
    for capacity in current:
        row = rows[capacity.provider_id]
        row.returned, row.late, row.return_id = True, capacity.late, capacity.id
        row.spare_index = spare_capacity_index(
            capacity.spare_weekly_minutes, capacity.delivered_weekly_minutes
        )
        row.turnover = annualised_turnover_percent(
            leavers=capacity.leavers, headcount=capacity.headcount, starters=capacity.starters
        )
        staffed = capacity.headcount > 0
        row.pay_below_floor = staffed and capacity.hourly_pay_pence < floor
        row.no_travel_time = staffed and not capacity.pays_travel_time

    # Missed windows: the last twelve windows that have closed, counted from the first month
    # the council collected capacity returns at all (no one missed a window before that).
    first = db.session.scalar(select(func.min(CapacityReturn.month)))
    closed = [
        m
        for m in months_back(month, 13)
        if first is not None and m >= first and window_for(m).closes < today()
    ][-12:]
    on_time: dict[int, set[dt.date]] = defaultdict(set)
    if closed:
        for provider_id, returned_month in db.session.execute(
            select(CapacityReturn.provider_id, CapacityReturn.month).where(
                CapacityReturn.month.in_(closed), CapacityReturn.late.is_(False)
            )
        ):
            on_time[provider_id].add(returned_month)
    for provider_id, row in rows.items():
        row.missed = missed_windows([m not in on_time[provider_id] for m in closed])
    return list(rows.values())


def _trends(month: dt.date) -> list[MonthTrend]:
    months = months_back(month, 12)
    by_quadrant: dict[dt.date, tuple[int, int]] = {
        m: (int(spare or 0), int(new or 0))
        for m, spare, new in db.session.execute(
            select(
                CapacityReturn.month,
                func.sum(CapacityByQuadrant.spare_weekly_minutes),
                func.sum(CapacityByQuadrant.new_packages),
            )
            .join(CapacityByQuadrant, CapacityByQuadrant.return_id == CapacityReturn.id)
            .where(CapacityReturn.month.in_(months), _from_active_providers())
            .group_by(CapacityReturn.month)
        )
    }
    counts = {
        m: (int(c), int(d or 0))
        for m, c, d in db.session.execute(
            select(
                CapacityReturn.month,
                func.count(CapacityReturn.id),
                func.sum(CapacityReturn.delivered_weekly_minutes),
            )
            .where(CapacityReturn.month.in_(months), _from_active_providers())
            .group_by(CapacityReturn.month)
        )
    }
    return [
        MonthTrend(
            month=m,
            returns=counts.get(m, (0, 0))[0],
            spare_weekly_minutes=by_quadrant.get(m, (0, 0))[0],
            new_packages=by_quadrant.get(m, (0, 0))[1],
            delivered_weekly_minutes=counts.get(m, (0, 0))[1],
        )
        for m in months
    ]
