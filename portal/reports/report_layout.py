"""The look of the committee's annual report: A4 portrait, the council's brand colour on the
cover and under each heading, a footer with "Page N of M" on every page but the cover.

The report is laid out once. Two things need what only the end of the layout knows: the
total for "Page N of M", and the page each section starts on for the contents. So the
canvas holds each finished page back (``HeldPages``) and writes the numbers onto them once
the last page is laid out. A PDF destination can only be bound to a page that has been
written, so the outline's bookmarks and the contents' links wait with the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from portal.payments.remittance import font_names, pdf_text

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 22 * mm
TOP_MARGIN = 26 * mm
BOTTOM_MARGIN = 24 * mm
# What a flowable may fill: the page between the margins, less the frame's padding.
WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN - 12
COVER_BAND = 78 * mm

TEXT = colors.HexColor("#0b0c0c")  # GOV.UK text
SECONDARY = colors.HexColor("#505a5f")
RULE = colors.HexColor("#b1b4b6")
STRIPE = colors.HexColor("#f3f2f1")
PANEL = colors.HexColor("#f3f2f1")

Action = Callable[[Canvas], None]


class HeldPages(Canvas):
    """A canvas that writes no page until the last is laid out: then ``finish`` draws each
    page's footer knowing the total, and what flowables asked to do ``later`` on that page
    (a bookmark, a page number in the contents) is done as the page is written."""

    def __init__(self, *args: Any, finish: Callable[[Canvas, int, int], None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._finish = finish
        self._held: list[tuple[dict[str, Any], list[Action]]] = []
        self._later: list[Action] = []

    def later(self, action: Action) -> None:
        self._later.append(action)

    def showPage(self) -> None:
        self._held.append((dict(self.__dict__), self._later))
        self._later = []
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state, actions in self._held:
            self.__dict__.update(state)
            self.saveState()
            self._finish(self, self._pageNumber, total)
            for action in actions:
                action(self)
            self.restoreState()
            Canvas.showPage(self)
        Canvas.save(self)


@dataclass
class Starts:
    """The page each part of the report starts on, learnt as the pages are laid out."""

    pages: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Styles:
    regular: str
    bold: str
    body: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    cover_title: ParagraphStyle
    cover_subtitle: ParagraphStyle
    panel_heading: ParagraphStyle
    contents: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    header: ParagraphStyle
    header_right: ParagraphStyle


def report_styles(brand: colors.Color) -> Styles:
    regular, bold = font_names()
    body = ParagraphStyle(
        "body", fontName=regular, fontSize=10.5, leading=15, textColor=TEXT, spaceAfter=6
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0)
    header = ParagraphStyle("header", parent=cell, fontName=bold)
    return Styles(
        regular=regular,
        bold=bold,
        body=body,
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=bold,
            fontSize=17,
            leading=22,
            textColor=brand,
            spaceBefore=0,
            spaceAfter=2,
        ),
        subheading=ParagraphStyle(
            "subheading", parent=body, fontName=bold, fontSize=12, leading=16, spaceAfter=4
        ),
        cover_title=ParagraphStyle(
            "cover_title", parent=body, fontName=bold, fontSize=28, leading=34, spaceAfter=10
        ),
        cover_subtitle=ParagraphStyle(
            "cover_subtitle", parent=body, fontSize=14, leading=19, textColor=SECONDARY
        ),
        panel_heading=ParagraphStyle(
            "panel_heading", parent=body, fontName=bold, fontSize=13, leading=17, spaceAfter=6
        ),
        contents=ParagraphStyle("contents", parent=body, fontSize=11, leading=15, spaceAfter=0),
        caption=ParagraphStyle(
            "caption", parent=body, fontName=bold, fontSize=9.5, leading=13, spaceAfter=2
        ),
        note=ParagraphStyle(
            "note", parent=body, fontSize=8.5, leading=11.5, textColor=SECONDARY, spaceAfter=3
        ),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        header=header,
        header_right=ParagraphStyle("header_right", parent=header, alignment=TA_RIGHT),
    )


class Heading(Paragraph):
    """A heading the PDF's outline lists and the contents points to: where it is drawn is
    where the section starts."""

    def __init__(self, text: str, style: ParagraphStyle, *, key: str, outline: str, starts: Starts):
        super().__init__(text, style)
        self.key, self.outline, self.starts = key, outline, starts

    def draw(self) -> None:
        super().draw()
        canvas = self.canv
        self.starts.pages.setdefault(self.key, canvas.getPageNumber())
        _, top = canvas.absolutePosition(0, self.height)
        key, outline = self.key, self.outline

        def bookmark(written: Canvas) -> None:
            written.bookmarkHorizontalAbsolute(key, top + 6)
            written.addOutlineEntry(outline, key, level=0)

        canvas.later(bookmark)


class ContentsEntry(Flowable):
    """A line of the contents: the part's number and title, and (once the layout is done)
    the page it starts on, the whole line a link to it."""

    NUMBER = 10 * mm
    PAGE = 14 * mm
    PADDING = 5

    def __init__(self, number: str, title: str, *, key: str, styles: Styles, starts: Starts):
        super().__init__()
        self.number, self.key, self.styles, self.starts = number, key, styles, starts
        self.title = Paragraph(pdf_text(title), styles.contents)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, height = self.title.wrap(available_width - self.NUMBER - self.PAGE, available_height)
        self.height = height + 2 * self.PADDING
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        style = self.styles.contents
        self.title.drawOn(canvas, self.NUMBER, self.PADDING)
        # The first line's baseline: the paragraph's top less its font's ascent.
        baseline = self.height - self.PADDING - style.fontSize
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(TEXT)
        canvas.drawString(0, baseline, self.number)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(0, 0, self.width, 0)
        right, line = canvas.absolutePosition(self.width, baseline)
        left, bottom = canvas.absolutePosition(0, 0)
        top = bottom + self.height
        key, starts, font = self.key, self.starts, (style.fontName, style.fontSize)

        def page_number(written: Canvas) -> None:
            written.setFont(*font)
            written.setFillColor(TEXT)
            written.drawRightString(right, line, str(starts.pages.get(key, "")))
            written.linkAbsolute("", key, (left, bottom, right, top))

        canvas.later(page_number)


def finish_page(canvas: Canvas, number: int, total: int, *, footer: str, styles: Styles) -> None:
    """The footer of every page but the cover: the council and the report, and "Page N of M"."""
    if number == 1:
        canvas.showOutline()  # the PDF opens with its bookmarks shown
        return
    top = BOTTOM_MARGIN - 9 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(SIDE_MARGIN, top + 3 * mm, PAGE_WIDTH - SIDE_MARGIN, top + 3 * mm)
    canvas.setFillColor(SECONDARY)
    canvas.setFont(styles.regular, 8.5)
    page = f"Page {number} of {total}"
    room = PAGE_WIDTH - 2 * SIDE_MARGIN - canvas.stringWidth(page, styles.regular, 8.5) - 8 * mm
    canvas.drawString(SIDE_MARGIN, top, _fitted(footer, styles.regular, 8.5, room))
    canvas.setFillColor(TEXT)
    canvas.drawRightString(PAGE_WIDTH - SIDE_MARGIN, top, page)


def header(
    canvas: Canvas, *, council: str, title: str, styles: Styles, brand: colors.Color
) -> None:
    """The top of every page after the cover: the council's name and a rule in its colour."""
    canvas.saveState()
    y = PAGE_HEIGHT - 14 * mm
    canvas.setFillColor(brand)
    canvas.setFont(styles.bold, 9)
    room = PAGE_WIDTH - 2 * SIDE_MARGIN - 8 * mm
    name = _fitted(council, styles.bold, 9, room / 2)
    canvas.drawString(SIDE_MARGIN, y, name)
    canvas.setFillColor(SECONDARY)
    canvas.setFont(styles.regular, 9)
    room -= stringWidth(name, styles.bold, 9)
    canvas.drawRightString(PAGE_WIDTH - SIDE_MARGIN, y, _fitted(title, styles.regular, 9, room))
    canvas.setStrokeColor(brand)
    canvas.setLineWidth(1.5)
    canvas.line(SIDE_MARGIN, y - 3 * mm, PAGE_WIDTH - SIDE_MARGIN, y - 3 * mm)
    canvas.restoreState()


def cover(canvas: Canvas, *, council: str, line: str, styles: Styles, brand: colors.Color) -> None:
    """The cover's band in the council's colour, its name in white (the colour keeps 4.5:1
    contrast with white, as the web pages need), and what the report is, beneath."""
    canvas.saveState()
    canvas.setFillColor(brand)
    canvas.rect(0, PAGE_HEIGHT - COVER_BAND, PAGE_WIDTH, COVER_BAND, stroke=0, fill=1)
    name = Paragraph(
        pdf_text(council),
        ParagraphStyle(
            "cover_council",
            fontName=styles.bold,
            fontSize=24,
            leading=29,
            textColor=colors.white,
        ),
    )
    _, height = name.wrap(PAGE_WIDTH - 2 * SIDE_MARGIN, COVER_BAND)
    name.drawOn(canvas, SIDE_MARGIN, PAGE_HEIGHT - COVER_BAND + 16 * mm)
    canvas.setFillColor(colors.white)
    canvas.setFont(styles.regular, 12)
    canvas.drawString(
        SIDE_MARGIN,
        PAGE_HEIGHT - COVER_BAND + 16 * mm + height + 4 * mm,
        _fitted(line, styles.regular, 12, PAGE_WIDTH - 2 * SIDE_MARGIN),
    )
    canvas.restoreState()


def _fitted(text: str, font: str, size: float, room: float) -> str:
    """The text, cut short with an ellipsis if it would run past ``room`` points."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"
