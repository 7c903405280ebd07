"""Money is whole pence in integers everywhere; pounds appear only at the edges."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# The most an hour's pay (or the council's wage floor for it) may be: several times any care
# worker's, and a figure a mistyped one will not reach.
MOST_HOURLY_PENCE = 100_00

_POUNDS = re.compile(r"^\s*£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\s*$")


def format_pence(pence: int | None, *, symbol: bool = True) -> str:
    """12345 -> '£123.45'; negative amounts keep their sign in front of the pound sign."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(pence), 100)
    return f"{sign}{'£' if symbol else ''}{pounds:,}.{rem:02d}"


def pence_to_decimal_string(pence: int) -> str:
    """For payment files: '123.45', no pound sign, no thousands separator."""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rem:02d}"


def parse_pounds(text: str) -> int:
    """'£1,234.5' -> 123450. Raises ValueError on anything that is not an amount."""
    if not _POUNDS.match(text or ""):
        raise ValueError("not an amount of money")
    try:
        amount = Decimal(text.replace("£", "").replace(",", "").strip())
    except InvalidOperation as error:  # pragma: no cover - the pattern already rejects these
        raise ValueError("not an amount of money") from error
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def divide_round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero, for non-negative denominators."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def format_minutes_as_hours(minutes: int) -> str:
    """630 -> '10.5 hours'; 60 -> '1 hour'."""
    text = format_hours_figure(minutes)
    return f"{text} hour" if minutes == 60 else f"{text} hours"


def format_hours_figure(minutes: int | None) -> str:
    """630 -> '10.5', 0 or None -> '0': hours as a bare figure for table columns."""
    hours = Decimal(minutes or 0) / Decimal(60)
    return f"{hours.quantize(Decimal('0.01')).normalize():f}"


_AMOUNT = re.compile(r"^\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?\s*$")


def parse_hours(text: str) -> int:
    """'1,234.5' hours -> 74070 minutes; to the nearest minute. Raises ValueError."""
    if not _AMOUNT.match(text or ""):
        raise ValueError("not a number of hours")
    hours = Decimal(text.replace(",", "").strip())
    return int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))


def parse_hundredths(text: str) -> int:
    """'24.5' -> 2450: a figure such as full-time equivalents, to two places."""
    if not _AMOUNT.match(text or ""):
        raise ValueError("not a number")
    return int((Decimal(text.replace(",", "").strip()) * 100).to_integral_value())
