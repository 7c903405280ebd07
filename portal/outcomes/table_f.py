"""Table F: the share of the returned sample meeting each Appendix A outcome and measure.

The sample is the period's submitted and accepted returns. A measure's share is the
returns where it was met over those where it applied (not applicable is left out). An
outcome is met when every applicable measure under it is met; a return where none of an
outcome's measures applied is left out of that outcome's sample. Counted in SQL as the
returns come in and are taken back (``portal.outcomes.tallies``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

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
class TableF:
    period: ReportingPeriod
    previous: ReportingPeriod | None
    returns: int  # the sample: returns submitted or accepted
    rows: list[Share]


def _counts(
    period_ids: list[int], filters: Filters
) -> dict[int, tuple[int, dict[str, tuple[int, int]]]]:
    """For each period: (returns in the sample, {code: (met, sample)}), from the tallies
    kept as returns come in (one grouped query over a few thousand rows)."""
    statement = (
        select(
            OutcomeTally.period_id,
            OutcomeTally.code,
            func.sum(OutcomeTally.met),
            func.sum(OutcomeTally.sample),
        )
        .where(OutcomeTally.period_id.in_(period_ids))
        .group_by(OutcomeTally.period_id, OutcomeTally.code)
    )
    if filters.provider_id is not None:
        statement = statement.where(OutcomeTally.provider_id == filters.provider_id)
    if filters.contract_type is not None:
        statement = statement.join(Provider, Provider.id == OutcomeTally.provider_id).where(
            Provider.contract_type == filters.contract_type
        )
    if filters.quadrant is not None:
        statement = statement.where(OutcomeTally.quadrant == filters.quadrant)
    found: dict[int, tuple[int, dict[str, tuple[int, int]]]] = {
        period_id: (0, {}) for period_id in period_ids
    }
    for period_id, code, met, sample in db.session.execute(statement):
        counts = found[period_id][1]
        if code == RETURNS_CODE:
            found[period_id] = (int(sample or 0), counts)
        else:
            counts[code] = (int(met or 0), int(sample or 0))
    return found


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return db.session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == period.kind, ReportingPeriod.start_date < period.start_date)
        .order_by(ReportingPeriod.start_date.desc())
        .limit(1)
    )


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
