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
from functools import cache
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, case, func, select, type_coerce

from portal.capacity.models import CapacityReturn
from portal.common.dates import FinancialYear
from portal.council.models import CouncilSettings
from portal.extensions import db
from portal.outcomes.models import (
    OutcomeProgress,
    OutcomeTally,
    PeriodKind,
    ReportingPeriod,
)
from portal.outcomes.table_f import whole_percent
from portal.providers.enums import ContractType, CqcRating, ProviderStatus, QafLevel, Quadrant
from portal.providers.models import Provider
from portal.reports import figures
from portal.reports.sections import Span

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


@dataclass(slots=True)
class Component:
    name: str
    weight: int
    points: int | None  # out of 100; None: the provider has no such figure
    shown: str  # the figure behind the points, as a person reads it

    @property
    def counts(self) -> bool:
        return self.points is not None and self.weight > 0


@dataclass(slots=True)
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
    weight = total = 0
    for component in components:
        if component.points is not None and component.weight > 0:
            weight += component.weight
            total += component.weight * component.points
    if weight == 0:
        return None
    return (20 * total + weight) // (2 * weight)


def current_status(contract_type: ContractType, quadrant: Quadrant | None) -> str:
    if contract_type == ContractType.PATCH:
        return f"Prime ({quadrant.label})" if quadrant else "Prime"
    if contract_type == ContractType.FRAMEWORK:
        return "Supplementary"
    return f"Not proposed ({contract_type.label})"


MONTHS = 12  # a financial year's

# Each enum's members by stored value: a row's values made members without a call each.
_CQC = {member.value: member for member in CqcRating}
_QAF = {member.value: member for member in QafLevel}
_CONTRACTS = {member.value: member for member in ContractType}
_QUADRANTS = {member.value: member for member in Quadrant}
_STATUSES = {member.value: member for member in ProviderStatus}


@cache
def _statement() -> Any:
    """Every provider on the register (but those that left it) with the figures it is
    ranked by, in one statement built once: its ratings on :on; its outcome returns owed
    and handed in on time for the year's quarters (from :first to :last) that were due by
    :today; its outcomes met and their samples over the year's quarters, from Table F's
    tallies; its capacity returns handed in on time for each of the year's months
    (:month_0 to :month_11); and the council's settings, which say which months were due."""
    cqc, qaf, joined = figures.held_ratings(bindparam("on", type_=Date))
    quarters = select(ReportingPeriod.id).where(
        ReportingPeriod.kind == PeriodKind.OUTCOMES,
        ReportingPeriod.start_date.between(
            bindparam("first", type_=Date), bindparam("last", type_=Date)
        ),
    )
    due = quarters.where(ReportingPeriod.due_date < bindparam("today", type_=Date))
    returns = (
        select(
            OutcomeProgress.provider_id,
            func.sum(OutcomeProgress.handed_in - OutcomeProgress.late).label("on_time"),
            func.sum(OutcomeProgress.owed).label("owed"),
        )
        .where(OutcomeProgress.period_id.in_(due.scalar_subquery()))
        .group_by(OutcomeProgress.provider_id)
        .subquery()
    )
    outcomes = (
        select(
            OutcomeTally.provider_id,
            func.sum(OutcomeTally.met).label("met"),
            func.sum(OutcomeTally.sample).label("sample"),
        )
        .where(
            OutcomeTally.period_id.in_(quarters.scalar_subquery()),
            OutcomeTally.code.in_(figures.OUTCOME_CODES),
        )
        .group_by(OutcomeTally.provider_id)
        .subquery()
    )
    # Each month of the year's capacity returns handed in on time (1) or not, by provider:
    # which months count is worked out from the council's settings read here too.
    on_time = CapacityReturn.late.is_(False)
    capacity = (
        select(
            CapacityReturn.provider_id,
            *(
                func.sum(
                    case(
                        (
                            and_(
                                CapacityReturn.month == bindparam(f"month_{n}", type_=Date), on_time
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ).label(f"month_{n}")
                for n in range(MONTHS)
            ),
        )
        .where(
            CapacityReturn.month.between(
                bindparam("month_0", type_=Date), bindparam(f"month_{MONTHS - 1}", type_=Date)
            )
        )
        .group_by(CapacityReturn.provider_id)
        .subquery()
    )
    statement = select(
        Provider.id,
        Provider.name,
        # Their stored values, made members below: no type processing a row.
        type_coerce(Provider.contract_type, String),
        type_coerce(Provider.quadrant, String),
        type_coerce(Provider.status, String),
        Provider.exited_on,
        cqc,
        qaf,
        func.coalesce(returns.c.on_time, 0),
        func.coalesce(returns.c.owed, 0),
        func.coalesce(outcomes.c.met, 0),
        func.coalesce(outcomes.c.sample, 0),
        *(func.coalesce(capacity.c[f"month_{n}"], 0) for n in range(MONTHS)),
        *figures.settings_columns(),
    )
    return (
        joined(statement)
        .outerjoin(returns, returns.c.provider_id == Provider.id)
        .outerjoin(outcomes, outcomes.c.provider_id == Provider.id)
        .outerjoin(capacity, capacity.c.provider_id == Provider.id)
        .join(CouncilSettings, CouncilSettings.id == 1)
        .where(Provider.status != ProviderStatus.EXITED)
    )


def ranking(year: FinancialYear, today: dt.date) -> Ranking:
    on = min(today, year.last_day)
    months_of_year = Span(year).months
    rows = (
        db.session.connection()
        .execute(
            _statement(),
            {
                "on": on,
                "first": year.first_day,
                "last": year.last_day,
                "today": today,
                **{f"month_{n}": month for n, month in enumerate(months_of_year)},
            },
        )
        .all()
    )
    # The council's settings came with every row; with no provider, read on their own.
    council = (
        figures.settings_from(rows[0][-figures.SETTINGS_COLUMNS :]) if rows else figures.settings()
    )
    weights = council.ranking_weights
    months = figures.capacity_months(year, today, council)
    due = [month in months.due for month in months_of_year]
    unranked = []
    for row in rows:
        provider_id, name, contract_type, quadrant, status, exited_on, rating, level = row[:8]
        returns_on_time, returns_owed, met, sample = row[8:12]
        monthly = row[12 : 12 + MONTHS]
        capacity_on_time = sum(n for n, counted in zip(monthly, due, strict=True) if counted)
        rating = _CQC[rating or CqcRating.NOT_YET_RATED.value]
        qaf = _QAF[level] if level else None
        due_months = (
            len(months.due)
            if exited_on is None
            else sum(1 for m in months.due if figures.owes_capacity(m, exited_on))
        )
        components = (
            Component("CQC rating", weights[0], figures.CQC_POINTS.get(rating), rating.label),
            Component(
                "QAF level",
                weights[1],
                None if qaf is None else figures.QAF_POINTS.get(qaf),
                "Not assessed" if qaf is None else qaf.label,
            ),
            _share("Outcome results", weights[2], (int(met), int(sample)), "outcomes met"),
            _share(
                "Outcome returns on time",
                weights[3],
                (int(returns_on_time), int(returns_owed)),
                "on time",
            ),
            _share(
                "Capacity returns on time", weights[4], (capacity_on_time, due_months), "on time"
            ),
        )
        unranked.append(
            (
                provider_id,
                name,
                _CONTRACTS[contract_type],
                None if quadrant is None else _QUADRANTS[quadrant],
                _STATUSES[status],
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
