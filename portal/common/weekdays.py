"""The days of the week a package line's calls happen on, held as a seven-bit mask:
Monday is bit 0, Sunday bit 6. Every day is 127."""

from __future__ import annotations

import functools
from collections.abc import Iterable

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = 0b1111111
MONDAY_TO_FRIDAY = 0b0011111
WEEKEND = 0b1100000


def days_mask(days: Iterable[int]) -> int:
    """The mask for day numbers, Monday 0 to Sunday 6."""
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"{day} is not a day of the week")
        mask |= 1 << day
    return mask


def days_in(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def describe_days(mask: int) -> str:
    if mask == EVERY_DAY:
        return "7 days a week"
    if mask == MONDAY_TO_FRIDAY:
        return "Monday to Friday"
    if mask == WEEKEND:
        return "Saturday and Sunday"
    names = [DAY_NAMES[day] for day in days_in(mask)]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


_DAY_WORDS = {name[:3].lower(): day for day, name in enumerate(DAY_NAMES)} | {
    name.lower(): day for day, name in enumerate(DAY_NAMES)
}
_WHOLE_WEEK = {"7", "daily", "every day", "7 days", "mon-sun"}


@functools.lru_cache(maxsize=256)  # an import reads the same few patterns many times
def parse_days(text: str) -> int:
    """The mask for days as a case system writes them: "Mon Tue Wed" (or with commas),
    "Mon-Fri" (a range, Monday first), "Mon-Fri Sun", full names, or "7" or "Daily" for
    every day. Raises ValueError for anything else."""
    words = text.strip().lower()
    if words in _WHOLE_WEEK:
        return EVERY_DAY
    days: set[int] = set()
    for part in words.replace(",", " ").split():
        first, dash, last = part.partition("-")
        if first not in _DAY_WORDS or (dash and last not in _DAY_WORDS):
            raise ValueError(f"{part!r} is not a day of the week")
        start = _DAY_WORDS[first]
        end = _DAY_WORDS[last] if dash else start
        if end < start:
            raise ValueError(f"{part!r} runs backwards: write ranges Monday first")
        days.update(range(start, end + 1))
    if not days:
        raise ValueError("no days given")
    return days_mask(days)


def short_days(mask: int) -> str:
    """The mask as parse_days reads it back: "Mon-Fri", "7", "Mon Wed Fri"."""
    if mask == EVERY_DAY:
        return "7"
    if mask == MONDAY_TO_FRIDAY:
        return "Mon-Fri"
    return " ".join(DAY_NAMES[day][:3] for day in days_in(mask))
