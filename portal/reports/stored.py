"""The dashboard's kept figures (``portal.common.stored_figures``): the package sections'
figures, kept for each month that is over, and the equalities' outcome returns, kept for
each quarter; and ``refresh``, which ``flask reports refresh`` runs each night to keep every
registered figure, these and the reductions' checkpoints
(``portal.recommendations.sustained``), for each window not kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select

from portal.common import stored_figures
from portal.common.dates import today
from portal.common.stored_figures import (
    FIGURES,
    Count,
    Window,
    figures,
    keepable,
    kept_figure,
    month_end,
    months_between,
    whole_month,
)
from portal.extensions import db
from portal.outcomes.models import PeriodKind, ReportingPeriod
from portal.providers.models import PackageLine

__all__ = [
    "FIGURES",
    "Window",
    "figures",
    "keepable",
    "month_end",
    "monthly",
    "quarterly",
    "refresh",
    "whole_month",
]


def monthly(name: str, topic: str = stored_figures.PACKAGES) -> Callable[[Count], Count]:
    """Register a figure counted month by month from the package lines: each month that
    is over is kept."""
    return kept_figure(name, topic, _months_over)


def quarterly(name: str, topic: str = stored_figures.OUTCOMES) -> Callable[[Count], Count]:
    """Register a figure counted for each outcome quarter, kept by the quarter's first
    month whether or not it is over."""
    return kept_figure(name, topic, _outcome_quarters, always=True)


def earliest_month() -> dt.date | None:
    """The first month a dashboard may ask for: the year before the first line began, so
    the first year's comparison with the one before is kept too."""
    first = db.session.scalar(select(func.min(PackageLine.start_date)))
    if first is None:
        return None
    return dt.date(first.year - 1, first.month, 1)


def _months_over() -> list[Window]:
    start = earliest_month()
    if start is None:
        return []
    return months_between(start, today().replace(day=1) - dt.timedelta(days=1))


def _outcome_quarters() -> list[Window]:
    return [
        Window(first, last)
        for first, last in db.session.execute(
            select(ReportingPeriod.start_date, ReportingPeriod.end_date)
            .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
            .order_by(ReportingPeriod.start_date)
        )
    ]


def refresh(*, everything: bool = False) -> dict[str, int]:
    """Count and keep every figure for each of its windows not kept (every window, with
    ``everything``); the windows counted, by figure."""
    # Every figure registers itself where it is counted: have them all.
    import portal.recommendations.sustained
    import portal.reports.dashboard  # noqa: F401

    return stored_figures.refresh_registered(everything=everything)
