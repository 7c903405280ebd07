"""Table F as CSV, for committee papers and spreadsheets."""

from __future__ import annotations

import csv
import io

from portal.outcomes.table_f import TableF


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def table_f_rows_csv(table: TableF) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
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
