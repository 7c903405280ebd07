"""The annual re-ranking: providers ranked by a score from their quality and performance
figures for a financial year, each weighted as the council sets (Settings), with prime or
supplementary status proposed from the order.

Every figure is scored out of 100: the CQC rating and QAF level by fixed points, the rest
as whole percents. The score is the weighted mean of the figures the provider has (one it
has none of, such as not yet rated, is left out and the other weights carry the score), to
one decimal place, worked out in whole numbers so that nothing turns on a float's error.

Proposing changes nothing: a commissioner changes a provider's contract through the
register's own pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from portal.common.dates import FinancialYear
from portal.council.models import RANKING_WEIGHTS, CouncilSettings
from portal.extensions import db
from portal.outcomes.table_f import whole_percent
from portal.providers.enums import ContractType, CqcRating, ProviderStatus, QafLevel, Quadrant
from portal.providers.models import Provider
from portal.reports import figures

# The components, in the order of the council's weights (RANKING_WEIGHTS).
COMPONENTS = (
    "CQC rating",
    "QAF level",
    "Outcome results",
    "Outcome returns on time",
    "Capacity returns on time",
)
# Prime places: one for each quadrant, offered in this order to providers without one.
PLACES = tuple(Quadrant)
PROPOSED_CONTRACTS = (ContractType.PATCH, ContractType.FRAMEWORK)

RULE = (
    "Prime places: one for each quadrant. The four highest-ranked active providers on Patch "
    "or Framework contracts are proposed as prime. A Patch provider among them keeps its own "
    "quadrant (the higher-ranked, if two share one); each quadrant left goes to the next of "
    "them in rank order, East, West, Central, South in turn. Every other active Patch or "
    "Framework provider is proposed as supplementary. Spot and Legacy contracts and "
    "suspended providers are ranked but not proposed."
)
TIES = (
    "Equal scores are ordered by the QAF level, then the CQC rating, then the provider’s "
    "name (A to Z)."
)


@dataclass(frozen=True)
class Component:
    name: str
    weight: int
    points: int | None  # out of 100; None: the provider has no such figure
    shown: str  # the figure behind the points, as a person reads it

    @property
    def counts(self) -> bool:
        return self.points is not None and self.weight > 0


@dataclass(frozen=True)
class Ranked:
    rank: int
    provider_id: int
    name: str
    contract_type: ContractType
    quadrant: Quadrant | None
    status: ProviderStatus
    components: tuple[Component, ...]
    score_tenths: int | None  # the score out of 100, in tenths; None: no figure counts
    now: str  # "Prime (East)", "Supplementary" or "Not on a Patch or Framework contract"
    proposed: str

    @property
    def score(self) -> str:
        if self.score_tenths is None:
            return "No score"
        return f"{self.score_tenths // 10}.{self.score_tenths % 10}"

    @property
    def changes(self) -> bool:
        return self.now != self.proposed


@dataclass(frozen=True)
class Ranking:
    year: FinancialYear
    on: dt.date  # the ratings are as the register held them on this day
    weights: tuple[int, ...]
    providers: list[Ranked]


def score_tenths(components: Sequence[Component]) -> int | None:
    """The weighted mean of the components that count, out of 100 in tenths, a half up."""
    weight = sum(c.weight for c in components if c.counts)
    if weight == 0:
        return None
    total = sum(c.weight * (c.points or 0) for c in components if c.counts)
    return (20 * total + weight) // (2 * weight)


def current_status(contract_type: ContractType, quadrant: Quadrant | None) -> str:
    if contract_type == ContractType.PATCH:
        return f"Prime ({quadrant.label})" if quadrant else "Prime"
    if contract_type == ContractType.FRAMEWORK:
        return "Supplementary"
    return f"Not proposed ({contract_type.label})"


def ranking(year: FinancialYear, today: dt.date) -> Ranking:
    on = min(today, year.last_day)
    weights = tuple(
        db.session.execute(
            select(*(getattr(CouncilSettings, name) for name in RANKING_WEIGHTS)).where(
                CouncilSettings.id == 1
            )
        ).one()
    )
    providers = db.session.execute(
        select(
            Provider.id,
            Provider.name,
            Provider.contract_type,
            Provider.quadrant,
            Provider.status,
            Provider.exited_on,
        ).where(Provider.status != ProviderStatus.EXITED)
    ).all()
    ratings = figures.ratings_on(on)
    quarters = figures.outcome_quarters(year)
    due_quarters = [q.id for q in quarters if q.due_date < today]
    returns = figures.outcome_returns(due_quarters)
    owed: dict[int, tuple[int, int]] = {}
    for (_, owing), count in returns.items():
        before = owed.get(owing, (0, 0))
        owed[owing] = (before[0] + count.on_time, before[1] + count.owed)
    met: dict[int, tuple[int, int]] = {}
    for (_, tallied, _), (m, s) in figures.outcomes_met(
        [q.id for q in quarters], by_provider=True
    ).items():
        assert tallied is not None
        before = met.get(tallied, (0, 0))
        met[tallied] = (before[0] + m, before[1] + s)
    months = figures.capacity_months(year, today, figures.settings())
    on_time = figures.capacity_on_time(months.due)

    unranked = []
    for provider_id, name, contract_type, quadrant, status, exited_on in providers:
        rating, level = ratings.get(provider_id, (CqcRating.NOT_YET_RATED.value, None))
        due_months = sum(1 for m in months.due if figures.owes_capacity(m, exited_on))
        components = (
            Component(
                "CQC rating",
                weights[0],
                figures.CQC_POINTS.get(CqcRating(rating)),
                CqcRating(rating).label,
            ),
            Component(
                "QAF level",
                weights[1],
                figures.QAF_POINTS.get(QafLevel(level)) if level else None,
                QafLevel(level).label if level else "Not assessed",
            ),
            _share("Outcome results", weights[2], met.get(provider_id, (0, 0)), "outcomes met"),
            _share("Outcome returns on time", weights[3], owed.get(provider_id, (0, 0)), "on time"),
            _share(
                "Capacity returns on time",
                weights[4],
                (on_time.get(provider_id, 0), due_months),
                "on time",
            ),
        )
        unranked.append(
            (
                provider_id,
                name,
                contract_type,
                quadrant,
                status,
                components,
                score_tenths(components),
            )
        )
    unranked.sort(
        key=lambda p: (
            -(p[6] if p[6] is not None else -1),
            -(p[5][1].points if p[5][1].points is not None else -1),
            -(p[5][0].points if p[5][0].points is not None else -1),
            p[1].casefold(),
            p[0],
        )
    )
    proposals = dict(_proposals((p[0], p[2], p[3], p[4]) for p in unranked))
    return Ranking(
        year=year,
        on=on,
        weights=weights,
        providers=[
            Ranked(
                rank=rank,
                provider_id=provider_id,
                name=name,
                contract_type=contract_type,
                quadrant=quadrant,
                status=status,
                components=components,
                score_tenths=score,
                now=current_status(contract_type, quadrant),
                proposed=proposals[provider_id],
            )
            for rank, (provider_id, name, contract_type, quadrant, status, components, score) in (
                enumerate(unranked, start=1)
            )
        ],
    )


def _share(name: str, weight: int, counts: tuple[int, int], what: str) -> Component:
    part, whole = counts
    points = whole_percent(part, whole)
    shown = f"{part:,} of {whole:,} {what}" if whole else "None due"
    return Component(name, weight, points, shown)


def _proposals(
    ordered: Iterator[tuple[int, ContractType, Quadrant | None, ProviderStatus]],
) -> Iterator[tuple[int, str]]:
    """(provider, proposed status) for providers in rank order, by ``RULE``."""
    candidates = []
    for provider_id, contract_type, quadrant, status in ordered:
        if contract_type not in PROPOSED_CONTRACTS or status != ProviderStatus.ACTIVE:
            reason = "suspended" if status != ProviderStatus.ACTIVE else contract_type.label
            yield provider_id, f"Not proposed ({reason})"
            continue
        candidates.append((provider_id, contract_type, quadrant))
    primes = candidates[: len(PLACES)]
    taken: dict[Quadrant, int] = {}
    for provider_id, contract_type, quadrant in primes:
        if contract_type == ContractType.PATCH and quadrant is not None and quadrant not in taken:
            taken[quadrant] = provider_id
    free = [q for q in PLACES if q not in taken]
    for provider_id, _, _ in primes:
        if provider_id not in taken.values():
            taken[free.pop(0)] = provider_id
    by_provider = {provider_id: quadrant for quadrant, provider_id in taken.items()}
    for provider_id, _, _ in candidates:
        if provider_id in by_provider:
            yield provider_id, f"Prime ({by_provider[provider_id].label})"
        else:
            yield provider_id, "Supplementary"
