"""The annual report's layout, without a database: the same sections give the same bytes,
and a table's figures never wrap, however many columns it has."""

from __future__ import annotations

import datetime as dt

from reportlab.pdfbase.pdfmetrics import stringWidth

from portal.common.dates import FinancialYear
from portal.reports import annual_report
from portal.reports import report_layout as layout
from portal.reports.annual_report import ReportDetails, report_pdf
from portal.reports.sections import Cell, Table
from tests.report_sections import MONTHS, sample_sections

DETAILS = ReportDetails(
    "Northfield Borough Council", "#1d5b79", FinancialYear(2025), dt.date(2026, 12, 5)
)


def test_the_same_sections_give_the_same_bytes() -> None:
    assert report_pdf(sample_sections(), DETAILS) == report_pdf(sample_sections(), DETAILS)


def test_a_year_is_complete_once_it_is_over() -> None:
    assert DETAILS.complete
    assert not ReportDetails(
        "A council", "#1d5b79", FinancialYear(2026), dt.date(2026, 12, 5)
    ).complete
    assert annual_report.file_name(FinancialYear(2025)) == "home-care-annual-report-2025-26.pdf"


def test_a_month_by_month_table_fits_the_page_with_every_figure_on_one_line() -> None:
    rows = tuple(
        (
            Cell.of("Patch providers in the North West quadrant"),
            *tuple(Cell.count(12345) for _ in MONTHS),
        )
        for _ in range(3)
    )
    table = Table(("Contract type", *MONTHS), rows, (False,) + (True,) * 12)
    styles = layout.report_styles(layout.TEXT)
    flowable = annual_report._table(table, styles, layout.TEXT)
    widths = flowable._colWidths  # type: ignore[attr-defined]
    assert abs(sum(widths) - layout.WIDTH) < 0.01
    # Each figure is a plain string (never wrapped) that fits its column.
    for row in flowable._cellvalues[1:]:  # type: ignore[attr-defined]
        for column, value in enumerate(row[1:], start=1):
            assert isinstance(value, str)
            assert stringWidth(value, styles.regular, 7) < widths[column]
