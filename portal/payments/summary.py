"""Finance's summary: what was exported each month, by provider, from the batches
themselves, so the totals are the batches' totals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.common.dates import FinancialYear, london_date, today
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
