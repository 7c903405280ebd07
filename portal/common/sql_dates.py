"""The council's (London) calendar in SQL, for aggregates done in the database.

Stored moments are UTC. PostgreSQL knows the Europe/London zone; SQLite is told the rule:
British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
last Sunday of October, and London's date differs from the UTC one only from 23:00 UTC in
summer time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _sqlite_london_day(moment: str) -> str:
    """The London day of a stored moment, as a Julian day number."""
    # SQLite holds a moment as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, which sorts as text.
    # London's date differs from the UTC one only from 23:00 UTC in summer time, so the
    # rule is worked out for those moments alone.
    summer = (
        f"{moment} >= date(substr({moment}, 1, 4) || '-04-01', 'weekday 0', '-7 days') "
        f"|| ' 01:00' AND {moment} < date(substr({moment}, 1, 4) || '-11-01', 'weekday 0', "
        "'-7 days') || ' 01:00'"
    )
    late = f"substr({moment}, 12, 2) = '23'"
    # 'start of day' reads the UTC date without cutting the text first, which costs more.
    return (
        f"(julianday({moment}, 'start of day') + CASE WHEN {late} AND {summer} THEN 1 ELSE 0 END)"
    )


class london_date(FunctionElement[Any]):
    """The council's date at a stored UTC moment, in SQL (as ``dates.london_date`` does in
    Python)."""

    type = Date()
    inherit_cache = True


@compiles(london_date, "postgresql")
def _date_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(timezone('Europe/London', {moment}) AS DATE)"


@compiles(london_date, "sqlite")
def _date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({_sqlite_london_day(moment)})"


class days_after(FunctionElement[Any]):
    """``days_after(a_date, n)``: the date ``n`` days after a date column or expression.
    The number is a literal of the statement (part of its cache key), never a parameter:
    SQLite keeps a date as ISO text and adds days with date(); PostgreSQL adds an integer
    to a date."""

    type = Date()
    inherit_cache = True

    def __init__(self, day: Any, days: int) -> None:
        super().__init__(day, literal_column(str(int(days))))


def _day_and_days(element: Any, compiler: Any, **kw: Any) -> tuple[str, int]:
    day, days = element.clauses
    return compiler.process(day, **kw), int(days.name)


@compiles(days_after)
def _days_after_default(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = _day_and_days(element, compiler, **kw)
    return f"({day} + {days})"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    day, days = _day_and_days(element, compiler, **kw)
    return f"date({day}, '{days:+d} days')"


class days_from(FunctionElement[Any]):
    """Whole days from the first date to the second, in SQL (``second - first`` in Python):
    ``days_from(start_date, end_date) + 1`` is how many days a line ran."""

    type = Integer()
    inherit_cache = True


@compiles(days_from, "postgresql")
def _days_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({second} AS DATE) - CAST({first} AS DATE))"


@compiles(days_from, "sqlite")
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    first, second = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({second}) - julianday({first}) AS INTEGER)"
