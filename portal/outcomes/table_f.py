"""Table F: the share of the returned sample meeting each Appendix A outcome and measure.

The sample is the period's submitted and accepted returns. A measure's share is the
returns where it was met over those where it applied (not applicable is left out). An
outcome is met when every applicable measure under it is met; a return where none of an
outcome's measures applied is left out of that outcome's sample. Counted in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, ReportingPeriod, ReturnStatus
from portal.providers.enums import ContractType, Quadrant
from portal.providers.models import Provider, ServiceUser

RETURNED = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)


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


def _returned(period_id: int, filters: Filters) -> Select[Any]:
    statement = (
        select(OutcomeAnswer.measure, OutcomeAnswer.result, OutcomeAnswer.return_id)
        .join(OutcomeReturn, OutcomeReturn.id == OutcomeAnswer.return_id)
        .where(OutcomeReturn.period_id == period_id, OutcomeReturn.status.in_(RETURNED))
    )
    if filters.provider_id is not None:
        statement = statement.where(OutcomeReturn.provider_id == filters.provider_id)
    if filters.contract_type is not None:
        statement = statement.join(Provider, Provider.id == OutcomeReturn.provider_id).where(
            Provider.contract_type == filters.contract_type
        )
    if filters.quadrant is not None:
        statement = statement.join(
            ServiceUser, ServiceUser.id == OutcomeReturn.service_user_id
        ).where(ServiceUser.quadrant == filters.quadrant)
    return statement


def _counts(period_id: int, filters: Filters) -> tuple[int, dict[str, tuple[int, int]]]:
    """(returns in the sample, {code: (met, sample)}) for every outcome and measure."""
    answers = _returned(period_id, filters).subquery()
    applicable = case((answers.c.result != "not_applicable", 1), else_=0)
    met = case((answers.c.result == "met", 1), else_=0)

    counts: dict[str, tuple[int, int]] = {}
    for code, met_count, sample in db.session.execute(
        select(answers.c.measure, func.sum(met), func.sum(applicable)).group_by(answers.c.measure)
    ):
        counts[code] = (int(met_count or 0), int(sample or 0))

    outcome_number = func.substr(answers.c.measure, 1, 1)
    per_return = (
        select(
            answers.c.return_id,
            outcome_number.label("outcome"),
            func.sum(applicable).label("applicable"),
            func.sum(met).label("met"),
        )
        .group_by(answers.c.return_id, outcome_number)
        .subquery()
    )
    has_applicable = per_return.c.applicable > 0
    for outcome, met_count, sample in db.session.execute(
        select(
            per_return.c.outcome,
            func.sum(
                case(
                    (and_(has_applicable, per_return.c.met == per_return.c.applicable), 1), else_=0
                )
            ),
            func.sum(case((has_applicable, 1), else_=0)),
        ).group_by(per_return.c.outcome)
    ):
        counts[str(outcome)] = (int(met_count or 0), int(sample or 0))

    returns = db.session.scalar(select(func.count(func.distinct(answers.c.return_id)))) or 0
    return returns, counts


def previous_period(period: ReportingPeriod) -> ReportingPeriod | None:
    return db.session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.kind == period.kind, ReportingPeriod.start_date < period.start_date)
        .order_by(ReportingPeriod.start_date.desc())
        .limit(1)
    )


def table_f(period: ReportingPeriod, filters: Filters) -> TableF:
    returns, counts = _counts(period.id, filters)
    previous = previous_period(period)
    previous_counts = _counts(previous.id, filters)[1] if previous else {}
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
