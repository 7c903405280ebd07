"""The payment list a finance officer downloads for an exported batch, streamed as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from portal.common.money import format_hours_figure, pence_to_decimal_string
from portal.payments.models import PaymentBatch
from portal.payments.queries import batch_payment_rows

HEADER = (
    "batch_reference",
    "payment_reference",
    "supplier_reference",
    "provider_name",
    "service_user_case_reference",
    "recommendation_id",
    "weekly_hours_removed",
    "hourly_rate_gbp",
    "weeks",
    "amount_gbp",
    "amount_pence",
)


def _csv_safe(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def payment_list_csv(batch: PaymentBatch) -> Iterator[str]:
    """Rows are written as they are read. The batch's own values are taken now, while the
    request's session is open: the body streams after the view has returned."""
    batch_id, batch_reference = batch.id, batch.reference
    return _rows(batch_id, batch_reference)


def _rows(batch_id: int, batch_reference: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(HEADER)
    yield flush()
    for row in batch_payment_rows(batch_id):
        writer.writerow(
            (
                batch_reference,
                row.reference,
                _csv_safe(row.supplier_reference),
                _csv_safe(row.name),
                _csv_safe(row.case_reference),
                row.recommendation_id,
                format_hours_figure(row.weekly_minutes_removed),
                pence_to_decimal_string(row.hourly_rate_pence),
                row.weeks,
                pence_to_decimal_string(row.amount_pence),
                row.amount_pence,
            )
        )
        yield flush()
