"""CSV out: Table F for committee papers, and the bulk upload template for providers.

Both go through the shared guard: a draft's evidence is whatever the provider typed, and no
cell of it may reach a spreadsheet as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from portal.common.spreadsheets import SafeCsvWriter
from portal.outcomes.measures import MEASURES, EvidenceSource
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.table_f import TableF
from portal.outcomes.uploads import HEADER
from portal.providers.models import ServiceUser


def _percent(value: float | None) -> Decimal | str:
    """A figure, to one place: a number, so a fall in points ('-2.5') is not guarded as text."""
    return "" if value is None else Decimal(f"{value:.1f}")


def table_f_rows_csv(table: TableF) -> str:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(
        (
            "period",
            "code",
            "outcome_or_measure",
            "met",
            "sample",
            "percent_met",
            "previous_period",
            "previous_percent_met",
            "change_in_points",
        )
    )
    for row in table.rows:
        writer.writerow(
            (
                table.period.label,
                row.code,
                row.text,
                row.met,
                row.sample,
                _percent(row.percent),
                table.previous.label if table.previous else "",
                _percent(row.previous_percent),
                _percent(row.change),
            )
        )
    return buffer.getvalue()


def upload_template_csv(people: Iterable[tuple[ServiceUser, OutcomeReturn | None]]) -> str:
    """The bulk upload template: one row per person owed a return, with any answers already
    saved in a draft filled in. The upload takes the guard's apostrophe off again."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(HEADER)
    for person, outcome_return in people:
        row = [person.case_reference, person.full_name]
        for measure in MEASURES:
            answer = outcome_return.answer_for(measure.code) if outcome_return else None
            if answer is None:
                row += ["", "", "", ""]
                continue
            row += [
                answer.result.label.lower(),
                answer.evidence,
                # In Appendix A's words, as the upload page lists them (the upload takes either).
                "; ".join(EvidenceSource(source).label for source in answer.evidence_sources),
                answer.not_applicable_reason,
            ]
        writer.writerow(row)
    return buffer.getvalue()
