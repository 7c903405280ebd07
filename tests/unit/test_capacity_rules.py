"""The capacity return's window, indices and flags at their edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.capacity.rules import (
    annualised_turnover_percent,
    capacity_window,
    missed_windows,
    spare_capacity_index,
    turnover_flagged,
)


def test_the_window_runs_from_the_8th_to_the_14th() -> None:
    window = capacity_window(dt.date(2026, 10, 20))  # any day of the month
    assert (window.month, window.opens, window.closes) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 14),  # a Wednesday
    )
    assert window.is_open_on(dt.date(2026, 10, 8)) and window.is_open_on(dt.date(2026, 10, 14))
    assert not window.is_open_on(dt.date(2026, 10, 7))
    assert not window.is_late(dt.date(2026, 10, 14))
    assert window.is_late(dt.date(2026, 10, 15))


@pytest.mark.parametrize(
    ("month", "closes"),
    [
        # The 14th is a Saturday: the window closes on Monday the 16th.
        (dt.date(2026, 11, 1), dt.date(2026, 11, 16)),
        # A Sunday: Monday the 15th.
        (dt.date(2027, 2, 1), dt.date(2027, 2, 15)),
    ],
)
def test_a_window_ending_at_a_weekend_moves_to_the_next_working_day(month, closes) -> None:
    window = capacity_window(month)
    assert window.closes == closes
    assert not window.is_late(closes)
    assert window.is_late(closes + dt.timedelta(days=1))


def test_a_window_ending_on_a_bank_holiday_moves_past_it() -> None:
    # A council closing on the 25th: Christmas Day 2026 is a Friday, then a weekend and the
    # Boxing Day holiday on Monday the 28th, so the window closes on Tuesday the 29th.
    window = capacity_window(dt.date(2026, 12, 1), opens_day=18, closes_day=25)
    assert window.closes == dt.date(2026, 12, 29)
    # Easter Monday 2027 is 29 March; a window closing on the 29th moves to the 30th.
    assert capacity_window(dt.date(2027, 3, 1), closes_day=28).closes == dt.date(2027, 3, 30)


def test_window_days_must_fit_every_month() -> None:
    with pytest.raises(ValueError, match="between the 1st and the 28th"):
        capacity_window(dt.date(2027, 2, 1), opens_day=8, closes_day=30)
    with pytest.raises(ValueError, match="in order"):
        capacity_window(dt.date(2027, 2, 1), opens_day=15, closes_day=14)


def test_the_spare_capacity_index_is_spare_over_delivered() -> None:
    assert spare_capacity_index(60 * 50, 60 * 200) == Decimal("0.25")
    assert spare_capacity_index(0, 60 * 200) == Decimal("0.00")
    assert spare_capacity_index(60, 0) is None  # nothing delivered: no index


def test_turnover_is_annualised_over_the_average_headcount() -> None:
    # 100 staff at the month's end after 2 starters and 2 leavers: the average is 100;
    # 2 leavers a month is 24 a year, 24%.
    assert annualised_turnover_percent(leavers=2, headcount=100, starters=2) == Decimal("24.0")
    assert turnover_flagged(Decimal("24.0"))
    # Exactly 20% is not above 20%.
    twenty = annualised_turnover_percent(leavers=1, headcount=60, starters=0)
    # began with 61, ended with 60: 12 / 60.5 = 19.8%
    assert twenty == Decimal("19.8")
    assert not turnover_flagged(twenty)
    assert not turnover_flagged(Decimal("20.0"))
    assert turnover_flagged(Decimal("20.1"))
    assert annualised_turnover_percent(leavers=0, headcount=0, starters=0) is None
    assert not turnover_flagged(None)


def test_three_missed_in_a_row_is_flagged() -> None:
    assert not missed_windows([False, True, True, False, True]).flagged  # two runs of two
    assert missed_windows([False, True, True, True]).flagged
    assert missed_windows([False, True, True, True]).longest_run == 3


def test_four_missed_in_twelve_months_is_flagged() -> None:
    scattered = [True, False, True, False, False, True, False, False, True, False, False, False]
    assert missed_windows(scattered).missed == 4
    assert missed_windows(scattered).flagged
    # The oldest falls out of the last twelve when a thirteenth window closes.
    assert not missed_windows([*scattered, False]).flagged
    assert missed_windows([*scattered, False]).missed == 3


def test_a_window_closing_at_the_month_end_can_close_in_the_next_month() -> None:
    # 28 February 2027 is a Sunday: a window closing on the 28th closes on Monday 1 March.
    window = capacity_window(dt.date(2027, 2, 1), opens_day=20, closes_day=28)
    assert window.closes == dt.date(2027, 3, 1)
    assert window.month == dt.date(2027, 2, 1)
    assert not window.is_late(dt.date(2027, 3, 1))
