"""The one-off payment rule for an approved reduction, as pure arithmetic in pence."""

from __future__ import annotations

from dataclasses import dataclass

from portal.common.money import divide_round_half_up


@dataclass(frozen=True)
class LineReduction:
    """One package line's weekly minutes before and after, at the line's hourly rate."""

    minutes_before: int
    minutes_after: int
    hourly_rate_pence: int


@dataclass(frozen=True)
class PaymentCalculation:
    weekly_minutes_removed: int
    hourly_rate_pence: int
    weeks: int
    amount_pence: int


def calculate_reduction_payment(
    reductions: list[LineReduction],
    *,
    weeks: int,
    minimum_pence: int | None = None,
    cap_pence: int | None = None,
) -> PaymentCalculation:
    """Weekly hours removed x hourly rate x weeks, rounded once to whole pence (half up),
    then raised to the minimum and limited to the cap.

    Worked through in minute-pence so nothing is rounded until the end: 4 calls a day of
    30 minutes cut to 3, 7 days a week, at £20.50 an hour, over 4 weeks is
    210 minutes x 2050p x 4 / 60 = 28,700p, £287.00.
    """
    minutes_removed = sum(r.minutes_before - r.minutes_after for r in reductions)
    minute_pence = sum(
        (r.minutes_before - r.minutes_after) * r.hourly_rate_pence for r in reductions
    )
    if minutes_removed <= 0 or minute_pence <= 0:
        raise ValueError("a reduction payment needs hours removed")
    amount = divide_round_half_up(minute_pence * weeks, 60)
    if minimum_pence is not None:
        amount = max(amount, minimum_pence)
    if cap_pence is not None:
        amount = min(amount, cap_pence)
    return PaymentCalculation(
        weekly_minutes_removed=minutes_removed,
        # The package's rate; where lines differ in rate, the rate the removed hours averaged.
        hourly_rate_pence=divide_round_half_up(minute_pence, minutes_removed),
        weeks=weeks,
        amount_pence=amount,
    )
