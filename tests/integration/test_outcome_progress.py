"""The returns progress page's figures are kept as returns change and as who owes them
changes (``portal.outcomes.progress``): after each operation, the kept rows match the same
figures worked out afresh from the returns and who owes them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, true

from portal.common.models import clock_at
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import operations, owed, progress
from portal.outcomes.models import OutcomeProgress
from tests.factories import OutcomePeriodFactory, PackageLineFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.records import submitted_return


def _kept() -> dict[tuple[int, int], tuple[int, int, int, int]]:
    rows = db.session.execute(
        select(
            OutcomeProgress.period_id,
            OutcomeProgress.provider_id,
            OutcomeProgress.owed,
            OutcomeProgress.handed_in,
            OutcomeProgress.accepted,
            OutcomeProgress.late,
        ).where(OutcomeProgress.owed > 0)
    )
    return {(p, q): tuple(rest) for p, q, *rest in rows}


def _afresh() -> dict[tuple[int, int], tuple[int, int, int, int]]:
    return {(p, q): tuple(rest) for p, q, *rest in db.session.execute(progress.counted(true()))}


def _in_step() -> dict[tuple[int, int], tuple[int, int, int, int]]:
    kept = _kept()
    assert kept == _afresh()
    return kept


def test_figures_follow_returns_handed_in_accepted_and_sent_back(world: World) -> None:
    period, provider = world.period, world.provider
    assert _in_step()[(period.id, provider.id)] == (1, 0, 0, 0)

    handed_in = submitted_return(world, world.person)
    assert _in_step()[(period.id, provider.id)] == (1, 1, 0, 0)

    operations.return_for_correction(
        handed_in, by=world.users[Role.COMMISSIONER], reason="Evidence for 1.2 is missing"
    )
    assert _in_step()[(period.id, provider.id)] == (1, 0, 0, 0)

    operations.submit_return(handed_in, by=world.users[Role.PROVIDER_MANAGER])
    operations.accept_return(handed_in, by=world.users[Role.COMMISSIONER])
    assert _in_step()[(period.id, provider.id)] == (1, 1, 1, 0)


def test_a_return_handed_in_after_the_due_date_counts_as_late(world: World) -> None:
    after_due = dt.datetime.combine(
        world.period.due_date + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC
    )
    with clock_at(after_due):
        submitted_return(world, world.person)
    assert _in_step()[(world.period.id, world.provider.id)] == (1, 1, 0, 1)


def test_a_person_who_moves_takes_their_return_to_the_provider_now_owing_it(
    world: World,
) -> None:
    period, person = world.period, world.person
    provider, other = world.provider, world.other_provider
    submitted_return(world, person)
    assert _in_step()[(period.id, other.id)] == (1, 0, 0, 0)

    # The person moves to the other provider part way through the quarter.
    world.line.end_date = period.start_date + dt.timedelta(days=10)
    PackageLineFactory(
        service_user=person,
        provider_id=other.id,
        start_date=period.start_date + dt.timedelta(days=11),
    )
    owed.lines_changed([person.id])
    kept = _in_step()
    assert kept[(period.id, other.id)] == (2, 1, 0, 0)
    assert (period.id, provider.id) not in kept  # owes none now: no row on the page

    # New people, and a quarter opened later, are counted as they come.
    newcomer = ServiceUserFactory(provider=provider)
    PackageLineFactory(service_user=newcomer)
    owed.lines_changed([newcomer.id])
    start = period.end_date + dt.timedelta(days=1)
    following = OutcomePeriodFactory(
        start_date=start, end_date=start + dt.timedelta(days=89), label="Next quarter"
    )
    kept = _in_step()
    assert kept[(period.id, provider.id)] == (1, 0, 0, 0)
    assert kept[(following.id, other.id)] == (2, 0, 0, 0)
    assert kept[(following.id, provider.id)] == (1, 0, 0, 0)

    # A provider leaving the strategic tier owes nothing: everything is worked out again.
    other.strategic_tier = False
    owed.refresh_everything()
    kept = _in_step()
    assert kept[(period.id, provider.id)] == (2, 1, 0, 0)  # the person's earlier line decides
    assert (following.id, other.id) not in kept


def test_a_recount_repairs_figures_out_of_step(world: World) -> None:
    """What the migration and a repair rely on: ``recount_all`` works every row out again."""
    submitted_return(world, world.person)
    db.session.execute(OutcomeProgress.__table__.update().values(owed=7, handed_in=5, late=3))
    assert _kept() != _afresh()
    progress.recount_all()
    assert _in_step()[(world.period.id, world.provider.id)] == (1, 1, 0, 0)
