from __future__ import annotations

import pytest

from portal.common.weekdays import (
    EVERY_DAY,
    days_in,
    days_mask,
    describe_days,
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
