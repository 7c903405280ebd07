"""Finance's summary: what was exported each month, by provider, from the batches
themselves, so the totals are the batches' totals."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from portal.common.dates import FinancialYear, london_date, today
from portal.common.money import pence_to_decimal_string
from portal.common.spreadsheets import SafeCsvWriter
from portal.extensions import db
from portal.payments.models import BatchStatus, Payment, PaymentBatch
from portal.providers.models import Provider


@dataclass
class MonthSummary:
    month: str  # "2026-11"
    label: str  # "November 2026"
    rows: list[tuple[str, int, int]] = field(default_factory=list)  # provider, count, pence
    batches: int = 0

    @property
    def total_pence(self) -> int:
        return sum(pence for _, _, pence in self.rows)

    @property
    def count(self) -> int:
        return sum(count for _, count, _ in self.rows)


SUMMARY_HEADER = ("month", "provider", "payments", "total_gbp", "batches")
ALL_PROVIDERS = "All providers"


def summary_csv_rows(months: list[MonthSummary]) -> int:
    """How many rows the CSV of ``months`` has below its heading: each provider's, and a
    total for each month."""
    return sum(len(month.rows) + 1 for month in months)


def summary_csv(months: list[MonthSummary]) -> Iterator[str]:
    """The summary as the page shows it, a month at a time, newest first: each provider's
    payments and total, then the month's total with its number of batches. Names go through
    the shared guard (none runs as a formula); amounts are numbers of pounds."""
    yield _csv_text([SUMMARY_HEADER])
    for month in months:
        rows: list[tuple[object, ...]] = [
            (month.month, name, count, _pounds(pence), "") for name, count, pence in month.rows
        ]
        rows.append(
            (month.month, ALL_PROVIDERS, month.count, _pounds(month.total_pence), month.batches)
        )
        yield _csv_text(rows)


def _csv_text(rows: list[tuple[object, ...]]) -> str:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def _pounds(pence: int) -> Decimal:
    return Decimal(pence_to_decimal_string(pence))


def finance_summary(year: FinancialYear | None = None) -> list[MonthSummary]:
    """A financial year's months, newest first (this year's by default). Each exported or
    paid batch counts in the month it was exported; reversals count, negative, in the batch
    that carried them. Only the year's batches are read, however long the history."""
    start, end = (year or FinancialYear.containing(today())).moments()
    exported = (
        PaymentBatch.status != BatchStatus.OPEN,
        PaymentBatch.exported_at >= start,
        PaymentBatch.exported_at < end,
    )
    batch_rows = db.session.execute(
        select(PaymentBatch.id, PaymentBatch.exported_at).where(*exported)
    ).all()
    month_of = {batch_id: london_date(at).strftime("%Y-%m") for batch_id, at in batch_rows}
    sums = db.session.execute(
        select(
            Payment.batch_id,
            Provider.name,
            func.count(Payment.id),
            func.sum(Payment.amount_pence),
        )
        .join(Provider, Provider.id == Payment.provider_id)
        .join(PaymentBatch, PaymentBatch.id == Payment.batch_id)
        .where(*exported)
        .group_by(Payment.batch_id, Provider.name)
    ).all()
    by_month: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for batch_id, name, count, total in sums:
        cell = by_month[month_of[batch_id]][name]
        cell[0] += int(count)
        cell[1] += int(total)
    months = []
    for month in sorted(by_month, reverse=True):
        in_year, number = (int(part) for part in month.split("-"))
        summary = MonthSummary(month, dt.date(in_year, number, 1).strftime("%B %Y"))
        summary.rows = sorted((name, c, t) for name, (c, t) in by_month[month].items())
        in_month = [b for b, m in month_of.items() if m == month]
        summary.batches = len(in_month)
        months.append(summary)
    return months
