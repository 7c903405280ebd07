"""The annual monitoring report a commissioner puts before the scrutiny committee, as PDF.

It draws whatever sections the dashboard gives for the year (portal/reports/dashboard.py):
a cover with the council's name and what the committee is asked to do, the contents, the
key figures (each section's first sentence), then each section in turn: its numbered
heading, commentary, chart, table and notes. Nothing here counts anything: every figure
comes from the sections, so the report reads the same as the dashboard.

Every piece of text reaches reportlab through ``pdf_text`` (a provider's name is typed by
people, and a Paragraph reads its text as markup) or as a plain string, which it never
reads as markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable
from reportlab.platypus.flowables import HRFlowable

from portal.common.dates import FinancialYear, format_date, today
from portal.payments.remittance import brand_colour, pdf_text, plain_text
from portal.reports import charts, dashboard
from portal.reports import report_layout as layout
from portal.reports.sections import Section, Span, Table

TITLE = "Home care contracts: annual monitoring report"
SUBJECT = "How the council's home care contracts performed over the financial year"
CHART_HEIGHT = 74 * mm
CONTENTS_KEY = "contents"
SUMMARY_KEY = "key-figures"


@dataclass(frozen=True)
class ReportDetails:
    """What the report says about itself: whose it is, which year, when it was made."""

    council_name: str
    brand_colour: str  # "#rrggbb"; the remittances' default when it is not one
    year: FinancialYear
    produced_on: dt.date

    @property
    def title(self) -> str:
        return f"{TITLE} {self.year.label}"

    @property
    def complete(self) -> bool:
        """Whether the year was over when the report was made."""
        return self.produced_on > self.year.last_day


def file_name(year: FinancialYear) -> str:
    """'home-care-annual-report-2025-26.pdf'."""
    return f"home-care-annual-report-{Span(year).slug}.pdf"


def annual_report_pdf(year: FinancialYear, *, produced_on: dt.date | None = None) -> bytes:
    """The committee's report for the financial year, from the dashboard's sections."""
    config = current_app.config
    details = ReportDetails(
        council_name=config["COUNCIL_NAME"],
        brand_colour=config["COUNCIL_BRAND_COLOUR"],
        year=year,
        produced_on=produced_on or today(),
    )
    return report_pdf(dashboard.sections(Span(year)), details)


def report_pdf(sections: Sequence[Section], details: ReportDetails) -> bytes:
    """The report of these sections as PDF bytes; the same sections give the same bytes."""
    brand = brand_colour(details.brand_colour)
    styles = layout.report_styles(brand)
    starts = layout.Starts()
    story = [
        *_cover(sections, details, styles),
        PageBreak(),
        *_contents(sections, styles, brand, starts),
        *_key_figures(sections, styles, brand, starts),
    ]
    if sections:
        story.append(PageBreak())  # the sections start on a page of their own
    else:
        story.append(Paragraph("The portal has no figures to report for this year.", styles.body))
    for number, section in enumerate(sections, start=1):
        story += _section(number, section, styles, brand, starts)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=layout.A4,
        leftMargin=layout.SIDE_MARGIN,
        rightMargin=layout.SIDE_MARGIN,
        topMargin=layout.TOP_MARGIN,
        bottomMargin=layout.BOTTOM_MARGIN,
        title=plain_text(details.title),
        author=plain_text(details.council_name),
        subject=SUBJECT,
        creator=plain_text(details.council_name),
        keywords=["home care", "contract monitoring", details.year.label],
        lang="en-GB",
        displayDocTitle=True,
        invariant=1,
    )
    council = plain_text(details.council_name)
    header = functools.partial(
        layout.header,
        council=council,
        title=f"Annual monitoring report {details.year.label}",
        styles=styles,
        brand=brand,
    )
    cover = functools.partial(
        layout.cover,
        council=council,
        line="Report to the adult care scrutiny committee",
        styles=styles,
        brand=brand,
    )
    finish = functools.partial(
        layout.finish_page, footer=f"{council} · {plain_text(details.title)}", styles=styles
    )
    doc.build(
        story,
        onFirstPage=lambda canvas, _doc: cover(canvas),
        onLaterPages=lambda canvas, _doc: header(canvas),
        canvasmaker=functools.partial(layout.HeldPages, finish=finish),
    )
    return buffer.getvalue()


def _cover(
    sections: Sequence[Section], details: ReportDetails, styles: layout.Styles
) -> list[Flowable]:
    year = details.year
    dates = f"1 April {year.start_year} to 31 March {year.start_year + 1}"
    summary = [
        Paragraph("Summary for the committee", styles.panel_heading),
        Paragraph(
            pdf_text(
                f"This report sets out how the council’s home care contracts performed in "
                f"{year.label}, from {format_date(year.first_day)} to "
                f"{format_date(year.last_day)}: "
                + (
                    f"its {len(sections)} sections, listed on the next page, give the figures "
                    "the committee reviews each year, each with a short commentary."
                    if sections
                    else "the portal holds no figures for the year yet."
                )
            ),
            styles.body,
        ),
        Paragraph(
            "Every figure is counted from the portal’s own records: the people and package "
            "lines the council’s case system sends, the returns providers submit, and the "
            "recommendations and payments made through the portal. Where a group is too "
            "small to report, or a sample too small to compare, the section says so.",
            styles.body,
        ),
    ]
    if not details.complete:
        summary.append(
            Paragraph(
                pdf_text(
                    f"The year is not over: the figures are those recorded up to "
                    f"{format_date(details.produced_on)}."
                ),
                styles.body,
            )
        )
    summary += [
        Paragraph("Recommendation", styles.subheading),
        Paragraph(
            "That the committee notes the performance of the Patch and Framework providers "
            "set out in this report.",
            styles.body,
        ),
    ]
    panel = PdfTable([[summary]], colWidths=[layout.WIDTH], hAlign="LEFT")
    panel.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), layout.PANEL),
                ("LEFTPADDING", (0, 0), (-1, -1), 14),
                ("RIGHTPADDING", (0, 0), (-1, -1), 14),
                ("TOPPADDING", (0, 0), (-1, -1), 12),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [
        Spacer(1, layout.COVER_BAND - layout.TOP_MARGIN + 14 * mm),
        Paragraph(pdf_text(details.title), styles.cover_title),
        Paragraph(pdf_text(dates), styles.cover_subtitle),
        Spacer(1, 3 * mm),
        Paragraph(
            pdf_text(f"Produced from the portal’s records on {format_date(details.produced_on)}"),
            styles.cover_subtitle,
        ),
        Spacer(1, 12 * mm),
        panel,
    ]


def _part_heading(
    text: str,
    *,
    key: str,
    outline: str,
    styles: layout.Styles,
    brand: colors.Color,
    starts: layout.Starts,
) -> list[Flowable]:
    """A heading with a rule in the council's colour under it."""
    return [
        layout.Heading(text, styles.heading, key=key, outline=outline, starts=starts),
        HRFlowable(width="100%", thickness=1.5, color=brand, spaceBefore=2, spaceAfter=10),
    ]


def _contents(
    sections: Sequence[Section], styles: layout.Styles, brand: colors.Color, starts: layout.Starts
) -> list[Flowable]:
    story = _part_heading(
        "Contents", key=CONTENTS_KEY, outline="Contents", styles=styles, brand=brand, starts=starts
    )
    entries = [("", "Summary of key figures", SUMMARY_KEY)] + [
        (str(number), section.title, _anchor(section))
        for number, section in enumerate(sections, start=1)
    ]
    story += [
        layout.ContentsEntry(number, title, key=key, styles=styles, starts=starts)
        for number, title, key in entries
    ]
    return [*story, Spacer(1, 12 * mm)]


def _key_figures(
    sections: Sequence[Section], styles: layout.Styles, brand: colors.Color, starts: layout.Starts
) -> list[Flowable]:
    """Each section's first sentence, beside its number and title: the year at a glance."""
    heading = _part_heading(
        "Summary of key figures",
        key=SUMMARY_KEY,
        outline="Summary of key figures",
        styles=styles,
        brand=brand,
        starts=starts,
    )
    rows = [
        [
            Paragraph(str(number), styles.cell),
            Paragraph(pdf_text(section.title), styles.header),
            Paragraph(pdf_text(section.commentary[0] if section.commentary else ""), styles.cell),
        ]
        for number, section in enumerate(sections, start=1)
    ]
    if not rows:
        return [CondPageBreak(60 * mm), *heading]
    table = PdfTable(
        rows, colWidths=[8 * mm, 50 * mm, layout.WIDTH - 58 * mm], hAlign="LEFT", splitByRow=1
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, layout.RULE),
            ]
        )
    )
    return [CondPageBreak(80 * mm), *heading, table]


def _section(
    number: int,
    section: Section,
    styles: layout.Styles,
    brand: colors.Color,
    starts: layout.Starts,
) -> list[Flowable]:
    """The section's heading, commentary and chart kept together; its table, which may run
    over pages with its header row repeated; its notes in smaller type."""
    opening = _part_heading(
        f"{number}\u00a0\u00a0 {pdf_text(section.title)}",
        key=_anchor(section),
        outline=f"{number}. {plain_text(section.title)}",
        styles=styles,
        brand=brand,
        starts=starts,
    )
    opening += [Paragraph(pdf_text(sentence), styles.body) for sentence in section.commentary]
    if section.chart is not None:
        opening += [
            Spacer(1, 2 * mm),
            Paragraph(pdf_text(section.chart.title), styles.caption),
            charts.drawing(
                section.chart, width=layout.WIDTH, height=CHART_HEIGHT, font=styles.regular
            ),
        ]
    opening.append(Spacer(1, 4 * mm))
    table = _table(section.table, styles, brand)
    story: list[Flowable] = [CondPageBreak(90 * mm), KeepTogether(opening), table]
    if section.notes:
        story.append(Spacer(1, 3 * mm))
        story += [Paragraph(pdf_text(note), styles.note) for note in section.notes]
    story.append(Spacer(1, 10 * mm))
    return story


# Type sizes and cell padding to try, largest first, until a table's figures fit beside
# names at least NAMES wide: figures never wrap.
SIZES = ((9, 5), (8, 3), (7, 2.5))
NAMES = 28 * mm


def _anchor(section: Section) -> str:
    """The section's destination in the PDF, apart from the contents' and key figures'."""
    return f"section-{section.key}"


def _table(table: Table, styles: layout.Styles, brand: colors.Color) -> Flowable:
    if not table.rows:
        return Paragraph("There are no figures for this year.", styles.body)
    for size, padding in SIZES:
        natural = _natural_widths(table, styles, size, padding)
        if sum(natural[1:]) + min(natural[0], NAMES) <= layout.WIDTH:
            break
    widths = _column_widths(natural)
    right = [table.is_numeric(column) for column in range(len(table.columns))]
    header = (_sized(styles.header, size), _sized(styles.header_right, size))
    cell = (_sized(styles.cell, size), _sized(styles.cell_right, size))
    data: list[list[object]] = [
        [
            Paragraph(pdf_text(name), header[right[column]])
            for column, name in enumerate(table.columns)
        ]
    ]
    for row in table.rows:
        line: list[object] = []
        for column, figure in enumerate(row):
            text = plain_text(figure.text)
            if stringWidth(text, styles.regular, size) <= widths[column] - 2 * padding:
                line.append(text)  # a plain string: cheap, and never read as markup
            else:
                line.append(Paragraph(pdf_text(text), cell[right[column]]))
        data.append(line)
    style = [
        ("FONTNAME", (0, 1), (-1, -1), styles.regular),
        ("FONTSIZE", (0, 1), (-1, -1), size),
        ("LEADING", (0, 1), (-1, -1), size * 1.3),
        ("TEXTCOLOR", (0, 1), (-1, -1), layout.TEXT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, brand),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, layout.RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, layout.STRIPE]),
    ]
    style += [
        ("ALIGN", (column, 1), (column, -1), "RIGHT")
        for column in range(len(right))
        if right[column]
    ]
    pdf_table = PdfTable(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    pdf_table.setStyle(TableStyle(style))
    return pdf_table


def _sized(style: layout.ParagraphStyle, size: float) -> layout.ParagraphStyle:
    if style.fontSize == size:
        return style
    return layout.ParagraphStyle(
        f"{style.name}_{size}", parent=style, fontSize=size, leading=size * 1.3
    )


def _natural_widths(
    table: Table, styles: layout.Styles, size: float, padding: float
) -> list[float]:
    """Each column as wide as its widest cell, or its heading's longest word."""
    natural = []
    for column, name in enumerate(table.columns):
        widest = max(
            stringWidth(plain_text(row[column].text), styles.regular, size) for row in table.rows
        )
        longest_word = max(
            (stringWidth(word, styles.bold, size) for word in name.split()), default=0
        )
        natural.append(max(widest, longest_word, 6 * mm) + 2 * padding)
    return natural


def _column_widths(natural: list[float]) -> list[float]:
    """Every table as wide as the page: each figure column its natural width and up to 30mm
    more, the first column (the rows' names, which may wrap) the rest. Figures are narrowed
    only when even the smallest type leaves the names less than NAMES."""
    others = sum(natural[1:])
    if others + min(natural[0], NAMES) > layout.WIDTH:
        names = min(natural[0], NAMES)
        scale = (layout.WIDTH - names) / others
        return [names] + [width * scale for width in natural[1:]]
    spare = layout.WIDTH - others - natural[0]
    share = min(max(spare, 0) / max(len(natural) - 1, 1), 30 * mm)
    figures = [width + share for width in natural[1:]]
    return [layout.WIDTH - sum(figures), *figures]
