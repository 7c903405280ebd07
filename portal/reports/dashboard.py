"""The dashboard's sections, in the order the committee report gives them.

Each builder takes the span (a financial year or one quarter of it) and returns its
sections, every figure worked out in SQL; the dashboard page, the CSVs and the PDF all
call ``sections``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from portal.reports import contract, equalities, packages
from portal.reports.held import held_sections
from portal.reports.sections import Section, Span

Builder = Callable[[Span], Sequence[Section]]

# Each part of the dashboard adds its builder here, in the report's order.
BUILDERS: tuple[Builder, ...] = (
    packages.people_and_lines,  # Table B
    packages.durations,  # Table D
    packages.contract_types,  # Table E
    packages.rates_and_hours,
    packages.double_handed,
    contract.build,  # Table F each quarter, recommendations, payments, capacity, returns, providers
    held_sections,  # Do reductions hold?
    equalities.equalities,
)


def sections(span: Span) -> list[Section]:
    """Every section for the span, in order."""
    return [section for builder in BUILDERS for section in builder(span)]


def section(span: Span, key: str) -> Section | None:
    """One section by its key (for its CSV), or None if there is no such section."""
    return next((found for found in sections(span) if found.key == key), None)
