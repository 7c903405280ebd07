"""How the trusted assessor model is doing, for commissioners: recommendations by provider
and type, how long decisions take, the weekly hours released and what they are worth a
year, and the one-off payments made."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from portal.common.dates import london_date
from portal.common.money import divide_round_half_up
from portal.extensions import db
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.models import Provider
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus

DECIDED = (RecommendationStatus.APPROVED, RecommendationStatus.REJECTED)


@dataclass
class ProviderSummary:
    provider_name: str
    by_kind: dict[ChangeKind, int] = field(default_factory=dict)
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    open: int = 0
    decision_days: list[int] = field(default_factory=list)
    weekly_minutes_released: int = 0
    annual_value_pence: int = 0
    payments_pence: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def average_decision_days(self) -> float | None:
        if not self.decision_days:
            return None
        return sum(self.decision_days) / len(self.decision_days)


def model_summary() -> list[ProviderSummary]:
    """One row per provider that has sent a recommendation, in three aggregate queries."""
    summaries: dict[int, ProviderSummary] = {}

    counts = db.session.execute(
        select(Provider.id, Provider.name, Recommendation.kind, Recommendation.status, func.count())
        .join(Provider, Provider.id == Recommendation.provider_id)
        .where(Recommendation.status != RecommendationStatus.DRAFT)
        .group_by(Provider.id, Provider.name, Recommendation.kind, Recommendation.status)
    )
    for provider_id, name, kind, status, count in counts:
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

    # Decision times: the dates of each decided item (calendar days, whole).
    decided = db.session.execute(
        select(
            Recommendation.provider_id, Recommendation.submitted_at, Recommendation.decided_at
        ).where(Recommendation.status.in_(DECIDED), Recommendation.submitted_at.is_not(None))
    )
    days: dict[int, list[int]] = defaultdict(list)
    for provider_id, submitted_at, decided_at in decided:
        if decided_at is not None:
            days[provider_id].append((london_date(decided_at) - london_date(submitted_at)).days)
    for provider_id, values in days.items():
        if provider_id in summaries:
            summaries[provider_id].decision_days = values

    # Hours released count each approved reduction's payment once; the money is what
    # stands after cancellations and reversals.
    is_payment = Payment.kind == PaymentKind.PAYMENT
    standing = Payment.status != PaymentStatus.CANCELLED
    money = db.session.execute(
        select(
            Payment.provider_id,
            func.sum(case((is_payment, Payment.weekly_minutes_removed), else_=0)),
            func.sum(
                case(
                    (is_payment, Payment.weekly_minutes_removed * Payment.hourly_rate_pence),
                    else_=0,
                )
            ),
            func.sum(Payment.amount_pence),
        )
        .where(standing)
        .group_by(Payment.provider_id)
    )
    for provider_id, minutes, minute_pence, paid in money:
        if provider_id in summaries:
            summary = summaries[provider_id]
            summary.weekly_minutes_released = int(minutes or 0)
            summary.annual_value_pence = divide_round_half_up(int(minute_pence or 0) * 52, 60)
            summary.payments_pence = int(paid or 0)

    return sorted(summaries.values(), key=lambda s: s.provider_name)
