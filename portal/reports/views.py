"""The commissioner's reports: the dashboard, its CSVs, the committee's PDF and the
provider scorecards. Every view is for council staff who monitor the contracts."""

from __future__ import annotations

import re

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
from portal.providers.queries import get_provider, viewer_provider_id
from portal.reports.annual_report import annual_report_pdf
from portal.reports.annual_report import file_name as annual_report_file_name
from portal.reports.charts import svg
from portal.reports.ranking import COMPONENTS, RULE, TIES
from portal.reports.ranking import ranking as rank_providers
from portal.reports.ranking_csv import ranking_rows
from portal.reports.scorecard_pdf import scorecard_pdf
from portal.reports.scorecards import Scorecard, scorecard, scorecard_list

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


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
