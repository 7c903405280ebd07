"""Charts drawn with reportlab's graphics: the same drawing goes into the committee's PDF
and, as SVG, onto the dashboard.

The SVG is made fit for the page: reportlab writes each shape's colours as a ``style``
attribute, which the portal's Content-Security-Policy (no inline style) would refuse, so
each declaration becomes the SVG presentation attribute of the same name. The chart is an
image with the chart's title as its accessible name; its figures are in the table beside
it, which is what a screen reader reads.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from xml.dom import minidom

from defusedxml.minidom import parseString
from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from portal.reports.sections import Chart, ChartKind

# GOV.UK Design System colours, in an order where neighbours differ in lightness as well
# as hue (blue, orange, dark grey, green, purple, turquoise, pink, brown).
PALETTE = tuple(
    colors.HexColor(code)
    for code in (
        "#1d70b8",
        "#f47738",
        "#505a5f",
        "#00703c",
        "#4c2c92",
        "#28a197",
        "#d53880",
        "#b58840",
    )
)
TEXT = colors.HexColor("#0b0c0c")
GRID = colors.HexColor("#b1b4b6")
TARGET = colors.HexColor("#cce2d8")  # a light green band behind the bars
FONT = "Helvetica"

WIDTH = 640
HEIGHT = 300


def drawing(
    chart: Chart, *, width: float = WIDTH, height: float = HEIGHT, font: str = FONT
) -> Drawing:
    """The chart as a reportlab drawing, ``width`` by ``height`` points. The PDF passes the
    ``font`` its text is in (one with more letters than Helvetica's Latin-1, so a provider's
    name prints in the legend as it does in the table); the SVG keeps Helvetica, which every
    browser has or matches."""
    figure = Drawing(width, height)
    legend_height = 18 * _legend_rows(chart, width) if len(chart.series) > 1 else 0
    left, right, top = 56, 12, 14
    plot_width = width - left - right
    # Room under the axis for its names: more when they are turned to read upwards.
    bottom = (46 if _angled(chart, plot_width) else 30) + legend_height
    plot_height = height - bottom - top
    plot = _plot(chart)
    plot.x, plot.y, plot.width, plot.height = left, bottom, plot_width, plot_height
    _axes(plot, chart, plot_width, font)
    if chart.target is not None:
        low, high = chart.target
        scale = plot_height / _top_of_scale(chart)
        figure.add(
            Rect(
                left,
                bottom + low * scale,
                plot_width,
                (high - low) * scale,
                fillColor=TARGET,
                strokeColor=None,
            )
        )
        figure.add(
            String(
                left + plot_width - 4,
                bottom + high * scale + 3,
                chart.target_label,
                fontName=font,
                fontSize=8,
                fillColor=TEXT,
                textAnchor="end",
            )
        )
    figure.add(plot)
    # The value axis's name reads upwards beside it.
    name = Group(
        String(
            0, 0, chart.value_axis, fontName=font, fontSize=9, fillColor=TEXT, textAnchor="middle"
        )
    )
    name.transform = (0, 1, -1, 0, 14, bottom + plot_height / 2)
    figure.add(name)
    if legend_height:
        figure.add(_legend(chart, left, legend_height - 4, plot_width, font))
    return figure


def _plot(chart: Chart) -> VerticalBarChart | HorizontalLineChart:
    data = [tuple(value for value in series.values) for series in chart.series]
    if chart.kind is ChartKind.LINES:
        lines = HorizontalLineChart()
        # reportlab cannot draw a line with no points: a series with no figures is left
        # out (its colour kept for the legend); with none at all, an empty line of zeros
        # holds the axes, drawn in no colour.
        drawn = [n for n, values in enumerate(data) if any(v is not None for v in values)]
        lines.data = [data[n] for n in drawn] or [tuple(0 for _ in chart.categories)]
        lines.joinedLines = 1
        for place, index in enumerate(drawn):
            colour = PALETTE[index % len(PALETTE)]
            lines.lines[place].strokeColor = colour
            lines.lines[place].strokeWidth = 2
            # A point shows where a figure is alone (one quarter, or between gaps).
            lines.lines[place].symbol = makeMarker("FilledCircle", size=5, fillColor=colour)
        if not drawn:
            lines.lines[0].strokeColor = None
        return lines
    bars = VerticalBarChart()
    bars.data = data
    if chart.kind is ChartKind.STACKED:
        bars.categoryAxis.style = "stacked"
    bars.barSpacing = 1
    bars.groupSpacing = 6
    bars.strokeColor = None
    for index in range(len(chart.series)):
        bars.bars[index].fillColor = PALETTE[index % len(PALETTE)]
        bars.bars[index].strokeColor = None
    return bars


def _top_of_scale(chart: Chart) -> float:
    if chart.percent:
        return 100
    if chart.kind is ChartKind.STACKED:
        totals = [
            sum(series.values[index] or 0 for series in chart.series)
            for index in range(len(chart.categories))
        ]
        highest = max(totals, default=0)
    else:
        highest = max(
            (value for series in chart.series for value in series.values if value is not None),
            default=0,
        )
    if chart.target is not None:
        highest = max(highest, chart.target[1])
    return _nice_ceiling(highest)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _axes(
    plot: VerticalBarChart | HorizontalLineChart, chart: Chart, plot_width: float, font: str
) -> None:
    top = _top_of_scale(chart)
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = top
    plot.valueAxis.valueStep = top / 5
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.labels.fontSize = 9
    plot.valueAxis.labels.fillColor = TEXT
    plot.valueAxis.strokeColor = TEXT
    plot.valueAxis.visibleGrid = 1
    plot.valueAxis.gridStrokeColor = GRID
    plot.valueAxis.gridStrokeWidth = 0.5
    plot.valueAxis.labelTextFormat = _value_format(chart, top)
    plot.categoryAxis.categoryNames = list(chart.categories)
    plot.categoryAxis.strokeColor = TEXT
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 9
    plot.categoryAxis.labels.fillColor = TEXT
    plot.categoryAxis.labels.dy = -4
    if _angled(chart, plot_width):
        # Names too long to sit side by side are turned to read upwards.
        plot.categoryAxis.labels.angle = 30
        plot.categoryAxis.labels.boxAnchor = "ne"


def _angled(chart: Chart, plot_width: float) -> bool:
    longest = max((len(name) for name in chart.categories), default=0)
    return longest * 5.2 > plot_width / max(len(chart.categories), 1)


def _value_format(chart: Chart, top: float) -> str | Callable[[float], str]:
    if chart.percent:
        return "%d%%"
    if top >= 5:
        return _thousands  # "2,500", as the tables beside the chart write it
    return "%.1f"


def _thousands(value: float) -> str:
    return f"{value:,.0f}"


def _legend_column(chart: Chart) -> float:
    """A legend entry's width: room for the longest series name beside its swatch."""
    longest = max((len(series.name) for series in chart.series), default=0)
    return max(150.0, 5.2 * longest + 24)


def _legend_rows(chart: Chart, width: float) -> int:
    per_row = max(1, int((width - 60) // _legend_column(chart)))
    return -(-len(chart.series) // per_row)


def _legend(chart: Chart, x: float, y: float, width: float, font: str) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.alignment = "right"
    legend.fontName = font
    legend.fontSize = 9
    legend.fillColor = TEXT
    legend.boxAnchor = "nw"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 9
    legend.deltax = _legend_column(chart)
    legend.dxTextSpace = 5
    legend.strokeColor = None
    legend.colorNamePairs = [
        (PALETTE[index % len(PALETTE)], series.name) for index, series in enumerate(chart.series)
    ]
    per_row = max(1, int(width // _legend_column(chart)))
    legend.columnMaximum = -(-len(chart.series) // per_row) if len(chart.series) > per_row else 1
    return legend


def svg(chart: Chart, *, element_id: str) -> Markup:
    """The chart as an inline SVG image named by its title, styled only by attributes."""
    return _svg(chart, element_id)


# Drawing a chart takes tens of milliseconds, most of it reportlab's checks on each shape;
# a chart is made of its figures alone (frozen, so they can be a key), and a past year's
# dashboard, whose figures no longer change, draws each chart once a worker.
@lru_cache(maxsize=64)
def _svg(chart: Chart, element_id: str) -> Markup:
    document = parseString(renderSVG.drawToString(drawing(chart)))
    root = document.documentElement
    assert root is not None  # reportlab always writes an <svg> element
    for node in list(document.childNodes):
        if node.nodeType == node.DOCUMENT_TYPE_NODE:
            document.removeChild(node)
    for element in root.getElementsByTagName("*"):
        _style_to_attributes(element)
    for name in ("title", "desc"):
        for node in root.getElementsByTagName(name):
            root.removeChild(node)
    # reportlab names its groups "group": on a page of several charts an id may be used
    # once, so only the clip path keeps one, made the chart's own.
    for element in root.getElementsByTagName("*"):
        if element.tagName != "clipPath" and element.hasAttribute("id"):
            element.removeAttribute("id")
    for node in root.getElementsByTagName("clipPath"):
        node.setAttribute("id", f"{element_id}-clip")
    for element in root.getElementsByTagName("*"):
        if element.getAttribute("clip-path") == "url(#clip)":
            element.setAttribute("clip-path", f"url(#{element_id}-clip)")
    _style_to_attributes(root)
    root.removeAttribute("width")
    root.removeAttribute("height")
    root.setAttribute("id", element_id)
    root.setAttribute("class", "app-chart")
    root.setAttribute("role", "img")
    root.setAttribute("aria-labelledby", f"{element_id}-title")
    title = document.createElement("title")
    title.setAttribute("id", f"{element_id}-title")
    title.appendChild(document.createTextNode(chart.title))
    root.insertBefore(title, root.firstChild)
    return Markup(root.toxml())  # noqa: S704 - made here from reportlab's output and our own text


def _style_to_attributes(element: minidom.Element) -> None:
    style = element.getAttribute("style")
    if not style:
        return
    element.removeAttribute("style")
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            element.setAttribute(name.strip(), value.strip())
