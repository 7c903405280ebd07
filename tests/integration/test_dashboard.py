"""The contract dashboard: every section's chart and table for the year or quarter chosen,
a CSV of each table's figures, for commissioners alone."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import html5lib
import pytest

from portal.capacity.models import CapacityKind, CapacityReturn
from portal.common.dates import FinancialYear, today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.recommendations import operations
from portal.reports import dashboard
from portal.reports.sections import Span
from tests.client import text_of
from tests.factories import ProviderFactory
from tests.fixtures import World
from tests.integration.records import submitted_reduction, submitted_return

THIS_YEAR = FinancialYear.containing(today())
_parser = html5lib.HTMLParser(namespaceHTMLElements=False)


@pytest.fixture
def some_work(world: World) -> None:
    """This year: a return handed in, a reduction approved and its payment, one waiting."""
    submitted_return(world, world.person)
    approved = submitted_reduction(world, world.person)
    operations.approve(
        approved, by=world.users[Role.CARE_MANAGER], start_date=approved.proposed_start_date
    )
    submitted_reduction(world, world.other_person)
    db.session.commit()


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Each table on the page by its caption: its rows of cell texts, headings first."""
    document = _parser.parse(html)
    found = {}
    for table in document.iter("table"):
        caption = " ".join("".join(table.find("caption").itertext()).split())
        rows = []
        for row in table.iter("tr"):
            cells = []
            for cell in row:
                for hidden in cell.findall(".//span[@class='portal-reflow__heading']"):
                    hidden.text = ""
                cells.append(" ".join("".join(cell.itertext()).split()))
            rows.append(cells)
        found[caption] = rows
    return found


@pytest.mark.parametrize("quarter", [None, 1, 3])
def test_the_page_shows_every_sections_chart_and_table(
    as_role: Any, some_work: None, quarter: int | None
) -> None:
    span = Span(THIS_YEAR, quarter)
    query = f"?year={THIS_YEAR.start_year}" + (f"&quarter={quarter}" if quarter else "")
    response = as_role(Role.COMMISSIONER).get("/reports/dashboard" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert f"Contract dashboard, {span.label} –" in page  # the title
    assert f"Contract dashboard: {span.label}" in page  # the heading
    sections = dashboard.sections(span)
    assert {s.key for s in sections} >= {
        "table-f-by-quarter",
        "recommendations",
        "hours-released-and-payments",
        "capacity-by-quadrant",
        "returns-completion",
        "providers-by-rating",
    }
    tables = _tables(html)
    for section in sections:
        assert f'<a class="govuk-link" href="#{section.key}">{section.title}</a>' in html
        assert re.search(rf'<h2 class="govuk-heading-l" id="{section.key}">', html)
        for sentence in section.commentary:
            assert sentence in page
        if section.chart is not None:
            assert f'id="{section.key}-chart"' in html
            assert f'<title id="{section.key}-chart-title">' in html
        rows = tables[f"{section.title}, {span.label}"]
        assert rows[0] == list(section.table.columns)
        assert rows[1:] == [[cell.text for cell in row] for row in section.table.rows]
        link = f"/reports/dashboard/{section.key}.csv?year={THIS_YEAR.start_year}"
        assert link + (f"&amp;quarter={quarter}" if quarter else "") in html
    # The year and quarter chosen stay chosen.
    assert f'<option value="{THIS_YEAR.start_year}" selected>' in html
    if quarter:
        assert f'<option value="{quarter}" selected>' in html


def test_wide_tables_scroll_in_a_focusable_region_and_narrow_ones_reflow(
    as_role: Any, some_work: None
) -> None:
    html = as_role(Role.COMMISSIONER).get("/reports/dashboard").get_data(as_text=True)
    scrolling = re.findall(r'role="region" aria-label="([^"]+)" tabindex="0"', html)
    assert f"Trusted assessor recommendations and decisions, {THIS_YEAR.label}" in scrolling
    quarter = as_role(Role.COMMISSIONER).get("/reports/dashboard?quarter=2").get_data(True)
    # One quarter of Table F has three columns: it reflows rather than scrolls.
    assert re.search(
        r'<table class="govuk-table portal-reflow" role="table">\s*<caption'
        r"[^>]*>Table F: outcomes met each quarter",
        quarter,
    )


def test_a_sections_csv_holds_its_tables_values(as_role: Any, some_work: None) -> None:
    client = as_role(Role.COMMISSIONER)
    span = Span(THIS_YEAR)
    for section in dashboard.sections(span):
        response = client.get(f"/reports/dashboard/{section.key}.csv?year={THIS_YEAR.start_year}")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        name = f"{section.key}-{THIS_YEAR.label.replace('/', '-')}.csv"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == list(section.table.columns)
        expected = [
            ["" if cell.value is None else str(cell.value) for cell in row]
            for row in section.table.rows
        ]
        assert rows[1:] == expected
    response = client.get(
        f"/reports/dashboard/recommendations.csv?year={THIS_YEAR.start_year}&quarter=3"
    )
    assert response.headers["Content-Disposition"].endswith(
        f'recommendations-{THIS_YEAR.label.replace("/", "-")}-q3.csv"'
    )


def test_a_csv_never_runs_a_providers_name_as_a_formula(
    as_role: Any, world: World, some_work: None
) -> None:
    names = ['=HYPERLINK("http://evil.example","Click")', "@SUM(A1)", "+1", "-2"]
    for name in names:
        provider = ProviderFactory(name=name)
        db.session.add(
            CapacityReturn(
                provider_id=provider.id,
                month=THIS_YEAR.first_day,
                kind=CapacityKind.NIL,
                submitted_at=utcnow(),
                submitted_by_id=world.users[Role.PROVIDER_MANAGER].id,
            )
        )
    db.session.commit()
    response = as_role(Role.COMMISSIONER).get(
        f"/reports/dashboard/returns-completion.csv?year={THIS_YEAR.start_year}"
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    written = {row[0] for row in rows[1:]}
    # Each name is there, behind an apostrophe a spreadsheet shows as text; the figures
    # beside it are plain numbers.
    assert {"'" + name for name in names} <= written
    assert not [name for name in written if name[:1] in "=+-@"]
    assert all(cell.isdigit() for row in rows[1:] for cell in row[1:5])


def test_an_unknown_section_is_not_found(as_role: Any) -> None:
    client = as_role(Role.COMMISSIONER)
    assert client.get("/reports/dashboard/no-such-section.csv").status_code == 404
    assert client.get("/reports/dashboard/..%2Fsecret.csv").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "year=next",
        "year=1999",
        f"year={THIS_YEAR.start_year + 1}",
        "year=-2024",
        "year=２０２４",
        "quarter=5",
        "quarter=0",
        "quarter=-1",
        "quarter=q2",
        "quarter=",
        "year=&quarter=",
        "year=2024&year=2025",
        "quarter=%00",
    ],
)
def test_nonsense_choices_fall_back_to_this_year(as_role: Any, query: str) -> None:
    client = as_role(Role.COMMISSIONER)
    response = client.get(f"/reports/dashboard?{query}")
    assert response.status_code == 200
    page = text_of(response)
    if query.startswith("year=2024&"):
        return  # the first is taken
    assert f"Contract dashboard: {THIS_YEAR.label}" in page, query
    csv_response = client.get(f"/reports/dashboard/recommendations.csv?{query}")
    assert csv_response.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COMMISSIONER, 200),
        (Role.CARE_MANAGER, 403),
        (Role.FINANCE_OFFICER, 403),
        (Role.PROVIDER_MANAGER, 403),
        (Role.ADMINISTRATOR, 403),
    ],
)
def test_only_commissioners_see_the_dashboard(as_role: Any, role: Role, status: int) -> None:
    client = as_role(role)
    assert client.get("/reports/dashboard").status_code == status
    assert client.get("/reports/dashboard/recommendations.csv").status_code == status


def test_commissioners_reach_the_dashboard_from_their_menu_and_home(as_role: Any) -> None:
    html = as_role(Role.COMMISSIONER).get("/what-needs-you").get_data(as_text=True)
    assert html.count('href="/reports/dashboard"') == 2  # the menu, and the home page
