"""The dashboard's package sections: the committee report's Tables B, D and E, the average
hourly rate and weekly hours, and double-handed care.

Every figure is counted from the package lines in SQL, a grouped statement or two a
section: the months (or month ends) of the span are a small table of dates the lines are
joined to, so a year is one statement rather than one a month. A month still running is
counted up to today, and a month not yet begun has no figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
    Integer,
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)

from portal.common.dates import format_date, today
from portal.common.money import divide_round_half_up, format_pence
from portal.common.sql_dates import days_from
from portal.extensions import db
from portal.outcomes.table_f import whole_percent
from portal.providers.enums import ContractType, RegisterFact
from portal.providers.models import PackageLine, Provider, ProviderChange, contract_parts
from portal.providers.queries import weekly_minutes_expression
from portal.reports.sections import Cell, Chart, ChartKind, Section, Series, Span, Table
from portal.reports.stored import Window, figures, monthly

# The commissioning strategy's aim: the Patch providers take 60 to 70% of all packages. A
# constant rather than a council setting: it is the strategy the contracts were let under,
# and a different one would be a different contract.
PATCH_TARGET = (60, 70)

# Table D's lengths, in days a line ran: under 60 days, 2 to 6 months (to 182 days), 6 to
# 12 months (to 365 days), over 12 months.
DURATIONS = (
    ("Under 60 days", 60),
    ("2 to 6 months", 183),
    ("6 to 12 months", 366),
    ("Over 12 months", None),
)
YEAR_DAYS = 365


def through(span: Span) -> dt.date:
    """The last day the span's figures run to: its last day, or today if it is running."""
    return min(span.last_day, today())


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _year_before(day: dt.date) -> dt.date:
    return (
        day.replace(year=day.year - 1)
        if (day.month, day.day) != (2, 29)
        else day - dt.timedelta(days=366)
    )


def windows(span: Span) -> list[Window]:
    """The span's months that have begun, the running one cut at today."""
    end = through(span)
    return [Window(first, min(_month_end(first), end)) for first in span.months if first <= end]


def calendar(days: Sequence[tuple[dt.date, dt.date]]) -> CTE:
    """A small table of (n, first, last) date pairs to join lines to."""
    rows = [
        select(
            literal(n, Integer).label("n"),
            literal(first, Date).label("first"),
            literal(last, Date).label("last"),
        )
        for n, (first, last) in enumerate(days)
    ]
    return union_all(*rows).cte("calendar")


def open_between(calendar_: CTE) -> Any:
    """A line is open in a window when it starts by its last day and ends on or after its
    first day (or has not ended)."""
    return and_(
        PackageLine.start_date <= calendar_.c.last,
        or_(PackageLine.end_date.is_(None), PackageLine.end_date >= calendar_.c.first),
    )


def figures_table(columns: tuple[str, ...], rows: Sequence[tuple[Cell, ...]]) -> Table:
    """A table whose first column names each row and whose others hold figures."""
    return Table(columns, tuple(rows), numeric=(False, *(True for _ in columns[1:])))


def one_line(
    title: str, categories: Sequence[str], series: Series, axis: str, **extra: Any
) -> Chart | None:
    """A line chart of one series over the months (none before the span has begun)."""
    if not categories:
        return None
    return Chart(ChartKind.LINES, title, tuple(categories), (series,), axis, **extra)


def _rows(statement: Any) -> list[Any]:
    # Through the connection: plain rows, without the ORM's loading machinery.
    return list(db.session.connection().execute(statement))


def percent_text(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _change(now: int, before: int) -> str:
    """'2% more than', 'about the same as', '3% fewer than'; '' with nothing before."""
    if before == 0:
        return ""
    change = whole_percent(abs(now - before), before) or 0
    if change == 0:
        return "about the same as"
    return f"{change}% {'more' if now > before else 'fewer'} than"


# Table B ----------------------------------------------------------------------------------


@monthly("packages.people_and_lines")
def _count_people_and_lines(months: Sequence[Window]) -> dict[int, dict[str, int]]:
    """People with a line open in each window, and the lines open."""
    dates = calendar([(w.first, w.last) for w in months])
    statement = (
        select(
            dates.c.n,
            func.count(distinct(PackageLine.service_user_id)),
            func.count(PackageLine.id),
        )
        .select_from(dates)
        .outerjoin(PackageLine, open_between(dates))
        .group_by(dates.c.n)
    )
    return {
        int(n): {"people": int(people), "lines": int(lines)}
        for n, people, lines in _rows(statement)
    }


def people_and_lines(span: Span) -> list[Section]:
    """Table B: people supported and package lines open each month, beside the same months
    of the year before, and the average a month."""
    months = windows(span)
    earlier = [Window(_year_before(w.first), _year_before(w.last)) for w in months]
    found = figures("packages.people_and_lines", months + earlier)
    counts = {n: (parts.get("people", 0), parts.get("lines", 0)) for n, parts in enumerate(found)}
    now = [counts.get(n, (0, 0)) for n in range(len(months))]
    before = [counts.get(len(months) + n, (0, 0)) for n in range(len(months))]
    label, previous = (
        span.year.label,
        f"{span.year.start_year - 1}/{str(span.year.start_year)[-2:]}",
    )
    rows = [
        (
            Cell.of(f"{w.first:%B}"),
            Cell.count(now[i][0]),
            Cell.count(before[i][0]),
            Cell.count(now[i][1]),
            Cell.count(before[i][1]),
        )
        for i, w in enumerate(months)
    ]
    commentary: list[str] = []
    if months:
        average = [divide_round_half_up(sum(c[k] for c in now), len(months)) for k in (0, 1)]
        average_before = [
            divide_round_half_up(sum(c[k] for c in before), len(months)) for k in (0, 1)
        ]
        rows.append(
            (
                Cell.of("Average a month"),
                Cell.count(average[0]),
                Cell.count(average_before[0]),
                Cell.count(average[1]),
                Cell.count(average_before[1]),
            )
        )
        sentence = (
            "An average of 1 person was supported each month"
            if average[0] == 1
            else f"An average of {average[0]:,} people were supported each month"
        )
        change = _change(average[0], average_before[0])
        commentary.append(
            f"{sentence}, {change} in the same months of {previous}."
            if change
            else f"{sentence}; there are no figures for the same months of {previous}."
        )
        busiest = max(range(len(months)), key=lambda i: (now[i][0], i))
        commentary.append(
            f"The most people supported in a month was {now[busiest][0]:,}, in "
            f"{months[busiest].first:%B %Y}, on {now[busiest][1]:,} package lines."
        )
    else:
        commentary.append(f"{span.label} has not started yet.")
    notes = [
        "A person is counted as supported in a month when any of their package lines is "
        "open on any day of it; a line is counted in every month it is open.",
        f"The {previous} columns are the same months a year earlier, and the averages are "
        "over the months shown.",
    ]
    if months and months[-1].last < _month_end(months[-1].first):
        notes.append(f"{months[-1].first:%B %Y} is counted up to {format_date(months[-1].last)}.")
    chart = None
    if months:
        chart = Chart(
            ChartKind.BARS,
            f"People supported each month, {label} and {previous}",
            tuple(f"{w.first:%b}" for w in months),
            (
                Series(label, tuple(c[0] for c in now)),
                Series(previous, tuple(c[0] for c in before)),
            ),
            "People",
        )
    table = figures_table(
        (
            "Month",
            f"People supported {label}",
            f"People supported {previous}",
            f"Package lines {label}",
            f"Package lines {previous}",
        ),
        rows,
    )
    return [
        Section(
            "people-supported",
            "People supported and package lines each month (Table B)",
            tuple(commentary),
            table,
            chart if months else None,
            tuple(notes),
        )
    ]


# Table D ----------------------------------------------------------------------------------


def _band(length: Any) -> Any:
    """The index of the DURATIONS band a length in days falls in."""
    whens = [(length < limit, index) for index, (_, limit) in enumerate(DURATIONS) if limit]
    return case(*whens, else_=len(DURATIONS) - 1)


@monthly("packages.durations")
def _count_durations(months: Sequence[Window]) -> dict[int, dict[str, int]]:
    """For each window, the lines that ended in it by how long they ran ("ended:0" is the
    first of DURATIONS), and those open on its last day and after by how long they had
    been open by then ("open:0")."""
    dates = calendar([(w.first, w.last) for w in months])
    ended_in = and_(PackageLine.end_date >= dates.c.first, PackageLine.end_date <= dates.c.last)
    still_open = and_(
        PackageLine.start_date <= dates.c.last,
        or_(PackageLine.end_date.is_(None), PackageLine.end_date > dates.c.last),
    )
    ended = case((ended_in, 1), else_=0)
    last_day = case((ended_in, PackageLine.end_date), else_=dates.c.last)
    band = _band(days_from(PackageLine.start_date, last_day) + 1)
    statement = (
        select(dates.c.n, ended.label("ended"), band.label("band"), func.count())
        .select_from(dates)
        .join(PackageLine, or_(ended_in, still_open))
        .group_by(dates.c.n, ended, band)
    )
    found: dict[int, dict[str, int]] = {}
    for n, was_ended, index, count in _rows(statement):
        found.setdefault(int(n), {})[f"{'ended' if was_ended else 'open'}:{int(index)}"] = int(
            count
        )
    return found


def durations(span: Span) -> list[Section]:
    """Table D: how long package lines ran. Lines that ended in the span by their whole
    length, and lines still open after it by their length so far, as two columns."""
    end = through(span)
    months = windows(span)
    begun = bool(months)
    found = figures("packages.durations", months)
    counts: dict[tuple[int, int], int] = {}
    for i in range(len(DURATIONS)):
        counts[(1, i)] = sum(parts.get(f"ended:{i}", 0) for parts in found)
        counts[(0, i)] = found[-1].get(f"open:{i}", 0) if found else 0
    ended_counts = [counts.get((1, i), 0) for i in range(len(DURATIONS))]
    open_counts = [counts.get((0, i), 0) for i in range(len(DURATIONS))]
    on = format_date(end)
    rows = [
        (
            Cell.of(name),
            Cell.count(ended_counts[i]),
            Cell.count(open_counts[i]),
        )
        for i, (name, _) in enumerate(DURATIONS)
    ]
    rows.append(
        (Cell.of("All lengths"), Cell.count(sum(ended_counts)), Cell.count(sum(open_counts)))
    )
    commentary = []
    if not begun:
        commentary.append(f"{span.label} has not started yet.")
    elif sum(ended_counts):
        short = ended_counts[0]
        commentary.append(
            f"Of the {sum(ended_counts):,} package lines that ended in {span.label}, "
            f"{short:,} ({whole_percent(short, sum(ended_counts))}%) had run for under 60 days."
        )
    else:
        commentary.append(f"No package lines ended in {span.label}.")
    if sum(open_counts):
        long = open_counts[-1]
        commentary.append(
            f"Of the {sum(open_counts):,} lines still open on {on}, {long:,} "
            f"({whole_percent(long, sum(open_counts))}%) had been open for over 12 months."
        )
    table = figures_table(
        ("Length of the line", f"Lines that ended in {span.label}", f"Lines open on {on}"),
        rows,
    )
    chart = Chart(
        ChartKind.BARS,
        f"Package lines by length, {span.label}",
        tuple(name for name, _ in DURATIONS),
        (
            Series(f"Ended in {span.label}", tuple(ended_counts)),
            Series(f"Open on {on}", tuple(open_counts)),
        ),
        "Package lines",
    )
    notes = (
        f"Lines that ended between {format_date(span.first_day)} and {on} are counted by how "
        f"long they ran, first day to last; lines open on {on} and after it by how long they "
        "had been open by then. A line that ended on that day is counted as ended.",
        "Under 60 days is up to 59 days; 2 to 6 months is 60 to 182 days; 6 to 12 months is "
        "183 to 365 days; over 12 months is 366 days or more.",
        "Each person may have several lines of care: a change to a package ends one line and "
        "starts another, so a short line is not always a short package.",
    )
    return [
        Section(
            "package-durations",
            "How long package lines ran (Table D)",
            tuple(commentary),
            table,
            chart if begun else None,
            notes,
        )
    ]


# Table E ----------------------------------------------------------------------------------

CONTRACT_ORDER = (
    ContractType.PATCH,
    ContractType.FRAMEWORK,
    ContractType.SPOT,
    ContractType.LEGACY,
)


def _contract_change(column: Any, *, on_or_before: Any, after: Any = None) -> Any:
    """The provider's contract from its latest change on or before a day (``on_or_before``)
    or its first change after one (``after``)."""
    statement = select(column).where(
        ProviderChange.provider_id == Provider.id,
        ProviderChange.fact == RegisterFact.CONTRACT,
    )
    if on_or_before is not None:
        statement = statement.where(ProviderChange.effective_on <= on_or_before).order_by(
            ProviderChange.effective_on.desc(), ProviderChange.id.desc()
        )
    else:
        statement = statement.where(ProviderChange.effective_on > after).order_by(
            ProviderChange.effective_on, ProviderChange.id
        )
    return statement.limit(1).scalar_subquery()


@monthly("packages.contract_types")
def _count_contract_types(months: Sequence[Window]) -> dict[int, dict[str, int]]:
    """Packages open on each window's last day, by the contract their provider held that
    day as the register's history keeps it ("patch:east", "framework")."""
    dates = calendar([(w.last, w.last) for w in months])
    # Each provider's contract on each day, from the register's history: the latest
    # change by then, or the one before the first change after it, or what it has now.
    contracts = (
        select(
            dates.c.n,
            Provider.id.label("provider_id"),
            func.coalesce(
                _contract_change(ProviderChange.value_after, on_or_before=dates.c.last),
                _contract_change(
                    ProviderChange.value_before, on_or_before=None, after=dates.c.last
                ),
                type_coerce(Provider.contract_type, String),
            ).label("contract"),
        )
        .select_from(dates)
        .join(Provider, true())
        # Worked out once a provider a day, not once a line.
        .cte("contracts")
        .prefix_with("MATERIALIZED")
    )
    packages = (
        select(
            dates.c.n,
            contracts.c.contract,
            PackageLine.service_user_id,
            PackageLine.provider_id,
        )
        .select_from(dates)
        .join(PackageLine, open_between(dates))
        .join(
            contracts,
            and_(
                contracts.c.n == dates.c.n,
                contracts.c.provider_id == PackageLine.provider_id,
            ),
        )
        .distinct()
        .subquery()
    )
    statement = select(packages.c.n, packages.c.contract, func.count()).group_by(
        packages.c.n, packages.c.contract
    )
    found: dict[int, dict[str, int]] = {}
    for n, contract, count in _rows(statement):
        found.setdefault(int(n), {})[str(contract)] = int(count)
    return found


def contract_types(span: Span) -> list[Section]:
    """Table E: packages by the provider's contract type at the end of each month, and the
    Patch share against the target."""
    months = windows(span)
    days = [w.last for w in months]
    counts: dict[tuple[int, str], int] = {}
    for n, parts in enumerate(figures("packages.contract_types", months)):
        for contract, count in parts.items():
            # A contract as the history keeps it: "patch:east", "framework".
            key = (n, contract_parts(contract)[0].value)
            counts[key] = counts.get(key, 0) + count
    rows = []
    shares: list[int | None] = []
    for n, day in enumerate(days):
        by_type = [counts.get((n, kind.value), 0) for kind in CONTRACT_ORDER]
        total = sum(by_type)
        share = whole_percent(by_type[0], total)
        shares.append(share)
        rows.append(
            (
                Cell(format_date(day), day.isoformat()),
                *(Cell.count(c) for c in by_type),
                Cell.count(total),
                Cell(percent_text(share), share),
            )
        )
    low, high = PATCH_TARGET
    commentary = []
    if days and rows:
        last = [counts.get((len(days) - 1, kind.value), 0) for kind in CONTRACT_ORDER]
        total = sum(last)
        share = shares[-1]
        if total:
            place = "below" if (share or 0) < low else "above" if (share or 0) > high else "within"
            commentary.append(
                f"On {format_date(days[-1])}, {last[0]:,} of {total:,} packages "
                f"({share}%) were with Patch providers, {place} the {low} to {high}% target."
            )
            outside = last[2] + last[3]
            framework = f"Framework providers held {last[1]:,} ({whole_percent(last[1], total)}%)"
            commentary.append(
                f"{framework}, and Spot and Legacy providers {outside:,} "
                f"({whole_percent(outside, total)}%)."
                if outside
                else f"{framework}, and no packages were with Spot or Legacy providers."
            )
        if len(days) > 1 and shares[0] is not None and share is not None:
            commentary.append(
                f"The Patch share was {shares[0]}% at the end of {days[0]:%B %Y}"
                + (
                    f" and {share}% at the end of {days[-1]:%B %Y}."
                    if days[-1] == _month_end(days[-1].replace(day=1))
                    else f" and {share}% on {format_date(days[-1])}."
                )
            )
    if not commentary:
        commentary.append(f"There are no packages to count for {span.label}.")
    table = figures_table(
        ("Month end", *(kind.label for kind in CONTRACT_ORDER), "All packages", "Patch share"),
        rows,
    )
    chart = one_line(
        f"Patch providers' share of packages at each month end, {span.label}",
        [f"{day:%b}" for day in days],
        Series("Patch share", tuple(shares)),
        "Percent of packages",
        percent=True,
        target=(float(low), float(high)),
        target_label=f"Target {low} to {high}%",
    )
    notes = (
        "A package is a person's care with one provider: a person with several lines at one "
        "provider is one package, counted on each month's last day (or today, for a month "
        "still running) when any of those lines is open.",
        "Each provider is counted under the contract it held on the day, from the "
        "register's history.",
        f"The target is the commissioning strategy's: the Patch providers were to take {low} "
        f"to {high}% of all care packages, the Framework the rest.",
    )
    return [
        Section(
            "contract-types",
            "Packages by contract type and the Patch share (Table E)",
            tuple(commentary),
            table,
            chart if days else None,
            notes,
        )
    ]


# Rates and hours --------------------------------------------------------------------------


@monthly("packages.rates_and_hours")
def _count_rates_and_hours(months: Sequence[Window]) -> dict[int, dict[str, int]]:
    """For each window: the people with a line open in it; each line's weekly minutes times
    the days it was open in the window (minute-days), added up; and those minute-days
    times the line's hourly rate, added up."""
    dates = calendar([(w.first, w.last) for w in months])
    first = case(
        (PackageLine.start_date > dates.c.first, PackageLine.start_date), else_=dates.c.first
    )
    last = case(
        (
            and_(PackageLine.end_date.is_not(None), PackageLine.end_date < dates.c.last),
            PackageLine.end_date,
        ),
        else_=dates.c.last,
    )
    minute_days = weekly_minutes_expression() * (days_from(first, last) + 1)
    statement = (
        select(
            dates.c.n,
            func.count(distinct(PackageLine.service_user_id)),
            func.sum(minute_days),
            func.sum(minute_days * PackageLine.hourly_rate_pence),
        )
        .select_from(dates)
        .join(PackageLine, open_between(dates))
        .group_by(dates.c.n)
    )
    return {
        int(n): {"people": int(people), "minute_days": int(minutes or 0), "cost": int(cost or 0)}
        for n, people, minutes, cost in _rows(statement)
    }


def rates_and_hours(span: Span) -> list[Section]:
    """The average hourly rate, weighted by the care hours planned, and the average weekly
    hours a person, each month."""
    months = windows(span)
    found: dict[int, tuple[int, int, int]] = {
        n: (parts.get("people", 0), parts.get("minute_days", 0), parts.get("cost", 0))
        for n, parts in enumerate(figures("packages.rates_and_hours", months))
    }
    rows = []
    rates: list[float | None] = []
    hours: list[float | None] = []
    for n, w in enumerate(months):
        people, minutes, cost = found.get(n, (0, 0, 0))
        rate = divide_round_half_up(cost, minutes) if minutes else None
        # Weekly minutes a person: minute-days over the month's days and its people.
        weekly = divide_round_half_up(minutes, w.days * people) if people else None
        rates.append(None if rate is None else rate / 100)
        hours.append(None if weekly is None else round(weekly / 60, 1))
        rows.append(
            (
                Cell.of(f"{w.first:%B %Y}"),
                Cell.count(people),
                _hours_cell(weekly),
                Cell(format_pence(rate), None if rate is None else f"{rate / 100:.2f}"),
            )
        )
    all_people = sum(found.get(n, (0, 0, 0))[0] * w.days for n, w in enumerate(months))
    all_minutes = sum(v[1] for v in found.values())
    all_cost = sum(v[2] for v in found.values())
    span_rate = divide_round_half_up(all_cost, all_minutes) if all_minutes else None
    span_weekly = divide_round_half_up(all_minutes, all_people) if all_people else None
    if months:
        rows.append(
            (
                Cell.of(f"All of {span.label}"),
                Cell.of(""),
                _hours_cell(span_weekly),
                Cell(
                    format_pence(span_rate), None if span_rate is None else f"{span_rate / 100:.2f}"
                ),
            )
        )
    commentary = []
    if span_rate is not None and span_weekly is not None:
        commentary.append(
            f"The average hourly rate in {span.label} was {format_pence(span_rate)}, weighted "
            "by the hours of care planned."
        )
        commentary.append(
            f"A person supported had an average of {_hours_text(span_weekly)} of care a week."
        )
    else:
        commentary.append(f"There is no care to count for {span.label}.")
    columns = ("Month", "People supported", "Average weekly hours a person", "Average hourly rate")
    chart = one_line(
        f"Average weekly hours of care a person each month, {span.label}",
        [f"{w.first:%b}" for w in months],
        Series("Weekly hours a person", tuple(hours)),
        "Hours a week",
    )
    notes = (
        "The hourly rate is the average of the lines' rates weighted by the care hours each "
        "line planned in the month (its weekly hours times the days it was open, over 7); a "
        "double-handed call counts both carers' hours.",
        "Weekly hours a person are the hours planned in force over the month, over the "
        "people supported in it (anyone with a line open on any day of the month).",
    )
    return [
        Section(
            "rates-and-hours",
            "Average hourly rate and weekly hours",
            tuple(commentary),
            figures_table(columns, rows),
            chart if months else None,
            notes,
        )
    ]


def _hours_text(minutes: int) -> str:
    return f"{minutes / 60:.1f} hours"


def _hours_cell(minutes: int | None) -> Cell:
    if minutes is None:
        return Cell("", None)
    return Cell(f"{minutes / 60:.1f}", f"{minutes / 60:.1f}")


# Double-handed care -----------------------------------------------------------------------


@monthly("packages.double_handed")
def _count_double_handed(months: Sequence[Window]) -> dict[int, dict[str, int]]:
    """On each window's last day: the people with a line open, those with a double-handed
    one, the double-handed lines, and those of them open for over 12 months."""
    # "first" holds the day a year before: a line that started on or before it has been
    # open for over 12 months by the month end.
    dates = calendar([(w.last - dt.timedelta(days=YEAR_DAYS), w.last) for w in months])
    double = PackageLine.carers_per_call >= 2
    statement = (
        select(
            dates.c.n,
            func.count(distinct(PackageLine.service_user_id)),
            func.count(distinct(case((double, PackageLine.service_user_id)))),
            func.sum(case((double, 1), else_=0)),
            func.sum(case((and_(double, PackageLine.start_date <= dates.c.first), 1), else_=0)),
        )
        .select_from(dates)
        .join(
            PackageLine,
            and_(
                PackageLine.start_date <= dates.c.last,
                or_(PackageLine.end_date.is_(None), PackageLine.end_date >= dates.c.last),
            ),
        )
        .group_by(dates.c.n)
    )
    return {
        int(n): {
            "people": int(people),
            "doubled": int(doubled),
            "lines": int(lines or 0),
            "long": int(long or 0),
        }
        for n, people, doubled, lines, long in _rows(statement)
    }


def double_handed(span: Span) -> list[Section]:
    """People with a double-handed line (two or more carers a call) at each month end, their
    share of the people supported, and the double-handed lines open over 12 months."""
    months = windows(span)
    days = [w.last for w in months]
    found: dict[int, tuple[int, int, int, int]] = {
        n: tuple(parts.get(k, 0) for k in ("people", "doubled", "lines", "long"))
        for n, parts in enumerate(figures("packages.double_handed", months))
    }
    rows = []
    shares: list[int | None] = []
    for n, day in enumerate(days):
        people, doubled, lines, long = found.get(n, (0, 0, 0, 0))
        share = whole_percent(doubled, people)
        shares.append(share)
        rows.append(
            (
                Cell(format_date(day), day.isoformat()),
                Cell.count(people),
                Cell.count(doubled),
                Cell(percent_text(share), share),
                Cell.count(lines),
                Cell.count(long),
            )
        )
    commentary = []
    if days:
        people, doubled, lines, long = found.get(len(days) - 1, (0, 0, 0, 0))
        if doubled:
            commentary.append(
                f"On {format_date(days[-1])}, {doubled:,} of the {people:,} people supported "
                f"({shares[-1]}%) had double-handed care, on {lines:,} lines."
            )
            commentary.append(
                f"{long:,} of those lines ({whole_percent(long, lines)}%) had been open for "
                "over 12 months."
            )
        else:
            commentary.append(f"Nobody had double-handed care on {format_date(days[-1])}.")
    else:
        commentary.append(f"{span.label} has not started yet.")
    table = figures_table(
        (
            "Month end",
            "People supported",
            "People with double-handed care",
            "Share of people",
            "Double-handed lines",
            "Of which open over 12 months",
        ),
        rows,
    )
    chart = None
    if days:
        chart = Chart(
            ChartKind.BARS,
            f"People with double-handed care at each month end, {span.label}",
            tuple(f"{day:%b}" for day in days),
            (
                Series(
                    "People with double-handed care",
                    tuple(found.get(n, (0, 0))[1] for n in range(len(days))),
                ),
            ),
            "People",
        )
    notes = (
        "A double-handed line has two carers at every call. People and lines are counted on "
        "each month's last day (or today, for a month still running).",
        "Open over 12 months: the line started more than 365 days before the month end.",
    )
    return [
        Section(
            "double-handed",
            "Double-handed care",
            tuple(commentary),
            table,
            chart if days else None,
            notes,
        )
    ]
