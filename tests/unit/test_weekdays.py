from __future__ import annotations

import pytest

from portal.common.weekdays import (
    EVERY_DAY,
    MONDAY_TO_FRIDAY,
    WEEKEND,
    days_in,
    days_mask,
    describe_days,
    parse_days,
    short_days,
)


@pytest.mark.parametrize(
    ("days", "described"),
    [
        (range(7), "7 days a week"),
        (range(5), "Monday to Friday"),
        ([5, 6], "Saturday and Sunday"),
        ([2], "Wednesday"),
        ([0, 2, 4], "Monday, Wednesday and Friday"),
        ([1, 6], "Tuesday and Sunday"),
    ],
)
def test_days_read_as_a_person_would_say_them(days, described) -> None:
    assert describe_days(days_mask(days)) == described


def test_a_mask_gives_back_its_days() -> None:
    assert days_in(days_mask([0, 3, 6])) == [0, 3, 6]
    assert days_mask(range(7)) == EVERY_DAY


def test_only_days_of_the_week_make_a_mask() -> None:
    with pytest.raises(ValueError, match="not a day"):
        days_mask([7])


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("7", EVERY_DAY),
        ("Daily", EVERY_DAY),
        ("Mon-Fri", MONDAY_TO_FRIDAY),
        ("mon tue wed", 0b0000111),
        ("Monday, Wednesday, Friday", 0b0010101),
        ("Mon-Wed Sat", 0b0100111),
        ("Sat-Sun", WEEKEND),
    ],
)
def test_days_as_case_systems_write_them(text: str, mask: int) -> None:
    assert parse_days(text) == mask
    assert parse_days(short_days(mask)) == mask


@pytest.mark.parametrize("text", ["", "Funday", "Fri-Mon", "Mon-", "8", "Mon/Tue"])
def test_days_that_are_not_days_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is for the import to word
        parse_days(text)
