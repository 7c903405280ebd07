"""A commissioner downloads the committee's annual report for a year: every page drawn, each
section's title, commentary and figures in it, the contents giving the page each section
starts on, "Page N of M" on every page but the cover; no one else can, and only for a year
the page offers.

The dashboard's builders are written elsewhere, so the report here is built from the
sections these tests give it: made-up ones shaped like the committee report's
(tests/report_sections.py), and one counted from the records the test seeds."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import PackageLine, Provider
from portal.reports import dashboard
from portal.reports.sections import Cell, Section, Span, Table
from tests.client import CheckedClient, text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.pdf_tools import poppler
from tests.report_sections import sample_sections

CURRENT = FinancialYear.containing(today())
LAST = FinancialYear(CURRENT.start_year - 1)  # the last complete year: the page's default


def lines_started(span: Span) -> Sequence[Section]:
    """A section counted from the records, as the dashboard's builders are: package lines
    started in the span, by provider, in one grouped statement."""
    rows = db.session.execute(
        select(Provider.name, func.count(PackageLine.id))
        .join(PackageLine, PackageLine.provider_id == Provider.id)
        .where(PackageLine.start_date.between(span.first_day, span.last_day))
        .group_by(Provider.name)
        .order_by(Provider.name)
    ).all()
    total = sum(count for _, count in rows)
    return [
        Section(
            key="lines-started",
            title="Package lines started by provider",
            commentary=(f"{total:,} package lines started in {span.label}.",),
            table=Table(
                ("Provider", "Lines started"),
                tuple((Cell.of(name), Cell.count(count)) for name, count in rows),
                (False, True),
            ),
        )
    ]


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> list[Section]:
    given = sample_sections()
    monkeypatch.setattr(dashboard, "BUILDERS", (lambda span: given, lines_started))
    return given


class Report:
    """The downloaded PDF, read back by poppler: each page's text, and its pictures."""

    def __init__(self, pdf: bytes, folder: Path) -> None:
        self.path = folder / "report.pdf"
        self.path.write_bytes(pdf)
        self.folder = folder
        info = poppler("pdfinfo", str(self.path))
        self.info = {
            key.strip(): value.strip()
            for key, _, value in (line.partition(":") for line in info.splitlines())
        }
        self.count = int(self.info["Pages"])
        # Each page's text in the order it was drawn (a table's rows read across), and as
        # laid out on the page (the page numbers, written on last, in their lines).
        self.pages = [self._text(n, "-raw") for n in range(1, self.count + 1)]
        self.laid_out = [self._text(n, "-layout") for n in range(1, self.count + 1)]
        self.text = " ".join(self.pages)

    def _text(self, page: int, mode: str) -> str:
        found = poppler(
            "pdftotext",
            mode,
            "-enc",
            "UTF-8",
            "-f",
            str(page),
            "-l",
            str(page),
            str(self.path),
            "-",
        )
        return " ".join(found.split())

    def images(self) -> list[Image.Image]:
        poppler("pdftoppm", "-png", "-r", "40", "-gray", str(self.path), str(self.folder / "page"))
        paths = sorted(self.folder.glob("page*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        return [Image.open(path).convert("L") for path in paths]

    def page_of(self, title: str, number: int) -> int:
        """The page a section's numbered heading is on (not the contents or key figures)."""
        heading = f"{number} {title}"
        found = [n for n, text in enumerate(self.pages, start=1) if heading in text and n > 2]
        assert found, f"no page has the heading {heading!r}"
        return found[0]


def download(client: CheckedClient, start_year: int, tmp_path: Path) -> Report:
    response = client.get(f"/reports/annual-report/{start_year}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    label = f"{start_year}-{(start_year + 1) % 100:02d}"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="home-care-annual-report-{label}.pdf"'
    )
    return Report(response.data, tmp_path)


def test_every_page_is_drawn_and_the_text_holds_every_section(
    world: World, as_role: Any, sections: list[Section], tmp_path: Path
) -> None:
    report = download(as_role(Role.COMMISSIONER), LAST.start_year, tmp_path)

    assert report.count >= len(sections) // 2 + 3  # cover, contents, and pages of sections
    images = report.images()
    assert len(images) == report.count
    for number, image in enumerate(images, start=1):
        width, height = image.size
        assert (abs(width - 331), abs(height - 468)) <= (2, 2), "A4 portrait at 40 dpi"
        # The body of the page, between header and footer, has ink on it.
        body = image.crop((0, int(height * 0.12), width, int(height * 0.88)))
        inked = sum(body.histogram()[:160])
        assert inked > 400, f"page {number} is blank"

    cover = report.pages[0]
    for expected in (
        "Testshire County Council",
        f"Home care contracts: annual monitoring report {LAST.label}",
        f"1 April {LAST.start_year} to 31 March {LAST.start_year + 1}",
        f"Produced from the portal’s records on {today().day} {today():%B %Y}",
        "Summary for the committee",
        "Recommendation",
    ):
        assert expected in cover
    assert "is not over" not in cover  # the year is complete
    for section in sections:
        assert section.title in report.text
        for sentence in section.commentary:
            assert sentence in report.text
        for note in section.notes:
            assert note in report.text
        for row in section.table.rows:
            # A row reads across: its name, then each figure as the table shows it.
            assert " ".join(cell.text for cell in row) in report.text, row
    # Typed names are printed as typed, never read as markup.
    assert "Smith & Daughters <Home Care> 2" in report.text


def test_the_contents_and_key_figures_lead_to_each_section(
    world: World, as_role: Any, sections: list[Section], tmp_path: Path
) -> None:
    report = download(as_role(Role.COMMISSIONER), LAST.start_year, tmp_path)
    everything = [*sections, lines_started(Span(LAST))[0]]

    contents = report.laid_out[1]
    assert contents.startswith(
        f"Testshire County Council Annual monitoring report {LAST.label} Contents"
    )
    key_figures_page = next(
        n for n, text in enumerate(report.pages, 1) if "Summary of key figures" in text and n > 1
    )
    entries = [("Summary of key figures", key_figures_page)] + [
        (f"{number} {section.title}", report.page_of(section.title, number))
        for number, section in enumerate(everything, start=1)
    ]
    listed = " ".join(f"{title} {page}" for title, page in entries)
    assert listed in contents
    pages = [page for _, page in entries]
    assert pages == sorted(pages) and pages[-1] <= report.count
    # The key figures are each section's first sentence.
    for number, section in enumerate(everything, start=1):
        assert f"{number} {section.title} {section.commentary[0]}" in report.text
    # A table longer than a page carries its header row on to the next.
    start = report.page_of("Outcome returns completed by provider", 6)
    assert report.pages[start].count("Provider Returns due Returns sent Completed") == 1
    assert "Riverside Support Services Limited (Patch North West) 20" in report.text


def test_each_page_but_the_cover_is_numbered_and_the_pdf_says_what_it_is(
    world: World, as_role: Any, sections: list[Section], tmp_path: Path
) -> None:
    report = download(as_role(Role.COMMISSIONER), LAST.start_year, tmp_path)

    assert "Page 1 of" not in report.pages[0]
    for number, text in enumerate(report.laid_out[1:], start=2):
        assert text.endswith(
            f"Testshire County Council · Home care contracts: annual monitoring report "
            f"{LAST.label} Page {number} of {report.count}"
        ), text[-80:]
    assert report.info["Title"] == f"Home care contracts: annual monitoring report {LAST.label}"
    assert report.info["Author"] == "Testshire County Council"
    assert report.info["Subject"].startswith("How the council")
    assert report.info["Page size"].startswith("595.276 x 841.89")
    # Each section is a bookmark in the PDF's outline.
    pdf = report.path.read_bytes()
    assert b"/Outlines" in pdf and b"/PageMode /UseOutlines" in pdf
    assert pdf.count(b"/Title (") >= len(sections) + 3


def test_the_figures_are_counted_from_the_records_of_the_year(
    world: World, as_role: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dashboard, "BUILDERS", (lines_started,))
    in_year = LAST.first_day + dt.timedelta(days=40)
    seeded = [
        (world.provider, in_year),
        (world.provider, LAST.last_day),
        (world.other_provider, LAST.first_day),
        (world.other_provider, LAST.first_day - dt.timedelta(days=1)),  # the year before
        (world.other_provider, LAST.last_day + dt.timedelta(days=1)),  # the year after
    ]
    for provider, start in seeded:
        person = ServiceUserFactory(provider=provider)
        PackageLineFactory(service_user=person, start_date=start)
    db.session.commit()
    every_line = db.session.execute(select(PackageLine.provider_id, PackageLine.start_date)).all()
    names = {
        world.provider.id: world.provider.name,
        world.other_provider.id: world.other_provider.name,
    }
    expected = Counter(
        names[provider_id]
        for provider_id, start in every_line
        if LAST.first_day <= start <= LAST.last_day
    )

    report = download(as_role(Role.COMMISSIONER), LAST.start_year, tmp_path)

    assert f"{sum(expected.values())} package lines started in {LAST.label}." in report.text
    for name, count in expected.items():
        assert f"{name} {count}" in report.text


def test_the_page_offers_the_years_and_links_to_the_chosen_report(
    world: World, as_role: Any
) -> None:
    client = as_role(Role.COMMISSIONER)
    page = client.get("/reports/annual-report")
    assert page.status_code == 200
    text = text_of(page)
    assert "Annual report for the scrutiny committee" in text
    html = page.get_data(as_text=True)
    assert f'href="/reports/annual-report/{LAST.start_year}.pdf"' in html
    assert f"Download the annual monitoring report for {LAST.label} (PDF)" in text
    options = re.findall(r'<option value="(\d+)"', html)
    assert options == [str(CURRENT.start_year - n) for n in range(6)]

    this_year = client.get(f"/reports/annual-report?year={CURRENT.start_year}")
    assert f"/reports/annual-report/{CURRENT.start_year}.pdf" in this_year.get_data(as_text=True)
    assert "is not over yet" in text_of(this_year)
    for nonsense in ("1999", "banana", str(CURRENT.start_year + 1), "2025.5"):
        fallback = client.get(f"/reports/annual-report?year={nonsense}")
        assert fallback.status_code == 200
        assert f"/reports/annual-report/{LAST.start_year}.pdf" in fallback.get_data(as_text=True)


def test_a_year_the_page_does_not_offer_does_not_exist(
    world: World, as_role: Any, sections: list[Section]
) -> None:
    client = as_role(Role.COMMISSIONER)
    for start_year in (CURRENT.start_year + 1, CURRENT.start_year - 6, 1999, 0):
        assert client.get(f"/reports/annual-report/{start_year}.pdf").status_code == 404
    assert client.get(f"/reports/annual-report/{CURRENT.start_year - 5}.pdf").status_code == 200
    assert client.get(f"/reports/annual-report/{CURRENT.start_year}.pdf").status_code == 200


@pytest.mark.parametrize("role", [Role.CARE_MANAGER, Role.FINANCE_OFFICER, Role.PROVIDER_MANAGER])
def test_only_a_commissioner_may_have_the_report(world: World, as_role: Any, role: Role) -> None:
    client = as_role(role)
    assert client.get("/reports/annual-report").status_code == 403
    assert client.get(f"/reports/annual-report/{LAST.start_year}.pdf").status_code == 403


def test_a_year_with_no_sections_still_makes_a_report(
    world: World, as_role: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dashboard, "BUILDERS", ())
    report = download(as_role(Role.COMMISSIONER), CURRENT.start_year, tmp_path)
    assert report.count == 2
    assert "is not over: the figures are those recorded up to" in report.pages[0]
    assert "The portal has no figures to report for this year." in report.text


def test_the_command_writes_the_report(
    app: Any, world: World, sections: list[Section], tmp_path: Path
) -> None:
    output = tmp_path / "report.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["reports", "annual-report", "--year", str(LAST.start_year), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert f"The annual report for {LAST.label} is in {output}" in result.output
    assert output.read_bytes().startswith(b"%PDF-")
    assert "Package lines started by provider" in Report(output.read_bytes(), tmp_path).text

    refused = runner.invoke(
        args=["reports", "annual-report", "--year", str(CURRENT.start_year + 1)]
    )
    assert refused.exit_code == 2 and "has not started yet" in refused.output
