"""The dashboard's monthly figures, read from those kept (``portal.common.stored_figures``)
where they are, counted where they are not.

Each figure is counted for a list of windows (a month, or the part of one up to today) by a
grouped statement registered here with ``monthly``. A whole month that is over, once
counted by ``refresh``, is read back rather than counted: the committee report of a year
reads its figures in a few statements whatever the size of the council. A month still
running, or one whose figures were forgotten since (a case system import, an approved
change, a new contract in the register), is counted as the page is drawn, and so is always
right; ``flask reports refresh`` keeps it for next time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.common import stored_figures
from portal.common.dates import today
from portal.extensions import db
from portal.outcomes.models import PeriodKind, ReportingPeriod
from portal.providers.models import PackageLine

# A figure's counting: for the windows given, the numbers by part, by the window's index.
Count = Callable[[Sequence["Window"]], dict[int, dict[str, int]]]

# How many months a refresh counts in one statement.
MONTHS_A_STATEMENT = 12


@dataclass(frozen=True)
class Window:
    """A month, or the part of one up to a day: its first and last days."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def whole_month(first: dt.date) -> Window:
    return Window(first, month_end(first))


def keepable(window: Window, *, on: dt.date | None = None) -> bool:
    """A whole month that is over (by ``on``, today unless given): its figures no longer
    change with the day."""
    return (
        window.first.day == 1
        and window.last < (on or today())
        and window.last == month_end(window.first)
    )


@dataclass(frozen=True)
class Figure:
    name: str
    topic: str
    count: Count
    # Counted by outcome quarter (each window a reporting period) rather than by month:
    # what they count does not change with the day, so a quarter still running is kept too.
    by_quarter: bool = False

    def keeps(self, window: Window, on: dt.date) -> bool:
        return self.by_quarter or keepable(window, on=on)


FIGURES: dict[str, Figure] = {}


def monthly(name: str, topic: str = stored_figures.PACKAGES) -> Callable[[Count], Count]:
    """Register a figure counted month by month, kept under ``topic``."""

    def register(count: Count) -> Count:
        FIGURES[name] = Figure(name, topic, count)
        return count

    return register


def quarterly(name: str, topic: str = stored_figures.OUTCOMES) -> Callable[[Count], Count]:
    """Register a figure counted for each outcome quarter, kept under ``topic`` by the
    quarter's first month."""

    def register(count: Count) -> Count:
        FIGURES[name] = Figure(name, topic, count, by_quarter=True)
        return count

    return register


def figures(name: str, windows: Sequence[Window]) -> list[dict[str, int]]:
    """The figure's numbers for each window, in order: kept ones read, the rest counted
    (and not kept: a page that is read changes nothing)."""
    figure, on = FIGURES[name], today()
    keeps = [figure.keeps(w, on) for w in windows]
    kept = stored_figures.read(name, [w.first for n, w in enumerate(windows) if keeps[n]])
    missing = [n for n, w in enumerate(windows) if not (keeps[n] and w.first in kept)]
    counted = figure.count([windows[n] for n in missing]) if missing else {}
    found = {missing[i]: parts for i, parts in counted.items()}
    return [found.get(n, {}) if n in missing else kept[w.first] for n, w in enumerate(windows)]


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return months


def earliest_month() -> dt.date | None:
    """The first month a dashboard may ask for: the year before the first line began, so
    the first year's comparison with the one before is kept too."""
    first = db.session.scalar(select(func.min(PackageLine.start_date)))
    if first is None:
        return None
    return dt.date(first.year - 1, first.month, 1)


def refresh(*, everything: bool = False) -> dict[str, int]:
    """Count and keep every figure for each whole month that is over and not kept (every
    month, with ``everything``); the months counted, by figure."""
    # Every figure registers itself where its section is built: have them all.
    import portal.reports.dashboard  # noqa: F401

    start = earliest_month()
    last = today().replace(day=1) - dt.timedelta(days=1)
    months = [whole_month(m) for m in _months(start, last)] if start is not None else []
    quarters = [
        Window(first, last)
        for first, last in db.session.execute(
            select(ReportingPeriod.start_date, ReportingPeriod.end_date)
            .where(ReportingPeriod.kind == PeriodKind.OUTCOMES)
            .order_by(ReportingPeriod.start_date)
        )
    ]
    counted: dict[str, int] = {}
    for figure in FIGURES.values():
        windows = quarters if figure.by_quarter else months
        kept = {} if everything else stored_figures.read(figure.name, [w.first for w in windows])
        wanted = [w for w in windows if w.first not in kept]
        for at in range(0, len(wanted), MONTHS_A_STATEMENT):
            chunk = wanted[at : at + MONTHS_A_STATEMENT]
            numbers = figure.count(chunk)
            stored_figures.store(
                figure.topic,
                figure.name,
                {w.first: numbers.get(n, {}) for n, w in enumerate(chunk)},
            )
        counted[figure.name] = len(wanted)
    return counted
