"""Remittance advice: a PDF for one provider in one payment batch, in the council's branding.

Every piece of text that reaches a reportlab ``Paragraph`` goes through ``pdf_text`` first, which
escapes it: provider names, descriptions and even the council's own settings are typed by
people, and Paragraph reads its text as markup (``<font>``, ``<a href>``, ``<img>``...).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from portal.common.dates import format_date
from portal.common.money import format_pence

DEFAULT_BRAND_COLOUR = "#1d5b79"
FONT_DIRECTORY = "/usr/share/fonts/truetype/liberation"
REGULAR_FONT_FILE = "LiberationSans-Regular.ttf"
BOLD_FONT_FILE = "LiberationSans-Bold.ttf"

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# C0 and C1 control characters other than tab and newline: they have no glyph and some of
# them are not allowed in the markup Paragraph parses.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_SIDE_MARGIN = 18 * mm
_BAND_HEIGHT = 22 * mm
_TOP_MARGIN = _BAND_HEIGHT + 10 * mm
_BOTTOM_MARGIN = 24 * mm
_FRAME_WIDTH = _PAGE_WIDTH - 2 * _SIDE_MARGIN
FRAME_WIDTH = _FRAME_WIDTH  # what other PDFs in the same look lay their tables out in

_TEXT_COLOUR = colors.HexColor("#0b0c0c")  # GOV.UK text
_SECONDARY_TEXT = colors.HexColor("#505a5f")
_RULE_COLOUR = colors.HexColor("#b1b4b6")
_STRIPE_COLOUR = colors.HexColor("#f3f2f1")
RULE_COLOUR, STRIPE_COLOUR = _RULE_COLOUR, _STRIPE_COLOUR


@dataclass(frozen=True)
class RemittanceLine:
    payment_reference: str  # e.g. "OOP0000123"
    case_reference: str  # the service user's case reference, e.g. "AS400123"
    recommendation_reference: str  # e.g. "TA000123"
    description: str  # free text; may contain what a user typed
    amount_pence: int  # integer pence; negative for a reversal


@dataclass(frozen=True)
class Remittance:
    council_name: str  # "Northfield Borough Council"
    service_name: str  # "Home care outcomes"
    brand_colour: str  # hex like "#1d5b79"; DEFAULT_BRAND_COLOUR if it is not a valid #rrggbb
    support_email: str
    batch_reference: str  # "PB000012"
    provider_name: str  # user-entered text: may contain <, >, &, quotes, non-Latin letters
    supplier_reference: str
    exported_on: dt.date
    paid_on: dt.date | None
    lines: list[RemittanceLine]


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


@cache
def _fonts(directory: str) -> _Fonts:
    """Liberation Sans where the system has it, so names in any script up to the font's
    coverage print; otherwise reportlab's built-in Helvetica (Latin-1 only)."""
    regular_path = os.path.join(directory, REGULAR_FONT_FILE)
    bold_path = os.path.join(directory, BOLD_FONT_FILE)
    if not (os.path.isfile(regular_path) and os.path.isfile(bold_path)):
        return _Fonts("Helvetica", "Helvetica-Bold")
    try:
        pdfmetrics.registerFont(TTFont("LiberationSans", regular_path))
        pdfmetrics.registerFont(TTFont("LiberationSans-Bold", bold_path))
    except Exception:  # an unreadable or broken font file: print with Helvetica instead
        return _Fonts("Helvetica", "Helvetica-Bold")
    pdfmetrics.registerFontFamily(
        "LiberationSans",
        normal="LiberationSans",
        bold="LiberationSans-Bold",
        italic="LiberationSans",
        boldItalic="LiberationSans-Bold",
    )
    return _Fonts("LiberationSans", "LiberationSans-Bold")


def font_names() -> tuple[str, str]:
    """The regular and bold fonts remittances print in (registered on first use)."""
    fonts = _fonts(FONT_DIRECTORY)
    return fonts.regular, fonts.bold


def brand_colour(value: str) -> colors.Color:
    """The council's colour, or the default when the setting is not a #rrggbb colour."""
    text = (value or "").strip()
    return colors.HexColor(text if _HEX_COLOUR.fullmatch(text) else DEFAULT_BRAND_COLOUR)


def plain_text(text: str) -> str:
    return _CONTROL.sub(" ", text or "")


def pdf_text(text: str) -> str:
    """Plain text made safe to give a Paragraph: nothing in it is read as markup."""
    return escape(plain_text(text))


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    label: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    amount_bold: ParagraphStyle
    band: ParagraphStyle
    footer: ParagraphStyle


def pdf_styles() -> _Styles:
    """The paragraph styles of the council's PDFs (remittances, the subject access report)."""
    return _styles(_fonts(FONT_DIRECTORY))


def _styles(fonts: _Fonts) -> _Styles:
    body = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=10, leading=13, textColor=_TEXT_COLOUR
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5)
    cell_bold = ParagraphStyle("cell_bold", parent=cell, fontName=fonts.bold)
    return _Styles(
        body=body,
        label=ParagraphStyle("label", parent=body, fontName=fonts.bold),
        title=ParagraphStyle(
            "title", parent=body, fontName=fonts.bold, fontSize=22, leading=26, spaceAfter=2
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontSize=12, leading=15, textColor=_SECONDARY_TEXT
        ),
        cell=cell,
        cell_bold=cell_bold,
        amount_bold=ParagraphStyle("amount_bold", parent=cell_bold, alignment=TA_RIGHT),
        band=ParagraphStyle(
            "band",
            parent=body,
            fontName=fonts.bold,
            fontSize=16,
            leading=19,
            textColor=colors.white,
        ),
        footer=ParagraphStyle(
            "footer", parent=body, fontSize=8, leading=10, textColor=_SECONDARY_TEXT
        ),
    )


def _details(remittance: Remittance, styles: _Styles) -> Table:
    paid = format_date(remittance.paid_on) if remittance.paid_on else "Not yet paid"
    rows = [
        ("To", remittance.provider_name),
        ("Supplier reference", remittance.supplier_reference),
        ("Payment batch", remittance.batch_reference),
        ("Exported", format_date(remittance.exported_on)),
        ("Paid", paid),
    ]
    return label_table(rows, styles, label_width=42 * mm, width=_FRAME_WIDTH)


def label_table(
    rows: list[tuple[str, str]], styles: _Styles, *, label_width: float, width: float
) -> Table:
    """Facts beside their labels in bold, two columns, no lines."""
    data = [
        [Paragraph(pdf_text(k), styles.label), Paragraph(pdf_text(v), styles.body)] for k, v in rows
    ]
    table = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


_COLUMNS = (
    ("Payment reference", 25 * mm),
    ("Case reference", 22 * mm),
    ("Recommendation", 31 * mm),  # the heading's width, so it never breaks mid-word
    ("What it is for", None),
    ("Amount", 25 * mm),
)


def _lines_table(remittance: Remittance, styles: _Styles, brand: colors.Color) -> Table:
    fixed = sum(width for _, width in _COLUMNS if width is not None)
    widths = [width if width is not None else _FRAME_WIDTH - fixed for _, width in _COLUMNS]
    header = [
        Paragraph(pdf_text(name), styles.amount_bold if name == "Amount" else styles.cell_bold)
        for name, _ in _COLUMNS
    ]
    data: list[list[Paragraph | str]] = [list(header)]
    # Text that fits its column is drawn as a plain string (never read as markup), which
    # costs far less than a paragraph on a long remittance; what does not fit wraps. The
    # description always may.
    cell = styles.cell

    def fitted(value: str, column: int) -> Paragraph | str:
        text = plain_text(value)
        room = widths[column] - 8  # the column less its padding
        if pdfmetrics.stringWidth(text, cell.fontName, cell.fontSize) <= room:
            return text
        return Paragraph(pdf_text(value), cell)

    for line in remittance.lines:
        data.append(
            [
                fitted(line.payment_reference, 0),
                fitted(line.case_reference, 1),
                fitted(line.recommendation_reference, 2),
                Paragraph(pdf_text(line.description), styles.cell),
                format_pence(line.amount_pence),  # at most 12 characters: always fits
            ]
        )
    total_pence = sum((line.amount_pence for line in remittance.lines), 0)
    data.append(
        [
            Paragraph("Total", styles.cell_bold),
            "",
            "",
            "",
            Paragraph(pdf_text(format_pence(total_pence)), styles.amount_bold),
        ]
    )
    last = len(data) - 1
    style = [
        ("FONTNAME", (0, 1), (-1, last), cell.fontName),
        ("FONTSIZE", (0, 1), (-1, last), cell.fontSize),
        ("LEADING", (0, 1), (-1, last), cell.leading),
        ("TEXTCOLOR", (0, 1), (-1, last), cell.textColor),
        ("ALIGN", (-1, 1), (-1, last), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, 0), (-1, 0), 1.5, brand),
        ("LINEBELOW", (0, 1), (-1, last - 1), 0.5, _RULE_COLOUR),
        ("LINEABOVE", (0, last), (-1, last), 1.5, _TEXT_COLOUR),
        ("SPAN", (0, last), (3, last)),
    ]
    if last > 1:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, last - 1), [colors.white, _STRIPE_COLOUR]))
    # splitInRow: a description longer than a page (typed text has no limit) carries on over
    # the page break instead of stopping the whole PDF with a LayoutError.
    table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


class _PageOfTotalCanvas(Canvas):
    """A canvas that holds each finished page back until the last one is laid out, then
    numbers them all "Page N of M" as it writes them. The document is laid out once (a doc
    template's multiBuild would lay it out twice to learn the count): only the number waits."""

    def __init__(self, *args: Any, number: Callable[[Canvas, str], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._number = number
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.saveState()
            self._number(self, f"Page {self._pageNumber} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


class BrandedPage:
    """Draws what every page of the council's PDFs has: the brand band at the top with the
    council's name, and the footer with its page number ("Page 2", or with ``of_total``
    "Page 2 of 3", drawn by the document's ``canvasmaker`` once the count is known)."""

    def __init__(
        self,
        council_name: str,
        footer: str,
        styles: _Styles,
        brand: colors.Color,
        *,
        of_total: bool = False,
    ) -> None:
        self.styles = styles
        self.brand = brand
        self.council = pdf_text(council_name)
        self.footer = pdf_text(footer)
        self.of_total = of_total

    def canvasmaker(self) -> Callable[..., Canvas]:
        """What the document draws its pages on: a canvas that numbers them once all are
        laid out when the footer says "of" the total, else reportlab's own."""
        if not self.of_total:
            return Canvas
        return functools.partial(_PageOfTotalCanvas, number=self._page_number)

    def __call__(self, canvas: Canvas, _doc: object) -> None:
        canvas.saveState()
        canvas.setFillColor(self.brand)
        canvas.rect(0, _PAGE_HEIGHT - _BAND_HEIGHT, _PAGE_WIDTH, _BAND_HEIGHT, stroke=0, fill=1)
        self._band_text(canvas)
        self._footer(canvas)
        canvas.restoreState()

    def _band_text(self, canvas: Canvas) -> None:
        # A long council name shrinks, then wraps, rather than running off the band.
        for size in (16, 14, 12, 10):
            style = ParagraphStyle(
                "band_fit", parent=self.styles.band, fontSize=size, leading=size * 1.2
            )
            paragraph = Paragraph(self.council, style)
            _, height = paragraph.wrap(_FRAME_WIDTH, _BAND_HEIGHT)
            if height <= _BAND_HEIGHT - 6 * mm:
                break
        y = _PAGE_HEIGHT - _BAND_HEIGHT / 2 - height / 2
        paragraph.drawOn(canvas, _SIDE_MARGIN, y)

    def _footer(self, canvas: Canvas) -> None:
        number_width = 20 * mm  # the footer's text leaves room for "Page 99 of 99"
        top = _BOTTOM_MARGIN - 8 * mm
        canvas.setStrokeColor(_RULE_COLOUR)
        canvas.setLineWidth(0.5)
        canvas.line(_SIDE_MARGIN, top + 2 * mm, _PAGE_WIDTH - _SIDE_MARGIN, top + 2 * mm)
        text = Paragraph(self.footer, self.styles.footer)
        _, height = text.wrap(_FRAME_WIDTH - number_width, _BOTTOM_MARGIN)
        text.drawOn(canvas, _SIDE_MARGIN, top - height)
        if not self.of_total:
            self._page_number(canvas, f"Page {canvas.getPageNumber()}")

    def _page_number(self, canvas: Canvas, text: str) -> None:
        top = _BOTTOM_MARGIN - 8 * mm
        page = Paragraph(
            text, ParagraphStyle("page", parent=self.styles.footer, alignment=TA_RIGHT)
        )
        # Drawn right-aligned in a wider box, so even "Page 100 of 100" stays on one line.
        box = 30 * mm
        _, page_height = page.wrap(box, _BOTTOM_MARGIN)
        page.drawOn(canvas, _PAGE_WIDTH - _SIDE_MARGIN - box, top - page_height)


def branded_document(
    buffer: io.BytesIO, *, title: str, council_name: str, service_name: str
) -> SimpleDocTemplate:
    """An A4 document with room for ``BrandedPage``'s band and footer; the same content
    always gives the same bytes."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_SIDE_MARGIN,
        rightMargin=_SIDE_MARGIN,
        topMargin=_TOP_MARGIN,
        bottomMargin=_BOTTOM_MARGIN,
        title=plain_text(title),
        author=plain_text(council_name),
        subject=plain_text(service_name),
        creator=plain_text(council_name),
        lang="en-GB",
        displayDocTitle=True,
        invariant=1,
    )


def remittance_pdf(remittance: Remittance) -> bytes:
    """The remittance advice as PDF bytes; the same remittance always gives the same bytes."""
    fonts = _fonts(FONT_DIRECTORY)
    styles = _styles(fonts)
    brand = brand_colour(remittance.brand_colour)
    buffer = io.BytesIO()
    doc = branded_document(
        buffer,
        title=f"Remittance advice {remittance.batch_reference}, {remittance.provider_name}",
        council_name=remittance.council_name,
        service_name=remittance.service_name,
    )
    story: list[Flowable] = [
        Paragraph("Remittance advice", styles.title),
        Paragraph(pdf_text(remittance.service_name), styles.subtitle),
        Spacer(1, 8 * mm),
        _details(remittance, styles),
        Spacer(1, 8 * mm),
        _lines_table(remittance, styles, brand),
    ]
    page = BrandedPage(
        remittance.council_name,
        f"{remittance.council_name}, {remittance.service_name}. "
        f"Questions about this remittance: {remittance.support_email}",
        styles,
        brand,
        of_total=True,
    )
    doc.build(story, onFirstPage=page, onLaterPages=page, canvasmaker=page.canvasmaker())
    return buffer.getvalue()
