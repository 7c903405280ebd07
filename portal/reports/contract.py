"""The dashboard's contract sections: how the providers did against the contract over the
span, after the package sections and in the committee report's order: Table F each
quarter, trusted-assessor recommendations and what became of them, the hours reductions
released and the payments they earned, spare capacity by quadrant, returns handed in by
provider, and the providers by CQC rating and QAF level.

Every figure comes from a grouped statement, built once with the span's dates as
parameters (a quarter's figures come from the year's statement with a quarter's bounds);
Python only lays the grouped rows out. Quarters are financial: the first runs April to
June, and a stored moment belongs to the quarter its London date falls in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery

from portal.capacity.models import CapacityByQuadrant, CapacityReturn
from portal.common.dates import LONDON, format_date, today
from portal.common.money import format_hours_figure, format_pence, pence_to_decimal_string
from portal.council.models import CouncilSettings
from portal.extensions import db
from portal.outcomes.measures import OUTCOMES
from portal.outcomes.models import OutcomeProgress, PeriodKind, ReportingPeriod
from portal.outcomes.table_f import Filters, period_counts, whole_percent
from portal.payments.models import Payment, PaymentKind, PaymentStatus
from portal.providers.enums import CqcRating, ProviderStatus, QafLevel, Quadrant, RegisterFact
from portal.providers.models import PackageLine, Provider, ProviderChange, days_count_expression
from portal.recommendations.models import (
    ChangeKind,
    ProposedLine,
    Recommendation,
    RecommendationStatus,
)
from portal.reports.sections import (
    Cell,
    Chart,
    ChartKind,
    Section,
    Series,
    Span,
    Table,
)

# ---------------------------------------------------------------------------------------
# The span's dates as parameters


def _moment(day: dt.date) -> dt.datetime:
    """The stored (UTC) moment a London day starts."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)


def _quarters(span: Span) -> tuple[int, ...]:
    return (span.quarter,) if span.quarter is not None else (1, 2, 3, 4)


def _quarter_starts(span: Span) -> list[dt.date]:
    """The first days of the year's second, third and fourth quarters."""
    return [Span(span.year, quarter).first_day for quarter in (2, 3, 4)]


def _bounds(span: Span) -> dict[str, Any]:
    """Every statement's parameters: the span's first and last days, the moments it runs
    between, and the year's quarter boundaries as days and as moments."""
    end = span.last_day + dt.timedelta(days=1)
    values: dict[str, Any] = {
        "first": span.first_day,
        "last": span.last_day,
        "start": _moment(span.first_day),
        "end": _moment(end),
    }
    for number, day in enumerate(_quarter_starts(span), start=2):
        values[f"q{number}"] = _moment(day)
    return values


def _quarter_of(moment: Any) -> Any:
    """The financial quarter (1 to 4) a stored moment falls in, by the year's boundaries."""
    boundary = [bindparam(f"q{n}", type_=DateTime(timezone=True)) for n in (2, 3, 4)]
    return case(
        (moment < boundary[0], 1), (moment < boundary[1], 2), (moment < boundary[2], 3), else_=4
    )


def _in_span(moment: Any) -> Any:
    return and_(
        moment >= bindparam("start", type_=DateTime(timezone=True)),
        moment < bindparam("end", type_=DateTime(timezone=True)),
    )


def _days_in_span(day: Any) -> Any:
    return day.between(bindparam("first", type_=Date), bindparam("last", type_=Date))


def _run(statement: Select[Any], span: Span, **extra: Any) -> list[Any]:
    """Plain rows through the session's connection: sums need none of the ORM's loading."""
    return list(db.session.connection().execute(statement, {**_bounds(span), **extra}))


def _figures(columns: Sequence[str], rows: Sequence[tuple[Cell, ...]]) -> Table:
    """A table whose first column names each row and whose other columns are figures."""
    return Table(tuple(columns), tuple(rows), (False, *(True for _ in columns[1:])))


def _categories(quarters: Sequence[int]) -> tuple[str, ...]:
    return tuple(f"Q{quarter}" for quarter in quarters)


def _by_quarter(
    kind: ChartKind,
    title: str,
    categories: tuple[str, ...],
    series: tuple[Series, ...],
    value_axis: str,
    *,
    percent: bool = False,
) -> Chart | None:
    """A chart of figures by quarter. For one quarter there is nothing along the bottom to
    compare: each series becomes a bar of its own; a single figure needs no chart."""
    if len(categories) > 1:
        return Chart(kind, title, categories, series, value_axis, percent=percent)
    if len(series) == 1:
        return None
    return Chart(
        ChartKind.BARS,
        title,
        tuple(one.name for one in series),
        (Series(categories[0], tuple(one.values[0] for one in series)),),
        value_axis,
        percent=percent,
    )


def _each_quarter(span: Span) -> str:
    return " each quarter" if span.quarter is None else ""


def _quarter_name(span: Span, quarter: int) -> str:
    return f"Q{quarter} {span.year.label}"


def _percent(share: int | None) -> Cell:
    return Cell("–", None) if share is None else Cell(f"{share}%", share)


def _hours(minutes: int) -> Cell:
    figure = format_hours_figure(minutes)
    return Cell(figure, figure)


def _money(pence: int) -> Cell:
    return Cell(format_pence(pence), pence_to_decimal_string(pence))


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


# ---------------------------------------------------------------------------------------
# Table F over the quarters


@cache
def _outcome_periods() -> Select[Any]:
    """The span's quarters of outcome returns, beside the council's smallest comparable
    sample: one row of the settings alone when no period has opened."""
    periods = (
        select(ReportingPeriod.id, ReportingPeriod.start_date)
        .where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES,
            _days_in_span(ReportingPeriod.start_date),
        )
        .subquery()
    )
    return (
        select(CouncilSettings.smallest_comparable_sample, periods.c.id, periods.c.start_date)
        .outerjoin(periods, true())
        .where(CouncilSettings.id == 1)
        .order_by(periods.c.start_date)
    )


def table_f_by_quarter(span: Span) -> Section:
    rows = _run(_outcome_periods(), span)
    smallest = int(rows[0].smallest_comparable_sample)
    quarter_of = {row.id: _quarter_in_year(row.start_date) for row in rows if row.id is not None}
    counts = period_counts(list(quarter_of), Filters())
    by_quarter = {quarter_of[period_id]: found for period_id, found in counts.items()}
    quarters = _quarters(span)
    columns = ["Outcome"]
    for quarter in quarters:
        columns += [f"Q{quarter} share met", f"Q{quarter} sample"]
    table_rows: list[tuple[Cell, ...]] = []
    series: list[Series] = []
    for outcome in OUTCOMES:
        code = str(outcome.number)
        cells = [Cell.of(f"Outcome {code}: {outcome.text}")]
        points: list[int | None] = []
        for quarter in quarters:
            met, sample = by_quarter.get(quarter, (0, {}))[1].get(code, (0, 0))
            share = whole_percent(met, sample)
            small = 0 < sample < smallest
            shown = _percent(share)
            if small:
                shown = Cell(f"{shown.text} (small sample)", share)
            cells += [shown, Cell.count(sample)]
            points.append(None if small else share)
        table_rows.append(tuple(cells))
        series.append(Series(f"Outcome {code}", tuple(points)))
    returns = {quarter: by_quarter.get(quarter, (0, {}))[0] for quarter in quarters}
    table_rows.append(
        (
            Cell.of("Returns handed in"),
            *(
                cell
                for quarter in quarters
                for cell in (Cell("", None), Cell.count(returns[quarter]))
            ),
        )
    )
    notes = [
        "Each share is the returns meeting the outcome over the returns where it applied "
        "(submitted or accepted returns for the quarter; a measure marked not applicable is "
        "left out of its sample).",
        f"A share from fewer than {smallest} returns is marked small sample and left off "
        "the chart: a few people can move it by many points.",
    ]
    return Section(
        key="table-f-by-quarter",
        title="Table F: outcomes met each quarter",
        commentary=_table_f_commentary(span, table_rows, returns, smallest),
        table=_figures(columns, table_rows),
        chart=_by_quarter(
            ChartKind.LINES,
            f"Share of the sample meeting each outcome{_each_quarter(span)}, {span.label}",
            _categories(quarters),
            tuple(series),
            "Percent of sample",
            percent=True,
        ),
        notes=tuple(notes),
    )


def _quarter_in_year(day: dt.date) -> int:
    """The financial quarter (1 to 4) a day falls in."""
    return (day.month - 4) % 12 // 3 + 1


def _table_f_commentary(
    span: Span, rows: list[tuple[Cell, ...]], returns: dict[int, int], smallest: int
) -> tuple[str, ...]:
    latest = max((q for q, count in returns.items() if count), default=None)
    if latest is None:
        return (f"No outcome returns were handed in for {span.label}.",)
    column = 1 + 2 * _quarters(span).index(latest)
    name = _quarter_name(span, latest)
    handed_in = _plural(returns[latest], "return was", "returns were")
    sentences = [f"In {name}, {handed_in} handed in."]
    for number, row in enumerate(rows[: len(OUTCOMES)], start=1):
        share, sample = row[column].value, row[column + 1].value
        if share is None or not isinstance(sample, int):
            continue
        sentence = f"Outcome {number} was met by {share}% of a sample of {sample}"
        if sample < smallest:
            sentence += f", too small a sample to compare (fewer than {smallest})"
        sentences.append(sentence + ".")
    return tuple(sentences)


# ---------------------------------------------------------------------------------------
# Trusted-assessor recommendations and decisions

SENT = [s for s in RecommendationStatus if s != RecommendationStatus.DRAFT]
WAITING = (RecommendationStatus.SUBMITTED, RecommendationStatus.MORE_INFORMATION)
DECIDED = (RecommendationStatus.APPROVED, RecommendationStatus.REJECTED)


@cache
def _recommendations() -> Select[Any]:
    """Recommendations sent in the span, by the quarter they were sent, kind and status,
    with the London days from sending to decision summed over those decided."""
    quarter = _quarter_of(Recommendation.submitted_at).label("quarter")
    return (
        select(
            quarter,
            Recommendation.kind,
            Recommendation.status,
            func.count().label("count"),
            func.count(Recommendation.decision_days).label("decided"),
            func.coalesce(func.sum(Recommendation.decision_days), 0).label("days"),
        )
        .where(Recommendation.status.in_(SENT), _in_span(Recommendation.submitted_at))
        .group_by(quarter, Recommendation.kind, Recommendation.status)
    )


def recommendations(span: Span) -> Section:
    quarters = _quarters(span)
    kinds = list(ChangeKind)
    outcomes = ("Approved", "Rejected", "Waiting for a decision", "Withdrawn")
    by_kind = {q: dict.fromkeys(kinds, 0) for q in quarters}
    by_outcome = {q: dict.fromkeys(outcomes, 0) for q in quarters}
    decided = {q: [0, 0] for q in quarters}  # (decisions timed, days)
    for row in _run(_recommendations(), span):
        by_kind[row.quarter][ChangeKind(row.kind)] += row.count
        by_outcome[row.quarter][_outcome_word(RecommendationStatus(row.status))] += row.count
        if row.status in DECIDED:
            decided[row.quarter][0] += row.decided
            decided[row.quarter][1] += int(row.days)
    columns = (
        "Quarter sent",
        *(f"{kind.label}" for kind in kinds),
        "Sent",
        *outcomes,
        "Average days to decide",
    )
    rows: list[tuple[Cell, ...]] = []
    for quarter in quarters:
        rows.append(
            (
                Cell.of(_quarter_name(span, quarter)),
                *(Cell.count(by_kind[quarter][kind]) for kind in kinds),
                Cell.count(sum(by_kind[quarter].values())),
                *(Cell.count(by_outcome[quarter][word]) for word in outcomes),
                _average_days(*decided[quarter]),
            )
        )
    if len(quarters) > 1:
        rows.append(
            (
                Cell.of("Year"),
                *(Cell.count(sum(by_kind[q][kind] for q in quarters)) for kind in kinds),
                Cell.count(sum(sum(by_kind[q].values()) for q in quarters)),
                *(Cell.count(sum(by_outcome[q][w] for q in quarters)) for w in outcomes),
                _average_days(
                    sum(decided[q][0] for q in quarters), sum(decided[q][1] for q in quarters)
                ),
            )
        )
    total = rows[-1]
    sent = total[1 + len(kinds)].value
    commentary = [
        f"Trusted assessors sent {_plural(int(sent or 0), 'recommendation')} in {span.label}."
    ]
    if sent:
        approved, rejected, waiting = (total[2 + len(kinds) + n].value for n in range(3))
        commentary.append(
            f"The council approved {approved}, rejected {rejected}, and {waiting} "
            f"{'is' if waiting == 1 else 'are'} waiting for a decision."
        )
        if total[-1].value is not None:
            commentary.append(f"A decision took {total[-1].text} days on average.")
    return Section(
        key="recommendations",
        title="Trusted assessor recommendations and decisions",
        commentary=tuple(commentary),
        table=_figures(columns, rows),
        chart=_by_quarter(
            ChartKind.STACKED,
            f"What became of the recommendations sent{_each_quarter(span)}, {span.label}",
            _categories(quarters),
            tuple(Series(word, tuple(by_outcome[q][word] for q in quarters)) for word in outcomes),
            "Recommendations",
        ),
        notes=(
            "Each recommendation counts in the quarter it was sent; what became of it is as "
            "it stands today. Waiting includes those where the council asked the provider a "
            "question.",
            "Days to decide are London calendar days from sending to the decision, over the "
            "approved and rejected recommendations.",
        ),
    )


def _outcome_word(status: RecommendationStatus) -> str:
    if status == RecommendationStatus.APPROVED:
        return "Approved"
    if status == RecommendationStatus.REJECTED:
        return "Rejected"
    if status == RecommendationStatus.WITHDRAWN:
        return "Withdrawn"
    return "Waiting for a decision"


def _average_days(decisions: int, days: int) -> Cell:
    """Days to decide to one decimal place, worked in integers (a half rounds up)."""
    if not decisions:
        return Cell("–", None)
    tenths = (20 * days + decisions) // (2 * decisions)
    text = f"{tenths // 10}.{tenths % 10}"
    return Cell(text, text)


# ---------------------------------------------------------------------------------------
# Hours released and payments


def _weekly_minutes(calls: Any, minutes: Any, carers: Any, days: Any) -> Any:
    return calls * minutes * carers * days_count_expression(days)


@cache
def _released() -> Select[Any]:
    """Reductions approved in the span, by the quarter of the decision: how many, and the
    weekly minutes of the lines they replaced and of the lines proposed in their place (a
    line proposed with no calls ends)."""
    replaced = aliased(PackageLine)
    quarter = _quarter_of(Recommendation.decided_at).label("quarter")
    return (
        select(
            quarter,
            func.count(func.distinct(Recommendation.id)).label("reductions"),
            func.coalesce(
                func.sum(
                    _weekly_minutes(
                        replaced.calls_per_day,
                        replaced.minutes_per_call,
                        replaced.carers_per_call,
                        replaced.days_of_week,
                    )
                ),
                0,
            ).label("before"),
            func.coalesce(
                func.sum(
                    _weekly_minutes(
                        ProposedLine.calls_per_day,
                        ProposedLine.minutes_per_call,
                        ProposedLine.carers_per_call,
                        ProposedLine.days_of_week,
                    )
                ),
                0,
            ).label("after"),
        )
        .join(ProposedLine, ProposedLine.recommendation_id == Recommendation.id)
        .outerjoin(replaced, replaced.id == ProposedLine.replaces_line_id)
        .where(
            Recommendation.status == RecommendationStatus.APPROVED,
            Recommendation.kind == ChangeKind.REDUCE,
            _in_span(Recommendation.decided_at),
        )
        .group_by(quarter)
    )


WAITING_TO_PAY = [
    s for s in PaymentStatus if s not in (PaymentStatus.PAID, PaymentStatus.CANCELLED)
]


@cache
def _payments() -> Select[Any]:
    """One-off payments made for reductions in the span (by when the payment was
    created, on approval), by quarter: those standing, paid and waiting to be paid, and the
    reversals made in the span of payments already sent."""
    quarter = _quarter_of(Payment.created_at).label("quarter")
    is_payment = Payment.kind == PaymentKind.PAYMENT
    paid = and_(is_payment, Payment.status == PaymentStatus.PAID)
    waiting = and_(is_payment, Payment.status.in_(WAITING_TO_PAY))
    reversal = Payment.kind == PaymentKind.REVERSAL
    return (
        select(
            quarter,
            func.count().filter(is_payment).label("payments"),
            func.coalesce(func.sum(Payment.amount_pence).filter(is_payment), 0).label("total"),
            func.count().filter(paid).label("paid"),
            func.coalesce(func.sum(Payment.amount_pence).filter(paid), 0).label("paid_pence"),
            func.count().filter(waiting).label("waiting"),
            func.coalesce(func.sum(Payment.amount_pence).filter(waiting), 0).label("waiting_pence"),
            func.coalesce(-func.sum(Payment.amount_pence).filter(reversal), 0).label("reversed"),
        )
        .where(
            Payment.status.in_([s for s in PaymentStatus if s != PaymentStatus.CANCELLED]),
            _in_span(Payment.created_at),
        )
        .group_by(quarter)
    )


PAYMENT_FIGURES = (
    "payments",
    "total",
    "paid",
    "paid_pence",
    "waiting",
    "waiting_pence",
    "reversed",
)


def hours_and_payments(span: Span) -> Section:
    quarters = _quarters(span)
    hours = dict.fromkeys(quarters, (0, 0, 0))
    for row in _run(_released(), span):
        hours[row.quarter] = (row.reductions, int(row.before), int(row.after))
    money = {q: dict.fromkeys(PAYMENT_FIGURES, 0) for q in quarters}
    for row in _run(_payments(), span):
        money[row.quarter] = {name: int(getattr(row, name)) for name in PAYMENT_FIGURES}
    if len(quarters) > 1:
        labels = [(q, _quarter_name(span, q)) for q in quarters] + [(0, "Year")]
        hours[0] = tuple(sum(hours[q][n] for q in quarters) for n in range(3))  # type: ignore[assignment]
        money[0] = {name: sum(money[q][name] for q in quarters) for name in PAYMENT_FIGURES}
    else:
        labels = [(quarters[0], _quarter_name(span, quarters[0]))]
    columns = (
        "Quarter",
        "Reductions approved",
        "Weekly hours before",
        "Weekly hours after",
        "Weekly hours released",
        "Payments",
        "Payments total",
        "Paid",
        "Paid total",
        "Waiting to be paid",
        "Waiting total",
        "Reversed",
    )
    rows = []
    for key, label in labels:
        count, before, after = hours[key]
        found = money[key]
        rows.append(
            (
                Cell.of(label),
                Cell.count(count),
                _hours(before),
                _hours(after),
                _hours(before - after),
                Cell.count(found["payments"]),
                _money(found["total"]),
                Cell.count(found["paid"]),
                _money(found["paid_pence"]),
                Cell.count(found["waiting"]),
                _money(found["waiting_pence"]),
                _money(found["reversed"]),
            )
        )
    total = rows[-1]
    commentary = [
        f"The council approved {_plural(int(total[1].value or 0), 'reduction')} in "
        f"{span.label}, releasing {total[4].text} hours of care a week.",
        f"They earned {_plural(int(total[5].value or 0), 'one-off payment')} totalling "
        f"{total[6].text}: {total[8].text} paid and {total[10].text} waiting to be paid.",
    ]
    return Section(
        key="hours-released-and-payments",
        title="Hours released and one-off payments",
        commentary=tuple(commentary),
        table=_figures(columns, rows),
        chart=_by_quarter(
            ChartKind.BARS,
            f"Weekly hours of care released by approved reductions, {span.label}",
            _categories(quarters),
            (
                Series(
                    "Weekly hours released",
                    tuple((hours[q][1] - hours[q][2]) / 60 for q in quarters),
                ),
            ),
            "Hours a week",
        ),
        notes=(
            "Hours released are the weekly hours of the lines each reduction replaced less "
            "those proposed in their place, for reductions approved in the quarter.",
            "Payments count in the quarter they were approved; cancelled payments are left "
            "out, and reversals of payments already exported are shown as reversed.",
        ),
    )


# ---------------------------------------------------------------------------------------
# Capacity by quadrant


@cache
def _capacity() -> Select[Any]:
    """Each month's returns and, by quadrant, spare weekly minutes and new packages the
    providers could start, over every provider's returns for the month."""
    returns = (
        select(CapacityReturn.month, func.count().label("returns"))
        .where(_days_in_span(CapacityReturn.month))
        .group_by(CapacityReturn.month)
        .subquery()
    )
    spare = CapacityByQuadrant.spare_weekly_minutes
    new = CapacityByQuadrant.new_packages
    quadrants = (
        select(
            CapacityReturn.month,
            *(
                func.coalesce(func.sum(spare).filter(CapacityByQuadrant.quadrant == q), 0).label(
                    f"spare_{q}"
                )
                for q in Quadrant
            ),
            func.coalesce(func.sum(new), 0).label("new"),
        )
        .join(CapacityByQuadrant, CapacityByQuadrant.return_id == CapacityReturn.id)
        .where(_days_in_span(CapacityReturn.month))
        .group_by(CapacityReturn.month)
        .subquery()
    )
    return (
        select(returns, *(c for c in quadrants.c if c.name != "month"))
        .outerjoin(quadrants, quadrants.c.month == returns.c.month)
        .order_by(returns.c.month)
    )


def capacity_by_quadrant(span: Span) -> Section:
    found = {row.month: row for row in _run(_capacity(), span)}
    columns = (
        "Month",
        *(f"{q.label} spare hours" for q in Quadrant),
        "Spare hours",
        "New packages possible",
        "Returns",
    )
    rows = []
    spare: dict[Quadrant, list[float | None]] = {q: [] for q in Quadrant}
    for month in span.months:
        row = found.get(month)
        by_quadrant = {q: int(getattr(row, f"spare_{q}") or 0) if row else 0 for q in Quadrant}
        for quadrant, minutes in by_quadrant.items():
            spare[quadrant].append(minutes / 60 if row else None)
        rows.append(
            (
                Cell.of(f"{month:%B %Y}"),
                *(_hours(by_quadrant[q]) for q in Quadrant),
                _hours(sum(by_quadrant.values())),
                Cell.count(int(row.new or 0) if row else 0),
                Cell.count(int(row.returns) if row else 0),
            )
        )
    reported = [row for row in rows if row[-1].value]
    if reported:
        latest = reported[-1]
        commentary: tuple[str, ...] = (
            f"In {latest[0].text}, {_plural(int(latest[-1].value or 0), 'provider')} "
            f"returned {latest[5].text} spare hours a week and room for "
            f"{_plural(int(latest[6].value or 0), 'new package')} within 7 days.",
        )
    else:
        commentary = (f"No capacity returns were handed in for {span.label}.",)
    return Section(
        key="capacity-by-quadrant",
        title="Spare capacity by quadrant",
        commentary=commentary,
        table=_figures(columns, rows),
        chart=Chart(
            ChartKind.STACKED,
            f"Spare weekly hours by quadrant each month, {span.label}",
            tuple(f"{month:%b}" for month in span.months),
            tuple(Series(q.label, tuple(spare[q])) for q in Quadrant),
            "Hours a week",
        ),
        notes=(
            "Spare hours are the weekly hours providers said they could take on, in the "
            "quadrant they named, from every capacity return for the month (an exited "
            "provider's included, for the months it returned).",
        ),
    )


# ---------------------------------------------------------------------------------------
# Returns completion by provider


def _progress_sums(by: Any) -> Select[Any]:
    """Outcome returns owed, handed in and handed in late in the span's quarters, grouped
    by ``by`` (from the returns progress figures kept as returns come in)."""
    return (
        select(
            by,
            func.sum(OutcomeProgress.owed).label("owed"),
            func.sum(OutcomeProgress.handed_in).label("handed_in"),
            func.sum(OutcomeProgress.late).label("late"),
        )
        .join(ReportingPeriod, ReportingPeriod.id == OutcomeProgress.period_id)
        .where(
            ReportingPeriod.kind == PeriodKind.OUTCOMES,
            _days_in_span(ReportingPeriod.start_date),
        )
        .group_by(by)
    )


@cache
def _outcome_completion() -> Subquery:
    """For each provider owing returns in the span."""
    return _progress_sums(OutcomeProgress.provider_id).subquery()


@cache
def _completion_by_quarter() -> Select[Any]:
    """Over every provider, for each of the span's quarters."""
    return _progress_sums(ReportingPeriod.start_date)


@cache
def _capacity_completion() -> Subquery:
    return (
        select(
            CapacityReturn.provider_id,
            func.count().label("returned"),
            func.count().filter(CapacityReturn.late.is_(True)).label("late"),
        )
        .where(_days_in_span(CapacityReturn.month))
        .group_by(CapacityReturn.provider_id)
        .subquery()
    )


@cache
def _completion() -> Select[Any]:
    """Both kinds of return beside each provider that owed or sent either, by name."""
    outcome, capacity = _outcome_completion(), _capacity_completion()
    return (
        select(
            Provider.name,
            outcome.c.owed,
            outcome.c.handed_in,
            outcome.c.late,
            capacity.c.returned,
            capacity.c.late.label("capacity_late"),
        )
        .outerjoin(outcome, outcome.c.provider_id == Provider.id)
        .outerjoin(capacity, capacity.c.provider_id == Provider.id)
        .where(or_(outcome.c.provider_id.is_not(None), capacity.c.provider_id.is_not(None)))
        .order_by(Provider.name)
    )


def returns_completion(span: Span) -> Section:
    columns = (
        "Provider",
        "Outcome returns owed",
        "On time",
        "Late",
        "Not handed in",
        "Share on time",
        "Capacity returns",
        "Capacity returns late",
    )
    rows = []
    totals = [0, 0, 0]
    for row in _run(_completion(), span):
        owed, handed_in, late = int(row.owed or 0), int(row.handed_in or 0), int(row.late or 0)
        totals = [totals[0] + owed, totals[1] + handed_in, totals[2] + late]
        rows.append(
            (
                Cell.of(row.name),
                Cell.count(owed),
                Cell.count(handed_in - late),
                Cell.count(late),
                Cell.count(owed - handed_in),
                _percent(whole_percent(handed_in - late, owed)),
                Cell.count(int(row.returned or 0)),
                Cell.count(int(row.capacity_late or 0)),
            )
        )
    owed, handed_in, late = totals
    if owed:
        commentary: tuple[str, ...] = (
            f"Providers owed {_plural(owed, 'outcome return')} for {span.label}: "
            f"{whole_percent(handed_in - late, owed)}% were handed in on time, "
            f"{whole_percent(late, owed)}% late and {whole_percent(owed - handed_in, owed)}% "
            "are not yet in.",
        )
    else:
        commentary = (f"No outcome returns were owed for {span.label}.",)
    quarters = _quarters(span)
    by_quarter = dict.fromkeys(quarters, (0, 0, 0))
    for row in _run(_completion_by_quarter(), span):
        owed_q, in_q, late_q = int(row.owed or 0), int(row.handed_in or 0), int(row.late or 0)
        by_quarter[_quarter_in_year(row.start_date)] = (in_q - late_q, late_q, owed_q - in_q)
    chart = _by_quarter(
        ChartKind.STACKED,
        f"Outcome returns owed{_each_quarter(span)}: on time, late and not handed in, {span.label}",
        _categories(quarters),
        tuple(
            Series(name, tuple(by_quarter[q][n] for q in quarters))
            for n, name in enumerate(("On time", "Late", "Not handed in"))
        ),
        "Returns",
    )
    return Section(
        key="returns-completion",
        title="Returns handed in, by provider",
        commentary=commentary,
        table=_figures(columns, rows),
        chart=chart,
        notes=(
            "Outcome returns are owed for each person a strategic-tier provider supported "
            "in the quarter; late means handed in after the quarter's due date. Not handed "
            "in includes returns for a quarter not yet due.",
            "Capacity returns count the months the provider sent one; late means after the "
            "month's window closed.",
        ),
    )


# ---------------------------------------------------------------------------------------
# Providers by CQC rating and QAF level


def _value_on(fact: RegisterFact, current: Any) -> Any:
    """A register fact's value on :day, from the dated history: the latest change in force
    by then; before the first change, the value that change started from; with no history,
    the value today."""
    day = bindparam("day", type_=Date)
    mine = and_(ProviderChange.provider_id == Provider.id, ProviderChange.fact == fact)
    in_force = and_(mine, ProviderChange.effective_on <= day)
    later = and_(mine, ProviderChange.effective_on > day)
    return case(
        (
            exists().where(in_force),
            select(ProviderChange.value_after)
            .where(in_force)
            .order_by(ProviderChange.effective_on.desc(), ProviderChange.id.desc())
            .limit(1)
            .scalar_subquery(),
        ),
        (
            exists().where(later),
            select(ProviderChange.value_before)
            .where(later)
            .order_by(ProviderChange.effective_on, ProviderChange.id)
            .limit(1)
            .scalar_subquery(),
        ),
        else_=cast(current, String),
    )


@cache
def _ratings() -> Select[Any]:
    """Providers on the register on :day and not exited, counted by their CQC rating and
    QAF level that day."""
    day = bindparam("day", type_=Date)
    registered = and_(
        ProviderChange.provider_id == Provider.id,
        ProviderChange.fact == RegisterFact.REGISTERED,
    )
    on_day = (
        select(
            _value_on(RegisterFact.CQC_RATING, Provider.cqc_rating).label("cqc"),
            _value_on(RegisterFact.QAF_LEVEL, Provider.qaf_level).label("qaf"),
            _value_on(RegisterFact.STATUS, Provider.status).label("status"),
        )
        .where(
            or_(
                exists().where(registered, ProviderChange.effective_on <= day),
                ~exists().where(registered),
            )
        )
        .subquery()
    )
    return (
        select(on_day.c.cqc, on_day.c.qaf, func.count().label("providers"))
        .where(or_(on_day.c.status.is_(None), on_day.c.status != ProviderStatus.EXITED.value))
        .group_by(on_day.c.cqc, on_day.c.qaf)
    )


NOT_ASSESSED = "Not assessed"


def providers_by_rating(span: Span) -> Section:
    day = min(span.last_day, today())
    counts: dict[tuple[str, str], int] = {}
    for row in _run(_ratings(), span, day=day):
        qaf = QafLevel(row.qaf).label if row.qaf else NOT_ASSESSED
        counts[(CqcRating(row.cqc).label, qaf)] = row.providers
    levels = [level.label for level in QafLevel] + [NOT_ASSESSED]
    ratings = [rating.label for rating in CqcRating]
    columns = (
        "CQC rating",
        *(f"QAF {level}" for level in levels[:-1]),
        "QAF not assessed",
        "Providers",
    )
    rows = []
    for rating in ratings:
        figures = [counts.get((rating, level), 0) for level in levels]
        rows.append((Cell.of(rating), *(Cell.count(n) for n in figures), Cell.count(sum(figures))))
    every = [sum(counts.get((r, level), 0) for r in ratings) for level in levels]
    rows.append((Cell.of("All ratings"), *(Cell.count(n) for n in every), Cell.count(sum(every))))
    total = sum(every)
    good = sum(counts.get((r, level), 0) for r in ratings[:2] for level in levels)
    commentary = (
        f"On {format_date(day)}, {_plural(total, 'provider was', 'providers were')} on the "
        f"register; {whole_percent(good, total) or 0}% were rated good or outstanding by the CQC.",
    )
    return Section(
        key="providers-by-rating",
        title="Providers by CQC rating and QAF level",
        commentary=commentary,
        table=_figures(columns, rows),
        chart=Chart(
            ChartKind.STACKED,
            f"Providers by CQC rating, split by QAF level, on {format_date(day)}",
            tuple(ratings),
            tuple(
                Series(level, tuple(counts.get((r, level), 0) for r in ratings)) for level in levels
            ),
            "Providers",
        ),
        notes=(
            f"Ratings and levels are those the register's history gives for {format_date(day)}; "
            "a provider whose rating was never changed in the portal is counted at the rating "
            "it has today. Providers that had left the contract by then are not counted.",
        ),
    )


def build(span: Span) -> Sequence[Section]:
    """The contract sections for the span, in the committee report's order."""
    return (
        table_f_by_quarter(span),
        recommendations(span),
        hours_and_payments(span),
        capacity_by_quadrant(span),
        returns_completion(span),
        providers_by_rating(span),
    )
