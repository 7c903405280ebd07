"""Do reductions hold? Each approved reduction's stored checkpoints agree with a count by
hand from the package lines, on each database; they move when the person's lines change
(a new line, every line ended, a line replaced by an equal one, a case system import) and
when a checkpoint's day comes; and the summary and the dashboard's sections read them in a
fixed number of statements."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from portal.common.dates import FinancialYear, today
from portal.common.models import clock_at
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.providers.models import PackageLine, ServiceUser
from portal.recommendations import checkpoints, operations
from portal.recommendations.models import (
    Recommendation,
    ReductionCheckpoint,
    Verdict,
)
from portal.recommendations.sustained import held_by_provider, held_figures
from portal.reports import stored
from portal.reports.held import held_sections
from portal.reports.sections import Span
from tests.client import text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.caseload_files import apply_changes, person_row
from tests.integration.records import submitted_increase, submitted_reduction

DAYS = (91, 365)


# The count by hand: plain Python over the lines the test seeded. ---------------------------


def _minutes_on(person_id: int, day: dt.date) -> int:
    lines = db.session.scalars(
        select(PackageLine).where(PackageLine.service_user_id == person_id)
    ).all()
    return sum(
        line.weekly_minutes
        for line in lines
        if line.start_date <= day and (line.end_date is None or line.end_date >= day)
    )


def _by_hand(reduction: Recommendation, days: int, on: dt.date) -> Verdict:
    start = reduction.agreed_start_date
    assert start is not None
    checkpoint = start + dt.timedelta(days=days)
    if checkpoint > on:
        return Verdict.NOT_YET_KNOWN
    then = _minutes_on(reduction.service_user_id, checkpoint)
    if then == 0:
        return Verdict.ENDED
    if then > _minutes_on(reduction.service_user_id, start):
        return Verdict.WENT_BACK_UP
    return Verdict.HELD


def _stored(reduction: Recommendation) -> ReductionCheckpoint:
    db.session.expire_all()
    found = db.session.get(ReductionCheckpoint, reduction.id)
    assert found is not None
    return found


def _verdicts(reduction: Recommendation) -> tuple[Verdict, Verdict]:
    stored = _stored(reduction)
    return stored.verdict_91, stored.verdict_365


@dataclass
class Story:
    reductions: list[Recommendation]
    start: dt.date


def _approve(world: World, person: ServiceUser) -> Recommendation:
    reduction = submitted_reduction(world, person)
    operations.approve(
        reduction, by=world.users[Role.CARE_MANAGER], start_date=reduction.proposed_start_date
    )
    return reduction


def _end_lines(person: ServiceUser, day: dt.date) -> None:
    for line in db.session.scalars(
        select(PackageLine).where(
            PackageLine.service_user_id == person.id, PackageLine.end_date.is_(None)
        )
    ):
        line.end_date = day
    checkpoints.lines_changed([person.id])  # as the operations that end lines do


def _replace_with_equal(person: ServiceUser, day: dt.date) -> None:
    """The person's open line ends and an equal one starts the next day (a new rate, say)."""
    (line,) = db.session.scalars(
        select(PackageLine).where(
            PackageLine.service_user_id == person.id, PackageLine.end_date.is_(None)
        )
    )
    line.end_date = day
    PackageLineFactory(
        service_user=person,
        calls_per_day=line.calls_per_day,
        minutes_per_call=line.minutes_per_call,
        hourly_rate_pence=line.hourly_rate_pence + 100,
        start_date=day + dt.timedelta(days=1),
    )


def _story(world: World) -> Story:
    """Six reductions, all to start in a fortnight: five of Brightwater's people and one
    of Rival Care's. Then one person's package goes back up after 50 days, one's ends after
    30, one's goes back up only after 200 days, one's line is replaced by an equal one after
    20 days, and two stay as they are."""
    people = [world.person]
    for number in range(4):
        person = ServiceUserFactory(
            provider=world.provider, given_name="Held", family_name=f"No{number}"
        )
        PackageLineFactory(service_user=person)
        people.append(person)
    people.append(world.other_person)
    reductions = [_approve(world, person) for person in people]
    start = reductions[0].agreed_start_date
    assert start is not None and all(r.agreed_start_date == start for r in reductions)
    up_soon, ended, up_late, replaced, _stays, _rival = people
    PackageLineFactory(service_user=up_soon, start_date=start + dt.timedelta(days=50))
    _end_lines(ended, start + dt.timedelta(days=30))
    PackageLineFactory(
        service_user=up_late, start_date=start + dt.timedelta(days=200), calls_per_day=1
    )
    _replace_with_equal(replaced, start + dt.timedelta(days=20))
    db.session.flush()
    return Story(reductions, start)


def _span_counts(story: Story, first: dt.date, last: dt.date, on: dt.date) -> dict:
    """By provider and checkpoint, the verdicts of the reductions whose checkpoint falls
    from ``first`` to ``last``, counted by hand."""
    counted: dict[tuple[int, int], Counter[Verdict]] = {}
    for reduction in story.reductions:
        assert reduction.agreed_start_date is not None
        for days in DAYS:
            checkpoint = reduction.agreed_start_date + dt.timedelta(days=days)
            if first <= checkpoint <= last:
                tally = counted.setdefault((reduction.provider_id, days), Counter())
                tally[_by_hand(reduction, days, on)] += 1
    return counted


def _as_counted(first: dt.date, last: dt.date) -> dict:
    figures = held_by_provider(first, last)
    found: dict[tuple[int, int], Counter[Verdict]] = {}
    for row in figures.providers:
        for days in DAYS:
            held = row.at[days]
            tally = Counter(
                {
                    Verdict.HELD: held.held,
                    Verdict.WENT_BACK_UP: held.went_back_up,
                    Verdict.ENDED: held.ended,
                    Verdict.NOT_YET_KNOWN: held.not_yet_known,
                }
            )
            if +tally:
                found[(row.provider_id, days)] = +tally
    return found


# The stored verdicts against the count by hand. -------------------------------------------


def test_stored_verdicts_match_a_count_by_hand_as_each_checkpoint_comes(world: World) -> None:
    story = _story(world)
    # Today, before the reductions start: nothing is known, and nothing is filled in.
    for reduction in story.reductions:
        stored = _stored(reduction)
        assert _verdicts(reduction) == (Verdict.NOT_YET_KNOWN, Verdict.NOT_YET_KNOWN)
        assert (stored.weekly_minutes_91, stored.weekly_minutes_365) == (None, None)
        assert stored.weekly_minutes_agreed == _minutes_on(reduction.service_user_id, story.start)
    for seen in (120, 400):
        on = story.start + dt.timedelta(days=seen)
        checkpoints.refresh_due(on=on)  # the nightly job
        for reduction in story.reductions:
            assert _verdicts(reduction) == tuple(_by_hand(reduction, d, on) for d in DAYS)
            stored = _stored(reduction)
            assert stored.weekly_minutes_91 == _minutes_on(
                reduction.service_user_id, story.start + dt.timedelta(days=91)
            )
        for first, last in (
            (story.start, story.start + dt.timedelta(days=100)),
            (story.start + dt.timedelta(days=300), story.start + dt.timedelta(days=400)),
            (story.start - dt.timedelta(days=800), story.start + dt.timedelta(days=800)),
        ):
            assert _as_counted(first, last) == _span_counts(story, first, last, on)
    # As worked out above, at 400 days: at 91 days four held (two untouched, the equal line,
    # the late increase), one went back up and one ended; at a year the late increase too.
    verdicts = [_verdicts(r) for r in story.reductions]
    assert Counter(v[0] for v in verdicts) == {
        Verdict.HELD: 4,
        Verdict.WENT_BACK_UP: 1,
        Verdict.ENDED: 1,
    }
    assert Counter(v[1] for v in verdicts) == {
        Verdict.HELD: 3,
        Verdict.WENT_BACK_UP: 2,
        Verdict.ENDED: 1,
    }
    every = held_by_provider(story.start, story.start + dt.timedelta(days=800))
    brightwater = next(p for p in every.providers if p.provider_id == world.provider.id)
    assert (brightwater.at[91].held, brightwater.at[91].sustained_percent) == (3, 60)
    assert (brightwater.at[365].held, brightwater.at[365].sustained_percent) == (2, 40)
    assert every.council[91].sustained_percent == 67  # 4 of 6
    assert every.council[365].sustained_percent == 50


def test_working_everything_out_again_changes_nothing(world: World) -> None:
    story = _story(world)
    on = story.start + dt.timedelta(days=400)
    checkpoints.refresh_due(on=on)
    before = {r.id: _verdicts(r) for r in story.reductions}
    checkpoints.refresh_all(db.session.connection(), on=on)
    assert {r.id: _verdicts(r) for r in story.reductions} == before
    assert checkpoints.refresh_due(on=on) == 0  # nothing more has come


# Lines changing after the checkpoints move the verdict. -----------------------------------


def test_lines_changing_after_a_checkpoint_move_its_verdict(world: World) -> None:
    reduction = _approve(world, world.person)
    start = reduction.agreed_start_date
    assert start is not None
    on = start + dt.timedelta(days=100)
    checkpoints.refresh_due(on=on)
    assert _verdicts(reduction) == (Verdict.HELD, Verdict.NOT_YET_KNOWN)

    # The case system records, late, an extra line from day 60: it went back up at 91 days.
    with clock_at(dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)):
        extra = PackageLineFactory(
            service_user=world.person, start_date=start + dt.timedelta(days=60), calls_per_day=1
        )
        assert _verdicts(reduction) == (Verdict.WENT_BACK_UP, Verdict.NOT_YET_KNOWN)
        # It is found to have ended the day it started: held again.
        extra.end_date = extra.start_date
        checkpoints.lines_changed([world.person.id])
        assert _verdicts(reduction) == (Verdict.HELD, Verdict.NOT_YET_KNOWN)
        # Every line ended on day 80: the package ended.
        _end_lines(world.person, start + dt.timedelta(days=80))
        assert _verdicts(reduction) == (Verdict.ENDED, Verdict.NOT_YET_KNOWN)
    assert _stored(reduction).weekly_minutes_91 == 0


def test_a_later_increase_approved_for_the_person_moves_the_earlier_reduction(
    world: World,
) -> None:
    reduction = _approve(world, world.person)
    start = reduction.agreed_start_date
    assert start is not None
    later = start + dt.timedelta(days=30)
    with clock_at(dt.datetime.combine(later, dt.time(12), tzinfo=dt.UTC)):
        increase = submitted_increase(world, world.person, calls=4)
        operations.approve(
            increase, by=world.users[Role.CARE_MANAGER], start_date=later + dt.timedelta(days=7)
        )
    checkpoints.refresh_due(on=start + dt.timedelta(days=400))
    assert _verdicts(reduction) == (Verdict.WENT_BACK_UP, Verdict.WENT_BACK_UP)
    # An increase is not a reduction: it has no checkpoints.
    assert db.session.get(ReductionCheckpoint, increase.id) is None


def test_a_case_system_import_moves_the_verdict(world: World) -> None:
    reduction = _approve(world, world.person)
    start = reduction.agreed_start_date
    assert start is not None
    person = world.person
    row = person_row(
        person.case_reference,
        world.provider.supplier_reference,
        "EXTRA-1",
        given_name=person.given_name,
        family_name=person.family_name,
        calls_per_day=2,
        start_date=(start + dt.timedelta(days=10)).isoformat(),
    )
    apply_changes([row])
    checkpoints.refresh_due(on=start + dt.timedelta(days=100))
    assert _verdicts(reduction) == (Verdict.WENT_BACK_UP, Verdict.NOT_YET_KNOWN)


def test_the_nightly_command_fills_in_the_checkpoints_that_came(app: Flask, world: World) -> None:
    story = _story(world)
    # Run as the nightly job would, a year and more after the reductions started.
    later = dt.datetime.combine(story.start + dt.timedelta(days=400), dt.time(2), tzinfo=dt.UTC)
    with clock_at(later):
        result = app.test_cli_runner().invoke(args=["reductions", "checkpoints"])
    assert result.exit_code == 0, result.output
    assert "judged again: 6" in result.output
    assert all(Verdict.NOT_YET_KNOWN not in _verdicts(r) for r in story.reductions)


# What commissioners see, and what it costs. -----------------------------------------------


def test_the_summary_shows_whether_reductions_held(as_role, world: World) -> None:
    story = _story(world)
    db.session.commit()
    year = FinancialYear.containing(story.start + dt.timedelta(days=91))
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/recommendations/summary?year={year.start_year}"))
    assert "Do reductions hold?" in page
    assert f"At 91 days: reductions reaching 91 days in {year.label}" in page
    # Today, a fortnight before they start, no checkpoint has come: all not yet known.
    assert "Brightwater Home Care 5 0 0 0 5 –" in page
    assert "Rival Care Ltd 1 0 0 0 1 –" in page
    assert "All providers 6 0 0 0 6 –" in page


def test_the_summary_counts_the_stored_checkpoints_in_one_statement(world: World) -> None:
    _story(world)
    year = FinancialYear.containing(today())
    with recorded_statements() as statements:
        held_by_provider(year.first_day, year.last_day)
    assert len(statements) == 1
    assert "reduction_checkpoints" in statements[0]
    assert "package_lines" not in statements[0]


def test_the_pages_read_each_month_s_counts_kept_and_count_those_forgotten(world: World) -> None:
    story = _story(world)
    year = FinancialYear.containing(story.start + dt.timedelta(days=91))
    counted = held_figures(year.first_day, year.last_day)
    # The same figures as counted afresh in one statement.
    assert counted == held_by_provider(year.first_day, year.last_day)
    stored.refresh()
    with recorded_statements() as statements:
        kept = held_figures(year.first_day, year.last_day)
    assert kept == counted
    # The kept months' counts, then the providers' names: no checkpoint is read.
    assert len(statements) == 2 and "reduction_checkpoints" not in " ".join(statements)
    # A checkpoint worked out again forgets its months, and those are counted again.
    checkpoints.refresh_due(on=story.start + dt.timedelta(days=400))
    with recorded_statements() as statements:
        later = held_figures(year.first_day, year.last_day)
    assert any("reduction_checkpoints" in statement for statement in statements)
    assert later == held_by_provider(year.first_day, year.last_day) != kept


def test_the_dashboard_sections_say_what_the_figures_say(world: World) -> None:
    story = _story(world)
    on = story.start + dt.timedelta(days=400)
    checkpoints.refresh_due(on=on)
    span = Span(FinancialYear.containing(story.start + dt.timedelta(days=91)))
    stored.refresh()  # the nightly refresh: each month's counts kept
    with recorded_statements() as statements:
        at_91, at_365 = held_sections(span)
    assert len(statements) == 2  # the kept counts, and the providers' names
    assert at_91.key == "reductions-held-91-days" and at_365.key == "reductions-held-12-months"
    by_hand = _span_counts(story, span.first_day, span.last_day, on)
    council: Counter[Verdict] = sum(
        (tally for (_, days), tally in by_hand.items() if days == 91), Counter()
    )
    held, known = council[Verdict.HELD], council.total() - council[Verdict.NOT_YET_KNOWN]
    percent = (200 * held + known) // (2 * known)
    rows = {row[0].text: [cell.value for cell in row[1:]] for row in at_91.table.rows}
    assert rows["All providers"] == [
        council.total(),
        held,
        council[Verdict.WENT_BACK_UP],
        council[Verdict.ENDED],
        council[Verdict.NOT_YET_KNOWN],
        percent,
    ]
    assert rows["Brightwater Home Care"][:2] == [5, 3] and rows["Rival Care Ltd"][:2] == [1, 1]
    assert at_91.commentary[0] == (
        f"{held} of {known} reductions ({percent}%) that reached 91 days in {span.label} had "
        f"held; {council[Verdict.WENT_BACK_UP]} went back up and {council[Verdict.ENDED]} ended."
    )
    assert at_91.chart is not None and at_91.chart.percent
    assert at_91.chart.categories == ("Brightwater Home Care", "Rival Care Ltd", "All providers")
    assert at_91.chart.series[0].values == (60, 100, percent)
    # Their 12-month checkpoints fall in the next year.
    assert at_365.commentary == (f"No approved reduction reaches 12 months in {span.label}.",)
    assert [row[0].text for row in at_365.table.rows] == ["All providers"]
