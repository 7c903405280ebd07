"""The equalities sections: people supported and Table F's outcomes by age band, sex and
ethnicity agree with counts made here in plain Python, and small groups are suppressed,
with the next smallest withheld where one suppressed figure could be worked back."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import pytest

from portal.common.dates import FinancialYear, financial_quarter_label
from portal.extensions import db
from portal.outcomes.measures import MEASURES, OUTCOMES, MeasureResult
from portal.outcomes.models import (
    OutcomeAnswer,
    OutcomeReturn,
    PeriodKind,
    ReportingPeriod,
    ReturnStatus,
)
from portal.outcomes.table_f import whole_percent
from portal.providers.equalities import Ethnicity, Sex
from portal.providers.models import PackageLine
from portal.reports import equalities
from portal.reports.equalities import FEWER, WITHHELD, hidden
from portal.reports.sections import Section, Span
from tests.factories import ProviderFactory, ServiceUserFactory

# Each test with the figures counted as they are read, and kept by the nightly refresh.
pytestmark = pytest.mark.usefixtures("counted_or_kept")

YEAR = FinancialYear(2024)
SPAN = Span(YEAR)
LAST = SPAN.last_day  # ages are on the span's last day

# (age band, born) for each person, in groups of known sizes: 65 to 74 is a group of 9.
AGES = (
    [("85 and over", LAST.replace(year=LAST.year - 85))]  # 85 on the very day
    + [("85 and over", dt.date(1930, 1, 1))] * 11
    + [("75 to 84", dt.date(1945, 6, 1))] * 15
    + [("65 to 74", LAST.replace(year=LAST.year - 65))]  # 65 on the very day
    + [("65 to 74", dt.date(1955, 6, 1))] * 8
    + [("18 to 64", LAST.replace(year=LAST.year - 65) + dt.timedelta(days=1))]  # 65 tomorrow
    + [("18 to 64", dt.date(1980, 6, 1))] * 19
)
SEXES = [Sex.FEMALE] * 30 + [Sex.MALE] * 24 + [None] * 2
ETHNICITIES = [Ethnicity.WHITE_BRITISH] * 40 + [Ethnicity.INDIAN] * 10 + [Ethnicity.AFRICAN] * 6


def _line(person: int, provider: int, start: dt.date, end: dt.date | None) -> None:
    db.session.add(
        PackageLine(
            service_user_id=person,
            provider_id=provider,
            calls_per_day=2,
            minutes_per_call=30,
            hourly_rate_pence=2050,
            start_date=start,
            end_date=end,
        )
    )


COUNTED_TWICE = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED, ReturnStatus.ACCEPTED)


def _seed() -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, MeasureResult]]]]:
    """56 people supported in the year (and one whose care ended before it), with outcome
    returns in its four quarters (drafts and returned ones not counted) and one after it."""
    rng = random.Random(4)
    provider = ProviderFactory()
    periods = []
    for quarter in range(5):
        start = dt.date(2024, 4, 1) + dt.timedelta(days=92 * quarter)
        start = start.replace(day=1)
        end = (start.replace(day=28) + dt.timedelta(days=70)).replace(day=1) - dt.timedelta(days=1)
        period = ReportingPeriod(
            kind=PeriodKind.OUTCOMES,
            label=financial_quarter_label(start),
            start_date=start,
            end_date=end,
            due_date=end + dt.timedelta(days=14),
        )
        db.session.add(period)
        periods.append(period)
    db.session.flush()
    assert periods[-1].start_date == dt.date(2025, 4, 1)  # the one after the year
    people: list[dict[str, Any]] = []
    order, other = list(range(56)), list(range(56))
    rng.shuffle(order)
    rng.shuffle(other)
    for index in range(56):
        band, born = AGES[index]
        sex, ethnicity = SEXES[order[index]], ETHNICITIES[other[index]]
        person = ServiceUserFactory(
            provider=provider, date_of_birth=born, sex=sex, ethnicity=ethnicity
        )
        people.append(
            {"id": person.id, "band": band, "born": born, "sex": sex, "ethnicity": ethnicity}
        )
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 420))
        _line(person.id, provider.id, start, None)
    gone = ServiceUserFactory(provider=provider, sex=Sex.MALE, ethnicity=Ethnicity.AFRICAN)
    _line(gone.id, provider.id, dt.date(2023, 1, 1), dt.date(2024, 3, 31))
    returns = []
    for person in people:
        for period in periods:
            status = rng.choice(
                # Drafts and returns sent back for correction are not counted.
                [*COUNTED_TWICE, ReturnStatus.DRAFT, ReturnStatus.RETURNED]
            )
            answers = {
                m.code: rng.choices(list(MeasureResult), weights=[55, 20, 15, 10])[0]
                for m in MEASURES
            }
            db.session.add(
                OutcomeReturn(
                    period_id=period.id,
                    service_user_id=person["id"],
                    provider_id=provider.id,
                    status=status,
                    answers=[
                        OutcomeAnswer(measure=code, result=result, evidence="", evidence_sources=[])
                        for code, result in answers.items()
                    ],
                )
            )
            if status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED) and period != periods[-1]:
                # A return is counted by the person's age on its quarter's last day.
                returns.append(
                    ({**person, "band": _band_on(person["born"], period.end_date)}, answers)
                )
    db.session.flush()
    return people, returns


def _band_on(born: dt.date, day: dt.date) -> str:
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return next(
        name
        for name, youngest in (
            ("85 and over", 85),
            ("75 to 84", 75),
            ("65 to 74", 65),
            ("18 to 64", 18),
            ("Under 18", 0),
        )
        if age >= youngest
    )


def _label(dimension: str, value: Any) -> str:
    if dimension == "band":
        return str(value)
    return "Not recorded" if value is None else value.label


def _by_hand(
    dimension: str,
    people: list[dict[str, Any]],
    returns: list[tuple[dict[str, Any], dict[str, MeasureResult]]],
) -> tuple[dict[str, int], dict[str, int], dict[tuple[str, int], tuple[int, int]]]:
    counts: dict[str, int] = defaultdict(int)
    for person in people:
        counts[_label(dimension, person[dimension])] += 1
    handed_in: dict[str, int] = defaultdict(int)
    outcomes: dict[tuple[str, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for person, answers in returns:
        group = _label(dimension, person[dimension])
        handed_in[group] += 1
        for outcome in OUTCOMES:
            results = [answers[m.code] for m in outcome.measures]
            applied = [r for r in results if r != MeasureResult.NOT_APPLICABLE]
            if not applied:
                continue
            met, sample = outcomes[(group, outcome.number)]
            outcomes[(group, outcome.number)] = (
                met + all(r == MeasureResult.MET for r in applied),
                sample + 1,
            )
    return counts, handed_in, outcomes


def _section(sections: list[Section], key: str) -> Section:
    return next(section for section in sections if section.key == key)


@pytest.mark.parametrize(
    ("key", "dimension", "suppressed", "withheld"),
    [
        ("equalities-age", "band", "65 to 74", "85 and over"),
        ("equalities-sex", "sex", "Not recorded", "Male"),
        ("equalities-ethnicity", "ethnicity", Ethnicity.AFRICAN.label, Ethnicity.INDIAN.label),
    ],
)
def test_people_and_outcomes_by_group_match_a_count_by_hand_with_small_groups_suppressed(
    db_session: Any, key: str, dimension: str, suppressed: str, withheld: str
) -> None:
    people, returns = _seed()
    section = _section(equalities.equalities(SPAN), key)
    counts, handed_in, outcomes = _by_hand(dimension, people, returns)
    rows = {row[0].text: row[1:] for row in section.table.rows}
    assert set(rows) - {"All people"} >= set(counts)
    for group, count in counts.items():
        cells = rows[group]
        if group == suppressed:
            # The group of fewer than 10: every figure about it suppressed, no CSV value.
            assert all(cell.text == FEWER and cell.value is None for cell in cells), group
            continue
        if group == withheld:
            # The next smallest, so the suppressed one cannot be worked back from the total.
            assert cells[0].text == WITHHELD and cells[0].value is None
            continue
        assert count >= 10
        assert [cells[0].value, cells[1].value] == [count, whole_percent(count, len(people))]
        assert cells[2].value == handed_in[group]
        for index, outcome in enumerate(OUTCOMES):
            met, sample = outcomes[(group, outcome.number)]
            assert cells[3 + index].value == whole_percent(met, sample), (group, outcome.number)
    total = rows["All people"]
    assert total[0].value == len(people) == 56  # not the person whose care ended before
    assert total[2].value == len(returns)
    for index, outcome in enumerate(OUTCOMES):
        met = sum(outcomes[(g, outcome.number)][0] for g in counts)
        sample = sum(outcomes[(g, outcome.number)][1] for g in counts)
        assert total[3 + index].value == whole_percent(met, sample)
    assert any("Fewer than 10" in note and "worked out" in note for note in section.notes)
    # Nothing in the sentences names a suppressed group's figure.
    assert not any(suppressed in sentence for sentence in section.commentary)
    if section.chart is not None:
        for series in section.chart.series:
            if series.name == suppressed:
                assert set(series.values) == {None}


def test_a_quarter_counts_its_own_returns_and_the_people_supported_in_it(db_session: Any) -> None:
    _seed()
    span = Span(YEAR, 2)
    section = _section(equalities.equalities(span), "equalities-sex")
    rows = {row[0].text: row[1:] for row in section.table.rows}
    handed_in = (
        db.session.query(OutcomeReturn)
        .join(ReportingPeriod)
        .filter(
            ReportingPeriod.start_date == span.first_day,
            OutcomeReturn.status.in_([ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED]),
        )
        .count()
    )
    assert rows["All people"][2].value == handed_in
    supported = len(
        {
            line.service_user_id
            for line in db.session.query(PackageLine)
            if line.start_date <= span.last_day
            and (line.end_date is None or line.end_date >= span.first_day)
        }
    )
    assert rows["All people"][0].value == supported


def test_suppression_hides_a_lone_small_figure_and_the_next_smallest() -> None:
    assert hidden([9, 50, 12, 30]) == [FEWER, None, WITHHELD, None]
    assert hidden([9, 5, 50]) == [FEWER, FEWER, None]  # two hidden: only their sum is known
    assert hidden([0, 50, 40]) == [None, None, None]  # nobody is not a small group
    assert hidden([50, 10, 12]) == [None, None, None]
    # A figure hidden for another reason (its group's people are) counts as the lone one.
    assert hidden([50, 20, 30], already=[WITHHELD, None, None]) == [WITHHELD, WITHHELD, None]
