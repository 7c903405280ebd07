from __future__ import annotations

import datetime as dt
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from portal.payments import remittance as remittance_module
from portal.payments.remittance import (
    DEFAULT_BRAND_COLOUR,
    Remittance,
    RemittanceLine,
    brand_colour,
    remittance_pdf,
)
from tests.pdf_tools import poppler

INJECTED_PROVIDER = 'Evil <font color="red">Care</font> & <b>Sons</b>'
INJECTED_DESCRIPTION = '<a href="javascript:alert(1)">x</a>'


def _pages(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> list[str]:
    """The PDF's text, one string a page: as laid out on the page, or else in the order it is
    drawn (where a heading wrapped over two lines of a table cell comes out in one piece)."""
    path = tmp_path / "remittance.pdf"
    path.write_bytes(pdf)
    mode = "-layout" if layout else "-raw"
    text = poppler("pdftotext", mode, "-enc", "UTF-8", str(path), "-")
    return [page for page in text.split("\f") if page.strip()]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _line(number: int, amount_pence: int = 28700, description: str = "") -> RemittanceLine:
    return RemittanceLine(
        payment_reference=f"OOP{number:07d}",
        case_reference=f"AS{400000 + number}",
        recommendation_reference=f"TA{number:06d}",
        description=description
        or "Reduction approved 3 December 2026: 3.5 hours a week at £20.50 an hour for 4 weeks",
        amount_pence=amount_pence,
    )


def _remittance(**changes: object) -> Remittance:
    remittance = Remittance(
        council_name="Northfield Borough Council",
        service_name="Home care outcomes",
        brand_colour="#1d5b79",
        support_email="homecare.payments@northfield.gov.uk",
        batch_reference="PB000012",
        provider_name="Brightwater Home Care Ltd",
        supplier_reference="SUP-00451",
        exported_on=dt.date(2026, 1, 5),
        paid_on=dt.date(2026, 1, 9),
        lines=[
            _line(123, 28700),
            _line(124, 12050),
            _line(12, -28700, "Reversal of OOP0000123: paid twice in error"),
        ],
    )
    return replace(remittance, **changes)  # type: ignore[arg-type]


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_pdf_renders_as_an_a4_page(tmp_path: Path) -> None:
    pdf = remittance_pdf(_remittance())
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "remittance.pdf"
    path.write_bytes(pdf)

    poppler("pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "page"))

    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 1
    width, height = _png_size(pngs[0])
    # A4 at 60 dpi is 496 x 702 pixels
    assert (abs(width - 496), abs(height - 702)) <= (2, 2)
    assert pngs[0].stat().st_size > 10_000  # a drawn page, not a blank one


def test_the_text_shows_the_provider_batch_payments_and_netted_total(tmp_path: Path) -> None:
    pages = _pages(remittance_pdf(_remittance()), tmp_path)

    assert len(pages) == 1
    text = pages[0]
    flat = _flat(text)
    assert "Northfield Borough Council" in text
    assert "Remittance advice" in text
    assert "Home care outcomes" in text
    assert "To Brightwater Home Care Ltd" in flat
    assert "Supplier reference SUP-00451" in flat
    assert "Payment batch PB000012" in flat
    assert "Exported 5 January 2026" in flat
    assert "Paid 9 January 2026" in flat
    for reference in ("OOP0000123", "OOP0000124", "OOP0000012"):
        assert reference in text
    assert "AS400123" in text
    assert "TA000124" in text
    assert "Reversal of OOP0000123: paid twice in error" in flat
    assert "£287.00" in text
    assert "-£287.00" in text
    # 28700 + 12050 - 28700 pence
    assert "Total £120.50" in flat
    assert (
        "Northfield Borough Council, Home care outcomes. Questions about this remittance: "
        "homecare.payments@northfield.gov.uk" in flat
    )
    assert "Page 1 of 1" in text


def test_amounts_are_right_aligned_in_one_column(tmp_path: Path) -> None:
    lines = [_line(1, 5), _line(2, 123456789), _line(3, -1200)]
    text = _pages(remittance_pdf(_remittance(lines=lines)), tmp_path)[0]

    amount_lines = [
        line
        for line in text.splitlines()
        if line.rstrip().endswith(("£0.05", "£1,234,567.89", "-£12.00", "£1,234,555.94"))
    ]
    assert len(amount_lines) == 4  # three payments and the total
    # pdftotext places text on a character grid, so allow it one character of rounding
    ends = [len(line.rstrip()) for line in amount_lines]
    assert max(ends) - min(ends) <= 1


def test_an_unpaid_batch_says_so(tmp_path: Path) -> None:
    text = _flat(_pages(remittance_pdf(_remittance(paid_on=None)), tmp_path)[0])
    assert "Paid Not yet paid" in text


def test_markup_in_typed_text_is_printed_not_obeyed(tmp_path: Path) -> None:
    remittance = _remittance(
        provider_name=INJECTED_PROVIDER,
        lines=[_line(1, 1000, INJECTED_DESCRIPTION)],
        support_email="help&advice@example.gov.uk",
    )
    pdf = remittance_pdf(remittance)
    text = _flat("\n".join(_pages(pdf, tmp_path)))

    assert INJECTED_PROVIDER in text
    assert INJECTED_DESCRIPTION in text
    assert "help&advice@example.gov.uk" in text
    # No link was made from the description
    assert b"/URI" not in pdf
    assert b"/Annots" not in pdf


def test_a_long_batch_runs_over_pages_repeating_the_column_headings(tmp_path: Path) -> None:
    lines = [_line(number, 1000 + number) for number in range(1, 121)]
    expected_total = sum(line.amount_pence for line in lines)
    assert expected_total == 127260

    pdf = remittance_pdf(_remittance(lines=lines))
    pages = _pages(pdf, tmp_path)
    drawn = _pages(pdf, tmp_path, layout=False)

    assert len(pages) >= 3
    assert len(drawn) == len(pages)
    headings = "Payment reference Case reference Recommendation What it is for Amount"
    for number, (page, page_drawn) in enumerate(zip(pages, drawn, strict=True), start=1):
        assert headings in _flat(page_drawn)
        # Every footer says how many pages there are, so a page missing is noticed.
        assert f"Page {number} of {len(pages)}" in page
    assert "OOP0000120" in pages[-1]
    assert "Total £1,272.60" in _flat(pages[-1])
    assert all("Total" not in page for page in pages[:-1])


def test_a_description_longer_than_a_page_still_prints(tmp_path: Path) -> None:
    lines = [_line(1, 100, "word " * 3000), _line(2, 200)]
    pages = _pages(remittance_pdf(_remittance(lines=lines)), tmp_path)
    assert len(pages) > 1
    assert "OOP0000002" in pages[-1]
    assert "Total £3.00" in _flat(pages[-1])


def test_non_latin_letters_print(tmp_path: Path) -> None:
    name = "Zoë Łukasiewicz Care Ελληνικά"
    pages = _pages(remittance_pdf(_remittance(provider_name=name)), tmp_path)
    assert name in _flat(pages[0])


def test_without_liberation_sans_it_falls_back_to_helvetica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remittance_module, "FONT_DIRECTORY", str(tmp_path / "no-fonts"))
    pdf = remittance_pdf(_remittance(provider_name="Zoë Łukasiewicz Care"))
    assert b"/LiberationSans" not in pdf
    assert b"/Helvetica" in pdf
    text = _flat(_pages(pdf, tmp_path)[0])
    assert "Zoë" in text  # Latin-1 still prints; the Ł cannot in Helvetica
    assert "Total £120.50" in text


def test_the_same_remittance_gives_the_same_bytes() -> None:
    assert remittance_pdf(_remittance()) == remittance_pdf(_remittance())


def test_metadata_names_the_batch_and_provider(tmp_path: Path) -> None:
    provider = 'Smith (Care) \\ Sons ) "Ltd" Łódź'
    path = tmp_path / "remittance.pdf"
    path.write_bytes(remittance_pdf(_remittance(provider_name=provider)))

    info = poppler("pdfinfo", "-enc", "UTF-8", str(path))

    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["Title"].strip() == f"Remittance advice PB000012, {provider}"
    assert fields["Author"].strip() == "Northfield Borough Council"
    assert fields["Pages"].strip() == "1"


@pytest.mark.parametrize("setting", ["red", "#1d5b7", "#1d5b79a", "1d5b79", "#gggggg", ""])
def test_a_brand_colour_that_is_not_rrggbb_uses_the_default(setting: str) -> None:
    assert brand_colour(setting).hexval() == brand_colour(DEFAULT_BRAND_COLOUR).hexval()


def test_a_valid_brand_colour_is_used() -> None:
    assert brand_colour("#AA3300").hexval() == "0xaa3300"
