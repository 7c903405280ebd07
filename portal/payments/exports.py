"""A batch's payment list, in the columns a council finance system loads, as CSV and as
Excel. Both are made once, when the batch is exported, and kept byte for byte."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

from portal.common.money import pence_to_decimal_string
from portal.common.spreadsheets import formula_safe

HEADER = (
    "batch_reference",
    "supplier_reference",
    "provider_name",
    "amount_gbp",
    "cost_centre",
    "nominal_code",
    "payment_reference",
    "payment_type",
    "service_user_case_reference",
    "recommendation_reference",
    "approval_date",
)

# The same instant in every file's properties, so a file says nothing that changes.
_FIXED_TIME = dt.datetime(2000, 1, 1)  # noqa: DTZ001 - Excel keeps no time zone


@dataclass(frozen=True)
class PaymentListRow:
    supplier_reference: str
    provider_name: str
    amount_pence: int
    payment_reference: str
    payment_type: str
    case_reference: str
    recommendation_reference: str
    approval_date: dt.date


def _text_cells(row: PaymentListRow, fixed: tuple[str, str, str]) -> list[str]:
    """A row's cells as text. ``fixed`` is the batch reference, cost centre and nominal
    code, made safe once per file; the portal's own references need no guarding, and the
    amount is a figure (a reversal's '-12.34' stays a number). Guarded cell by cell rather
    than through SafeCsvWriter, which would guard the amount and costs the export time."""
    return [
        fixed[0],
        formula_safe(row.supplier_reference),
        formula_safe(row.provider_name),
        pence_to_decimal_string(row.amount_pence),
        fixed[1],
        fixed[2],
        row.payment_reference,
        row.payment_type,
        formula_safe(row.case_reference),
        row.recommendation_reference,
        row.approval_date.isoformat(),
    ]


def _fixed(batch_reference: str, cost_centre: str, nominal_code: str) -> tuple[str, str, str]:
    return formula_safe(batch_reference), formula_safe(cost_centre), formula_safe(nominal_code)


def payment_list_csv(
    rows: Iterable[PaymentListRow], *, batch_reference: str, cost_centre: str, nominal_code: str
) -> bytes:
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    fixed = _fixed(batch_reference, cost_centre, nominal_code)
    writer.writerows(_text_cells(row, fixed) for row in rows)
    text.flush()
    return buffer.getvalue()


def payment_list_xlsx(
    rows: Iterable[PaymentListRow], *, batch_reference: str, cost_centre: str, nominal_code: str
) -> bytes:
    """Text as text (never a formula), the amount as a number of pounds to two places and
    the approval date as a date."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Home care outcomes portal"
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    sheet: Worksheet = workbook.create_sheet(title="Payment list")
    sheet.append(list(HEADER))
    fixed = _fixed(batch_reference, cost_centre, nominal_code)
    for row in rows:
        cells = []
        for index, value in enumerate(_text_cells(row, fixed)):
            column = HEADER[index]
            if column == "amount_gbp":
                cell = WriteOnlyCell(sheet, value=Decimal(value))
                cell.number_format = "0.00"
            elif column == "approval_date":
                cell = WriteOnlyCell(sheet, value=row.approval_date)
                cell.number_format = "yyyy-mm-dd"
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, even when it starts like a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
