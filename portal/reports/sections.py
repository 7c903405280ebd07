"""What a piece of the dashboard is, whoever shows it.

A section is a heading, sentences drawn from its figures, a table and, where people would
rather look, a chart. The dashboard page, its CSV downloads and the committee's PDF all
draw the same sections, so a figure reads the same wherever it is seen, and the table is
always there beside the chart for anyone who cannot see the chart.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from portal.common.dates import FinancialYear

QUARTER_MONTHS = ("April to June", "July to September", "October to December", "January to March")


@dataclass(frozen=True)
class Span:
    """A financial year, or one quarter of it (1 is April to June)."""

    year: FinancialYear
    quarter: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError("a quarter is 1 to 4")

    @property
    def first_day(self) -> dt.date:
        if self.quarter is None:
            return self.year.first_day
        return _add_months(self.year.first_day, 3 * (self.quarter - 1))

    @property
    def last_day(self) -> dt.date:
        """The span's last day (inclusive)."""
        months = 12 if self.quarter is None else 3
        return _add_months(self.first_day, months) - dt.timedelta(days=1)

    @property
    def months(self) -> tuple[dt.date, ...]:
        """The first day of each month in the span, in order."""
        count = 12 if self.quarter is None else 3
        return tuple(_add_months(self.first_day, n) for n in range(count))

    @property
    def label(self) -> str:
        """'2025/26', or 'Q3 2025/26 (October to December)'."""
        if self.quarter is None:
            return self.year.label
        return f"Q{self.quarter} {self.year.label} ({QUARTER_MONTHS[self.quarter - 1]})"

    @property
    def slug(self) -> str:
        """For file names: '2025-26' or '2025-26-q3'."""
        base = self.year.label.replace("/", "-")
        return base if self.quarter is None else f"{base}-q{self.quarter}"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Cell:
    """One figure: as a person reads it, and as a spreadsheet should hold it.

    ``text`` is what the page and the PDF show ("82%", "£19.51", "Fewer than 10");
    ``value`` is what the CSV holds (82, "19.51", None where a figure is suppressed)."""

    text: str
    value: int | str | None

    @classmethod
    def of(cls, text: str) -> Cell:
        """A cell of words, the same in every form (a row's name)."""
        return cls(text, text)

    @classmethod
    def count(cls, number: int) -> Cell:
        return cls(f"{number:,}", number)


@dataclass(frozen=True)
class Table:
    """Column headings, then rows of cells. The first column names each row."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Which columns hold figures (right-aligned, tabular numbers); the first never does.
    numeric: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError("every row has a cell for each column")
        if self.numeric and len(self.numeric) != len(self.columns):
            raise ValueError("numeric says yes or no for each column")

    def is_numeric(self, column: int) -> bool:
        return bool(self.numeric) and self.numeric[column]


class ChartKind(enum.StrEnum):
    BARS = "bars"  # grouped vertical bars: categories along the bottom
    STACKED = "stacked"  # vertical bars, each series stacked on the one before
    LINES = "lines"  # one line a series: categories are points in time


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | float | None, ...]  # None: no figure (suppressed, or no data)


@dataclass(frozen=True)
class Chart:
    """A chart of the section's figures. Its ``title`` is its accessible name."""

    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_axis: str  # what the figures count: "People", "Percent of sample"
    percent: bool = False  # values are percents: the axis runs 0 to 100
    # A target band drawn across the chart, e.g. the Patch share's 60 to 70 percent.
    target: tuple[float, float] | None = None
    target_label: str = ""

    def __post_init__(self) -> None:
        if not self.series or not self.categories:
            raise ValueError("a chart has a series and a category at least: else, no chart")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError("every series has a value for each category")


@dataclass(frozen=True)
class Section:
    """One part of the dashboard and one section of the committee report."""

    key: str  # unique, lower-case words joined by hyphens: the anchor and the CSV's name
    title: str
    commentary: tuple[str, ...]  # whole sentences written from the figures
    table: Table
    chart: Chart | None = None
    # Caveats a reader must see with the figures: what counts, what is left out, why a
    # figure is suppressed or too small to compare.
    notes: tuple[str, ...] = field(default=())
