"""The equalities monitoring councils are asked for: the people supported and the Table F
outcome results by age band, by sex and by ethnicity, where the case system's extract holds
them.

Two grouped statements serve all three sections: the people supported in the span by
(age band, sex, ethnicity), and the span's handed-in outcome returns by the same and by
outcome; each section adds those rows up by one of the three.

Small groups are suppressed so nobody can be picked out: a count below ``SMALLEST_GROUP``
shows "Fewer than 10" (and no value in the CSV), and when a column would have only one
such figure, the next smallest is withheld too, so the hidden one cannot be worked back
from the total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from portal.common.dates import format_date
from portal.council.models import CouncilSettings
from portal.extensions import db
from portal.outcomes.measures import OUTCOMES, MeasureResult
from portal.outcomes.models import (
    HANDED_IN,
    OutcomeAnswer,
    OutcomeReturn,
    PeriodKind,
    ReportingPeriod,
)
from portal.outcomes.table_f import whole_percent
from portal.providers.equalities import Ethnicity, Sex
from portal.providers.models import PackageLine, ServiceUser
from portal.reports.packages import figures_table, through
from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Span
from portal.reports.stored import Window, quarterly
from portal.reports.stored import figures as stored_figures

# Counts below this are not shown: the convention for publishing figures about people.
SMALLEST_GROUP = 10
FEWER = f"Fewer than {SMALLEST_GROUP}"
WITHHELD = "Not shown"
NOT_RECORDED = "Not recorded"

# Age bands: (name, the youngest age in the band), oldest first, as the SQL tests them.
AGE_BANDS = (
    ("85 and over", 85),
    ("75 to 84", 75),
    ("65 to 74", 65),
    ("18 to 64", 18),
    ("Under 18", 0),
)
AGE_ORDER = ("Under 18", "18 to 64", "65 to 74", "75 to 84", "85 and over", NOT_RECORDED)
# Shown even when nobody is in them; the others only when someone is.
AGE_ALWAYS = ("18 to 64", "65 to 74", "75 to 84", "85 and over")


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _age_band(on: dt.date) -> Any:
    """The person's age band on ``on``, in SQL: born on or before the day ``n`` years
    earlier means ``n`` or older, so no date arithmetic is needed in the database."""
    return case(
        (ServiceUser.date_of_birth.is_(None), literal(NOT_RECORDED)),
        *[
            (ServiceUser.date_of_birth <= _years_before(on, youngest), literal(name))
            for name, youngest in AGE_BANDS[:-1]
        ],
        else_=literal(AGE_BANDS[-1][0]),
    )


# A group in one of the three: (0 for age band, 1 for sex, 2 for ethnicity; its value).
Group = tuple[int, str | None]


@dataclass(frozen=True)
class Figures:
    """The grouped counts the three sections share."""

    on: dt.date
    # (age band, sex, ethnicity) -> people supported
    people: dict[tuple[str, str | None, str | None], int]
    # group -> outcome returns handed in
    returns: dict[Group, int]
    # (group, outcome) -> (met, sample)
    outcomes: dict[tuple[Group, int], tuple[int, int]]
    # The council's smallest sample worth comparing: the commentary compares no smaller.
    smallest_comparable: int = 1


def _part(group: Group, code: str) -> str:
    """A stored number's part: "1|female|returns", "0|75 to 84|o3:met"."""
    return f"{group[0]}|{group[1] or ''}|{code}"


def _group_and_code(part: str) -> tuple[Group, str]:
    index, value, code = part.split("|", 2)
    return (int(index), value or None), code


@quarterly("equalities.outcomes")
def _count_outcomes(quarters: Sequence[Window]) -> dict[int, dict[str, int]]:
    """For each outcome quarter, the returns handed in for it and, for each outcome, how
    many met it and its sample, by age band (on the quarter's last day), by sex and by
    ethnicity: three groupings of one grouped statement a quarter."""
    found: dict[int, dict[str, int]] = {}
    connection = db.session.connection()
    for n, quarter in enumerate(quarters):
        parts: dict[str, int] = defaultdict(int)
        for band_, sex, ethnicity, count, *figures_ in connection.execute(
            _returns_statement(quarter)
        ):
            for group in ((0, band_), (1, _value(sex)), (2, _value(ethnicity))):
                parts[_part(group, "returns")] += int(count)
                for index, outcome in enumerate(OUTCOMES):
                    met, sample = figures_[2 * index : 2 * index + 2]
                    parts[_part(group, f"o{outcome.number}:met")] += int(met or 0)
                    parts[_part(group, f"o{outcome.number}:sample")] += int(sample or 0)
        found[n] = dict(parts)
    return found


def _returns_statement(quarter: Window) -> Any:
    """The quarter's handed-in returns by (age band, sex, ethnicity): how many, and for each
    outcome how many met it and how many it applied to."""
    groups = (_age_band(quarter.last).label("band"), ServiceUser.sex, ServiceUser.ethnicity)
    period = select(ReportingPeriod.id).where(
        ReportingPeriod.kind == PeriodKind.OUTCOMES,
        ReportingPeriod.start_date == quarter.first,
    )
    # Each handed-in return's answers added up by outcome in one pass over them (grouped by
    # the return alone, not by outcome too): for each outcome, the measures that applied and
    # those met. An outcome is met for a return when every measure under it that applied
    # was met; a return where none applied is not in its sample (as Table F counts).
    sums = []
    for outcome in OUTCOMES:
        under = OutcomeAnswer.measure.in_([measure.code for measure in outcome.measures])
        applies = and_(under, OutcomeAnswer.result != MeasureResult.NOT_APPLICABLE)
        met = and_(under, OutcomeAnswer.result == MeasureResult.MET)
        sums += [
            func.sum(case((applies, 1), else_=0)).label(f"applied_{outcome.number}"),
            func.sum(case((met, 1), else_=0)).label(f"met_{outcome.number}"),
        ]
    per_return = (
        select(OutcomeReturn.service_user_id, *sums)
        .select_from(OutcomeReturn)
        .outerjoin(OutcomeAnswer, OutcomeAnswer.return_id == OutcomeReturn.id)
        .where(
            OutcomeReturn.status.in_(HANDED_IN),
            OutcomeReturn.period_id == period.scalar_subquery(),
        )
        .group_by(OutcomeReturn.id, OutcomeReturn.service_user_id)
        .subquery()
    )
    tallies = []
    for outcome in OUTCOMES:
        applied = per_return.c[f"applied_{outcome.number}"]
        met_ = per_return.c[f"met_{outcome.number}"]
        tallies += [
            func.sum(case((and_(applied > 0, met_ == applied), 1), else_=0)),
            func.sum(case((applied > 0, 1), else_=0)),
        ]
    return (
        select(*groups, func.count(), *tallies)
        .select_from(per_return)
        .join(ServiceUser, ServiceUser.id == per_return.c.service_user_id)
        .group_by(*groups)
    )


def figures(span: Span) -> Figures:
    on = through(span)
    band = _age_band(on).label("band")
    groups = (band, ServiceUser.sex, ServiceUser.ethnicity)
    supported = (
        select(PackageLine.service_user_id)
        .where(
            PackageLine.start_date <= on,
            or_(PackageLine.end_date.is_(None), PackageLine.end_date >= span.first_day),
        )
        .distinct()
        .subquery()
    )
    people_statement = (
        select(*groups, func.count())
        .select_from(supported)
        .join(ServiceUser, ServiceUser.id == supported.c.service_user_id)
        .group_by(*groups)
    )
    quarters = [
        Window(first, last)
        for first, last in db.session.execute(
            select(ReportingPeriod.start_date, ReportingPeriod.end_date)
            .where(
                ReportingPeriod.kind == PeriodKind.OUTCOMES,
                ReportingPeriod.start_date >= span.first_day,
                ReportingPeriod.start_date <= span.last_day,
            )
            .order_by(ReportingPeriod.start_date)
        )
    ]
    returns: dict[Group, int] = defaultdict(int)
    sums: dict[tuple[Group, int], list[int]] = defaultdict(lambda: [0, 0])
    for parts in stored_figures("equalities.outcomes", quarters):
        for part, value in parts.items():
            group, code = _group_and_code(part)
            if code == "returns":
                returns[group] += value
            else:
                outcome, which = code[1:].split(":")
                sums[(group, int(outcome))][0 if which == "met" else 1] += value
    connection = db.session.connection()
    return Figures(
        on=on,
        smallest_comparable=int(
            connection.scalar(
                select(CouncilSettings.smallest_comparable_sample).where(CouncilSettings.id == 1)
            )
            or 1
        ),
        people={
            (band_, _value(sex), _value(ethnicity)): int(n)
            for band_, sex, ethnicity, n in connection.execute(people_statement)
        },
        returns=dict(returns),
        outcomes={key: (met, sample) for key, (met, sample) in sums.items()},
    )


def _value(member: Any) -> str | None:
    """An enum column's stored value (SQLite and PostgreSQL may hand back either)."""
    return None if member is None else str(getattr(member, "value", member))


# Suppression ------------------------------------------------------------------------------


def hidden(
    counts: Sequence[int],
    *,
    already: Sequence[str | None] = (),
    smallest: int = SMALLEST_GROUP,
) -> list[str | None]:
    """For each count in a column, why it is not shown: FEWER for a count of 1 to
    ``smallest - 1``, the reason given in ``already`` (a figure about a group whose people
    are not shown), or WITHHELD for one hidden so that a single hidden figure cannot be
    worked out by taking the others from the total; None for a count shown. Zero is shown:
    it is nobody."""
    given = list(already) or [None] * len(counts)
    reasons: list[str | None] = [
        given[i] or (FEWER if 0 < count < smallest else None) for i, count in enumerate(counts)
    ]
    if sum(reason is not None for reason in reasons) == 1:
        others = [i for i, count in enumerate(counts) if reasons[i] is None and count > 0]
        if others:
            reasons[min(others, key=lambda i: (counts[i], i))] = WITHHELD
    return reasons


def _cell(count: int, reason: str | None) -> Cell:
    return Cell(reason, None) if reason else Cell.count(count)


def _percent_cell(value: int | None, reason: str | None) -> Cell:
    if reason:
        return Cell(reason, None)
    return Cell("" if value is None else f"{value}%", value)


# Sections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str  # "age band"
    pick: Callable[[tuple[Any, ...]], str]  # a group's name from (band, sex, ethnicity)
    order: Callable[[list[str]], list[str]]
    chart: bool
    index: int  # which of the three it is

    def name(self, value: str | None) -> str:
        """A group's name from its value in this dimension."""
        key: list[Any] = [None, None, None]
        key[self.index] = value
        return self.pick(tuple(key))


def _ordered(names: Sequence[str]) -> Callable[[list[str]], list[str]]:
    rank = {name: index for index, name in enumerate(names)}
    return lambda found: sorted(found, key=lambda name: rank.get(name, len(rank)))


def _recorded(
    title: str, index: int, categories: type[Sex] | type[Ethnicity], *, chart: bool
) -> Dimension:
    """A dimension the case system records in one of its categories, or not at all."""
    labels = {member.value: member.label for member in categories}

    def pick(key: tuple[Any, ...]) -> str:
        return NOT_RECORDED if key[index] is None else labels[key[index]]

    return Dimension(
        f"equalities-{title}",
        title,
        pick,
        _ordered([*labels.values(), NOT_RECORDED]),
        chart,
        index,
    )


DIMENSIONS = (
    Dimension(
        "equalities-age",
        "age band",
        lambda key: key[0],
        lambda found: [n for n in AGE_ORDER if n in found or n in AGE_ALWAYS],
        True,
        0,
    ),
    _recorded("sex", 1, Sex, chart=True),
    _recorded("ethnicity", 2, Ethnicity, chart=False),
)

OUTCOME_NUMBERS = tuple(outcome.number for outcome in OUTCOMES)


def equalities(span: Span) -> list[Section]:
    """People supported and Table F's outcomes by age band, sex and ethnicity."""
    found = figures(span)
    return [_section(span, found, dimension) for dimension in DIMENSIONS]


def _section(span: Span, found: Figures, dimension: Dimension) -> Section:
    people: dict[str, int] = defaultdict(int)
    returns: dict[str, int] = defaultdict(int)
    outcomes: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for key, count in found.people.items():
        people[dimension.pick(key)] += count
    for (index, value), count in found.returns.items():
        if index == dimension.index:
            returns[dimension.name(value)] += count
    for ((index, value), number), (met, sample) in found.outcomes.items():
        if index == dimension.index:
            tally = outcomes[(dimension.name(value), number)]
            tally[0] += met
            tally[1] += sample
    names = dimension.order(sorted(set(people) | set(returns)))
    total_people = sum(people.values())
    total_returns = sum(returns.values())
    people_hidden = _hidden_with_total([people[n] for n in names], total_people)
    # A group whose people are not shown has none of its figures shown.
    returns_hidden = hidden([returns[n] for n in names], already=people_hidden)
    shares: dict[tuple[str, int], tuple[int | None, str | None]] = {}
    for number in OUTCOME_NUMBERS:
        samples = [outcomes[(n, number)][1] for n in names]
        reasons = hidden(samples, already=returns_hidden)
        for index, name in enumerate(names):
            met, sample = outcomes[(name, number)]
            shares[(name, number)] = (whole_percent(met, sample), reasons[index])
    rows = []
    for index, name in enumerate(names):
        rows.append(
            (
                Cell.of(name),
                _cell(people[name], people_hidden[index]),
                _percent_cell(whole_percent(people[name], total_people), people_hidden[index]),
                _cell(returns[name], returns_hidden[index]),
                *(_percent_cell(*shares[(name, number)]) for number in OUTCOME_NUMBERS),
            )
        )
    overall = {
        number: whole_percent(
            sum(outcomes[(n, number)][0] for n in names),
            sum(outcomes[(n, number)][1] for n in names),
        )
        for number in OUTCOME_NUMBERS
    }
    too_few = 0 < total_people < SMALLEST_GROUP
    rows.append(
        (
            Cell.of("All people"),
            _cell(total_people, FEWER if too_few else None),
            _percent_cell(100 if total_people else None, FEWER if too_few else None),
            _cell(total_returns, FEWER if 0 < total_returns < SMALLEST_GROUP else None),
            *(
                _percent_cell(
                    overall[number], FEWER if 0 < total_returns < SMALLEST_GROUP else None
                )
                for number in OUTCOME_NUMBERS
            ),
        )
    )
    table = figures_table(
        (
            dimension.title.capitalize(),
            "People supported",
            "Share of people",
            "Outcome returns",
            *(f"Outcome {number} met" for number in OUTCOME_NUMBERS),
        ),
        rows,
    )
    # A group with every figure suppressed has nothing to draw: its row in the table says
    # why; with none left to draw there is no chart.
    drawn = tuple(
        Series(
            name,
            tuple(
                None if shares[(name, number)][1] else shares[(name, number)][0]
                for number in OUTCOME_NUMBERS
            ),
        )
        for name in names
        if any(not shares[(name, number)][1] for number in OUTCOME_NUMBERS) and returns[name]
    )
    chart = None
    if dimension.chart and total_returns and drawn:
        chart = Chart(
            ChartKind.BARS,
            f"Share of outcome returns meeting each outcome by {dimension.title}, {span.label}",
            tuple(f"Outcome {number}" for number in OUTCOME_NUMBERS),
            drawn,
            "Percent of returns",
            percent=True,
        )
    return Section(
        dimension.key,
        f"People supported and outcomes by {dimension.title}",
        tuple(
            _commentary(
                span,
                dimension,
                names,
                people,
                people_hidden,
                {
                    key: share
                    for key, share in shares.items()
                    if outcomes[key][1] >= found.smallest_comparable
                },
                total_returns,
            )
        ),
        table,
        chart,
        _notes(span, found.on, dimension),
    )


def _hidden_with_total(counts: list[int], total: int) -> list[str | None]:
    """A column's reasons, every figure hidden when even the total is a small group."""
    if 0 < total < SMALLEST_GROUP:
        return [FEWER if count else None for count in counts]
    return hidden(counts)


def _commentary(
    span: Span,
    dimension: Dimension,
    names: list[str],
    people: dict[str, int],
    people_hidden: list[str | None],
    shares: dict[tuple[str, int], tuple[int | None, str | None]],
    returns: int,
) -> list[str]:
    total = sum(people.values())
    shown = [(people[n], n) for i, n in enumerate(names) if not people_hidden[i] and people[n]]
    if not total:
        return [f"Nobody was supported in {span.label}."]
    if shown and len(people) == 1 and NOT_RECORDED in people:
        return [f"The case system's extract records nobody's {dimension.title}."]
    sentences = []
    if shown:
        count, name = max(shown)
        sentences.append(
            f"Of the {total:,} people supported in {span.label}, the largest group by "
            f"{dimension.title} was {name}: {count:,} people ({whole_percent(count, total)}%)."
        )
    if not returns:
        sentences.append(f"No outcome returns for {span.label} have been handed in yet.")
    # Only groups whose samples are large enough to compare (the council's setting).
    widest: tuple[int, int, str, int, str, int] | None = None
    for number in OUTCOME_NUMBERS:
        visible = [
            (share, name)
            for name in names
            if name != NOT_RECORDED
            if (name, number) in shares
            for share, reason in [shares[(name, number)]]
            if share is not None and not reason
        ]
        if len(visible) < 2:
            continue
        (low, low_name), (high, high_name) = min(visible), max(visible)
        if widest is None or high - low > widest[0]:
            widest = (high - low, number, high_name, high, low_name, low)
    if widest is not None and widest[0] > 0:
        _, number, high_name, high, low_name, low = widest
        sentences.append(
            f"The widest difference between groups was in outcome {number}: met in {high}% "
            f"of returns for {high_name} against {low}% for {low_name}."
        )
    return sentences


def _notes(span: Span, on: dt.date, dimension: Dimension) -> tuple[str, ...]:
    outcomes = "; ".join(f"{o.number}: {o.text[0].lower()}{o.text[1:]}" for o in OUTCOMES)
    notes = [
        f"People supported are everyone with a package line open on any day from "
        f"{format_date(span.first_day)} to {format_date(on)}; outcome returns are those "
        f"submitted or accepted for the quarters of {span.label}, so a person can have a "
        "return for each quarter.",
        "An outcome is met in a return when every measure under it that applied was met; "
        f"returns where none applied are left out of that outcome's share. Outcomes: {outcomes}.",
        f"Small groups are suppressed: a count of fewer than {SMALLEST_GROUP} people or returns "
        f"shows as \u201c{FEWER}\u201d, with no figure in the download. Where only one figure "
        f"in a column would be suppressed, the next smallest is \u201c{WITHHELD}\u201d too, so "
        "the suppressed figure cannot be worked out from the total.",
    ]
    if dimension.key == "equalities-age":
        notes.insert(
            0,
            f"The people supported are counted by their age on {format_date(on)}; outcome "
            "returns by the person's age on the last day of the return's quarter.",
        )
    else:
        notes.insert(
            0,
            f"{dimension.title.capitalize()} is as the council's case system records it (the NHS "
            "Data Dictionary's categories); Not recorded means the extract did not hold it.",
        )
    return tuple(notes)
