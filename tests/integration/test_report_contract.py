"""The dashboard's contract sections agree with counts made here, in plain Python, from the
rows each test seeds: a financial year two years back (no test world's line reaches it),
and one quarter of it, on each database."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.capacity.models import CapacityByQuadrant, CapacityKind, CapacityReturn
from portal.common.dates import LONDON, FinancialYear, today
from portal.common.roles import Role
from portal.common.weekdays import EVERY_DAY
from portal.council.models import get_settings
from portal.extensions import db
from portal.outcomes import progress
from portal.outcomes.measures import MEASURES, OUTCOMES, MeasureResult
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn, ReturnStatus
from portal.outcomes.table_f import whole_percent
from portal.outcomes.tallies import recount_period
from portal.payments.models import Payment, PaymentKind, PaymentRule, PaymentStatus
from portal.providers.enums import CqcRating, ProviderStatus, QafLevel, Quadrant, RegisterFact
from portal.providers.models import PackageLine, Provider, ProviderChange, ServiceUser
from portal.recommendations.models import (
    ChangeKind,
    ProposedLine,
    Recommendation,
    RecommendationStatus,
)
from portal.reports import contract
from portal.reports.sections import Section, Span
from tests.factories import (
    OutcomePeriodFactory,
    PackageLineFactory,
    ProviderFactory,
    ServiceUserFactory,
)
from tests.fixtures import World
from tests.integration.test_query_plans import _plan, _whole_table_reads

YEAR = FinancialYear(FinancialYear.containing(today()).start_year - 2)
SMALLEST = 6  # the council's smallest comparable sample, for these tests
SPANS = [Span(YEAR), Span(YEAR, 2)]


def quarter_start(quarter: int) -> dt.date:
    return Span(YEAR, quarter).first_day


def moment(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A London wall-clock time on ``day``, as the UTC moment stored."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


def quarter_of(day: dt.date) -> int:
    return (day.month - 4) % 12 // 3 + 1


def in_span(span: Span, day: dt.date) -> bool:
    return span.first_day <= day <= span.last_day


def values(section: Section) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in section.table.rows]


def column(section: Section, name: str) -> list[Any]:
    index = section.table.columns.index(name)
    return [row[index].value for row in section.table.rows]


# ---------------------------------------------------------------------------------------
# What the tests seed


@dataclass
class Seeded:
    world: World
    people: list[ServiceUser] = field(default_factory=list)
    periods: dict[int, Any] = field(default_factory=dict)  # quarter -> period
    returns: list[tuple[OutcomeReturn, dict[str, MeasureResult], int]] = field(
        default_factory=list
    )  # (return, answers, quarter)
    recommendations: list[Recommendation] = field(default_factory=list)
    lines: dict[int, PackageLine] = field(default_factory=dict)  # by id
    payments: list[Payment] = field(default_factory=list)
    capacity: list[CapacityReturn] = field(default_factory=list)
    small_provider: Provider | None = None


@pytest.fixture
def seeded(world: World) -> Seeded:
    rng = random.Random(18)
    get_settings().smallest_comparable_sample = SMALLEST
    found = Seeded(world)
    for quarter in (1, 2, 3, 4):
        span = Span(YEAR, quarter)
        found.periods[quarter] = OutcomePeriodFactory(
            start_date=span.first_day,
            end_date=span.last_day,
            due_date=span.last_day + dt.timedelta(days=14),
            label=f"Q{quarter} {YEAR.label}",
        )
    small = ProviderFactory(name="Small Steps Care")  # owes returns, hands few in
    found.small_provider = small
    for number in range(24):
        provider = (world.provider, world.other_provider, small)[number % 3]
        person = ServiceUserFactory(provider=provider)
        PackageLineFactory(
            service_user=person,
            calls_per_day=rng.choice([2, 3, 4]),
            minutes_per_call=rng.choice([15, 30, 45]),
            carers_per_call=rng.choice([1, 1, 2]),
            days_of_week=rng.choice([EVERY_DAY, 0b0011111]),
            start_date=YEAR.first_day - dt.timedelta(days=400),
        )
        found.people.append(person)
    _returns(found, rng)
    _recommendations(found, rng)
    _capacity(found, rng)
    db.session.commit()
    return found


def _returns(found: Seeded, rng: random.Random) -> None:
    """Returns for Q1 (most people), Q2 (seven) and Q4 (three, too few to compare); none
    for Q3. Drafts and returns sent back do not count; some come in after the due date."""
    plan = {1: found.people[:20], 2: found.people[:7], 4: found.people[:3]}
    for quarter, people in plan.items():
        period = found.periods[quarter]
        for person in people:
            if person.provider_id == found.small_provider.id and quarter == 1:  # type: ignore[union-attr]
                continue  # the small provider misses its first quarter
            status = rng.choice(
                [
                    ReturnStatus.SUBMITTED,
                    ReturnStatus.ACCEPTED,
                    ReturnStatus.ACCEPTED,
                    ReturnStatus.DRAFT,
                    ReturnStatus.RETURNED,
                ]
            )
            answers = {
                m.code: rng.choices(list(MeasureResult), weights=[55, 20, 10, 15])[0]
                for m in MEASURES
            }
            late = rng.random() < 0.3
            handed = period.due_date + dt.timedelta(days=3 if late else -5)
            outcome_return = OutcomeReturn(
                period_id=period.id,
                service_user_id=person.id,
                provider_id=person.provider_id,
                status=status,
                submitted_at=moment(handed) if status != ReturnStatus.DRAFT else None,
                answers=[
                    OutcomeAnswer(measure=code, result=result, evidence="e", evidence_sources=[])
                    for code, result in answers.items()
                ],
            )
            db.session.add(outcome_return)
            found.returns.append((outcome_return, answers, quarter))
    db.session.flush()
    for period in found.periods.values():
        recount_period(period.id)
    progress.recount(periods=[p.id for p in found.periods.values()])


# (quarter, London day of the quarter, kind, status, days to decide)
RECOMMENDATIONS = [
    (1, 5, ChangeKind.REDUCE, RecommendationStatus.APPROVED, 4),
    (1, 20, ChangeKind.REDUCE, RecommendationStatus.APPROVED, 9),
    (1, 30, ChangeKind.INCREASE, RecommendationStatus.REJECTED, 2),
    (1, 40, ChangeKind.REFRAME, RecommendationStatus.WITHDRAWN, None),
    (2, 3, ChangeKind.REDUCE, RecommendationStatus.APPROVED, 6),
    (2, 10, ChangeKind.REDUCE, RecommendationStatus.REJECTED, 11),
    (2, 50, ChangeKind.REDUCE, RecommendationStatus.SUBMITTED, None),
    (2, 60, ChangeKind.INCREASE, RecommendationStatus.MORE_INFORMATION, None),
    (3, 1, ChangeKind.REDUCE, RecommendationStatus.APPROVED, 3),
    (4, 80, ChangeKind.REFRAME, RecommendationStatus.APPROVED, 1),
    (4, 85, ChangeKind.REDUCE, RecommendationStatus.DRAFT, None),  # never sent
]


def _recommendations(found: Seeded, rng: random.Random) -> None:
    world = found.world
    manager = world.users[Role.PROVIDER_MANAGER]
    decider = world.users[Role.CARE_MANAGER]
    rule = db.session.query(PaymentRule).one()
    specs: list[tuple[Any, ...]] = []
    for quarter, day, kind, status, days in RECOMMENDATIONS:
        sent = moment(quarter_start(quarter) + dt.timedelta(days=day))
        specs.append((kind, status, days, None if status == RecommendationStatus.DRAFT else sent))
    # Sent at 12:30am on 1 July, London time: 11:30pm on 30 June in UTC, and Q2's by
    # London's date.
    approved = RecommendationStatus.APPROVED
    specs.append((ChangeKind.REDUCE, approved, 2, moment(quarter_start(2), 0, 30)))
    # Sent the day before the year began (not the year's), approved in its first days.
    specs.append((ChangeKind.REDUCE, approved, 5, moment(YEAR.first_day - dt.timedelta(days=1))))
    decisions = (RecommendationStatus.APPROVED, RecommendationStatus.REJECTED)
    for number, (kind, status, days, sent) in enumerate(specs):
        person = found.people[number % len(found.people)]
        line = db.session.query(PackageLine).filter_by(service_user_id=person.id).one()
        decided = sent + dt.timedelta(days=days) if status in decisions else None
        recommendation = Recommendation(
            service_user_id=person.id,
            provider_id=person.provider_id,
            kind=kind,
            status=status,
            reason="r",
            evidence="e",
            person_consulted_and_agrees=True,
            risk_assessed=True,
            proposed_start_date=YEAR.first_day,
            created_by_id=manager.id,
            submitted_at=sent,
            decided_at=decided,
            decided_by_id=decider.id if decided else None,
            decision_days=days if status in decisions else None,
            lines=[
                ProposedLine(
                    replaces_line_id=line.id,
                    calls_per_day=max(line.calls_per_day - rng.choice([1, 2]), 0)
                    if kind == ChangeKind.REDUCE
                    else line.calls_per_day + 1,
                    minutes_per_call=line.minutes_per_call,
                    carers_per_call=line.carers_per_call,
                    days_of_week=line.days_of_week,
                    hourly_rate_pence=line.hourly_rate_pence,
                )
            ],
        )
        db.session.add(recommendation)
        found.lines[line.id] = line
        found.recommendations.append(recommendation)
    db.session.flush()
    # A payment for each approved reduction, approved on its decision; one is cancelled,
    # one paid, one reversed after export, the others waiting.
    statuses = iter(
        [
            PaymentStatus.PAID,
            PaymentStatus.APPROVED,
            PaymentStatus.CANCELLED,
            PaymentStatus.EXPORTED,
        ]
        + [PaymentStatus.AWAITING_SECOND_APPROVAL] * 5
    )
    for recommendation in found.recommendations:
        if (
            recommendation.kind != ChangeKind.REDUCE
            or recommendation.status != RecommendationStatus.APPROVED
        ):
            continue
        assert recommendation.decided_at is not None
        payment = Payment(
            reference=f"PAY{recommendation.id:06d}",
            provider_id=recommendation.provider_id,
            service_user_id=recommendation.service_user_id,
            recommendation_id=recommendation.id,
            recommendation_reference=recommendation.reference,
            kind=PaymentKind.PAYMENT,
            rule_id=rule.id,
            weekly_minutes_removed=60,
            hourly_rate_pence=2050,
            weeks=4,
            amount_pence=rng.randrange(5000, 40000),
            status=next(statuses),
            created_at=recommendation.decided_at,
        )
        db.session.add(payment)
        found.payments.append(payment)
    db.session.flush()
    exported = next(p for p in found.payments if p.status == PaymentStatus.EXPORTED)
    reversal = Payment(
        reference="REV000001",
        provider_id=exported.provider_id,
        service_user_id=exported.service_user_id,
        recommendation_id=exported.recommendation_id,
        recommendation_reference=exported.recommendation_reference,
        kind=PaymentKind.REVERSAL,
        reverses_payment_id=exported.id,
        rule_id=rule.id,
        weekly_minutes_removed=60,
        hourly_rate_pence=2050,
        weeks=4,
        amount_pence=-exported.amount_pence,
        status=PaymentStatus.APPROVED,
        created_at=exported.created_at + dt.timedelta(days=20),
    )
    db.session.add(reversal)
    found.payments.append(reversal)
    db.session.flush()


def _capacity(found: Seeded, rng: random.Random) -> None:
    """Returns for most months of the year from the world's two providers, one a late one,
    with spare hours in a random quadrant or two."""
    world = found.world
    for provider in (world.provider, world.other_provider):
        for month in Span(YEAR).months:
            if rng.random() < 0.25:
                continue
            capacity = CapacityReturn(
                provider_id=provider.id,
                month=month,
                kind=CapacityKind.FULL,
                submitted_at=moment(month + dt.timedelta(days=3)),
                submitted_by_id=world.users[Role.PROVIDER_MANAGER].id,
                late=rng.random() < 0.3,
                quadrants=[
                    CapacityByQuadrant(
                        quadrant=quadrant,
                        spare_weekly_minutes=rng.randrange(0, 3000, 15),
                        new_packages=rng.randrange(0, 5),
                    )
                    for quadrant in rng.sample(list(Quadrant), rng.choice([1, 2]))
                ],
            )
            db.session.add(capacity)
            found.capacity.append(capacity)
    db.session.flush()


# ---------------------------------------------------------------------------------------
# Table F each quarter


def _table_f_by_hand(found: Seeded, quarter: int) -> dict[str, tuple[int, int]]:
    counted = [
        answers
        for r, answers, q in found.returns
        if q == quarter and r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
    ]
    expected = {}
    for outcome in OUTCOMES:
        met = sample = 0
        for answers in counted:
            applicable = [
                answers[m.code]
                for m in outcome.measures
                if answers[m.code] != MeasureResult.NOT_APPLICABLE
            ]
            if applicable:
                sample += 1
                met += all(result == MeasureResult.MET for result in applicable)
        expected[str(outcome.number)] = (met, sample)
    return expected


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_table_f_each_quarter_matches_a_count_by_hand(seeded: Seeded, span: Span) -> None:
    section = contract.table_f_by_quarter(span)
    quarters = [1, 2, 3, 4] if span.quarter is None else [span.quarter]
    assert section.table.columns[1:3] == (f"Q{quarters[0]} share met", f"Q{quarters[0]} sample")
    rows = values(section)
    shares = {}
    for outcome_row, outcome in zip(rows, OUTCOMES, strict=False):
        for index, quarter in enumerate(quarters):
            met, sample = _table_f_by_hand(seeded, quarter)[str(outcome.number)]
            expected = whole_percent(met, sample)
            assert outcome_row[1 + 2 * index] == expected, (outcome.number, quarter)
            assert outcome_row[2 + 2 * index] == sample, (outcome.number, quarter)
            shares[(outcome.number, quarter)] = (expected, sample)
    handed_in = Counter(
        q
        for r, _, q in seeded.returns
        if r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
    )
    assert rows[-1][2::2] == [handed_in[q] for q in quarters]
    # The chart leaves out no sample but the small ones, and shows the same whole percents:
    # a line an outcome over the year; for one quarter, a bar an outcome.
    assert section.chart is not None
    if span.quarter is None:
        charted = {
            (int(series.name.split()[-1]), quarter): value
            for series in section.chart.series
            for quarter, value in zip(quarters, series.values, strict=True)
        }
    else:
        [bars] = section.chart.series
        assert section.chart.categories == tuple(f"Outcome {o.number}" for o in OUTCOMES)
        charted = {
            (outcome.number, span.quarter): value
            for outcome, value in zip(OUTCOMES, bars.values, strict=True)
        }
    for (number, quarter), (share, sample) in shares.items():
        assert charted[(number, quarter)] == (None if 0 < sample < SMALLEST else share)
    if span.quarter is None:
        # Q4's three returns are too few to compare, and say so; Q3 had none.
        assert any("(small sample)" in row[7].text for row in section.table.rows[:5])
        assert section.table.rows[0][5].text == "–"


# ---------------------------------------------------------------------------------------
# Recommendations and decisions


def _sent_in(found: Seeded, span: Span) -> list[Recommendation]:
    return [
        r
        for r in found.recommendations
        if r.status != RecommendationStatus.DRAFT
        and r.submitted_at is not None
        and in_span(span, r.submitted_at.astimezone(LONDON).date())
    ]


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_recommendations_by_quarter_match_a_count_by_hand(seeded: Seeded, span: Span) -> None:
    section = contract.recommendations(span)
    sent = _sent_in(seeded, span)
    quarters = [1, 2, 3, 4] if span.quarter is None else [span.quarter]
    by_quarter = {
        q: [r for r in sent if quarter_of(r.submitted_at.astimezone(LONDON).date()) == q]  # type: ignore[union-attr]
        for q in quarters
    }
    expected_rows = []
    for label, group in [(f"Q{q} {YEAR.label}", by_quarter[q]) for q in quarters] + (
        [("Year", sent)] if span.quarter is None else []
    ):
        kinds = Counter(r.kind for r in group)
        statuses = Counter(r.status for r in group)
        decided = [r for r in group if r.decision_days is not None]
        average = None
        if decided:
            tenths = round(10 * sum(r.decision_days or 0 for r in decided) / len(decided) + 1e-9)
            average = f"{tenths // 10}.{tenths % 10}"
        expected_rows.append(
            [
                label,
                kinds[ChangeKind.REDUCE],
                kinds[ChangeKind.INCREASE],
                kinds[ChangeKind.REFRAME],
                len(group),
                statuses[RecommendationStatus.APPROVED],
                statuses[RecommendationStatus.REJECTED],
                statuses[RecommendationStatus.SUBMITTED]
                + statuses[RecommendationStatus.MORE_INFORMATION],
                statuses[RecommendationStatus.WITHDRAWN],
                average,
            ]
        )
    assert values(section) == expected_rows
    if span.quarter is None:
        # The one sent at 12:30am on 1 July (London) counts in Q2, not in Q1 as UTC has it.
        assert [row[4] for row in expected_rows] == [4, 5, 1, 1, 11]


# ---------------------------------------------------------------------------------------
# Hours released and payments


def _weekly(calls: int, minutes: int, carers: int, days: int) -> int:
    return calls * minutes * carers * bin(days).count("1")


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_hours_released_and_payments_match_a_count_by_hand(seeded: Seeded, span: Span) -> None:
    section = contract.hours_and_payments(span)
    quarters = [1, 2, 3, 4] if span.quarter is None else [span.quarter]

    def day(when: dt.datetime) -> dt.date:
        return when.astimezone(LONDON).date()

    reductions = [
        r
        for r in seeded.recommendations
        if r.kind == ChangeKind.REDUCE
        and r.status == RecommendationStatus.APPROVED
        and r.decided_at is not None
        and in_span(span, day(r.decided_at))
    ]
    payments = [p for p in seeded.payments if in_span(span, day(p.created_at))]
    expected_rows = []
    groups = [(f"Q{q} {YEAR.label}", q) for q in quarters] + (
        [("Year", None)] if span.quarter is None else []
    )
    for label, quarter in groups:
        mine = [r for r in reductions if quarter in (None, quarter_of(day(r.decided_at)))]  # type: ignore[arg-type]
        before = after = 0
        for r in mine:
            for proposed in r.lines:
                old = seeded.lines[proposed.replaces_line_id]  # type: ignore[index]
                before += _weekly(
                    old.calls_per_day, old.minutes_per_call, old.carers_per_call, old.days_of_week
                )
                after += _weekly(
                    proposed.calls_per_day,
                    proposed.minutes_per_call,
                    proposed.carers_per_call,
                    proposed.days_of_week,
                )
        in_quarter = [p for p in payments if quarter in (None, quarter_of(day(p.created_at)))]
        standing = [
            p
            for p in in_quarter
            if p.kind == PaymentKind.PAYMENT and p.status != PaymentStatus.CANCELLED
        ]
        paid = [p for p in standing if p.status == PaymentStatus.PAID]
        waiting = [p for p in standing if p.status != PaymentStatus.PAID]
        reversed_pence = -sum(
            p.amount_pence
            for p in in_quarter
            if p.kind == PaymentKind.REVERSAL and p.status != PaymentStatus.CANCELLED
        )

        def hours(minutes: int) -> str:
            return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")

        def pounds(pence: int) -> str:
            return f"{pence // 100}.{pence % 100:02d}"

        expected_rows.append(
            [
                label,
                len(mine),
                hours(before),
                hours(after),
                hours(before - after),
                len(standing),
                pounds(sum(p.amount_pence for p in standing)),
                len(paid),
                pounds(sum(p.amount_pence for p in paid)),
                len(waiting),
                pounds(sum(p.amount_pence for p in waiting)),
                pounds(reversed_pence),
            ]
        )
    assert values(section) == expected_rows
    assert expected_rows[-1][1] > 0  # something was released in every span tested


# ---------------------------------------------------------------------------------------
# Capacity by quadrant


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_capacity_by_quadrant_matches_a_count_by_hand(seeded: Seeded, span: Span) -> None:
    section = contract.capacity_by_quadrant(span)
    expected_rows = []
    for month in span.months:
        returns = [c for c in seeded.capacity if c.month == month]
        spare = dict.fromkeys(Quadrant, 0)
        new = 0
        for capacity in returns:
            for row in capacity.quadrants:
                spare[row.quadrant] += row.spare_weekly_minutes
                new += row.new_packages

        def hours(minutes: int) -> str:
            return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")

        expected_rows.append(
            [
                f"{month:%B %Y}",
                *(hours(spare[q]) for q in Quadrant),
                hours(sum(spare.values())),
                new,
                len(returns),
            ]
        )
    assert values(section) == expected_rows


# ---------------------------------------------------------------------------------------
# Returns completion by provider


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_returns_completion_matches_a_count_by_hand(seeded: Seeded, span: Span) -> None:
    section = contract.returns_completion(span)
    quarters = [1, 2, 3, 4] if span.quarter is None else [span.quarter]
    world = seeded.world
    providers = sorted(
        [world.provider, world.other_provider, seeded.small_provider], key=lambda p: p.name
    )
    expected_rows = []
    for provider in providers:
        # Every seeded person had a line with their (strategic-tier) provider all year.
        owed = sum(p.provider_id == provider.id for p in seeded.people) * len(quarters)
        handed_in = [
            r
            for r, _, q in seeded.returns
            if q in quarters
            and r.provider_id == provider.id
            and r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
        ]
        late = [r for r in handed_in if r.submitted_at.date() > r.period.due_date]  # type: ignore[union-attr]
        capacity = [
            c for c in seeded.capacity if c.provider_id == provider.id and in_span(span, c.month)
        ]
        expected_rows.append(
            [
                provider.name,
                owed,
                len(handed_in) - len(late),
                len(late),
                owed - len(handed_in),
                whole_percent(len(handed_in) - len(late), owed),
                len(capacity),
                sum(c.late for c in capacity),
            ]
        )
    assert values(section) == expected_rows
    assert section.chart is not None
    chart = section.chart
    if span.quarter is None:  # on time, late and not in, stacked a quarter each
        on_time = sum(v or 0 for v in chart.series[0].values)
    else:  # a bar each
        assert chart.categories == ("On time", "Late", "Not handed in")
        on_time = chart.series[0].values[0] or 0
    assert on_time == sum(row[2] for row in expected_rows)


# ---------------------------------------------------------------------------------------
# Providers by CQC rating and QAF level


def _change(
    provider: Provider, fact: RegisterFact, before: str | None, after: str | None, on: dt.date
) -> None:
    db.session.add(
        ProviderChange(
            provider_id=provider.id,
            fact=fact,
            value_before=before,
            value_after=after,
            effective_on=on,
            recorded_by_name="Test",
        )
    )


@pytest.mark.parametrize("span", SPANS, ids=["year", "quarter"])
def test_providers_are_counted_by_their_rating_on_the_spans_last_day(
    seeded: Seeded, span: Span
) -> None:
    world = seeded.world
    end = span.last_day
    # Brightwater: rated good now, but requires improvement until after the span ended.
    world.provider.cqc_rating, world.provider.qaf_level = CqcRating.GOOD, QafLevel.B
    _change(
        world.provider,
        RegisterFact.CQC_RATING,
        "requires_improvement",
        "good",
        end + dt.timedelta(days=10),
    )
    # Rival: assessed QAF A during the span, never before.
    world.other_provider.cqc_rating, world.other_provider.qaf_level = (
        CqcRating.OUTSTANDING,
        QafLevel.A,
    )
    _change(
        world.other_provider,
        RegisterFact.QAF_LEVEL,
        None,
        "A",
        span.first_day + dt.timedelta(days=5),
    )
    # Small Steps: no history; counted as it is today.
    small = seeded.small_provider
    assert small is not None
    small.cqc_rating, small.qaf_level = CqcRating.INADEQUATE, QafLevel.D
    # Joined after the span: not counted.
    newcomer = ProviderFactory(name="Newcomer Care", cqc_rating=CqcRating.GOOD)
    _change(newcomer, RegisterFact.REGISTERED, None, newcomer.name, end + dt.timedelta(days=1))
    # Left during the span: not counted; left after it: counted.
    gone = ProviderFactory(
        name="Gone Care", status=ProviderStatus.EXITED, cqc_rating=CqcRating.GOOD
    )
    _change(gone, RegisterFact.STATUS, "active", "exited", end - dt.timedelta(days=3))
    later = ProviderFactory(
        name="Later Care",
        status=ProviderStatus.EXITED,
        cqc_rating=CqcRating.GOOD,
        qaf_level=QafLevel.C,
    )
    _change(later, RegisterFact.STATUS, "active", "exited", end + dt.timedelta(days=3))
    db.session.commit()

    counted = Counter(
        [
            (CqcRating.REQUIRES_IMPROVEMENT, QafLevel.B),
            (CqcRating.OUTSTANDING, QafLevel.A),
            (CqcRating.INADEQUATE, QafLevel.D),
            (CqcRating.GOOD, QafLevel.C),
        ]
    )
    section = contract.providers_by_rating(span)
    levels = [*QafLevel, None]
    expected = [
        [
            rating.label,
            *(counted[(rating, level)] for level in levels),
            sum(counted[(rating, level)] for level in levels),
        ]
        for rating in CqcRating
    ]
    totals = [sum(counted[(r, level)] for r in CqcRating) for level in levels]
    expected.append(["All ratings", *totals, sum(totals)])
    assert values(section) == expected


# ---------------------------------------------------------------------------------------
# Read through indexes


PLANNED = {
    "recommendations sent": contract._recommendations,
    "reductions approved": contract._released,
    "payments": contract._payments,
    "capacity by month": contract._capacity,
    "returns handed in": contract._completion,
    "returns handed in each quarter": contract._completion_by_quarter,
    "ratings on a day": contract._ratings,
}


@pytest.mark.parametrize("name", list(PLANNED))
def test_each_contract_statement_reads_through_indexes(world: World, name: str) -> None:
    """However many years the council holds, a section reads only its span's rows."""
    values = contract._bounds(Span(YEAR)) | {"day": Span(YEAR).last_day}
    statement = PLANNED[name]()
    plan = _plan(statement.params(**{k: v for k, v in values.items() if k in _names(statement)}))
    assert _whole_table_reads(plan) == [], plan
    if name == "reductions approved" and db.engine.dialect.name == "sqlite":
        # Not every approved recommendation ever: SQLite plans by the indexes alone, so it
        # must take the one on status, kind and decision time. PostgreSQL plans by the
        # table's statistics, and on a test's handful of rows may as well filter the few
        # approved ones it finds through the status index: no whole-table read is the rule
        # it keeps whatever its size (above).
        assert "ix_recommendations_status_kind_decided" in plan, plan


def _names(statement: Any) -> set[str]:
    return set(statement.compile().params)
