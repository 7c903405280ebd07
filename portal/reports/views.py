"""The commissioner's reports: the dashboard, its CSVs, the committee's PDF and the
provider scorecards. Every view is for council staff who monitor the contracts."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)

from portal.common.access import roles_required
from portal.common.dates import (
    FinancialYear,
    chosen_financial_year,
    financial_years_offered,
    today,
)
from portal.common.roles import Role
from portal.common.spreadsheets import SafeCsvWriter
from portal.providers.queries import get_provider, viewer_provider_id
from portal.reports import charts, dashboard
from portal.reports.annual_report import annual_report_pdf
from portal.reports.annual_report import file_name as annual_report_file_name
from portal.reports.charts import svg
from portal.reports.ranking import COMPONENTS, RULE, TIES
from portal.reports.ranking import ranking as rank_providers
from portal.reports.ranking_csv import ranking_rows
from portal.reports.scorecard_pdf import scorecard_pdf
from portal.reports.scorecards import Scorecard, scorecard, scorecard_list
from portal.reports.sections import QUARTER_MONTHS, Section, Span

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


# --- The contract dashboard -------------------------------------------------------------

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


# --- Provider scorecards and the annual re-ranking -------------------------------------
# Kept together so that the dashboard's views, added beside them, stay apart.

SCORECARD_READERS = (Role.COMMISSIONER, Role.CARE_MANAGER, Role.PROVIDER_MANAGER)


def _chosen_year() -> tuple[FinancialYear, list[FinancialYear]]:
    """The financial year the query string names (a nonsense one is the current year),
    and the years the picker offers."""
    current = FinancialYear.containing(today())
    year = chosen_financial_year(request.args.get("year", ""), current)
    return year, financial_years_offered(current, year)


def _scorecard_for(provider_id: int) -> tuple[Scorecard, list[FinancialYear]]:
    """A provider's scorecard, for council staff any provider's and for a provider manager
    their own (another provider's is not found)."""
    provider = get_provider(provider_id, viewer_provider=viewer_provider_id())
    year, years = _chosen_year()
    return scorecard(provider, year, today()), years


@bp.get("/providers/<int:provider_id>/scorecard")
@roles_required(*SCORECARD_READERS)
def provider_scorecard(provider_id: int) -> str:
    card, years = _scorecard_for(provider_id)
    return render_template(
        "reports/scorecard.html", card=card, year=card.year, years=years, svg=svg
    )


@bp.get("/providers/<int:provider_id>/scorecard.pdf")
@roles_required(*SCORECARD_READERS)
def provider_scorecard_pdf(provider_id: int) -> Response:
    card, _ = _scorecard_for(provider_id)
    content = scorecard_pdf(
        card,
        council_name=current_app.config["COUNCIL_NAME"],
        service_name=current_app.config["SERVICE_NAME"],
        brand=current_app.config["COUNCIL_BRAND_COLOUR"],
    )
    name = f"scorecard-{_slug(card.provider.name)}-{card.year.label.replace('/', '-')}.pdf"
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _slug(words: str) -> str:
    """Words for a file's name: lower case letters and digits, hyphens between."""
    return "-".join(re.findall(r"[a-z0-9]+", words.lower()))


@bp.get("/scorecards")
@roles_required(Role.COMMISSIONER, Role.CARE_MANAGER)
def scorecards() -> str:
    """Every provider's scorecard for the year, with its contract and ratings now."""
    year, years = _chosen_year()
    return render_template(
        "reports/scorecards.html", providers=scorecard_list(), year=year, years=years
    )


@bp.get("/ranking")
@roles_required(Role.COMMISSIONER)
def ranking() -> str:
    year, years = _chosen_year()
    return render_template(
        "reports/ranking.html",
        ranked=rank_providers(year, today()),
        year=year,
        years=years,
        rule=RULE,
        ties=TIES,
        components=COMPONENTS,
    )


@bp.get("/ranking.csv")
@roles_required(Role.COMMISSIONER)
def ranking_csv() -> Response:
    year, _ = _chosen_year()
    ranked = rank_providers(year, today())
    return Response(
        stream_with_context(ranking_rows(ranked)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="provider-ranking-{year.label.replace("/", "-")}.csv"'
            )
        },
    )


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
