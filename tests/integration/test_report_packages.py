"""The dashboard's package sections (Tables B, D and E, the hourly rate and weekly hours,
double-handed care) agree with counts made here in plain Python over the lines seeded, on
each database: a year of lines of every shape, with the edges a month or a year has."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.money import divide_round_half_up, format_pence
from portal.common.weekdays import EVERY_DAY, MONDAY_TO_FRIDAY, WEEKEND
from portal.extensions import db
from portal.outcomes.table_f import whole_percent
from portal.providers.enums import ContractType, Quadrant, RegisterFact
from portal.providers.models import PackageLine, Provider, ProviderChange, ServiceUser
from portal.reports import dashboard, packages
from portal.reports.sections import Section, Span
from tests.factories import ProviderFactory, ServiceUserFactory

# Each test with the figures counted as they are read, and kept by the nightly refresh.
pytestmark = pytest.mark.usefixtures("counted_or_kept")

YEAR = FinancialYear(2024)  # April 2024 to March 2025: wholly past


@dataclass(frozen=True)
class Seeded:
    person: int
    provider: int
    contract: ContractType
    start: dt.date
    end: dt.date | None
    weekly_minutes: int
    rate: int
    carers: int

    def open_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    def open_between(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _line(
    person: ServiceUser, provider: Provider, start: dt.date, end: dt.date | None, **shape: Any
) -> PackageLine:
    values = {"calls_per_day": 2, "minutes_per_call": 30, "carers_per_call": 1}
    values |= {"days_of_week": EVERY_DAY, "hourly_rate_pence": 2050} | shape
    line = PackageLine(
        service_user_id=person.id,
        provider_id=provider.id,
        start_date=start,
        end_date=end,
        **values,
    )
    db.session.add(line)
    return line


def _seed() -> list[Seeded]:
    """Ninety people with one to four lines each, started from early 2023 to spring 2025,
    many ended; and the edges by name."""
    rng = random.Random(18)
    providers = [
        ProviderFactory(contract_type=ContractType.PATCH, quadrant=Quadrant.EAST),
        ProviderFactory(contract_type=ContractType.PATCH, quadrant=Quadrant.WEST),
        ProviderFactory(contract_type=ContractType.FRAMEWORK, quadrant=None),
        ProviderFactory(contract_type=ContractType.SPOT, quadrant=None),
        ProviderFactory(contract_type=ContractType.LEGACY, quadrant=None),
    ]
    lines: list[tuple[PackageLine, Provider]] = []
    for _ in range(90):
        provider = rng.choice(providers)
        person = ServiceUserFactory(provider=provider)
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 880))
        for _ in range(rng.randint(1, 4)):
            end = (
                None
                if rng.random() < 0.3
                else start
                + dt.timedelta(days=rng.choice([0, 20, 59, 60, 100, 182, 183, 365, 366, 500]))
            )
            lines.append(
                (
                    _line(
                        person,
                        provider,
                        start,
                        end,
                        calls_per_day=rng.randint(1, 4),
                        minutes_per_call=rng.choice([15, 30, 45, 60]),
                        carers_per_call=2 if rng.random() < 0.2 else 1,
                        days_of_week=rng.choice([EVERY_DAY, MONDAY_TO_FRIDAY, WEEKEND]),
                        hourly_rate_pence=rng.choice([1931, 2050, 2120, 2240]),
                    ),
                    provider,
                )
            )
            if end is None:
                break
            # The next line starts the day after, or (a move) with another provider.
            if rng.random() < 0.2:
                provider = rng.choice(providers)
            start = end + dt.timedelta(days=1)
    patch, framework = providers[0], providers[2]
    # The edges: a line ending on the first day of a month, one starting on the last day of
    # one, lines across the year's start and end, and a person with several lines at once.
    edges = ServiceUserFactory(provider=patch)
    lines.append((_line(edges, patch, dt.date(2024, 4, 10), dt.date(2024, 5, 1)), patch))
    late = ServiceUserFactory(provider=patch)
    lines.append((_line(late, patch, dt.date(2024, 6, 30), dt.date(2024, 8, 31)), patch))
    across = ServiceUserFactory(provider=framework)
    lines.append((_line(across, framework, dt.date(2024, 2, 10), dt.date(2024, 4, 15)), framework))
    lines.append(
        (_line(across, framework, dt.date(2025, 3, 20), None, carers_per_call=2), framework)
    )
    several = ServiceUserFactory(provider=patch)
    for calls in (1, 2, 3):
        lines.append((_line(several, patch, dt.date(2024, 9, 1), None, calls_per_day=calls), patch))
    db.session.flush()
    return [
        Seeded(
            line.service_user_id,
            line.provider_id,
            provider.contract_type,
            line.start_date,
            line.end_date,
            line.weekly_minutes,
            line.hourly_rate_pence,
            line.carers_per_call,
        )
        for line, provider in lines
    ]


def _rows(section: Section) -> dict[str, list[Any]]:
    """The table as {first cell's text: [each other cell's CSV value]}."""
    return {row[0].text: [cell.value for cell in row[1:]] for row in section.table.rows}


def _only(sections: list[Section]) -> Section:
    (section,) = sections
    return section


def _year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1)


@pytest.mark.parametrize("span", [Span(YEAR), Span(YEAR, 1), Span(YEAR, 4)], ids=str)
def test_table_b_counts_people_and_lines_each_month_beside_the_year_before(
    db_session: Any, span: Span
) -> None:
    seeded = _seed()
    rows = _rows(_only(packages.people_and_lines(span)))
    totals = [0, 0, 0, 0]
    for first in span.months:
        last = _month_end(first)
        expected = []
        for lo, hi in ((first, last), (_year_before(first), _year_before(last))):
            open_ = [s for s in seeded if s.open_between(lo, hi)]
            expected.append((len({s.person for s in open_}), len(open_)))
        (people, lines), (people_before, lines_before) = expected
        assert rows[f"{first:%B}"] == [people, people_before, lines, lines_before]
        for index, value in enumerate((people, people_before, lines, lines_before)):
            totals[index] += value
    assert rows["Average a month"] == [
        divide_round_half_up(total, len(span.months)) for total in totals
    ]


def test_a_line_counts_in_the_month_it_ends_on_the_first_of_and_starts_on_the_last_of(
    db_session: Any,
) -> None:
    provider = ProviderFactory()
    ending = ServiceUserFactory(provider=provider)
    _line(ending, provider, dt.date(2024, 4, 10), dt.date(2024, 5, 1))
    starting = ServiceUserFactory(provider=provider)
    _line(starting, provider, dt.date(2024, 6, 30), None)
    _line(starting, provider, dt.date(2024, 6, 30), dt.date(2024, 7, 1), carers_per_call=2)
    db.session.flush()
    section = _only(packages.people_and_lines(Span(YEAR, 1)))
    rows = _rows(section)
    # April: the first person; May: still them (their line ends on 1 May); June: the second
    # person, on two lines, from its last day.
    assert rows["April"][::2] == [1, 1]
    assert rows["May"][::2] == [1, 1]
    assert rows["June"][::2] == [1, 2]
    assert section.commentary[0].startswith("An average of 1 person was supported each month")
    assert "A person is counted as supported in a month" in section.notes[0]


@pytest.mark.parametrize("span", [Span(YEAR), Span(YEAR, 3)], ids=str)
def test_table_d_sorts_lines_ended_and_still_open_by_their_length(
    db_session: Any, span: Span
) -> None:
    seeded = _seed()
    section = _only(packages.durations(span))
    rows = _rows(section)
    last = span.last_day

    def band(days: int) -> str:
        if days < 60:
            return "Under 60 days"
        if days <= 182:
            return "2 to 6 months"
        if days <= 365:
            return "6 to 12 months"
        return "Over 12 months"

    ended: dict[str, int] = {}
    still: dict[str, int] = {}
    for s in seeded:
        if s.end is not None and span.first_day <= s.end <= last:
            name = band((s.end - s.start).days + 1)
            ended[name] = ended.get(name, 0) + 1
        elif s.start <= last and (s.end is None or s.end > last):
            name = band((last - s.start).days + 1)
            still[name] = still.get(name, 0) + 1
    for name, _ in packages.DURATIONS:
        assert rows[name] == [ended.get(name, 0), still.get(name, 0)], name
    assert rows["All lengths"] == [sum(ended.values()), sum(still.values())]
    assert any("several lines of care" in note for note in section.notes)
    total = sum(ended.values())
    assert section.commentary[0] == (
        f"Of the {total:,} package lines that ended in {span.label}, "
        f"{ended.get('Under 60 days', 0):,} "
        f"({whole_percent(ended.get('Under 60 days', 0), total)}%) had run for under 60 days."
    )


def test_table_e_counts_packages_by_contract_type_at_each_month_end(db_session: Any) -> None:
    seeded = _seed()
    span = Span(YEAR)
    section = _only(packages.contract_types(span))
    rows = {row[0].value: [c.value for c in row[1:]] for row in section.table.rows}
    for first in span.months:
        day = _month_end(first)
        held = {(s.person, s.provider, s.contract) for s in seeded if s.open_on(day)}
        by_type = [
            sum(1 for *_, contract in held if contract == kind) for kind in packages.CONTRACT_ORDER
        ]
        share = whole_percent(by_type[0], len(held))
        assert rows[day.isoformat()] == [*by_type, len(held), share]
    assert section.chart is not None and section.chart.target == (60.0, 70.0)
    assert section.chart.series[0].values[-1] == share
    place = "below" if share < 60 else "above" if share > 70 else "within"
    assert (
        f"({share}%) were with Patch providers, {place} the 60 to 70% target"
        in (section.commentary[0])
    )


def test_the_hourly_rate_is_weighted_by_the_hours_planned_and_hours_are_a_person_s(
    db_session: Any,
) -> None:
    seeded = _seed()
    span = Span(YEAR)
    rows = _rows(_only(packages.rates_and_hours(span)))
    all_minutes = all_cost = all_person_days = 0
    for first in span.months:
        last = _month_end(first)
        minutes = cost = 0
        people = set()
        for s in seeded:
            if not s.open_between(first, last):
                continue
            days = (min(s.end or last, last) - max(s.start, first)).days + 1
            minutes += s.weekly_minutes * days
            cost += s.weekly_minutes * days * s.rate
            people.add(s.person)
        rate = divide_round_half_up(cost, minutes)
        weekly = divide_round_half_up(minutes, ((last - first).days + 1) * len(people))
        assert rows[f"{first:%B %Y}"] == [len(people), f"{weekly / 60:.1f}", f"{rate / 100:.2f}"]
        all_minutes, all_cost = all_minutes + minutes, all_cost + cost
        all_person_days += ((last - first).days + 1) * len(people)
    span_rate = divide_round_half_up(all_cost, all_minutes)
    span_weekly = divide_round_half_up(all_minutes, all_person_days)
    assert rows[f"All of {span.label}"] == [
        "",
        f"{span_weekly / 60:.1f}",
        f"{span_rate / 100:.2f}",
    ]
    commentary = _only(packages.rates_and_hours(span)).commentary
    assert format_pence(span_rate) in commentary[0]


def test_double_handed_care_at_each_month_end(db_session: Any) -> None:
    seeded = _seed()
    span = Span(YEAR, 2)
    section = _only(packages.double_handed(span))
    rows = {row[0].value: [c.value for c in row[1:]] for row in section.table.rows}
    for first in span.months:
        day = _month_end(first)
        open_ = [s for s in seeded if s.open_on(day)]
        doubled = [s for s in open_ if s.carers >= 2]
        people = {s.person for s in open_}
        people_doubled = {s.person for s in doubled}
        long = [s for s in doubled if (day - s.start).days + 1 > 365]
        assert rows[day.isoformat()] == [
            len(people),
            len(people_doubled),
            whole_percent(len(people_doubled), len(people)),
            len(doubled),
            len(long),
        ]


def test_a_running_year_is_counted_to_today_and_a_future_one_is_empty(db_session: Any) -> None:
    _seed()
    current = FinancialYear.containing(today())
    rows = _only(packages.people_and_lines(Span(current))).table.rows
    begun = [m for m in Span(current).months if m <= today()]
    assert [row[0].text for row in rows[:-1]] == [f"{m:%B}" for m in begun]
    future = Span(FinancialYear(current.start_year + 1))
    for builder in dashboard.BUILDERS[:5]:
        for section in builder(future):
            assert section.chart is None
            assert section.commentary


def test_every_section_of_the_dashboard_is_built_for_a_year_and_a_quarter(
    db_session: Any,
) -> None:
    _seed()
    for span in (Span(YEAR), Span(YEAR, 4)):
        found = dashboard.sections(span)
        keys = [section.key for section in found]
        assert keys[:5] == [
            "people-supported",
            "package-durations",
            "contract-types",
            "rates-and-hours",
            "double-handed",
        ]
        assert len(set(keys)) == len(keys)
        for section in found[:5]:
            assert section.commentary and section.notes and section.table.rows
        # Every other part says something, even when it has nothing to count (no returns
        # were owed in this world: its table is empty and its sentence says so).
        assert all(section.commentary for section in found)


def test_table_e_counts_a_provider_under_the_contract_it_held_on_the_day(db_session: Any) -> None:
    """A Framework provider awarded a Patch on 15 September 2024: its packages count as
    Framework at the end of August and as Patch from the end of September."""
    awarded = ProviderFactory(contract_type=ContractType.PATCH, quadrant=Quadrant.EAST)
    db.session.add(
        ProviderChange(
            provider_id=awarded.id,
            fact=RegisterFact.CONTRACT,
            value_before="framework",
            value_after="patch:east",
            effective_on=dt.date(2024, 9, 15),
            recorded_by_name="Cora Commissioner",
        )
    )
    spot = ProviderFactory(contract_type=ContractType.SPOT, quadrant=None)
    for provider in (awarded, awarded, spot):
        _line(ServiceUserFactory(provider=provider), provider, dt.date(2024, 1, 1), None)
    db.session.flush()
    section = _only(packages.contract_types(Span(YEAR)))
    rows = {row[0].value: [c.value for c in row[1:]] for row in section.table.rows}
    # Patch, Framework, Spot, Legacy, all, Patch share
    assert rows["2024-08-31"] == [0, 2, 1, 0, 3, 0]
    assert rows["2024-09-30"] == [2, 0, 1, 0, 3, 67]
    assert rows["2025-03-31"] == [2, 0, 1, 0, 3, 67]
    assert "(67%) were with Patch providers, within the 60 to 70% target" in section.commentary[0]
