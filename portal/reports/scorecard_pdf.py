"""A provider's scorecard as a PDF, in the look of the council's other PDFs (its band and
name at the top, "Page N of M" at the foot): the same sections as the page, each its
heading, sentences, chart (reportlab's drawing of the same chart) and table."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from portal.common.dates import format_date
from portal.payments.remittance import (
    FRAME_WIDTH,
    RULE_COLOUR,
    STRIPE_COLOUR,
    BrandedPage,
    brand_colour,
    branded_document,
    label_table,
    pdf_styles,
    pdf_text,
)
from portal.reports.charts import drawing
from portal.reports.scorecards import Scorecard
from portal.reports.sections import Section
from portal.reports.sections import Table as SectionTable

# What a table may fill: the frame less its padding either side.
WIDTH = FRAME_WIDTH - 12
CHART_HEIGHT = 200


def scorecard_pdf(card: Scorecard, *, council_name: str, service_name: str, brand: str) -> bytes:
    styles = pdf_styles()
    colour = brand_colour(brand)
    heading = ParagraphStyle(
        "heading", parent=styles.title, fontSize=15, leading=19, spaceBefore=10, spaceAfter=4
    )
    note = ParagraphStyle("note", parent=styles.footer, fontSize=8.5, leading=11)
    provider = card.provider
    story: list[Flowable] = [
        Paragraph("Provider scorecard", styles.title),
        Paragraph(pdf_text(f"{provider.name}, financial year {card.year.label}"), styles.subtitle),
        Spacer(1, 5 * mm),
        label_table(
            [
                ("Contract", card.contract),
                ("Status", provider.status.label),
                ("Figures to", format_date(card.on)),
            ],
            styles,
            label_width=32 * mm,
            width=WIDTH,
        ),
    ]
    for section in card.sections:
        story += _section(section, styles, heading, note, colour)
    buffer = io.BytesIO()
    doc = branded_document(
        buffer,
        title=f"Provider scorecard: {provider.name}, {card.year.label}",
        council_name=council_name,
        service_name=service_name,
    )
    page = BrandedPage(
        council_name,
        f"{council_name}, {service_name}. Provider scorecard for {provider.name}, "
        f"{card.year.label}.",
        styles,
        colour,
        of_total=True,
    )
    doc.build(story, onFirstPage=page, onLaterPages=page, canvasmaker=page.canvasmaker())
    return buffer.getvalue()


def _section(
    section: Section,
    styles: object,
    heading: ParagraphStyle,
    note: ParagraphStyle,
    brand: colors.Color,
) -> list[Flowable]:
    body = styles.body  # type: ignore[attr-defined]
    # The heading, its sentences and its chart stay on one page; the table may run on.
    opening: list[Flowable] = [Paragraph(pdf_text(section.title), heading)]
    opening += [Paragraph(pdf_text(sentence), body) for sentence in section.commentary]
    if section.chart is not None:
        opening += [Spacer(1, 3 * mm), drawing(section.chart, width=WIDTH, height=CHART_HEIGHT)]
    flowables: list[Flowable] = [CondPageBreak(50 * mm), KeepTogether(opening)]
    flowables += [Spacer(1, 3 * mm), _table(section, styles, brand), Spacer(1, 2 * mm)]
    flowables += [Paragraph(pdf_text(text), note) for text in section.notes]
    return flowables


def _widths(table: SectionTable, cell: ParagraphStyle, bold: ParagraphStyle) -> list[float]:
    """Each column as wide as its widest cell (a heading may wrap between words), the
    spare room shared out in proportion; when the page is too narrow for that, the first
    column (the row's name) wraps and the figures keep their width."""
    padding = 8

    def width(text: str, style: ParagraphStyle) -> float:
        return stringWidth(text, style.fontName, style.fontSize)

    natural = []
    for i, name in enumerate(table.columns):
        longest_word = max((width(w, bold) for w in name.split()), default=0)
        cells = [width(row[i].text, cell) for row in table.rows]
        natural.append(max([longest_word, *cells]) + padding)
    total = sum(natural)
    if total <= WIDTH:
        return [w * WIDTH / total for w in natural]
    rest = sum(natural[1:])
    first = max(WIDTH * 0.25, WIDTH - rest)
    scale = (WIDTH - first) / rest if rest else 0
    return [first] + [w * scale for w in natural[1:]]


def _table(section: Section, styles: object, brand: colors.Color) -> Table:
    cell = styles.cell  # type: ignore[attr-defined]
    bold = styles.cell_bold  # type: ignore[attr-defined]
    table = section.table
    right = ParagraphStyle("right", parent=cell, alignment=2)
    right_bold = ParagraphStyle("right_bold", parent=bold, alignment=2)
    data: list[list[Paragraph]] = [
        [
            Paragraph(pdf_text(name), right_bold if table.is_numeric(i) else bold)
            for i, name in enumerate(table.columns)
        ]
    ]
    for row in table.rows:
        data.append(
            [
                Paragraph(pdf_text(c.text), right if table.is_numeric(i) else cell)
                for i, c in enumerate(row)
            ]
        )
    if not table.rows:
        data.append(
            [Paragraph("None recorded", cell)] + [Paragraph("", cell)] * (len(table.columns) - 1)
        )
    pdf_table = Table(
        data, colWidths=_widths(table, cell, bold), repeatRows=1, splitInRow=1, hAlign="LEFT"
    )
    last = len(data) - 1
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, 0), (-1, 0), 1.5, brand),
        ("LINEBELOW", (0, 1), (-1, last), 0.5, RULE_COLOUR),
    ]
    if last > 1:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, last), [colors.white, STRIPE_COLOUR]))
    pdf_table.setStyle(TableStyle(style))
    return pdf_table
