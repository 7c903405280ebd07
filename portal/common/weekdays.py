"""The days of the week a package line's calls happen on, held as a seven-bit mask:
Monday is bit 0, Sunday bit 6. Every day is 127."""

from __future__ import annotations

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
