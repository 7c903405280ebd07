"""The committee's report carries the dashboard's figures as they are: built from the demo
council's year (a year of returns, recommendations, payments, capacity and package lines),
every section's title, sentences and every row of figures are in the PDF's text, and every
page is drawn. The figures themselves are counted independently in each section's tests
(test_report_packages, test_report_equalities, test_report_contract, test_reductions_held)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from portal.common.dates import FinancialYear, today
from portal.demo.data import load_demo_data
from portal.extensions import db
from portal.reports import dashboard
from portal.reports.annual_report import annual_report_pdf
from portal.reports.sections import Span
from tests.pdf_tools import poppler

# Each test with the figures counted as they are read, and kept by the nightly refresh.
pytestmark = pytest.mark.usefixtures("counted_or_kept")


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_report_of_the_demo_year_carries_every_sections_figures(
    db_session: Any, tmp_path: Path
) -> None:
    load_demo_data()
    db.session.commit()
    year = FinancialYear(FinancialYear.containing(today()).start_year - 1)
    sections = dashboard.sections(Span(year))
    assert len(sections) >= 15
    path = tmp_path / "report.pdf"
    path.write_bytes(annual_report_pdf(year))

    layout = poppler("pdftotext", "-layout", str(path), "-")
    flowing = _words(poppler("pdftotext", str(path), "-"))
    for section in sections:
        assert _words(section.title) in flowing, section.title
        for sentence in section.commentary:
            assert _words(sentence) in flowing, sentence
        # Each row's figures stand on one line of the page, in the table's order (its name
        # may wrap in a narrow column, so the figures are what is looked for).
        for row in section.table.rows:
            figures = [cell.text for cell in row[1:] if cell.text]
            if not figures:
                continue
            pattern = r"\s+".join(re.escape(figure) for figure in figures)
            assert re.search(pattern, layout), (section.key, [c.text for c in row])

    pages = int(re.search(r"Pages:\s+(\d+)", poppler("pdfinfo", str(path))).group(1))  # type: ignore[union-attr]
    assert pages > len(sections) // 2
    poppler("pdftoppm", "-png", "-r", "20", str(path), str(tmp_path / "page"))
    drawn = sorted(tmp_path.glob("page-*.png"))
    assert len(drawn) == pages
    for image_path in drawn:
        with Image.open(image_path) as image:
            extremes = image.convert("L").getextrema()
            assert extremes[0] < 128, f"{image_path.name} is blank"
