"""Dates the contracts run on: financial-year quarters and England working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from portal.common.models import utcnow

LONDON = ZoneInfo("Europe/London")  # the council's clock


def today() -> dt.date:
    """The council's date. England is UTC or UTC+1; day boundaries use UK time."""
    return utcnow().astimezone(LONDON).date()


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding ``day``: councils report Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar."""
    first_month = ((day.month - 1) // 3) * 3 + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 2
    next_month_start = (
        dt.date(day.year + 1, 1, 1) if end_month == 12 else dt.date(day.year, end_month + 1, 1)
    )
    return start, next_month_start - dt.timedelta(days=1)


def financial_quarter_label(start: dt.date) -> str:
    """2026-10-01 -> 'Q3 2026/27' (the UK financial year starts on 1 April)."""
    fy_start = start.year if start.month >= 4 else start.year - 1
    quarter = ((start.month - 4) % 12) // 3 + 1
    return f"Q{quarter} {fy_start}/{str(fy_start + 1)[-2:]}"


@lru_cache(maxsize=16)
def _england_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _england_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` England working days after ``start`` (bank holidays excluded)."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many England working days fall after ``start``, up to and including ``end``."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment with its zone: SQLite gives back the UTC times it was given bare."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def london_date(moment: dt.datetime) -> dt.date:
    """The council's date at a stored moment. Stored moments are UTC; SQLite hands them
    back without their zone, so a bare one is read as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LONDON).date()


def london_days_between(earlier: dt.datetime, later: dt.datetime) -> int:
    """Calendar days in London from one stored moment to another: 23:30 UTC in summer is
    already the next day."""
    return (london_date(later) - london_date(earlier)).days


def format_date(day: dt.date | dt.datetime | None) -> str:
    """GOV.UK style: 5 January 2026. A stored moment shows the council's date for it."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = london_date(day)
    return f"{day.day} {day:%B %Y}"


def format_moment(moment: dt.datetime | None) -> str:
    """GOV.UK style, in the council's time: 5 January 2026 at 2:30pm."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    clock = f"{hour}{local:%p}".lower() if local.minute == 0 else f"{hour}:{local:%M%p}".lower()
    if (local.hour, local.minute) == (12, 0):
        clock = "midday"
    elif (local.hour, local.minute) == (0, 0):
        clock = "midnight"
    return f"{format_date(local.date())} at {clock}"


@dataclass(frozen=True)
class FinancialYear:
    """1 April to 31 March, named by the year it starts in: 2026 is 2026/27."""

    start_year: int

    @classmethod
    def containing(cls, day: dt.date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The stored (UTC) moments the year runs between: London midnights, end excluded."""
        start = dt.datetime(self.start_year, 4, 1, tzinfo=LONDON)
        end = dt.datetime(self.start_year + 1, 4, 1, tzinfo=LONDON)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


YEARS_OFFERED = 6  # this financial year and the five before: what a committee asks about


def chosen_financial_year(value: str, current: FinancialYear) -> FinancialYear:
    """The year a query string names (2025 for 2025/26), if the council can have data for
    it; otherwise the current one."""
    if value.isascii() and value.isdigit() and 2000 <= int(value) <= current.start_year:
        return FinancialYear(int(value))
    return current


def financial_years_offered(current: FinancialYear, chosen: FinancialYear) -> list[FinancialYear]:
    """The years a report's year picker lists, newest first, with an older one asked for."""
    offered = [FinancialYear(current.start_year - n) for n in range(YEARS_OFFERED)]
    return offered if chosen in offered else [*offered, chosen]
