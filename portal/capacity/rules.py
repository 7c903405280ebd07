"""The capacity return's rules as plain arithmetic: the monthly reporting window, and the
indices and flags derived from what providers report (never typed in by them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from portal.common.dates import is_working_day

TURNOVER_FLAG_PERCENT = Decimal(20)
MISSED_IN_A_ROW = 3
MISSED_IN_TWELVE = 4


@dataclass(frozen=True)
class Window:
    """A month's capacity reporting window. Returns after ``closes`` are late."""

    month: dt.date  # the first of the month reported on
    opens: dt.date
    closes: dt.date

    def is_late(self, submitted_on: dt.date) -> bool:
        return submitted_on > self.closes

    def is_open_on(self, day: dt.date) -> bool:
        return self.opens <= day <= self.closes


def capacity_window(month: dt.date, *, opens_day: int = 8, closes_day: int = 14) -> Window:
    """The window for ``month``: from ``opens_day`` to ``closes_day``, the closing day moved
    to the next working day (England's bank holidays excluded) when it is not one."""
    if not 1 <= opens_day <= closes_day <= 28:
        raise ValueError("a window opens and closes between the 1st and the 28th, in order")
    first = month.replace(day=1)
    closes = first.replace(day=closes_day)
    while not is_working_day(closes):
        closes += dt.timedelta(days=1)
    return Window(first, first.replace(day=opens_day), closes)


def spare_capacity_index(spare_minutes: int, delivered_minutes: int) -> Decimal | None:
    """Spare weekly hours as a share of the weekly hours delivered (0.25 is a quarter again
    as much care); None when nothing is delivered."""
    if delivered_minutes <= 0:
        return None
    return (Decimal(spare_minutes) / Decimal(delivered_minutes)).quantize(Decimal("0.01"))


def annualised_turnover_percent(*, leavers: int, headcount: int, starters: int) -> Decimal | None:
    """A month's leavers over the month's average care staff headcount, times twelve, as a
    percentage to one place. ``headcount`` is at the month's end; the month began with
    headcount - starters + leavers. None when there were no staff."""
    opening = headcount - starters + leavers
    average = Decimal(opening + headcount) / 2
    if average <= 0:
        return None
    return (Decimal(leavers) * 12 * 100 / average).quantize(Decimal("0.1"))


def turnover_flagged(percent: Decimal | None) -> bool:
    return percent is not None and percent > TURNOVER_FLAG_PERCENT


class _Figures(Protocol):
    @property
    def spare_weekly_minutes(self) -> int: ...
    @property
    def delivered_weekly_minutes(self) -> int: ...
    @property
    def headcount(self) -> int: ...
    @property
    def starters(self) -> int: ...
    @property
    def leavers(self) -> int: ...


class ReturnIndices:
    """A return's indices from its figures, for the return itself and for rows read from
    it for a list."""

    @property
    def spare_capacity_index(self: _Figures) -> Decimal | None:
        return spare_capacity_index(self.spare_weekly_minutes, self.delivered_weekly_minutes)

    @property
    def turnover_percent(self: _Figures) -> Decimal | None:
        return annualised_turnover_percent(
            leavers=self.leavers, headcount=self.headcount, starters=self.starters
        )


@dataclass(frozen=True)
class MissedWindows:
    missed: int  # in the last twelve closed windows
    longest_run: int

    @property
    def flagged(self) -> bool:
        return self.longest_run >= MISSED_IN_A_ROW or self.missed >= MISSED_IN_TWELVE


def missed_windows(missed: Sequence[bool]) -> MissedWindows:
    """``missed``: for each closed window, oldest first, whether the provider missed it.
    Only the last twelve count."""
    recent = list(missed)[-12:]
    longest = run = 0
    for was_missed in recent:
        run = run + 1 if was_missed else 0
        longest = max(longest, run)
    return MissedWindows(missed=sum(recent), longest_run=longest)
