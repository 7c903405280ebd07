"""The extract's columns as a CSV a case system's report writer can start from, with one
example row."""

from __future__ import annotations

import io

from portal.caseload.extract import COLUMNS, OPTIONAL
from portal.common.spreadsheets import SafeCsvWriter

EXAMPLE = {
    "case_reference": "C1000234",
    "nhs_number": "9434765919",
    "given_name": "Margaret",
    "family_name": "Able",
    "date_of_birth": "1940-05-17",
    "funding": "council",
    "quadrant": "east",
    "pricing_zone": "urban",
    "care_category": "standard adult",
    "supplier_reference": "SUP00101",
    "line_id": "PL-55012",
    "calls_per_day": "4",
    "minutes_per_call": "30",
    "carers_per_call": "1",
    "days_of_week": "7",
    "hourly_rate": "21.50",
    "start_date": "2026-04-01",
    "end_date": "",
    "sex": "female",
    "ethnicity": "A",
}


def template_csv() -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(COLUMNS + OPTIONAL)
    writer.writerow([EXAMPLE[name] for name in COLUMNS + OPTIONAL])
    return out.getvalue()
