"""Charts: reportlab's drawing made into SVG the page's Content-Security-Policy allows."""

from __future__ import annotations

import datetime as dt

import pytest
from defusedxml.minidom import parseString

from portal.common.dates import FinancialYear
from portal.reports import charts
from portal.reports.sections import Cell, Chart, ChartKind, Series, Span, Table

MONTHS = ("Apr", "May", "Jun")


def _chart(kind: ChartKind, **extra: object) -> Chart:
    return Chart(
        kind,
        "People supported each month",
        MONTHS,
        (Series("2025/26", (10, None, 30)), Series("2024/25", (5, 15, 25))),
        "People",
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("kind", list(ChartKind))
def test_a_chart_is_an_image_named_by_its_title_with_no_style_attribute(kind: ChartKind) -> None:
    markup = str(charts.svg(_chart(kind), element_id="people"))
    root = parseString(markup).documentElement
    assert root.tagName == "svg"
    assert root.getAttribute("role") == "img"
    title = root.getElementsByTagName("title")[0]
    assert root.getAttribute("aria-labelledby") == title.getAttribute("id") == "people-title"
    assert title.firstChild.data == "People supported each month"
    assert "style=" not in markup  # the CSP refuses inline style
    assert "<style" not in markup
    assert 'fill="rgb(' in markup  # the colours survive as attributes
    for name in ("Apr", "May", "Jun", "People"):
        assert f">{name}<" in markup
    assert ">2025/26<" in markup and ">2024/25<" in markup  # the legend


def test_two_charts_on_a_page_do_not_share_a_clip_path() -> None:
    first = str(charts.svg(_chart(ChartKind.BARS), element_id="first"))
    second = str(charts.svg(_chart(ChartKind.BARS), element_id="second"))
    assert 'id="first-clip"' in first and "url(#first-clip)" in first
    assert 'id="second-clip"' in second and 'id="first-clip"' not in second


def test_a_percent_chart_runs_to_100_and_shows_its_target() -> None:
    chart = Chart(
        ChartKind.LINES,
        "Patch share",
        ("Q1", "Q2"),
        (Series("Patch", (45, 63)),),
        "Percent of packages",
        percent=True,
        target=(60, 70),
        target_label="Target 60 to 70%",
    )
    markup = str(charts.svg(chart, element_id="patch"))
    assert ">100%<" in markup and ">Target 60 to 70%<" in markup


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (7, 10), (12, 20), (2337, 2500), (41, 50), (100, 100)]
)
def test_the_scale_ends_at_a_round_number(value: float, ceiling: float) -> None:
    assert charts._nice_ceiling(value) == ceiling


def test_a_span_is_a_year_or_a_quarter() -> None:
    year = Span(FinancialYear(2025))
    assert (year.first_day, year.last_day) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert len(year.months) == 12 and year.label == "2025/26" and year.slug == "2025-26"
    q4 = Span(FinancialYear(2025), 4)
    assert (q4.first_day, q4.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert q4.months == (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert q4.label == "Q4 2025/26 (January to March)" and q4.slug == "2025-26-q4"
    with pytest.raises(ValueError, match="a quarter is 1 to 4"):
        Span(FinancialYear(2025), 5)


def test_a_table_has_a_cell_for_each_column() -> None:
    with pytest.raises(ValueError, match="every row has a cell"):
        Table(("Month", "People"), ((Cell.of("April"),),))


@pytest.mark.parametrize(
    "values",
    [((None, None, None), (None, None, None)), ((None, None, None), (1, None, 3)), ((4,) * 3,)],
    ids=["no figures at all", "one series without figures", "every figure"],
)
def test_a_line_chart_draws_whatever_figures_it_lacks(values: tuple[tuple, ...]) -> None:
    """A quarter with no returns, or an outcome whose samples are all too small, leaves a
    line with no points, which reportlab cannot draw on its own."""
    chart = Chart(
        ChartKind.LINES,
        "Outcomes met",
        MONTHS,
        tuple(Series(f"Outcome {n}", v) for n, v in enumerate(values, 1)),
        "Percent of sample",
        percent=True,
    )
    markup = str(charts.svg(chart, element_id="outcomes"))
    assert parseString(markup).documentElement.getAttribute("role") == "img"
    assert charts.drawing(chart).width > 0
