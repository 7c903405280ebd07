"""Every provider's capacity return for a month, one row each, streamed as CSV.

Text goes through the shared guard (no cell runs as a formula); figures are numbers."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal.capacity.models import CapacityReturn
from portal.capacity.operations import FIGURES
from portal.common.dates import london_date
from portal.common.money import format_hours_figure, pence_to_decimal_string
from portal.common.spreadsheets import SafeCsvWriter
from portal.extensions import db
from portal.providers.enums import Quadrant
from portal.providers.models import Provider

HOURS = {
    "delivered_weekly_minutes",
    "winter_weekly_minutes",
    "festive_weekly_minutes",
    "agency_weekly_minutes",
}


def _heading(name: str) -> str:
    return name.replace("_weekly_minutes", "_weekly_hours").replace("_pence", "_gbp")


def _hours(minutes: int) -> Decimal:
    return Decimal(format_hours_figure(minutes))


def _cell(name: str, value: object) -> object:
    """A figure as a number (a Decimal is written with the places it was made with)."""
    if name in HOURS:
        return _hours(int(value))  # type: ignore[call-overload]
    if name == "hourly_pay_pence":
        return Decimal(pence_to_decimal_string(int(value)))  # type: ignore[call-overload]
    if name == "fte_hundredths":
        return Decimal(f"{int(value) / 100:.2f}")  # type: ignore[call-overload]
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def capacity_csv(month: dt.date) -> Iterator[str]:
    header = [
        "month",
        "provider",
        "supplier_reference",
        "kind",
        "submitted_on",
        "late",
        *[_heading(name).replace("fte_hundredths", "fte") for name in FIGURES],
        *[f"{q.value}_spare_weekly_hours" for q in Quadrant],
        *[f"{q.value}_new_packages" for q in Quadrant],
    ]
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(header)
    yield flush()
    rows = db.session.scalars(
        select(CapacityReturn)
        .join(Provider, Provider.id == CapacityReturn.provider_id)
        .where(CapacityReturn.month == month.replace(day=1))
        .options(contains_eager(CapacityReturn.provider))
        .order_by(Provider.name)
        .execution_options(yield_per=200)
    )
    for capacity in rows:
        by_quadrant = {q.quadrant: q for q in capacity.quadrants}
        writer.writerow(
            [
                f"{capacity.month:%Y-%m}",
                capacity.provider.name,
                capacity.provider.supplier_reference,
                capacity.kind.value,
                london_date(capacity.submitted_at).isoformat(),
                "yes" if capacity.late else "no",
                *[_cell(name, getattr(capacity, name)) for name in FIGURES],
                *[
                    _hours(by_quadrant[q].spare_weekly_minutes if q in by_quadrant else 0)
                    for q in Quadrant
                ],
                *[by_quadrant[q].new_packages if q in by_quadrant else 0 for q in Quadrant],
            ]
        )
        yield flush()
