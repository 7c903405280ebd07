"""CSV out: Table F for committee papers, and the bulk upload template for providers.

Both go through the shared guard: a draft's evidence is whatever the provider typed, and no
cell of it may reach a spreadsheet as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from portal.common.spreadsheets import SafeCsvWriter
from portal.outcomes.measures import MEASURES, EvidenceSource
from portal.outcomes.models import OutcomeReturn
from portal.outcomes.table_f import TableF
from portal.outcomes.uploads import HEADER
from portal.providers.models import ServiceUser


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _figure(value: int | None) -> int | str:
    return "" if value is None else value


def table_f_rows_csv(table: TableF, filters: Sequence[tuple[str, str]] = ()) -> str:
    """Table F as the page shows it: whole percents, each change the difference of the two,
    none where a sample is too small to compare. A filtered table says its filter in three
    columns of every row (empty when not filtered), as its file's name does. The columns
    starting ``same_people`` are the same people's figures: those with a return in both
    quarters for whom the row applied in both (empty when there is no quarter before)."""
    chosen = dict(filters)
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(
        (
            "period",
            "filter_provider",
            "filter_contract_type",
            "filter_quadrant",
            "code",
            "outcome_or_measure",
            "met",
            "sample",
            "percent_met",
            "small_sample",
            "previous_period",
            "previous_met",
            "previous_sample",
            "previous_percent_met",
            "previous_small_sample",
            "change_in_points",
            "smallest_comparable_sample",
            "same_people",
            "same_people_previous_met",
            "same_people_met",
            "same_people_previous_percent_met",
            "same_people_percent_met",
            "same_people_small_sample",
            "same_people_change_in_points",
            "same_people_improved",
            "same_people_declined",
        )
    )
    compared = table.previous is not None
    for row, same in zip(table.rows, table.same.rows, strict=True):
        writer.writerow(
            (
                table.period.label,
                chosen.get("provider", ""),
                chosen.get("contract type", ""),
                chosen.get("quadrant", ""),
                row.code,
                row.text,
                row.met,
                row.sample,
                _figure(row.shown),
                _yes_no(row.small),
                table.previous.label if table.previous else "",
                _figure(row.previous_met if table.previous else None),
                _figure(row.previous_sample if table.previous else None),
                _figure(row.previous_shown),
                _yes_no(row.previous_small) if table.previous else "",
                _figure(row.change),
                table.smallest,
                *(
                    (
                        same.pairs,
                        same.met_before,
                        same.met_now,
                        _figure(same.before_shown),
                        _figure(same.now_shown),
                        _yes_no(same.small),
                        _figure(same.change),
                        same.improved,
                        same.declined,
                    )
                    if compared
                    else ("",) * 9
                ),
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
