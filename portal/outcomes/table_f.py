"""Table F: the share of the returned sample meeting each Appendix A outcome and measure.

The sample is the period's submitted and accepted returns. A measure's share is the
returns where it was met over those where it applied (not applicable is left out). An
outcome is met when every applicable measure under it is met; a return where none of an
outcome's measures applied is left out of that outcome's sample. Counted in SQL as the
returns come in and are taken back (``portal.outcomes.tallies``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import RETURNS_CODE, OutcomeTally, ReportingPeriod
from portal.providers.enums import ContractType, Quadrant
from portal.providers.models import Provider


@dataclass(frozen=True)
class Filters:
    provider_id: int | None = None
    contract_type: ContractType | None = None
    quadrant: Quadrant | None = None  # the service user's quadrant


@dataclass(frozen=True)
class Share:
    code: str  # "1" for an outcome, "1.1" for a measure
    text: str
    met: int
    sample: int
    previous_met: int | None = None
    previous_sample: int | None = None

    @property
    def is_outcome(self) -> bool:
        return "." not in self.code

    @property
    def percent(self) -> float | None:
        return None if self.sample == 0 else 100 * self.met / self.sample

    @property
    def previous_percent(self) -> float | None:
        if not self.previous_sample:
            return None
        return 100 * (self.previous_met or 0) / self.previous_sample

    @property
    def change(self) -> float | None:
        """Percentage points up (+) or down (-) on the previous period."""
        if self.percent is None or self.previous_percent is None:
            return None
        return self.percent - self.previous_percent


@dataclass(frozen=True)
class PeriodRef:
    id: int
    label: str


@dataclass(frozen=True)
class TableF:
    period: ReportingPeriod
    previous: PeriodRef | None
    returns: int  # the sample: returns submitted or accepted
    rows: list[Share]


@cache
def _counts_statement(provider: bool, contract_type: bool, quadrant: bool) -> Select[Any]:
    """Built once for each combination of filters, with the values bound at execution: a
    statement reused is not built or keyed for the cache again on every page."""
    statement = (
        select(
            OutcomeTally.period_id,
            OutcomeTally.code,
            func.sum(OutcomeTally.met),
            func.sum(OutcomeTally.sample),
        )
        .where(OutcomeTally.period_id.in_(bindparam("periods", expanding=True)))
        .group_by(OutcomeTally.period_id, OutcomeTally.code)
    )
    if provider:
        statement = statement.where(OutcomeTally.provider_id == bindparam("provider_id"))
    if contract_type:
        statement = statement.join(Provider, Provider.id == OutcomeTally.provider_id).where(
            Provider.contract_type == bindparam("contract_type", type_=Provider.contract_type.type)
        )
    if quadrant:
        statement = statement.where(
            OutcomeTally.quadrant == bindparam("quadrant", type_=OutcomeTally.quadrant.type)
        )
    return statement


def _counts(
    period_ids: list[int], filters: Filters
) -> dict[int, tuple[int, dict[str, tuple[int, int]]]]:
    """For each period: (returns in the sample, {code: (met, sample)}), from the tallies
    kept as returns come in (one grouped query over a few thousand rows)."""
    statement = _counts_statement(
        filters.provider_id is not None,
        filters.contract_type is not None,
        filters.quadrant is not None,
    )
    values: dict[str, Any] = {"periods": period_ids}
    if filters.provider_id is not None:
        values["provider_id"] = filters.provider_id
    if filters.contract_type is not None:
        values["contract_type"] = filters.contract_type
    if filters.quadrant is not None:
        values["quadrant"] = filters.quadrant
    found: dict[int, tuple[int, dict[str, tuple[int, int]]]] = {
        period_id: (0, {}) for period_id in period_ids
    }
    # Through the connection: plain rows, without the ORM's loading machinery.
    for period_id, code, met, sample in db.session.connection().execute(statement, values):
        counts = found[period_id][1]
        if code == RETURNS_CODE:
            found[period_id] = (int(sample or 0), counts)
        else:
            counts[code] = (int(met or 0), int(sample or 0))
    return found


_PREVIOUS = (
    select(ReportingPeriod.id, ReportingPeriod.label)
    .where(
        ReportingPeriod.kind == bindparam("kind", type_=ReportingPeriod.kind.type),
        ReportingPeriod.start_date < bindparam("start", type_=ReportingPeriod.start_date.type),
    )
    .order_by(ReportingPeriod.start_date.desc())
    .limit(1)
)


def previous_period(period: ReportingPeriod) -> PeriodRef | None:
    row = (
        db.session.connection()
        .execute(_PREVIOUS, {"kind": period.kind, "start": period.start_date})
        .first()
    )
    return PeriodRef(row.id, row.label) if row else None


def table_f(period: ReportingPeriod, filters: Filters) -> TableF:
    previous = previous_period(period)
    found = _counts([period.id] + ([previous.id] if previous else []), filters)
    returns, counts = found[period.id]
    previous_counts = found[previous.id][1] if previous else {}
    rows: list[Share] = []
    for outcome in OUTCOMES:
        for code, text in [(str(outcome.number), outcome.text)] + [
            (m.code, m.text) for m in outcome.measures
        ]:
            met, sample = counts.get(code, (0, 0))
            before = previous_counts.get(code)
            rows.append(
                Share(
                    code=code,
                    text=text,
                    met=met,
                    sample=sample,
                    previous_met=before[0] if before else None,
                    previous_sample=before[1] if before else None,
                )
            )
    return TableF(period=period, previous=previous, returns=returns, rows=rows)
