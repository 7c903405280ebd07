"""The commissioner's reports: the dashboard, its CSVs, the committee's PDF and the
provider scorecards. Every view is for council staff who monitor the contracts."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from portal.common.access import roles_required
from portal.common.dates import (
    FinancialYear,
    chosen_financial_year,
    financial_years_offered,
    today,
)
from portal.common.roles import Role
from portal.common.spreadsheets import SafeCsvWriter
from portal.reports import charts, dashboard
from portal.reports.sections import QUARTER_MONTHS, Section, Span

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")

QUARTERS = ("1", "2", "3", "4")


def chosen_span() -> Span:
    """The financial year and quarter the query string names; a year the council can have
    no data for is this year, and a quarter that is not 1 to 4 the whole year."""
    current = FinancialYear.containing(today())
    year = chosen_financial_year(request.args.get("year", ""), current)
    quarter = request.args.get("quarter", "")
    return Span(year, int(quarter) if quarter in QUARTERS else None)


@bp.get("/dashboard")
@roles_required(Role.COMMISSIONER)
def dashboard_page() -> str:
    span = chosen_span()
    current = FinancialYear.containing(today())
    shown = [
        (
            section,
            charts.svg(section.chart, element_id=f"{section.key}-chart") if section.chart else None,
        )
        for section in dashboard.sections(span)
    ]
    return render_template(
        "reports/dashboard.html",
        span=span,
        year=span.year,
        years=financial_years_offered(current, span.year),
        quarters=[(str(n), f"Q{n} ({months})") for n, months in enumerate(QUARTER_MONTHS, 1)],
        shown=shown,
        csv_query=span_query(span),
    )


def span_query(span: Span) -> dict[str, int]:
    """The query string naming the span, for links to its downloads."""
    query = {"year": span.year.start_year}
    if span.quarter is not None:
        query["quarter"] = span.quarter
    return query


@bp.get("/dashboard/<string:key>.csv")
@roles_required(Role.COMMISSIONER)
def section_csv(key: str) -> Response:
    span = chosen_span()
    section = dashboard.section(span, key)
    if section is None:
        abort(404)
    return Response(
        stream_with_context(section_rows(section)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{section.key}-{span.slug}.csv"'},
    )


def section_rows(section: Section) -> Iterator[str]:
    """The section's table as spreadsheet cells, a line at a time: the column headings, then
    each row's values (figures as numbers, none where a figure is suppressed), every text
    guarded so no cell runs as a formula."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    for row in ((*section.table.columns,), *((c.value for c in r) for r in section.table.rows)):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
