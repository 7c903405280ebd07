"""Table F: the share of the returned sample meeting each Appendix A outcome and measure.

The sample is the period's submitted and accepted returns. A measure's share is the
returns where it was met over those where it applied (not applicable is left out). An
outcome is met when every applicable measure under it is met; a return where none of an
outcome's measures applied is left out of that outcome's sample. Counted in SQL as the
returns come in and are taken back (``portal.outcomes.tallies``).

The two quarters' samples are different people. ``same_people`` (and Table F's ``same``)
compares only the people with a return handed in both this quarter and the quarter before:
for each outcome and measure that applied to them in both, the share met in each, the
change, and how many improved (not met, then met) or declined (met, then not met).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, func, literal, select, true, union_all

from portal.council.models import CouncilSettings
from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import (
    RETURNS_CODE,
    OutcomePairTally,
    OutcomeTally,
    ReportingPeriod,
)
from portal.providers.enums import ContractType, Quadrant
from portal.providers.models import Provider


@dataclass(frozen=True)
class Filters:
    provider_id: int | None = None
    contract_type: ContractType | None = None
    quadrant: Quadrant | None = None  # the service user's quadrant


def whole_percent(met: int, sample: int) -> int | None:
    """``met`` of ``sample`` as a whole percent, a half rounded up (as people round), in
    integers so that 82.5 is never 82 through a float's error; None for no sample."""
    if sample <= 0:
        return None
    return (200 * met + sample) // (2 * sample)


@dataclass(frozen=True)
class Share:
    """A row of Table F. Every figure shown is worked out from the figures shown beside it:
    the change is the difference of the two whole percents, so "82%" against "57%" reads
    "up 25 points". A sample smaller than the council's smallest comparable sample is
    flagged, and no change is reported between it and another."""

    code: str  # "1" for an outcome, "1.1" for a measure
    text: str
    met: int
    sample: int
    previous_met: int | None = None
    previous_sample: int | None = None
    smallest: int = 1  # the council's smallest comparable sample

    @property
    def is_outcome(self) -> bool:
        return "." not in self.code

    @property
    def percent(self) -> float | None:
        """Unrounded, for the bar's length only."""
        return None if self.sample == 0 else 100 * self.met / self.sample

    @property
    def shown(self) -> int | None:
        return whole_percent(self.met, self.sample)

    @property
    def previous_shown(self) -> int | None:
        if not self.previous_sample:
            return None
        return whole_percent(self.previous_met or 0, self.previous_sample)

    @property
    def small(self) -> bool:
        return 0 < self.sample < self.smallest

    @property
    def previous_small(self) -> bool:
        return 0 < (self.previous_sample or 0) < self.smallest

    @property
    def comparable(self) -> bool:
        """Both quarters have a sample, and neither is too small to compare."""
        return (
            self.shown is not None
            and self.previous_shown is not None
            and not self.small
            and not self.previous_small
        )

    @property
    def change(self) -> int | None:
        """Percentage points up (+) or down (-) on the previous period, between the two
        whole percents shown; None when there is nothing to compare, or too little."""
        shown, previous = self.shown, self.previous_shown
        if not self.comparable or shown is None or previous is None:
            return None
        return shown - previous


@dataclass(frozen=True)
class Paired:
    """A row of Table F for the same people: those with a return handed in in both
    quarters for whom this outcome or measure applied in both. As in ``Share``, each
    change is the difference of the two whole percents shown, and none is reported for
    fewer people than the council's smallest comparable sample."""

    code: str
    text: str
    pairs: int  # the people in both quarters for whom it applied in both
    met_before: int
    met_now: int
    improved: int  # not met before, met now
    declined: int  # met before, not met now
    smallest: int = 1

    @property
    def is_outcome(self) -> bool:
        return "." not in self.code

    @property
    def before_shown(self) -> int | None:
        return whole_percent(self.met_before, self.pairs)

    @property
    def now_shown(self) -> int | None:
        return whole_percent(self.met_now, self.pairs)

    @property
    def small(self) -> bool:
        return 0 < self.pairs < self.smallest

    @property
    def change(self) -> int | None:
        """Percentage points up (+) or down (-) among the same people, between the two whole
        percents shown; None for no one, or too few to compare."""
        before, now = self.before_shown, self.now_shown
        if self.small or before is None or now is None:
            return None
        return now - before


@dataclass(frozen=True)
class PeriodRef:
    id: int
    label: str


@dataclass(frozen=True)
class SamePeople:
    """Table F for the people with a return handed in both in ``period`` and in the quarter
    before (``previous``; None when there is none, and then no one)."""

    previous: PeriodRef | None
    people: int  # with a return handed in in both quarters
    rows: list[Paired]
    smallest: int = 1


@dataclass(frozen=True)
class TableF:
    period: ReportingPeriod
    previous: PeriodRef | None
    returns: int  # the sample: returns submitted or accepted
    rows: list[Share]
    smallest: int = 1  # the council's smallest comparable sample
    previous_returns: int = 0
    same: SamePeople = SamePeople(None, 0, [])


@cache
def _counts_statement(provider: bool, contract_type: bool, quadrant: bool) -> CompoundSelect:
    """Built once for each combination of filters, with the values bound at execution: a
    statement reused is not built or keyed for the cache again on every page.

    Rows (paired, period, code, met, sample, met before, improved, declined): Table F's
    tallies for the ``periods`` (paired 0), then the same people's for ``paired_period``
    (paired 1, met and sample being met now and the pairs), in one statement."""

    def filtered(statement: Any, table: Any) -> Any:
        if provider:
            statement = statement.where(table.provider_id == bindparam("provider_id"))
        if contract_type:
            statement = statement.join(Provider, Provider.id == table.provider_id).where(
                Provider.contract_type
                == bindparam("contract_type", type_=Provider.contract_type.type)
            )
        if quadrant:
            statement = statement.where(
                table.quadrant == bindparam("quadrant", type_=table.quadrant.type)
            )
        return statement

    counts = filtered(
        select(
            literal(0).label("paired"),
            OutcomeTally.period_id,
            OutcomeTally.code,
            func.sum(OutcomeTally.met).label("met"),
            func.sum(OutcomeTally.sample).label("sample"),
            literal(0).label("met_before"),
            literal(0).label("improved"),
            literal(0).label("declined"),
        )
        .where(OutcomeTally.period_id.in_(bindparam("periods", expanding=True)))
        .group_by(OutcomeTally.period_id, OutcomeTally.code),
        OutcomeTally,
    )
    pairs = filtered(
        select(
            literal(1),
            OutcomePairTally.period_id,
            OutcomePairTally.code,
            func.sum(OutcomePairTally.met_now),
            func.sum(OutcomePairTally.pairs),
            func.sum(OutcomePairTally.met_before),
            func.sum(OutcomePairTally.improved),
            func.sum(OutcomePairTally.declined),
        )
        .where(OutcomePairTally.period_id == bindparam("paired_period"))
        .group_by(OutcomePairTally.period_id, OutcomePairTally.code),
        OutcomePairTally,
    )
    return union_all(counts, pairs)


Counts = dict[str, tuple[int, int]]
PairCounts = dict[str, tuple[int, int, int, int, int]]


def _counts(
    period_ids: list[int], filters: Filters, paired_period: int
) -> tuple[dict[int, tuple[int, Counts]], PairCounts]:
    """For each period: (returns in the sample, {code: (met, sample)}); and for the people
    in both ``paired_period`` and the quarter before, {code: (pairs, met before, met now,
    improved, declined)} with the code ``RETURNS_CODE`` counting the people. From the
    tallies kept as returns come in (one grouped query over a few thousand rows)."""
    statement = _counts_statement(
        filters.provider_id is not None,
        filters.contract_type is not None,
        filters.quadrant is not None,
    )
    values: dict[str, Any] = {"periods": period_ids, "paired_period": paired_period}
    if filters.provider_id is not None:
        values["provider_id"] = filters.provider_id
    if filters.contract_type is not None:
        values["contract_type"] = filters.contract_type
    if filters.quadrant is not None:
        values["quadrant"] = filters.quadrant
    found: dict[int, tuple[int, Counts]] = {period_id: (0, {}) for period_id in period_ids}
    paired: PairCounts = {}
    # Through the connection: plain rows, without the ORM's loading machinery.
    for row in db.session.connection().execute(statement, values):
        is_pair, period_id, code, met, sample, met_before, improved, declined = row
        if is_pair:
            paired[code] = (
                int(sample or 0),
                int(met_before or 0),
                int(met or 0),
                int(improved or 0),
                int(declined or 0),
            )
            continue
        counts = found[period_id][1]
        if code == RETURNS_CODE:
            found[period_id] = (int(sample or 0), counts)
        else:
            counts[code] = (int(met or 0), int(sample or 0))
    return found, paired


_PREVIOUS = (
    select(ReportingPeriod.id, ReportingPeriod.label)
    .where(
        ReportingPeriod.kind == bindparam("kind", type_=ReportingPeriod.kind.type),
        ReportingPeriod.start_date < bindparam("start", type_=ReportingPeriod.start_date.type),
    )
    .order_by(ReportingPeriod.start_date.desc())
    .limit(1)
    .subquery()
)
# The council's smallest comparable sample and the period before, in one statement: the
# settings row is always there, the period before may not be.
_SMALLEST_AND_PREVIOUS = (
    select(CouncilSettings.smallest_comparable_sample, _PREVIOUS.c.id, _PREVIOUS.c.label)
    .outerjoin(_PREVIOUS, true())
    .where(CouncilSettings.id == 1)
)


def smallest_and_previous(period: ReportingPeriod) -> tuple[int, PeriodRef | None]:
    """The council's smallest comparable sample, and the period before ``period``."""
    row = (
        db.session.connection()
        .execute(_SMALLEST_AND_PREVIOUS, {"kind": period.kind, "start": period.start_date})
        .one()
    )
    previous = PeriodRef(row.id, row.label) if row.id is not None else None
    return int(row.smallest_comparable_sample), previous


def _criteria() -> list[tuple[str, str]]:
    """(code, text) of every row of Table F: each outcome, then its measures."""
    return [
        row
        for outcome in OUTCOMES
        for row in [(str(outcome.number), outcome.text)]
        + [(m.code, m.text) for m in outcome.measures]
    ]


def _same_people(previous: PeriodRef | None, paired: PairCounts, smallest: int) -> SamePeople:
    if previous is None:
        paired = {}
    return SamePeople(
        previous=previous,
        people=paired.get(RETURNS_CODE, (0, 0, 0, 0, 0))[0],
        rows=[
            Paired(code, text, *paired.get(code, (0, 0, 0, 0, 0)), smallest=smallest)
            for code, text in _criteria()
        ],
        smallest=smallest,
    )


def same_people(period: ReportingPeriod, filters: Filters) -> SamePeople:
    """Table F for the people with a return handed in both in ``period`` and in the quarter
    before, each outcome and measure among those for whom it applied in both (two
    statements, whatever the number of people: for the dashboard and committee report)."""
    smallest, previous = smallest_and_previous(period)
    _, paired = _counts([period.id], filters, period.id)
    return _same_people(previous, paired, smallest)


def table_f(period: ReportingPeriod, filters: Filters) -> TableF:
    smallest, previous = smallest_and_previous(period)
    found, paired = _counts([period.id] + ([previous.id] if previous else []), filters, period.id)
    returns, counts = found[period.id]
    previous_counts = found[previous.id][1] if previous else {}
    rows: list[Share] = []
    for code, text in _criteria():
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
                smallest=smallest,
            )
        )
    return TableF(
        period=period,
        previous=previous,
        returns=returns,
        rows=rows,
        smallest=smallest,
        previous_returns=found[previous.id][0] if previous else 0,
        same=_same_people(previous, paired, smallest),
    )


def period_counts(
    period_ids: list[int], filters: Filters
) -> dict[int, tuple[int, dict[str, tuple[int, int]]]]:
    """For each period: (returns in the sample, {code: (met, sample)}), in one grouped
    statement over the tallies: for reports that show Table F over several quarters."""
    if not period_ids:
        return {}
    # No period has id 0: the same people's part of the statement finds nothing.
    counts, _ = _counts(period_ids, filters, paired_period=0)
    return counts
