import pytest

from portal.payments.rules import LineReduction, calculate_reduction_payment


def test_four_calls_to_three_at_20_50_for_four_weeks_is_287_pounds() -> None:
    # 1 call x 30 minutes x 7 days = 3.5 hours a week removed, x £20.50 x 4 weeks.
    result = calculate_reduction_payment(
        [LineReduction(minutes_before=840, minutes_after=630, hourly_rate_pence=2050)], weeks=4
    )
    assert result.amount_pence == 28700
    assert result.weekly_minutes_removed == 210
    assert result.hourly_rate_pence == 2050


def test_amount_is_rounded_once_to_whole_pence() -> None:
    # 25 minutes x £19.51 x 4 weeks = £32.5166..., so £32.52
    result = calculate_reduction_payment(
        [LineReduction(minutes_before=25, minutes_after=0, hourly_rate_pence=1951)], weeks=4
    )
    assert result.amount_pence == 3252


def test_minimum_and_cap_apply() -> None:
    small = [LineReduction(minutes_before=30, minutes_after=15, hourly_rate_pence=2000)]
    assert calculate_reduction_payment(small, weeks=4, minimum_pence=5000).amount_pence == 5000
    big = [LineReduction(minutes_before=3000, minutes_after=0, hourly_rate_pence=2000)]
    assert calculate_reduction_payment(big, weeks=4, cap_pence=100000).amount_pence == 100000


def test_no_hours_removed_earns_nothing() -> None:
    with pytest.raises(ValueError, match="hours removed"):
        calculate_reduction_payment(
            [LineReduction(minutes_before=60, minutes_after=60, hourly_rate_pence=2000)], weeks=4
        )
