"""The commissioner's reports: the dashboard, its CSVs, the committee's PDF and the
provider scorecards. Every view is for council staff who monitor the contracts."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from portal.common.access import roles_required
from portal.common.dates import (
    FinancialYear,
    financial_years_offered,
    today,
)
from portal.common.roles import Role
from portal.reports.annual_report import annual_report_pdf
from portal.reports.annual_report import file_name as annual_report_file_name

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


# The committee's annual report ---------------------------------------------------------


def _offered_years() -> list[FinancialYear]:
    current = FinancialYear.containing(today())
    return financial_years_offered(current, current)


@bp.get("/annual-report")
@roles_required(Role.COMMISSIONER)
def annual_report() -> str:
    """Choose a year and download its report; the last complete year unless another is asked."""
    offered = _offered_years()
    asked = request.args.get("year", "")
    # offered[1] is the last complete year: what a committee is usually given.
    year = next((found for found in offered if str(found.start_year) == asked), offered[1])
    return render_template(
        "reports/annual_report.html",
        year=year,
        years=offered,
        complete=year != offered[0],
        file_name=annual_report_file_name(year),
    )


@bp.get("/annual-report/<int:start_year>.pdf")
@roles_required(Role.COMMISSIONER)
def annual_report_download(start_year: int) -> Response:
    """The committee's report for a year the page offers; any other year does not exist."""
    year = next((found for found in _offered_years() if found.start_year == start_year), None)
    if year is None:
        abort(404)
    return Response(
        annual_report_pdf(year),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{annual_report_file_name(year)}"'},
    )
