"""The contract sections' charts by quarter: over a year, a point or bar a quarter; for one
quarter, a bar a series, and no chart for a single figure."""

from __future__ import annotations

from portal.reports.contract import _by_quarter
from portal.reports.sections import ChartKind, Series


def test_a_year_keeps_its_quarters_along_the_bottom() -> None:
    chart = _by_quarter(
        ChartKind.LINES,
        "Met",
        ("Q1", "Q2"),
        (Series("Outcome 1", (50, 60)), Series("Outcome 2", (70, None))),
        "Percent",
        percent=True,
    )
    assert chart is not None
    assert (chart.kind, chart.categories, chart.percent) == (ChartKind.LINES, ("Q1", "Q2"), True)


def test_one_quarter_makes_each_series_a_bar() -> None:
    chart = _by_quarter(
        ChartKind.STACKED,
        "What became of them",
        ("Q3",),
        (Series("Approved", (4,)), Series("Rejected", (1,)), Series("Withdrawn", (0,))),
        "Recommendations",
    )
    assert chart is not None
    assert chart.kind == ChartKind.BARS
    assert chart.categories == ("Approved", "Rejected", "Withdrawn")
    assert chart.series == (Series("Q3", (4, 1, 0)),)


def test_a_single_figure_needs_no_chart() -> None:
    assert (
        _by_quarter(ChartKind.BARS, "Hours", ("Q3",), (Series("Hours", (12.5,)),), "Hours") is None
    )
