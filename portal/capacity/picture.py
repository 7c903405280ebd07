"""The commissioners' capacity picture: this month's spare capacity by quadrant and
category, discharge and weekend cover, each provider's flags, who has not returned, and
twelve months of trends. Totals are summed in SQL, in two statements whatever the size,
each reading only the months the page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache, partial
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, case, func, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from portal.capacity.models import CapacityByQuadrant, CapacityReturn
from portal.capacity.rules import (
    MissedWindows,
    Window,
    annualised_turnover_percent,
    capacity_window,
    missed_windows,
    spare_capacity_index,
    turnover_flagged,
)
from portal.common.dates import today
from portal.council.models import CouncilSettings
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
    window: Window
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


# The statements are built once, with the months as parameters: building (and keying) a
# statement of this size takes longer than the database takes to run it. They run on the
# session's connection, as plain rows: there are no ORM objects to load.


def _active(provider_id: Any) -> Any:
    """The picture is of the providers the council can place with now: active ones (the
    page counts returns against them, this month and in the trends alike). A join rather
    than IN (subquery), so SQLite reads the returns through the index on month."""
    return and_(Provider.id == provider_id, Provider.status == ProviderStatus.ACTIVE)


@cache
def _returns_by_month() -> Select[Any]:
    """Each month's count of returns, hours delivered and yes/no answers, from ``first``
    to ``last``."""
    counted = [
        ("weekend_starts", CapacityReturn.weekend_starts),
        ("seven_day_discharge", CapacityReturn.seven_day_discharge),
        *((f"{column}_count", getattr(CapacityReturn, column)) for column, _ in CATEGORIES),
    ]
    return (
        select(
            CapacityReturn.month,
            func.count().label("returns"),
            func.sum(CapacityReturn.delivered_weekly_minutes).label("delivered"),
            *(func.count().filter(flag.is_(True)).label(name) for name, flag in counted),
        )
        .join(Provider, _active(CapacityReturn.provider_id))
        .where(CapacityReturn.month.between(bindparam("first"), bindparam("last")))
        .group_by(CapacityReturn.month)
    )


@cache
def _quadrants_by_month() -> Select[Any]:
    """Each month's spare hours and new packages, in all and by quadrant, and the spare
    hours of the returns that take each category, from ``first`` to ``last``."""
    spare = CapacityByQuadrant.spare_weekly_minutes
    new = CapacityByQuadrant.new_packages
    in_quadrant = {q: CapacityByQuadrant.quadrant == q for q in Quadrant}
    return (
        select(
            CapacityReturn.month,
            func.sum(spare).label("spare"),
            func.sum(new).label("new"),
            *(func.sum(spare).filter(is_q).label(f"spare_{q}") for q, is_q in in_quadrant.items()),
            *(func.sum(new).filter(is_q).label(f"new_{q}") for q, is_q in in_quadrant.items()),
            *(
                func.sum(spare)
                .filter(getattr(CapacityReturn, column).is_(True))
                .label(f"{column}_spare")
                for column, _ in CATEGORIES
            ),
        )
        .join(CapacityByQuadrant, CapacityByQuadrant.return_id == CapacityReturn.id)
        .join(Provider, _active(CapacityReturn.provider_id))
        .where(CapacityReturn.month.between(bindparam("first"), bindparam("last")))
        .group_by(CapacityReturn.month)
    )


@cache
def _months() -> Select[Any]:
    """The council's settings the page needs, beside each month's figures from ``first`` to
    ``last`` (the returns' counts and their quadrants' sums; every month with quadrants has
    returns), in one statement: a row for each month with returns, or one row of the
    settings alone when none has."""
    returns = _returns_by_month().subquery()
    spare = _quadrants_by_month().subquery()
    months = (
        select(returns, *(c for c in spare.c if c.name != "month"))
        .outerjoin(spare, spare.c.month == returns.c.month)
        .subquery()
    )
    settings = _settings().subquery()
    return select(settings, months).select_from(settings).outerjoin(months, true())


def _settings() -> Select[Any]:
    """The council's reporting window and wage floor (as a row: loading the ORM object costs
    more than the query), and the first month the council collected returns at all (from
    the index on month)."""
    return select(
        CouncilSettings.capacity_opens_day,
        CouncilSettings.capacity_closes_day,
        CouncilSettings.wage_floor_pence,
        select(func.min(CapacityReturn.month)).scalar_subquery().label("first_month"),
    ).where(CouncilSettings.id == 1)


# Missed windows look back over the last thirteen months (the current one may not have
# closed yet). Each provider's on-time returns in them come as one number, the i-th of the
# thirteen months setting bit i, so a provider is one row rather than thirteen.
LOOK_BACK = 13


@cache
def _providers() -> Select[Any]:
    """Every active provider, by name, with its return for ``month`` (if any) and its
    on-time returns in ``month_0`` to ``month_12`` as bits."""
    back = [bindparam(f"month_{i}", type_=Date) for i in range(LOOK_BACK)]
    past = aliased(CapacityReturn)
    bit = case(*((past.month == m, 1 << i) for i, m in enumerate(back)), else_=0)
    # Grouped once over the look-back's months (by the index on month), not per provider:
    # PostgreSQL would otherwise read the look-back again for each of them.
    on_time = (
        select(past.provider_id, func.sum(bit).label("bits"))
        .where(past.month.between(back[0], back[-1]), past.late.is_(False))
        .group_by(past.provider_id)
        .subquery()
    )
    return (
        select(
            Provider.id,
            Provider.name,
            CapacityReturn.id.label("return_id"),
            CapacityReturn.late,
            CapacityReturn.delivered_weekly_minutes,
            CapacityReturn.headcount,
            CapacityReturn.starters,
            CapacityReturn.leavers,
            CapacityReturn.hourly_pay_pence,
            CapacityReturn.pays_travel_time,
            # The return's quadrants, found by the (return, quadrant) key.
            select(func.sum(CapacityByQuadrant.spare_weekly_minutes))
            .where(CapacityByQuadrant.return_id == CapacityReturn.id)
            .scalar_subquery(),
            on_time.c.bits,
        )
        .outerjoin(
            CapacityReturn,
            and_(
                CapacityReturn.provider_id == Provider.id,
                CapacityReturn.month == bindparam("month"),
            ),
        )
        .outerjoin(on_time, on_time.c.provider_id == Provider.id)
        .where(Provider.status == ProviderStatus.ACTIVE)
        .order_by(Provider.name, Provider.id)
    )


def _number(row: Any, name: str) -> int:
    """A sum or count from a month's row; a month without returns has no row, and a sum of
    no values is NULL."""
    return int(getattr(row, name) or 0) if row is not None else 0


def capacity_picture(month: dt.date | None = None) -> Picture:
    """The picture for ``month``; with none given, for the latest month with returns in
    the last year (this month's, once any are in), or this month when there are none."""
    connection = db.session.connection()
    if month is None:
        # The same statement, over thirteen months rather than twelve: whichever of them is
        # the latest with returns, its twelve months of trends are among the rows.
        latest = today().replace(day=1)
        rows = connection.execute(
            _months(), {"first": months_back(latest, LOOK_BACK)[0], "last": latest}
        ).all()
        month = max((row.month for row in rows if row.month is not None), default=latest)
    else:
        month = month.replace(day=1)
        rows = connection.execute(
            _months(), {"first": months_back(month, 12)[0], "last": month}
        ).all()
    months = months_back(month, 12)
    settings = rows[0]
    figures = {row.month: row for row in rows if row.month is not None}
    # operations.window_for, with the settings read once for the page's thirteen windows.
    window = partial(
        capacity_window,
        opens_day=settings.capacity_opens_day,
        closes_day=settings.capacity_closes_day,
    )
    now = figures.get(month)
    return Picture(
        month=month,
        window=window(month),
        quadrants=[
            QuadrantTotal(q, _number(now, f"spare_{q}"), _number(now, f"new_{q}")) for q in Quadrant
        ],
        categories=[
            CategoryTotal(label, _number(now, f"{column}_count"), _number(now, f"{column}_spare"))
            for column, label in CATEGORIES
        ],
        returns=_number(now, "returns"),
        weekend_starts=_number(now, "weekend_starts"),
        seven_day_discharge=_number(now, "seven_day_discharge"),
        providers=_provider_rows(
            connection, month, window, settings.wage_floor_pence, settings.first_month
        ),
        trends=[
            MonthTrend(
                month=m,
                returns=_number(figures.get(m), "returns"),
                spare_weekly_minutes=_number(figures.get(m), "spare"),
                new_packages=_number(figures.get(m), "new"),
                delivered_weekly_minutes=_number(figures.get(m), "delivered"),
            )
            for m in months
        ],
    )


@lru_cache(maxsize=4096)
def _missed(on_time: int, closed: tuple[int, ...]) -> MissedWindows:
    """The missed-windows rule for a provider's on-time bits: a pure function of small
    numbers, and the same few patterns month after month."""
    return missed_windows([not on_time >> i & 1 for i in closed])


def _provider_rows(
    connection: Connection,
    month: dt.date,
    window: Callable[[dt.date], Window],
    floor: int,
    first: dt.date | None,
) -> list[ProviderRow]:
    """Every active provider, with this month's return (if any) and its flags."""
    back = months_back(month, LOOK_BACK)
    # Missed windows: the last twelve windows that have closed, counted from the first month
    # the council collected capacity returns at all (no one missed a window before that).
    on_the_day = today()
    closed = tuple(
        [
            i
            for i, m in enumerate(back)
            if first is not None and m >= first and window(m).closes < on_the_day
        ][-12:]
    )
    rows = connection.execute(
        _providers(), {"month": month, **{f"month_{i}": m for i, m in enumerate(back)}}
    ).all()
    providers = []
    # Unpacked as tuples: a row's attributes by name cost more than the rest of the loop.
    for (
        provider_id,
        name,
        return_id,
        late,
        delivered,
        headcount,
        starters,
        leavers,
        hourly_pay_pence,
        pays_travel_time,
        spare,
        on_time,
    ) in rows:
        missed = _missed(on_time or 0, closed)
        if return_id is None:
            providers.append(ProviderRow(provider_id, name, missed=missed))
            continue
        staffed = headcount > 0
        providers.append(
            ProviderRow(
                provider_id,
                name,
                returned=True,
                late=late,
                return_id=return_id,
                spare_index=spare_capacity_index(spare or 0, delivered),
                turnover=annualised_turnover_percent(
                    leavers=leavers, headcount=headcount, starters=starters
                ),
                pay_below_floor=staffed and hourly_pay_pence < floor,
                no_travel_time=staffed and not pays_travel_time,
                missed=missed,
            )
        )
    return providers
