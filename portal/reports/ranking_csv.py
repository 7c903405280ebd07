"""The ranking as CSV: a row a provider, each component's figure, weight and points beside
the score. Names go through the shared guard, so none runs as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from portal.common.spreadsheets import SafeCsvWriter
from portal.reports.ranking import COMPONENTS, Ranking


def ranking_rows(ranked: Ranking) -> Iterator[str]:
    heading: list[object] = ["Rank", "Provider", "Contract", "Status"]
    for name in COMPONENTS:
        heading += [name, f"{name} weight", f"{name} points"]
    heading += ["Score", "Now", "Proposed", "Financial year"]
    yield _line(heading)
    for row in ranked.providers:
        cells: list[object] = [
            row.rank,
            row.name,
            row.contract_type.label,
            row.status.label,
        ]
        for component in row.components:
            cells += [component.shown, component.weight, component.points]
        cells += [
            Decimal(row.score) if row.score_tenths is not None else None,
            row.now,
            row.proposed,
            ranked.year.label,
        ]
        yield _line(cells)


def _line(cells: list[object]) -> str:
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerow(cells)
    return buffer.getvalue()
