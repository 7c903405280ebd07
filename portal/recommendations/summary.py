"""How the trusted assessor model is doing, for commissioners, one financial year at a time:
recommendations sent, by provider and type, and what became of them; how long decisions
took; the weekly hours that reductions approved in the year released, what they are worth
a year, and the one-off payments made for them.

Each figure is read for the year through an index on its date (recommendations by status
and sending, payments by status and approval), so the page costs the same however many
years of history the council holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select

from portal.common.dates import FinancialYear, today
from portal.common.money import divide_round_half_up
from portal.extensions import db
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.models import Provider
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus

SENT = [s for s in RecommendationStatus if s != RecommendationStatus.DRAFT]
DECIDED = (RecommendationStatus.APPROVED, RecommendationStatus.REJECTED)
STANDING = [s for s in PaymentStatus if s != PaymentStatus.CANCELLED]


@dataclass
class ProviderSummary:
    provider_name: str
    by_kind: dict[ChangeKind, int] = field(default_factory=dict)
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    open: int = 0
    decided: int = 0  # those with a decision time
    decision_days_total: int = 0
    weekly_minutes_released: int = 0
    annual_value_pence: int = 0
    payments_pence: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def average_decision_days(self) -> float | None:
        if not self.decided:
            return None
        return self.decision_days_total / self.decided


def model_summary(year: FinancialYear | None = None) -> list[ProviderSummary]:
    """One row per provider with a recommendation sent or a payment approved in the year
    (by default the current one), in two aggregate queries.

    The recommendations are those sent in the year, with what became of them; the hours
    and money are those of the payments approved in the year, net of cancellations and of
    any reversals made in the year."""
    year = year or FinancialYear.containing(today())
    start, end = year.moments()
    period = {"start": start, "end": end}
    summaries: dict[int, ProviderSummary] = {}
    # Plain rows of sums need none of the ORM's work, so they go straight to the connection.
    connection = db.session.connection()

    for provider_id, name, kind, status, count, decided, days in connection.execute(
        _sent_statement(), period
    ):
        summary = summaries.setdefault(provider_id, ProviderSummary(name))
        summary.by_kind[kind] = summary.by_kind.get(kind, 0) + count
        if status == RecommendationStatus.APPROVED:
            summary.approved += count
        elif status == RecommendationStatus.REJECTED:
            summary.rejected += count
        elif status == RecommendationStatus.WITHDRAWN:
            summary.withdrawn += count
        else:
            summary.open += count
        if status in DECIDED:
            summary.decided += decided
            summary.decision_days_total += int(days or 0)

    for provider_id, name, minutes, minute_pence, paid in connection.execute(
        _money_statement(), period
    ):
        summary = summaries.setdefault(provider_id, ProviderSummary(name))
        summary.weekly_minutes_released = int(minutes or 0)
        summary.annual_value_pence = divide_round_half_up(int(minute_pence or 0) * 52, 60)
        summary.payments_pence = int(paid or 0)

    return sorted(summaries.values(), key=lambda s: s.provider_name)


# The statements are built once: only the year's bounds change between runs.


@cache
def _sent_statement() -> Select[Any]:
    """Recommendations sent between :start and :end, counted by provider, kind and status,
    with the London days from sending to decision (kept with each decision) summed over
    those with one."""
    sent = (
        select(
            Recommendation.provider_id,
            Recommendation.kind,
            Recommendation.status,
            func.count().label("count"),
            func.count(Recommendation.decided_at).label("decided"),
            func.sum(Recommendation.decision_days).label("days"),
        )
        .where(
            Recommendation.status.in_(SENT),  # with the date, a range of the status index
            Recommendation.submitted_at >= bindparam("start"),
            Recommendation.submitted_at < bindparam("end"),
        )
        .group_by(Recommendation.provider_id, Recommendation.kind, Recommendation.status)
        .subquery()
    )
    return select(Provider.id, Provider.name, *sent.c[1:]).join(
        sent, sent.c.provider_id == Provider.id
    )


@cache
def _money_statement() -> Select[Any]:
    """Payments approved between :start and :end and still standing, by provider. Hours
    released count each approved reduction's payment once; the money is what stands after
    cancellations and reversals."""
    is_payment = Payment.kind == PaymentKind.PAYMENT
    approved = (
        select(
            Payment.provider_id,
            func.sum(case((is_payment, Payment.weekly_minutes_removed), else_=0)).label("minutes"),
            func.sum(
                case(
                    (is_payment, Payment.weekly_minutes_removed * Payment.hourly_rate_pence),
                    else_=0,
                )
            ).label("minute_pence"),
            func.sum(Payment.amount_pence).label("paid"),
        )
        .where(
            Payment.status.in_(STANDING),
            Payment.created_at >= bindparam("start"),
            Payment.created_at < bindparam("end"),
        )
        .group_by(Payment.provider_id)
        .subquery()
    )
    return select(Provider.id, Provider.name, *approved.c[1:]).join(
        approved, approved.c.provider_id == Provider.id
    )
