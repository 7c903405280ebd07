"""Extracts from the case system, written as the case system would, for the import tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from portal.caseload import operations
from portal.caseload.extract import COLUMNS, LAYOUT, OPTIONAL
from portal.caseload.models import CaseloadImport
from portal.common.dates import today
from portal.common.sheets import read_table

START = today() - dt.timedelta(days=60)
# NHS numbers that pass the modulus 11 check.
NHS_NUMBERS = ("9434765919", "9434765870", "4010232137", "9990000026")


def person_row(reference: str, supplier: str, line_id: str, **cells: Any) -> dict[str, str]:
    """One line of a person's package, every column filled as a good extract would."""
    row = {
        "case_reference": reference,
        "nhs_number": "",
        "given_name": "Ada",
        "family_name": f"Person {reference}",
        "date_of_birth": "1941-03-02",
        "funding": "council",
        "quadrant": "east",
        "pricing_zone": "urban",
        "care_category": "standard adult",
        "supplier_reference": supplier,
        "line_id": line_id,
        "calls_per_day": "2",
        "minutes_per_call": "30",
        "carers_per_call": "1",
        "days_of_week": "7",
        "hourly_rate": "21.50",
        "start_date": START.isoformat(),
        "end_date": "",
        "sex": "female",
        "ethnicity": "A",
    }
    row.update({name: str(value) for name, value in cells.items()})
    return row


def extract_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS + OPTIONAL) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return out.getvalue().encode()


def one_line_extract(world: Any) -> bytes:
    return extract_csv([person_row("C900", world.provider.supplier_reference, "L900")])


def previewed_import(world: Any) -> CaseloadImport:
    """A changes-only extract of one new person's line, checked and previewed."""
    checked = operations.check_file(
        read_table("extract.csv", one_line_extract(world), LAYOUT),
        extract_date=today(),
        full=False,
    )
    return operations.record_preview(
        checked, file_name="extract.csv", extract_date=today(), full=False, by=None
    )


def apply_changes(rows: list[dict[str, str]]) -> dict[str, int]:
    """A changes-only extract of ``rows``, checked and applied at once, as the nightly
    import applies one; its problems, if any, fail the test."""
    checked, applied = operations.import_at_once(
        read_table("changes.csv", extract_csv(rows), LAYOUT),
        file_name="changes.csv",
        extract_date=today(),
        full=False,
        by=None,
    )
    assert checked.problems == [] and applied is not None, checked.problems
    return applied
