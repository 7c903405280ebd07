"""Figures worked out once and kept: what a report counts for a whole month that is over,
so the dashboard and the committee report read a few hundred stored numbers rather than
counting every package line again each time they are drawn.

A figure is named (``"packages.people_and_lines"``) under a topic (``"packages"``), and
holds, for each month counted (its first day), its numbers by part (``{"people": 812,
"lines": 1040}``) as one JSON object: a month's row is there once it was counted, even if
every number in it is zero, so "counted, and nothing" is told from "not counted yet".

Stored figures are derived state and never the only copy: a reader counts for itself
whatever is not stored (``portal.reports.stored``). Whatever changes what they were
counted from calls ``forget`` for the topic from the first day it changed, in the same
transaction as the change, so nothing stale is ever read; ``flask reports refresh``, each
night, counts again what was forgotten.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Index,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.common.dates import today
from portal.extensions import db

# Topics: what the figures under each are counted from, and so who forgets them.
PACKAGES = "packages"  # the package lines and the register's contract history
OUTCOMES = "outcomes"  # the outcome returns handed in, by quarter (its first month)
HELD = "held"  # the approved reductions' checkpoints, by the month each falls in


class StoredFigure(db.Model):  # type: ignore[name-defined]
    """One figure's numbers for one month."""

    __tablename__ = "stored_figures"
    __table_args__ = (
        # Reading a figure's months, in order.
        UniqueConstraint("figure", "month"),
        # Forgetting a topic from a month on.
        Index("ix_stored_figures_topic_month", "topic", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(20))
    figure: Mapped[str] = mapped_column(String(60))
    month: Mapped[dt.date] = mapped_column(Date)
    # A JSON object of whole numbers by part, written and read here only.
    numbers: Mapped[str] = mapped_column(Text)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# The advisory lock the kept figures are guarded by, on PostgreSQL (a signed 64-bit key).
LOCK_KEY = zlib.crc32(b"portal stored_figures")


def _lock(*, shared: bool, connection: Connection | None = None) -> None:
    """On PostgreSQL, a lock on the kept figures until the transaction ends: shared by
    whatever forgets some (so writers never wait for one another), sole for a refresh that
    counts and keeps them. A refresh so never keeps what it counted from records a writer
    was changing: it waits for the writer to commit, and writers wait for it. One lock for
    every topic, so that no two can be taken in different orders. (SQLite lets one writer
    in at a time, and a refresh that read before another's commit cannot write.)"""
    run = connection if connection is not None else db.session.connection()
    if run.dialect.name != "postgresql":
        return
    function = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    run.execute(select(function(LOCK_KEY)))


def forget(
    topic: str,
    *,
    since: dt.date,
    until: dt.date | None = None,
    connection: Connection | None = None,
) -> None:
    """Forget the topic's figures for the months from ``since``'s to ``until``'s (or every
    later month), because what they were counted from has changed: in the session's
    transaction, or ``connection``'s when the change was written through one."""
    _lock(shared=True, connection=connection)
    table = StoredFigure.__table__
    statement = delete(table).where(table.c.topic == topic, table.c.month >= month_of(since))
    if until is not None:
        statement = statement.where(table.c.month <= month_of(until))
    (connection or db.session).execute(statement)


def _any(value: Any) -> bool:
    """Not nothing: a number other than 0, or a list with one."""
    return any(value) if isinstance(value, list) else bool(value)


def forget_months(topic: str, months: Any) -> None:
    """Forget the topic's figures for the months a statement selects (their first days)."""
    _lock(shared=True)
    table = StoredFigure.__table__
    db.session.execute(delete(table).where(table.c.topic == topic, table.c.month.in_(months)))


def forget_everything() -> None:
    _lock(shared=True)
    db.session.execute(delete(StoredFigure.__table__))


_TABLE = StoredFigure.__table__
# Built once: a figure's numbers for the months between two.
_READ = select(_TABLE.c.month, _TABLE.c.numbers).where(
    _TABLE.c.figure == bindparam("figure"),
    _TABLE.c.month >= bindparam("first"),
    _TABLE.c.month <= bindparam("last"),
)


# A window's numbers by part: whole numbers, or lists of them.
Numbers = dict[str, Any]


def read(figure: str, months: Iterable[dt.date]) -> dict[dt.date, Numbers]:
    """The stored numbers of ``figure`` for those of ``months`` that were counted."""
    wanted = set(months)
    if not wanted:
        return {}
    rows = db.session.connection().execute(
        _READ, {"figure": figure, "first": min(wanted), "last": max(wanted)}
    )
    return {month: json.loads(numbers) for month, numbers in rows if month in wanted}


def store(topic: str, figure: str, counted: Mapping[dt.date, Mapping[str, Any]]) -> None:
    """Keep ``figure``'s numbers for each month counted, in place of any kept before."""
    if not counted:
        return
    db.session.execute(
        delete(_TABLE).where(_TABLE.c.figure == figure, _TABLE.c.month.in_(list(counted)))
    )
    db.session.execute(
        _TABLE.insert(),
        [
            {
                "topic": topic,
                "figure": figure,
                "month": month,
                "numbers": json.dumps(
                    {part: value for part, value in parts.items() if _any(value)}, sort_keys=True
                ),
            }
            for month, parts in counted.items()
        ],
    )


# Reading and refreshing ------------------------------------------------------------------
#
# Each figure is counted for a list of windows (a month, the part of one up to today, or a
# quarter) by a grouped statement registered with ``kept_figure`` where its figures are
# used. A window that is kept is read back rather than counted; one not kept (a month still
# running, or one forgotten since) is counted as the page is drawn, and so is always right;
# ``refresh`` keeps it for next time.

# How many windows a refresh counts in one go.
WINDOWS_AT_ONCE = 12


@dataclass(frozen=True)
class Window:
    """A month, or the part of one up to a day, or a quarter: its first and last days."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


# A figure's counting: for the windows given, the numbers by part, by the window's index.
Count = Callable[[Sequence[Window]], dict[int, Numbers]]


def month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def whole_month(first: dt.date) -> Window:
    return Window(first, month_end(first))


def months_between(first: dt.date, last: dt.date) -> list[Window]:
    """Each whole month from ``first``'s to ``last``'s."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(whole_month(month))
        month = month_end(month) + dt.timedelta(days=1)
    return months


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
    # The windows the nightly refresh counts and keeps.
    windows: Callable[[], list[Window]]
    # Kept whatever the window: what it counts does not change with the day (a quarter's
    # returns, the checkpoints kept), so a window still running is kept too.
    always: bool = False

    def keeps(self, window: Window, on: dt.date) -> bool:
        return self.always or keepable(window, on=on)


FIGURES: dict[str, Figure] = {}


def kept_figure(
    name: str, topic: str, windows: Callable[[], list[Window]], *, always: bool = False
) -> Callable[[Count], Count]:
    """Register a figure under ``topic``: counted for the ``windows`` the refresh keeps,
    each kept by its first day."""

    def register(count: Count) -> Count:
        FIGURES[name] = Figure(name, topic, count, windows, always)
        return count

    return register


def figures(name: str, windows: Sequence[Window]) -> list[Numbers]:
    """The figure's numbers for each window, in order: kept ones read, the rest counted
    (and not kept: a page that is read changes nothing)."""
    figure, on = FIGURES[name], today()
    keeps = [figure.keeps(w, on) for w in windows]
    kept = read(name, [w.first for n, w in enumerate(windows) if keeps[n]])
    missing = [n for n, w in enumerate(windows) if not (keeps[n] and w.first in kept)]
    counted = figure.count([windows[n] for n in missing]) if missing else {}
    found = {missing[i]: parts for i, parts in counted.items()}
    return [found.get(n, {}) if n in missing else kept[w.first] for n, w in enumerate(windows)]


def refresh_registered(*, everything: bool = False) -> dict[str, int]:
    """Count and keep every registered figure for each of its windows not kept (every
    window, with ``everything``); the windows counted, by figure."""
    _lock(shared=False)
    counted: dict[str, int] = {}
    for figure in FIGURES.values():
        windows = figure.windows()
        kept = {} if everything else read(figure.name, [w.first for w in windows])
        wanted = [w for w in windows if w.first not in kept]
        for at in range(0, len(wanted), WINDOWS_AT_ONCE):
            chunk = wanted[at : at + WINDOWS_AT_ONCE]
            numbers = figure.count(chunk)
            store(
                figure.topic,
                figure.name,
                {w.first: numbers.get(n, {}) for n, w in enumerate(chunk)},
            )
        counted[figure.name] = len(wanted)
    return counted
