"""Who owes each return is kept in step with the package lines, periods and providers by the
calls their changes make (``portal.outcomes.owed``): after each, the kept rows match the rule
worked out afresh. Approving a recommendation and opening a quarter make them too."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import operations, owed
from portal.outcomes.models import OwedReturn
from tests.client import text_of
from tests.factories import OutcomePeriodFactory, PackageLineFactory
from tests.fixtures import World
from tests.integration.helpers import date_parts, owed_in


def test_the_latest_line_in_the_quarter_says_who_owes(world: World) -> None:
    period, person, other_person = world.period, world.person, world.other_person
    provider, other = world.provider, world.other_provider
    assert owed_in(period) == {(person.id, provider.id), (other_person.id, other.id)}

    # The person moves to the other provider part way through the quarter.
    world.line.end_date = period.start_date + dt.timedelta(days=10)
    owed.lines_changed([person.id])
    PackageLineFactory(
        service_user=person,
        provider_id=other.id,
        start_date=period.start_date + dt.timedelta(days=11),
    )
    assert owed_in(period) == {(person.id, other.id), (other_person.id, other.id)}

    # A quarter opened later owes returns from the lines as they are then.
    start = period.end_date + dt.timedelta(days=1)
    following = OutcomePeriodFactory(
        start_date=start, end_date=start + dt.timedelta(days=89), label="Next quarter"
    )
    assert owed_in(following) == {(person.id, other.id), (other_person.id, other.id)}

    # The other provider leaves the strategic tier: its lines owe nothing, so the person's
    # earlier line this quarter decides again, and nobody owes next quarter.
    other.strategic_tier = False
    owed.refresh_everything()
    assert owed_in(period) == {(person.id, provider.id)}
    assert owed_in(following) == set()


def test_a_line_ended_before_the_quarter_owes_nothing(world: World) -> None:
    world.line.end_date = world.period.start_date - dt.timedelta(days=1)
    owed.lines_changed([world.person.id])
    assert owed_in(world.period) == {(world.other_person.id, world.other_provider.id)}
    world.line.end_date = world.period.start_date
    owed.lines_changed([world.person.id])
    assert (world.person.id, world.provider.id) in owed_in(world.period)


def test_an_approved_change_and_an_opened_quarter_refresh_who_owes(as_role, world: World) -> None:
    """The operations make the calls: a provider's approved reduction moves nobody, but the
    person's rows are worked out again from the new lines; a quarter opened through its
    page owes returns at once."""
    from portal.common.dates import quarter_bounds
    from tests.integration.records import submitted_reduction

    recommendation = submitted_reduction(world, world.person)
    # Out of step, as if a change had not refreshed them: the approval must.
    db.session.execute(delete(OwedReturn).where(OwedReturn.service_user_id == world.person.id))
    client = as_role(Role.CARE_MANAGER)
    start = recommendation.proposed_start_date
    response = client.post(
        f"/review/{recommendation.id}",
        data={"decision": "approve", "start_date": date_parts(start)},
    )
    assert response.status_code == 302, text_of(response)
    assert (world.person.id, world.provider.id) in owed_in(world.period)

    next_start = quarter_bounds(world.period.end_date + dt.timedelta(days=1))[0]
    opened = operations.open_period(
        start_date=next_start,
        due_date=next_start + dt.timedelta(days=120),
        by=world.users[Role.COMMISSIONER],
    )
    assert owed_in(opened) == {
        (world.person.id, world.provider.id),
        (world.other_person.id, world.other_provider.id),
    }
