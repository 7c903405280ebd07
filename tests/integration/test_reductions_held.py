"""Do reductions hold? What became of each approved reduction's package at 91 days and at 12
months, counted in SQL, agrees with a count by hand from the package lines, on each
database; and the commissioners' summary shows it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.common.dates import FinancialYear
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import PackageLine
from portal.recommendations import operations
from portal.recommendations.models import Recommendation
from portal.recommendations.sustained import CHECKPOINTS, reductions_held
from tests.client import text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.records import submitted_reduction


def _minutes_on(person_id: int, day: dt.date) -> int:
    lines = db.session.scalars(
        select(PackageLine).where(PackageLine.service_user_id == person_id)
    ).all()
    return sum(
        line.weekly_minutes
        for line in lines
        if line.start_date <= day and (line.end_date is None or line.end_date >= day)
    )


def _by_hand(reductions: list[Recommendation], on: dt.date) -> dict[int, dict[str, int]]:
    counted: dict[int, dict[str, int]] = {}
    for days in CHECKPOINTS:
        tally = {"down": 0, "up": 0, "ended": 0, "not_yet": 0}
        for reduction in reductions:
            start = reduction.agreed_start_date
            assert start is not None
            checkpoint = start + dt.timedelta(days=days)
            after = _minutes_on(reduction.service_user_id, start)
            then = _minutes_on(reduction.service_user_id, checkpoint)
            if checkpoint > on:
                tally["not_yet"] += 1
            elif then == 0:
                tally["ended"] += 1
            elif then > after:
                tally["up"] += 1
            else:
                tally["down"] += 1
        counted[days] = tally
    return counted


def _approved_reductions(world: World) -> list[Recommendation]:
    """Four reductions approved for the provider's people, to start in a fortnight; then one
    person's package goes back up after 50 days, one's ends after 30, one's goes back up
    only after 200 days, and one's stays down."""
    people = [world.person]
    for number in range(3):
        person = ServiceUserFactory(
            provider=world.provider, given_name="Held", family_name=f"No{number}"
        )
        PackageLineFactory(service_user=person)
        people.append(person)
    reductions = []
    for person in people:
        reduction = submitted_reduction(world, person)
        operations.approve(
            reduction,
            by=world.users[Role.CARE_MANAGER],
            start_date=reduction.proposed_start_date,
        )
        reductions.append(reduction)
    start = reductions[0].agreed_start_date
    assert start is not None
    up_soon, ended, up_late, _stayed = people
    PackageLineFactory(service_user=up_soon, start_date=start + dt.timedelta(days=50))
    for line in db.session.scalars(
        select(PackageLine).where(
            PackageLine.service_user_id == ended.id, PackageLine.end_date.is_(None)
        )
    ):
        line.end_date = start + dt.timedelta(days=30)
    PackageLineFactory(
        service_user=up_late, start_date=start + dt.timedelta(days=200), calls_per_day=1
    )
    db.session.flush()
    return reductions


def test_what_became_of_each_reduction_matches_a_count_by_hand(world: World) -> None:
    reductions = _approved_reductions(world)
    start = reductions[0].agreed_start_date
    assert start is not None
    year = FinancialYear.containing(start)
    for on in (start + dt.timedelta(days=120), start + dt.timedelta(days=400)):
        (row,) = reductions_held(year, on=on)
        assert row.provider_name == "Brightwater Home Care" and row.reductions == 4
        expected = _by_hand(reductions, on)
        for days in CHECKPOINTS:
            held = row.at[days]
            assert (held.stayed_down, held.went_back_up, held.ended, held.not_yet) == (
                expected[days]["down"],
                expected[days]["up"],
                expected[days]["ended"],
                expected[days]["not_yet"],
            ), (on, days)
    # Seen at 400 days, as worked out above: at 91 days two stayed down, one went back up
    # and one ended; at a year the late increase counts too.
    (row,) = reductions_held(year, on=start + dt.timedelta(days=400))
    assert (row.at[91].stayed_down, row.at[91].went_back_up, row.at[91].ended) == (2, 1, 1)
    assert (row.at[365].stayed_down, row.at[365].went_back_up, row.at[365].ended) == (1, 2, 1)
    assert row.at[91].sustained_percent == 50 and row.at[365].sustained_percent == 25


def test_a_reduction_in_another_year_is_not_counted(world: World) -> None:
    reductions = _approved_reductions(world)
    start = reductions[0].agreed_start_date
    assert start is not None
    earlier = FinancialYear.containing(start - dt.timedelta(days=400))
    assert reductions_held(earlier, on=start + dt.timedelta(days=400)) == []


def test_the_summary_shows_whether_reductions_held(as_role, world: World) -> None:
    reductions = _approved_reductions(world)
    db.session.commit()
    start = reductions[0].agreed_start_date
    assert start is not None
    year = FinancialYear.containing(start)
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.get(f"/recommendations/summary?year={year.start_year}"))
    assert "Do reductions hold?" in page
    assert f"At 91 days: reductions that started in {year.label}" in page
    # Today, a fortnight before they start, no checkpoint has come.
    assert "Brightwater Home Care 4 0 0 0 4 –" in page
