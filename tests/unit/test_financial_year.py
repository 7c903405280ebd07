"""The financial year the trusted assessor summary reports on."""

from __future__ import annotations

import datetime as dt

from portal.common.dates import FinancialYear


def test_the_year_starts_on_1_april() -> None:
    assert FinancialYear.containing(dt.date(2026, 3, 31)) == FinancialYear(2025)
    assert FinancialYear.containing(dt.date(2026, 4, 1)) == FinancialYear(2026)
    assert FinancialYear(2026).label == "2026/27"
    assert FinancialYear(1999).label == "1999/00"
    assert (FinancialYear(2026).first_day, FinancialYear(2026).last_day) == (
        dt.date(2026, 4, 1),
        dt.date(2027, 3, 31),
    )


def test_the_year_runs_between_london_midnights() -> None:
    # 1 April is always in British Summer Time: London's midnight is 23:00 UTC.
    start, end = FinancialYear(2026).moments()
    assert start == dt.datetime(2026, 3, 31, 23, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 3, 31, 23, tzinfo=dt.UTC)
