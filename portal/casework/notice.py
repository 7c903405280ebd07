"""One line of "What needs you", and the small helpers its counts share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from portal.common.dates import format_date


@dataclass(frozen=True)
class Notice:
    """A line: its words (linked to the work), how many it counts, and, where there is a
    deadline, the deadline in words (``hint``) and a short status for the task list's tag."""

    text: str
    href: str
    count: int
    hint: str = ""
    status: str = ""
    status_colour: str = ""


def count_of(column: Any, *criteria: Any) -> Any:
    return select(func.count(column)).where(*criteria)


def plural(count: int, word: str, plural_ending: str = "s") -> str:
    return f"{count} {word}{'' if count == 1 else plural_ending}"


def some(count: int, word: str, plural_ending: str = "s") -> str:
    """Like ``plural``, but "No payments" rather than "0 payments" for a line with nothing in
    it."""
    return f"No {word}{plural_ending}" if count == 0 else plural(count, word, plural_ending)


def in_days(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def due_by(due: dt.date, on: dt.date) -> tuple[str, str, str]:
    """(hint, status, tag colour) for work due by ``due``, seen on ``on``."""
    days = (due - on).days
    if days < 0:
        return f"overdue since {format_date(due)}", "Overdue", "red"
    return f"due by {format_date(due)}", f"Due {in_days(days)}", "blue" if days > 7 else "orange"
