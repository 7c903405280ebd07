import datetime as dt

import pytest

from portal.common.dates import (
    add_working_days,
    financial_quarter_label,
    london_date,
    quarter_bounds,
    today,
    working_days_between,
)
from portal.common.models import clock_at, utcnow
from portal.common.money import (
    divide_round_half_up,
    format_hours_figure,
    format_pence,
    parse_pounds,
    pence_to_decimal_string,
)
from portal.common.nhs import is_valid_nhs_number


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (28700, "£287.00"),
        (123456789, "£1,234,567.89"),
        (-250, "-£2.50"),
    ],
)
def test_pence_are_shown_as_pounds(pence: int, text: str) -> None:
    assert format_pence(pence) == text


def test_payment_files_use_plain_decimal_pounds() -> None:
    assert pence_to_decimal_string(123456) == "1234.56"
    assert pence_to_decimal_string(7) == "0.07"


@pytest.mark.parametrize(("text", "pence"), [("£1,234.5", 123450), ("19.51", 1951), ("20", 2000)])
def test_amounts_typed_in_pounds_become_pence(text: str, pence: int) -> None:
    assert parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "1.234", "£-2", "1,23"])
def test_nonsense_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_pounds(text)


def test_rounding_is_half_up_to_whole_pence() -> None:
    assert divide_round_half_up(150, 60) == 3  # 2.5 rounds up
    assert divide_round_half_up(149, 60) == 2
    assert divide_round_half_up(-150, 60) == -3


def test_hours_are_shown_without_trailing_zeros() -> None:
    assert format_hours_figure(210) == "3.5"
    assert format_hours_figure(840) == "14"
    assert format_hours_figure(None) == "0"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("abcdefghij", False),
    ],
)
def test_nhs_numbers_are_checked_by_modulus_11(number: str, valid: bool) -> None:
    assert is_valid_nhs_number(number) is valid


def test_quarters_follow_the_financial_year() -> None:
    assert quarter_bounds(dt.date(2026, 11, 23)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert financial_quarter_label(dt.date(2026, 10, 1)) == "Q3 2026/27"
    assert financial_quarter_label(dt.date(2027, 1, 1)) == "Q4 2026/27"
    assert financial_quarter_label(dt.date(2026, 4, 1)) == "Q1 2026/27"


def test_decision_targets_skip_weekends_and_england_bank_holidays() -> None:
    # Friday 18 December 2026 + 10 working days skips Christmas Day, Boxing Day (substitute
    # Monday 28th) and New Year's Day.
    assert add_working_days(dt.date(2026, 12, 18), 10) == dt.date(2027, 1, 6)


def test_a_service_user_cannot_hold_an_invalid_nhs_number() -> None:
    import portal.models  # noqa: F401 - every mapper, so relationships resolve
    from portal.providers.models import ServiceUser

    person = ServiceUser(nhs_number="943 476 5919")
    assert person.nhs_number == "9434765919"
    with pytest.raises(ValueError, match="not a valid NHS number"):
        ServiceUser(nhs_number="9434765918")
    assert ServiceUser(nhs_number="").nhs_number is None


def test_decision_targets_skip_easter() -> None:
    # Thursday 25 March 2027 + 10 working days skips Good Friday (26 March) and Easter
    # Monday (29 March).
    assert add_working_days(dt.date(2027, 3, 25), 10) == dt.date(2027, 4, 12)


def test_the_days_a_question_waited_count_working_days_only() -> None:
    # Asked on Friday 18 December 2026, answered on Tuesday 29 December: only the 21st,
    # 22nd, 23rd, 24th and 29th count (Christmas Day and the Boxing Day holiday on the 28th
    # do not), so the decision moves 5 working days later.
    assert working_days_between(dt.date(2026, 12, 18), dt.date(2026, 12, 29)) == 5
    assert working_days_between(dt.date(2026, 12, 18), dt.date(2026, 12, 18)) == 0


def test_stored_moments_are_read_in_uk_time() -> None:
    # 23:30 UTC on 30 June is already 1 July in British Summer Time; SQLite returns it bare.
    bare = dt.datetime(2026, 6, 30, 23, 30)  # noqa: DTZ001 - as SQLite returns it
    assert london_date(bare) == dt.date(2026, 7, 1)
    assert london_date(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 12, 31)


def test_hours_and_hundredths_are_read_without_floats() -> None:
    from portal.common.money import parse_hours, parse_hundredths

    assert parse_hours("1,234.5") == 74070
    assert parse_hours("0.25") == 15
    assert parse_hours("12") == 720
    assert parse_hundredths("24.5") == 2450
    for bad in ("", "-3", "1.234", "12 hours", "1e3"):
        with pytest.raises(ValueError, match="not a number of hours"):
            parse_hours(bad)


def test_a_stored_moment_is_shown_as_the_councils_date() -> None:
    from portal.common.dates import format_date

    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert format_date(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == "1 July 2026"
    assert format_date(dt.date(2026, 6, 30)) == "30 June 2026"


def test_the_clock_can_be_set_for_a_block_of_operations() -> None:
    """The demo council's history is made through the operations as at past moments."""
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # 1 April in London (BST)
    with clock_at(moment):
        assert utcnow() == moment
        assert today() == dt.date(2026, 4, 1)
    assert utcnow() > moment + dt.timedelta(days=200)
