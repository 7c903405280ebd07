"""The figures a provider is judged by, for a financial year: the scorecard shows them for
one provider, quarter by quarter and month by month; the annual re-ranking scores every
provider on the same figures for the whole year. Each is a grouped statement, read through
the indexes its table already has (the returns' figures kept per period and provider, Table
F's tallies, capacity returns by provider and month, the register's history by provider)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, case, cast, func, literal, or_, select

from portal.capacity.models import CapacityReturn
from portal.capacity.rules import Window, capacity_window
from portal.common.dates import FinancialYear
from portal.council.models import RANKING_WEIGHTS, CouncilSettings
from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import OutcomeProgress, OutcomeTally, PeriodKind, ReportingPeriod
from portal.providers.enums import CqcRating, QafLevel, RegisterFact
from portal.providers.models import Provider, ProviderChange
from portal.reports.sections import Span

OUTCOME_CODES = tuple(str(outcome.number) for outcome in OUTCOMES)

# How a rating scores out of 100 in the re-ranking; not yet rated has no score.
CQC_POINTS = {
    CqcRating.OUTSTANDING: 100,
    CqcRating.GOOD: 67,
    CqcRating.REQUIRES_IMPROVEMENT: 33,
    CqcRating.INADEQUATE: 0,
}
QAF_POINTS = {QafLevel.A: 100, QafLevel.B: 67, QafLevel.C: 33, QafLevel.D: 0}


@dataclass(frozen=True)
class Quarter:
    id: int
    label: str
    due_date: dt.date


@cache
def _quarters_statement() -> Any:
    return (
        select(ReportingPeriod.id, ReportingPeriod.label, ReportingPeriod.due_date)
        .where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES,
            ReportingPeriod.start_date.between(
                bindparam("first", type_=Date), bindparam("last", type_=Date)
            ),
        )
        .order_by(ReportingPeriod.start_date)
    )


def outcome_quarters(year: FinancialYear) -> list[Quarter]:
    """The year's outcome reporting periods (quarters the council opened), in order."""
    rows = db.session.connection().execute(
        _quarters_statement(), {"first": year.first_day, "last": year.last_day}
    )
    return [Quarter(*row) for row in rows]


@dataclass(frozen=True)
class ReturnsCount:
    owed: int
    handed_in: int
    late: int

    @property
    def on_time(self) -> int:
        return self.handed_in - self.late

    @property
    def not_handed_in(self) -> int:
        return self.owed - self.handed_in


@cache
def _returns_statement(one_provider: bool) -> Any:
    statement = select(
        OutcomeProgress.period_id,
        OutcomeProgress.provider_id,
        OutcomeProgress.owed,
        OutcomeProgress.handed_in,
        OutcomeProgress.late,
    ).where(OutcomeProgress.period_id.in_(bindparam("periods", expanding=True)))
    if one_provider:
        statement = statement.where(OutcomeProgress.provider_id == bindparam("provider_id"))
    return statement


def outcome_returns(
    period_ids: list[int], provider_id: int | None = None
) -> dict[tuple[int, int], ReturnsCount]:
    """{(period, provider): returns owed, handed in and handed in late}, from the figures
    the returns progress page keeps for each period and provider."""
    rows = db.session.connection().execute(
        _returns_statement(provider_id is not None),
        {"periods": period_ids, "provider_id": provider_id},
    )
    return {
        (period, provider): ReturnsCount(owed, handed_in, late)
        for period, provider, owed, handed_in, late in rows
    }


@cache
def _met_by_period_statement() -> Any:
    """By period and outcome: the provider's (:provider_id) met and sample, and all."""
    mine = OutcomeTally.provider_id == bindparam("provider_id")
    return (
        select(
            OutcomeTally.period_id,
            OutcomeTally.code,
            func.sum(case((mine, OutcomeTally.met), else_=0)),
            func.sum(case((mine, OutcomeTally.sample), else_=0)),
            func.sum(OutcomeTally.met),
            func.sum(OutcomeTally.sample),
        )
        .where(
            OutcomeTally.period_id.in_(bindparam("periods", expanding=True)),
            OutcomeTally.code.in_(OUTCOME_CODES),
        )
        .group_by(OutcomeTally.period_id, OutcomeTally.code)
    )


def outcomes_met(
    period_ids: list[int], provider_id: int
) -> dict[tuple[int, int | None, str], tuple[int, int]]:
    """{(period, provider or None, outcome): (met, sample)} for the Appendix A outcomes by
    period, from Table F's tallies: the provider's, and the council's (None)."""
    found: dict[tuple[int, int | None, str], tuple[int, int]] = {}
    rows = db.session.connection().execute(
        _met_by_period_statement(), {"periods": period_ids, "provider_id": provider_id}
    )
    for period, code, own_met, own_sample, all_met, all_sample in rows:
        found[(period, provider_id, code)] = (int(own_met or 0), int(own_sample or 0))
        found[(period, None, code)] = (int(all_met or 0), int(all_sample or 0))
    return found


@dataclass(frozen=True)
class CapacityMonths:
    """The year's months, each with its reporting window, and which of them a return was
    due for by ``on`` (the window has closed, and the council was collecting returns)."""

    months: tuple[dt.date, ...]
    windows: dict[dt.date, Window]
    due: tuple[dt.date, ...]
    wage_floor_pence: int


@dataclass(frozen=True)
class Settings:
    """The council's settings the figures turn on, and the first month it collected
    capacity returns at all (no one missed a window before that)."""

    opens_day: int
    closes_day: int
    wage_floor_pence: int
    smallest_comparable_sample: int
    first_capacity_month: dt.date | None
    ranking_weights: tuple[int, ...]  # in RANKING_WEIGHTS' order


def settings_columns() -> list[Any]:
    """The council's settings the figures turn on, as columns of a statement that joins
    ``CouncilSettings`` (``settings_from`` reads them back)."""
    return [
        CouncilSettings.capacity_opens_day,
        CouncilSettings.capacity_closes_day,
        CouncilSettings.wage_floor_pence,
        CouncilSettings.smallest_comparable_sample,
        select(func.min(CapacityReturn.month)).scalar_subquery(),
        *(getattr(CouncilSettings, name) for name in RANKING_WEIGHTS),
    ]


SETTINGS_COLUMNS = 5 + len(RANKING_WEIGHTS)


def settings_from(row: Any) -> Settings:
    opens, closes, floor, smallest, first = row[:5]
    return Settings(opens, closes, floor, smallest, first, tuple(row[5:]))


@cache
def _settings_statement() -> Any:
    return select(*settings_columns()).where(CouncilSettings.id == 1)


def settings() -> Settings:
    return settings_from(db.session.connection().execute(_settings_statement()).one())


def capacity_months(year: FinancialYear, on: dt.date, council: Settings) -> CapacityMonths:
    months = Span(year).months
    windows = {
        m: capacity_window(m, opens_day=council.opens_day, closes_day=council.closes_day)
        for m in months
    }
    first = council.first_capacity_month
    due = tuple(m for m in months if first is not None and m >= first and windows[m].closes < on)
    return CapacityMonths(months, windows, due, council.wage_floor_pence)


def owes_capacity(month: dt.date, exited_on: dt.date | None) -> bool:
    """A provider owes a month's return unless it left the register before the month."""
    return exited_on is None or month <= exited_on


def held_ratings(day: Any) -> tuple[Any, Any, Any]:
    """The CQC rating and QAF level each provider held on ``day`` (a date or a bound
    parameter), as column expressions, and a function that adds to a statement over
    ``Provider`` the outer joins they read: from the register's dated history, the value
    the latest change on or before the day set; failing that, the value the first change
    after it replaced; failing that (never changed), the value the register holds now."""

    def held(fact: RegisterFact, current: Any) -> tuple[Any, Any, Any]:
        before = (
            select(
                ProviderChange.provider_id,
                ProviderChange.value_after.label("value"),
                func.row_number()
                .over(
                    partition_by=ProviderChange.provider_id,
                    order_by=(ProviderChange.effective_on.desc(), ProviderChange.id.desc()),
                )
                .label("n"),
            )
            .where(ProviderChange.fact == fact, ProviderChange.effective_on <= day)
            .subquery()
        )
        after = (
            select(
                ProviderChange.provider_id,
                ProviderChange.value_before.label("value"),
                func.row_number()
                .over(
                    partition_by=ProviderChange.provider_id,
                    order_by=(ProviderChange.effective_on, ProviderChange.id),
                )
                .label("n"),
            )
            .where(ProviderChange.fact == fact, ProviderChange.effective_on > day)
            .subquery()
        )
        value = case(
            (before.c.provider_id.is_not(None), before.c.value),
            (after.c.provider_id.is_not(None), after.c.value),
            else_=cast(current, String),
        )
        return before, after, value

    cqc_before, cqc_after, cqc = held(RegisterFact.CQC_RATING, Provider.cqc_rating)
    qaf_before, qaf_after, qaf = held(RegisterFact.QAF_LEVEL, Provider.qaf_level)

    def joined(statement: Any) -> Any:
        for history in (cqc_before, cqc_after, qaf_before, qaf_after):
            statement = statement.outerjoin(
                history, and_(history.c.provider_id == Provider.id, history.c.n == 1)
            )
        return statement

    return cqc, qaf, joined


@cache
def _ratings_statement(one_provider: bool) -> Any:
    cqc, qaf, joined = held_ratings(bindparam("day", type_=Date))
    statement = joined(select(Provider.id, cqc, qaf))
    if one_provider:
        statement = statement.where(Provider.id == bindparam("provider_id"))
    return statement


def ratings_on(day: dt.date, provider_id: int | None = None) -> dict[int, tuple[str, str | None]]:
    """{provider: (CQC rating, QAF level or None)} as the register held them on ``day``
    (``held_ratings``): every provider's, or one's."""
    rows = db.session.connection().execute(
        _ratings_statement(provider_id is not None), {"day": day, "provider_id": provider_id}
    )
    return {pid: (rating, level) for pid, rating, level in rows}


@cache
def _history_statement() -> Any:
    return (
        select(
            ProviderChange.effective_on,
            ProviderChange.fact,
            ProviderChange.value_before,
            ProviderChange.value_after,
            func.coalesce(ProviderChange.reason, literal("")),
        )
        .where(
            ProviderChange.provider_id == bindparam("provider_id"),
            or_(
                ProviderChange.fact == RegisterFact.CQC_RATING,
                ProviderChange.fact == RegisterFact.QAF_LEVEL,
            ),
            ProviderChange.effective_on <= bindparam("until", type_=Date),
        )
        .order_by(ProviderChange.effective_on.desc(), ProviderChange.id.desc())
    )


def rating_history(provider_id: int, until: dt.date) -> list[Any]:
    """The provider's CQC rating and QAF level changes on or before ``until``, newest first:
    (date, fact, value before, value after, reason)."""
    return list(
        db.session.connection().execute(
            _history_statement(), {"provider_id": provider_id, "until": until}
        )
    )
