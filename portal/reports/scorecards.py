"""A provider's scorecard for a financial year: returns on time, outcome results against
the council's, recommendations and what they released, capacity flags, and its CQC rating
and QAF level history. Each part is a ``Section``, so the page and the PDF draw them as the
dashboard draws its own; every figure comes from a grouped statement (``figures``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Date, bindparam, case, func, select

from portal.capacity.models import CapacityReturn
from portal.capacity.rules import annualised_turnover_percent, missed_windows, turnover_flagged
from portal.common.dates import FinancialYear, format_date
from portal.common.money import divide_round_half_up, format_hours_figure, format_pence
from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.table_f import whole_percent
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.enums import RegisterFact
from portal.providers.models import Provider, describe_contract, describe_value
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus
from portal.recommendations.sustained import HeldFigures, held_figures
from portal.reports import figures
from portal.reports.held import provider_held_section
from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Span, Table

NONE_SHOWN = "–"


@dataclass(frozen=True)
class Scorecard:
    provider: Provider
    year: FinancialYear
    on: dt.date  # the day the figures run to: the year's end, or today within the year
    sections: list[Section]

    @property
    def contract(self) -> str:
        return describe_contract(self.provider.contract_type, self.provider.quadrant)


def scorecard(provider: Provider, year: FinancialYear, today: dt.date) -> Scorecard:
    on = min(today, year.last_day)
    return Scorecard(provider, year, on, sections(provider, year, today))


@dataclass(frozen=True)
class Figures:
    """Everything a provider's scorecard for a year is drawn from, read in a fixed number
    of statements whatever the history: the figures, before any sentence or table."""

    council: figures.Settings
    quarters: list[figures.Quarter]
    returns: dict[tuple[int, int], figures.ReturnsCount]
    capacity: dict[dt.date, Any]  # the provider's capacity returns by month
    outcomes: dict[tuple[int, int | None, str], tuple[int, int]]
    sent: dict[Any, list[int]]  # recommendations sent by kind: sent, approved, ...
    paid: tuple[int, int, int]  # weekly minutes released, those times rates, pence paid
    held: HeldFigures
    ratings: tuple[str | None, str | None]  # CQC rating and QAF level on the day
    changes: list[Any]  # the register's rating changes up to the day, newest first


def gather(provider: Provider, year: FinancialYear, today: dt.date) -> Figures:
    """The scorecard's figures (``Figures``)."""
    on = min(today, year.last_day)
    connection = db.session.connection()
    quarters = figures.outcome_quarters(year)
    start, end = year.moments()
    moments = {"provider_id": provider.id, "start": start, "end": end}
    minutes, minute_pence, paid = connection.execute(_paid_statement(), moments).one()
    earliest = Span(FinancialYear(year.start_year - 1)).first_day
    return Figures(
        council=figures.settings(),
        quarters=quarters,
        returns=figures.outcome_returns([q.id for q in quarters], provider.id),
        capacity={
            row.month: row
            for row in connection.execute(
                _capacity_statement(),
                {"provider_id": provider.id, "first": earliest, "last": year.last_day},
            )
        },
        outcomes=figures.outcomes_met([q.id for q in quarters], provider.id),
        sent={kind: row for kind, *row in connection.execute(_sent_statement(), moments)},
        paid=(int(minutes or 0), int(minute_pence or 0), int(paid or 0)),
        held=held_figures(year.first_day, year.last_day, provider=(provider.id, provider.name)),
        ratings=figures.ratings_on(on, provider.id).get(provider.id, (None, None)),
        changes=figures.rating_history(provider.id, on),
    )


def sections(provider: Provider, year: FinancialYear, today: dt.date) -> list[Section]:
    """The scorecard's sections, in the order the page and the PDF show them."""
    found = gather(provider, year, today)
    capacity = _capacity_rows(provider, year, today, found)
    return [
        _outcome_returns(provider, year, today, found),
        capacity[0],
        _outcome_results(provider, year, found),
        *_recommendations(provider, year, found),
        provider_held_section(provider.id, provider.name, Span(year), found.held),
        capacity[1],
        _register_history(provider, year, today, found),
    ]


def _percent(part: int, whole: int) -> Cell:
    shown = whole_percent(part, whole)
    return Cell(NONE_SHOWN, None) if shown is None else Cell(f"{shown}%", shown)


def _outcome_returns(
    provider: Provider, year: FinancialYear, today: dt.date, found: Figures
) -> Section:
    quarters, counts = found.quarters, found.returns
    empty = figures.ReturnsCount(0, 0, 0)
    rows, on_time, late, missing, owed = [], [], [], [], 0
    notes: list[str] = []
    for quarter in quarters:
        count = counts.get((quarter.id, provider.id), empty)
        due = quarter.due_date < today
        rows.append(
            (
                Cell.of(quarter.label),
                Cell(format_date(quarter.due_date), quarter.due_date.isoformat()),
                Cell.count(count.owed),
                Cell.count(count.on_time),
                Cell.count(count.late),
                Cell.count(count.not_handed_in)
                if due
                else Cell(f"{count.not_handed_in:,} not yet due", count.not_handed_in),
                _percent(count.on_time, count.owed) if due else Cell(NONE_SHOWN, None),
            )
        )
        on_time.append(count.on_time)
        late.append(count.late)
        missing.append(count.not_handed_in if due else None)
        if due:
            owed += count.owed
        else:
            notes.append(
                f"{quarter.label}’s returns are due by {format_date(quarter.due_date)}: "
                "those not handed in yet are not missing."
            )
    due_on_time = sum(t for t, m in zip(on_time, missing, strict=True) if m is not None)
    due_late = sum(t for t, m in zip(late, missing, strict=True) if m is not None)
    not_in = sum(m for m in missing if m is not None)
    shown = whole_percent(due_on_time, owed)
    commentary = (
        (
            f"Of {owed:,} outcome returns due in {year.label}, {due_on_time:,} ({shown}%) were "
            f"handed in on time, {due_late:,} late and {not_in:,} not at all.",
        )
        if owed
        else (f"No outcome returns were due from {provider.name} in {year.label}.",)
    )
    if not quarters:
        notes.append(f"The council has opened no quarter of {year.label} for outcome returns.")
    return Section(
        key="outcome-returns",
        title="Outcome returns on time",
        commentary=commentary,
        table=Table(
            columns=("Quarter", "Due by", "Owed", "On time", "Late", "Not handed in", "On time %"),
            rows=tuple(rows),
            numeric=(False, False, True, True, True, True, True),
        ),
        chart=Chart(
            kind=ChartKind.STACKED,
            title=f"Outcome returns by quarter, {year.label}",
            categories=tuple(f"Q{n}" for n in range(1, len(quarters) + 1)),
            series=(
                Series("On time", tuple(on_time)),
                Series("Late", tuple(late)),
                Series("Not handed in", tuple(missing)),
            ),
            value_axis="Returns",
        )
        if quarters
        else None,
        notes=(
            "Owed: a return for each person the provider supported in the quarter. Late: "
            "handed in after the due date. A return sent back for correction counts as not "
            "handed in until it is sent again.",
            *notes,
        ),
    )


@dataclass(frozen=True)
class _Month:
    month: dt.date
    status: str  # on time, late, missing, not yet due, not owed
    row: Any  # the provider's return that month, if any


@cache
def _capacity_statement() -> Any:
    return select(
        CapacityReturn.month,
        CapacityReturn.late,
        CapacityReturn.headcount,
        CapacityReturn.starters,
        CapacityReturn.leavers,
        CapacityReturn.hourly_pay_pence,
        CapacityReturn.pays_travel_time,
    ).where(
        CapacityReturn.provider_id == bindparam("provider_id"),
        CapacityReturn.month.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
    )


def _capacity_rows(
    provider: Provider, year: FinancialYear, today: dt.date, gathered: Figures
) -> tuple[Section, Section]:
    """The capacity returns (on time by month) and their flags by month, from the
    provider's returns over the year and the twelve months before (for the rule on windows
    missed)."""
    council, found = gathered.council, gathered.capacity
    months = figures.capacity_months(year, today, council)
    # Windows missed: the rule counts the twelve closed windows up to each month, from
    # the first the council collected (the year before's due months are worked out too).
    before = figures.capacity_months(FinancialYear(year.start_year - 1), today, council)
    history = [
        (m, m in found and not found[m].late)
        for m in (*before.due, *months.due)
        if figures.owes_capacity(m, provider.exited_on)
    ]
    counted: list[_Month] = []
    for month in months.months:
        row = found.get(month)
        if not figures.owes_capacity(month, provider.exited_on):
            status = "Not owed"
        elif row is not None:
            status = "Late" if row.late else "On time"
        elif month in months.due:
            status = "Missing"
        else:
            status = "Not yet due"
        counted.append(_Month(month, status, row))
    return (
        _capacity_returns(provider, year, months, counted),
        _capacity_flags(provider, year, months.wage_floor_pence, counted, history),
    )


def _month_label(month: dt.date) -> str:
    return f"{month:%B %Y}"


def _capacity_returns(
    provider: Provider, year: FinancialYear, months: figures.CapacityMonths, counted: list[_Month]
) -> Section:
    tally = {s: sum(1 for m in counted if m.status == s) for s in ("On time", "Late", "Missing")}
    due = sum(tally.values())
    commentary = (
        (
            f"Of {due} monthly capacity returns due in {year.label}, {tally['On time']} "
            f"({whole_percent(tally['On time'], due)}%) were handed in by the window’s close, "
            f"{tally['Late']} late and {tally['Missing']} not at all.",
        )
        if due
        else (f"No capacity return from {provider.name} was due yet in {year.label}.",)
    )
    return Section(
        key="capacity-returns",
        title="Capacity returns on time",
        commentary=commentary,
        table=Table(
            columns=("Month", "Window closed", "Return"),
            rows=tuple(
                (
                    Cell.of(_month_label(m.month)),
                    Cell(
                        format_date(months.windows[m.month].closes),
                        months.windows[m.month].closes.isoformat(),
                    ),
                    Cell.of(m.status),
                )
                for m in counted
            ),
        ),
        notes=(
            "A return is due once its month’s window has closed. Every provider on the "
            "register owes one a month; one that has left owes none after it left.",
        ),
    )


def _capacity_flags(
    provider: Provider,
    year: FinancialYear,
    floor: int,
    counted: list[_Month],
    history: list[tuple[dt.date, bool]],
) -> Section:
    rows = []
    flagged = dict.fromkeys(("turnover", "pay", "travel", "missed"), 0)
    for m in counted:
        closed = [on_time for month, on_time in history if month <= m.month]
        missed = missed_windows([not on_time for on_time in closed])
        missed_flag = missed.flagged and m.status != "Not yet due"
        flagged["missed"] += missed_flag
        row = m.row
        if row is None:
            rows.append(
                (
                    Cell.of(_month_label(m.month)),
                    Cell("No return", None),
                    Cell(NONE_SHOWN, None),
                    Cell(NONE_SHOWN, None),
                    Cell(NONE_SHOWN, None),
                    _yes_no(missed_flag),
                )
            )
            continue
        turnover = annualised_turnover_percent(
            leavers=row.leavers, headcount=row.headcount, starters=row.starters
        )
        staffed = row.headcount > 0
        high = turnover_flagged(turnover)
        low_pay = staffed and row.hourly_pay_pence < floor
        no_travel = staffed and not row.pays_travel_time
        flagged["turnover"] += high
        flagged["pay"] += low_pay
        flagged["travel"] += no_travel
        rows.append(
            (
                Cell.of(_month_label(m.month)),
                Cell(f"{turnover}%", str(turnover)) if turnover is not None else Cell("–", None),
                _yes_no(high),
                _yes_no(low_pay),
                _yes_no(no_travel),
                _yes_no(missed_flag),
            )
        )
    return Section(
        key="capacity-flags",
        title="Capacity flags",
        commentary=(
            f"In {year.label} the capacity returns flagged turnover above 20% in "
            f"{_months(flagged['turnover'])}, pay below the wage floor in "
            f"{_months(flagged['pay'])}, travel time not paid in {_months(flagged['travel'])} "
            f"and too many windows missed in {_months(flagged['missed'])}.",
        ),
        table=Table(
            columns=(
                "Month",
                "Staff turnover (annualised)",
                "Turnover above 20%",
                "Pay below the wage floor",
                "Travel time not paid",
                "Windows missed",
            ),
            rows=tuple(rows),
            numeric=(False, True, False, False, False, False),
        ),
        notes=(
            f"The wage floor is {format_pence(floor)} an hour (Settings). Windows missed: 3 in "
            "a row, or 4 in the last 12, counting late returns as missed, as the capacity "
            "picture does.",
        ),
    )


def _yes_no(flag: bool) -> Cell:
    return Cell("Flagged", "Yes") if flag else Cell("No", "No")


def _months(count: int) -> str:
    return "1 month" if count == 1 else f"{count} months"


def _outcome_results(provider: Provider, year: FinancialYear, gathered: Figures) -> Section:
    quarters, found = gathered.quarters, gathered.outcomes
    smallest = gathered.council.smallest_comparable_sample
    rows = []
    small = False
    own_year: list[int | None] = []
    all_year: list[int | None] = []
    for outcome in OUTCOMES:
        code = str(outcome.number)
        totals = {provider.id: [0, 0], None: [0, 0]}
        for label, period_id in [(q.label, q.id) for q in quarters] + [(year.label, None)]:
            if period_id is None:
                own, council = tuple(totals[provider.id]), tuple(totals[None])
                name = f"Outcome {code}, whole year"
            else:
                own = found.get((period_id, provider.id, code), (0, 0))
                council = found.get((period_id, None, code), (0, 0))
                for key, (m, s) in ((provider.id, own), (None, council)):
                    totals[key][0] += m
                    totals[key][1] += s
                name = f"Outcome {code}, {label.split()[0]}"  # "Q1": the year is the page's
            own_cell = _share(own[0], own[1], smallest)
            small = small or own_cell.text.endswith("(small sample)")
            rows.append(
                (
                    Cell.of(name),
                    own_cell,
                    Cell.count(own[1]),
                    _share(council[0], council[1], smallest),
                    Cell.count(council[1]),
                )
            )
            if period_id is None:
                own_year.append(whole_percent(*own))
                all_year.append(whole_percent(*council))
    compared = [
        f"outcome {outcome.number} for {mine}% of its sample (the council {council}%)"
        for outcome, mine, council in zip(OUTCOMES, own_year, all_year, strict=True)
        if mine is not None and council is not None
    ]
    commentary = (
        (f"In {year.label} {provider.name}’s returns met {_listed(compared)}.",)
        if compared
        else (f"{provider.name} handed in no outcome returns in {year.label}.",)
    )
    notes = [
        "An outcome is met when every measure under it that applied was met. The sample is "
        "the returns handed in (submitted or accepted) where the outcome applied; the "
        "council’s is every provider’s.",
    ]
    if small:
        notes.append(
            f"A share from fewer than {smallest} returns (the council’s smallest comparable "
            "sample) is marked small sample: a few people can swing it by many points."
        )
    return Section(
        key="outcome-results",
        title="Outcome results against the council",
        commentary=commentary,
        table=Table(
            columns=("Outcome and period", "This provider", "Sample", "Council", "Sample"),
            rows=tuple(rows),
            numeric=(False, True, True, True, True),
        ),
        chart=Chart(
            kind=ChartKind.BARS,
            title=f"Outcomes met in {year.label}: {provider.name} and the council",
            categories=tuple(f"Outcome {o.number}" for o in OUTCOMES),
            series=(Series(provider.name, tuple(own_year)), Series("Council", tuple(all_year))),
            value_axis="Percent of sample",
            percent=True,
        ),
        notes=tuple(notes),
    )


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _share(met: int, sample: int, smallest: int) -> Cell:
    shown = whole_percent(met, sample)
    if shown is None:
        return Cell(NONE_SHOWN, None)
    if sample < smallest:
        return Cell(f"{shown}% (small sample)", shown)
    return Cell(f"{shown}%", shown)


SENT = [s for s in RecommendationStatus if s != RecommendationStatus.DRAFT]
WAITING = (RecommendationStatus.SUBMITTED, RecommendationStatus.MORE_INFORMATION)
STANDING = [s for s in PaymentStatus if s != PaymentStatus.CANCELLED]


@cache
def _sent_statement() -> Any:
    """By kind, the provider's recommendations sent from :start to :end, and what became
    of them."""
    status = Recommendation.status
    return (
        select(
            Recommendation.kind,
            func.count(),
            func.count(case((status == RecommendationStatus.APPROVED, 1))),
            func.count(case((status == RecommendationStatus.REJECTED, 1))),
            func.count(case((status.in_(WAITING), 1))),
            func.count(case((status == RecommendationStatus.WITHDRAWN, 1))),
        )
        .where(
            Recommendation.provider_id == bindparam("provider_id"),
            status.in_(SENT),
            Recommendation.submitted_at
            >= bindparam("start", type_=Recommendation.submitted_at.type),
            Recommendation.submitted_at < bindparam("end", type_=Recommendation.submitted_at.type),
        )
        .group_by(Recommendation.kind)
    )


@cache
def _paid_statement() -> Any:
    """The weekly minutes the provider's standing payments from :start to :end released,
    those minutes times their rates, and the pence paid."""
    is_payment = Payment.kind == PaymentKind.PAYMENT
    return select(
        func.sum(case((is_payment, Payment.weekly_minutes_removed), else_=0)),
        func.sum(
            case(
                (is_payment, Payment.weekly_minutes_removed * Payment.hourly_rate_pence),
                else_=0,
            )
        ),
        func.sum(Payment.amount_pence),
    ).where(
        Payment.provider_id == bindparam("provider_id"),
        Payment.status.in_(STANDING),
        Payment.created_at >= bindparam("start", type_=Payment.created_at.type),
        Payment.created_at < bindparam("end", type_=Payment.created_at.type),
    )


def _recommendations(
    provider: Provider, year: FinancialYear, found: Figures
) -> tuple[Section, Section]:
    sent = found.sent
    rows = []
    totals = [0] * 5
    for kind in ChangeKind:
        counts = [int(n) for n in sent.get(kind, (0, 0, 0, 0, 0))]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append((Cell.of(kind.label), *(Cell.count(n) for n in counts)))
    rows.append((Cell.of("All"), *(Cell.count(n) for n in totals)))
    made = (
        f"{provider.name} sent {totals[0]} recommendation{'' if totals[0] == 1 else 's'} in "
        f"{year.label}: {totals[1]} approved, {totals[2]} rejected and {totals[3]} waiting "
        "for a decision."
    )
    recommendations = Section(
        key="recommendations",
        title="Recommendations",
        commentary=(made,),
        table=Table(
            columns=("Change", "Sent", "Approved", "Rejected", "Waiting", "Withdrawn"),
            rows=tuple(rows),
            numeric=(False, True, True, True, True, True),
        ),
        notes=("Recommendations sent in the year, with what has become of them since.",),
    )
    minutes, minute_pence, paid = found.paid
    annual = divide_round_half_up(minute_pence * 52, 60)
    released = Section(
        key="hours-released",
        title="Hours released and payments earned",
        commentary=(
            f"Reductions approved in {year.label} released {format_hours_figure(minutes)} "
            f"weekly hours, worth {format_pence(annual)} over a year, and earned "
            f"{provider.name} {format_pence(paid)} in one-off payments.",
        ),
        table=Table(
            columns=("Figure", "Amount"),
            rows=(
                (Cell.of("Weekly hours released"), Cell(format_hours_figure(minutes), minutes)),
                (Cell.of("Their value over a year"), Cell(format_pence(annual), annual)),
                (Cell.of("One-off payments earned"), Cell(format_pence(paid), paid)),
            ),
            numeric=(False, True),
        ),
        notes=(
            "Payments approved in the year and still standing, net of reversals; the CSV "
            "gives minutes and pence.",
        ),
    )
    return recommendations, released


def _register_history(
    provider: Provider, year: FinancialYear, today: dt.date, found: Figures
) -> Section:
    on = min(today, year.last_day)
    rating, level = found.ratings
    changes = found.changes
    cqc = describe_value(RegisterFact.CQC_RATING, rating)
    qaf = describe_value(RegisterFact.QAF_LEVEL, level)
    return Section(
        key="cqc-and-qaf",
        title="CQC rating and QAF level",
        commentary=(
            f"On {format_date(on)} {provider.name}’s CQC rating was {cqc} and its QAF level {qaf}.",
        ),
        table=Table(
            columns=("From", "Change", "Before", "After", "Why"),
            rows=tuple(
                (
                    Cell(format_date(day), day.isoformat()),
                    Cell.of(fact.label),
                    Cell.of(describe_value(fact, before)),
                    Cell.of(describe_value(fact, after)),
                    Cell.of(reason),
                )
                for day, fact, before, after, reason in changes
            ),
        ),
        notes=(
            "Every change the register recorded up to that day, newest first."
            if changes
            else "The register has recorded no change to either since the provider was added.",
        ),
    )


def scorecard_list() -> list[Any]:
    """Every provider on the register, by name, for the list of scorecards."""
    return list(
        db.session.execute(
            select(
                Provider.id,
                Provider.name,
                Provider.contract_type,
                Provider.quadrant,
                Provider.status,
                Provider.cqc_rating,
                Provider.qaf_level,
            ).order_by(Provider.name, Provider.id)
        )
    )
