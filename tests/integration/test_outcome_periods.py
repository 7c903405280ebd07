"""Reporting periods: opened by commissioners; the returns owed follow from package lines."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.dates import quarter_bounds, today
from portal.common.models import clock_at
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import ReportingPeriod
from portal.outcomes.operations import accept_return
from portal.outcomes.owed import lines_changed
from portal.providers.models import PackageLine
from tests.client import text_of
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory
from tests.fixtures import World
from tests.integration.helpers import complete_return, date_parts
from tests.integration.records import submitted_return


def _next_quarter() -> tuple[dt.date, dt.date]:
    return quarter_bounds(quarter_bounds(today())[1] + dt.timedelta(days=1))


def test_a_commissioner_opens_a_quarter(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    start, end = _next_quarter()
    response = client.post(
        "/outcome-periods/new",
        data={"quarter": start.isoformat(), "due_date": date_parts(end + dt.timedelta(days=14))},
    )
    assert response.status_code == 302
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.start_date == start))
    assert period.end_date == end
    assert "is open for outcome returns" in text_of(client.get(response.location))
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "reporting_period.opened")
    )


def test_a_quarter_opens_once_and_is_due_after_it_ends(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    page = text_of(
        client.post(
            "/outcome-periods/new",
            data={
                "quarter": world.period.start_date.isoformat(),
                "due_date": date_parts(world.period.end_date + dt.timedelta(days=14)),
            },
        )
    )
    assert f"{world.period.label} is already open" in page
    start, end = _next_quarter()
    page = text_of(
        client.post(
            "/outcome-periods/new", data={"quarter": start.isoformat(), "due_date": date_parts(end)}
        )
    )
    assert "The due date must be after the quarter ends" in page


def test_the_task_list_shows_exactly_the_people_owed_returns(as_role, world: World) -> None:
    period = world.period
    ended = ServiceUserFactory(provider=world.provider, given_name="Edna", family_name="Ended")
    PackageLineFactory(
        service_user=ended,
        start_date=period.start_date - dt.timedelta(days=200),
        end_date=period.start_date - dt.timedelta(days=1),
    )
    late_start = ServiceUserFactory(provider=world.provider, given_name="Lola", family_name="Late")
    PackageLineFactory(service_user=late_start, start_date=period.end_date)
    small = ProviderFactory(strategic_tier=False)
    not_strategic = ServiceUserFactory(provider=small, given_name="Nora", family_name="Small")
    PackageLineFactory(service_user=not_strategic)
    db.session.commit()

    page = text_of(as_role(Role.PROVIDER_MANAGER).get(f"/outcome-periods/{period.id}"))
    assert "Able, Margaret" in page
    assert "Late, Lola" in page  # a line starting on the quarter's last day still counts
    assert "Ended, Edna" not in page
    assert "Other, Olive" not in page  # another provider's person
    assert "Small, Nora" not in page
    assert "Not started (2)" in page


def test_states_are_counted_and_filtered(as_role, world: World) -> None:
    second = ServiceUserFactory(provider=world.provider, given_name="Bob", family_name="Baker")
    PackageLineFactory(service_user=second)
    submitted_return(world, world.person)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    url = f"/outcome-periods/{world.period.id}"
    page = text_of(client.get(url))
    assert "Not started (1)" in page
    assert "Submitted (1)" in page
    submitted_only = text_of(client.get(url + "?state=submitted"))
    assert "Able, Margaret" in submitted_only
    assert "Baker, Bob" not in submitted_only
    found = text_of(client.get(url + "?q=baker"))
    assert "Baker, Bob" in found
    assert "Able, Margaret" not in found


def test_commissioners_see_completion_by_provider(as_role, world: World) -> None:
    submitted_return(world, world.person)
    db.session.commit()
    page = text_of(as_role(Role.COMMISSIONER).get(f"/outcome-periods/{world.period.id}"))
    assert "1 of 2 returns owed are in" in page
    assert "Brightwater Home Care 1 1 0 0 0 100%" in page
    assert "Rival Care Ltd 1 0 1 0 0 0%" in page


def test_after_each_return_the_provider_is_back_where_they_were_in_the_list(
    as_role, world: World
) -> None:
    for number in range(30):
        person = ServiceUserFactory(provider=world.provider, family_name=f"Zed{number:02d}")
        PackageLineFactory(service_user=person)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    place = f"/outcome-periods/{world.period.id}?state=not_started&page=2"
    assert "Zed" in text_of(client.get(place))
    check_url = complete_return(client, world.person.id, world.period.id)
    response = client.post(check_url)
    assert response.location == place
    assert "Outcome return for Margaret Able submitted" in text_of(client.get(response.location))


def test_a_return_after_the_due_date_is_accepted_and_marked_late(as_role, world: World) -> None:
    world.period.due_date = today() - dt.timedelta(days=1)
    world.period.end_date = today() - dt.timedelta(days=2)
    world.period.start_date = world.period.end_date - dt.timedelta(days=80)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post(complete_return(client, world.person.id, world.period.id))
    assert response.status_code == 302
    assert "submitted after the due date: it is marked late" in text_of(
        client.get(response.location)
    )
    page = text_of(client.get(f"/outcome-periods/{world.period.id}?state=submitted"))
    assert "Submitted Late" in page


def test_progress_counts_late_and_accepted_returns_for_whoever_owes_them(
    as_role, world: World
) -> None:
    accepted = submitted_return(world, world.person)
    accept_return(accepted, by=world.users[Role.COMMISSIONER])
    bob = ServiceUserFactory(provider=world.provider, given_name="Bob", family_name="Baker")
    cara = ServiceUserFactory(provider=world.provider, given_name="Cara", family_name="Cole")
    for person in (bob, cara):
        PackageLineFactory(service_user=person)
    lines_changed([bob.id, cara.id])
    submitted_return(world, cara)
    with clock_at(
        dt.datetime.combine(
            world.period.due_date + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC
        )
    ):
        submitted_return(world, bob)  # the day after the due date
    # Olive's return is in, but her lines no longer fall in the quarter: no one owes it.
    submitted_return(world, world.other_person)
    for line in db.session.scalars(
        select(PackageLine).where(PackageLine.service_user_id == world.other_person.id)
    ):
        line.start_date = world.period.start_date - dt.timedelta(days=30)
        line.end_date = world.period.start_date - dt.timedelta(days=1)
    lines_changed([world.other_person.id])
    db.session.commit()

    page = text_of(as_role(Role.COMMISSIONER).get(f"/outcome-periods/{world.period.id}"))

    assert "3 of 3 returns owed are in" in page
    # Owed, received, missing, late, accepted, completion.
    assert "Brightwater Home Care 3 3 0 1 1 100%" in page
    assert "Rival Care Ltd" not in page


def test_returns_not_yet_due_are_never_called_missing(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    url = f"/outcome-periods/{world.period.id}"
    # The quarter is under way and due after it ends.
    page = text_of(client.get(url))
    assert "0 of 2 returns owed are in; 2 are not yet due." in page
    assert "Missing" not in page and "missing" not in page
    assert "Provider Owed Received Not yet due Late Accepted Completion" in page

    # A quarter not yet begun: its returns are not yet open.
    world.period.start_date = today() + dt.timedelta(days=10)
    db.session.commit()
    assert "2 are not yet open" in text_of(client.get(url))

    # Once the due date has passed, what is not in is missing.
    world.period.due_date = today() - dt.timedelta(days=1)
    world.period.end_date = today() - dt.timedelta(days=2)
    world.period.start_date = world.period.end_date - dt.timedelta(days=80)
    db.session.commit()
    page = text_of(client.get(url))
    assert "2 are missing, as the due date has passed" in page
    assert "Missing and late returns by provider" in page
    assert "Provider Owed Received Missing Late Accepted Completion" in page


def test_a_providers_row_opens_on_its_people_and_their_returns(as_role, world: World) -> None:
    bob = ServiceUserFactory(provider=world.provider, given_name="Bob", family_name="Baker")
    PackageLineFactory(service_user=bob)
    lines_changed([bob.id])
    submitted_return(world, world.person)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)
    progress = client.get(f"/outcome-periods/{world.period.id}").get_data(as_text=True)
    drill = f"/outcome-periods/{world.period.id}/providers/{world.provider.id}"
    assert f'href="{drill}"' in progress

    page = text_of(client.get(drill))
    assert "Brightwater Home Care Outcome returns for" in page
    assert "1 of 2 returns owed are in; 1 is not yet due." in page
    assert "Able, Margaret" in page and "Baker, Bob" in page
    assert "Olive" not in page  # the other provider's person
    assert re.search(r"Baker, Bob \S+ Not started Not yet due", page)
    assert re.search(r"Able, Margaret \S+ Submitted", page)


def test_a_providers_people_are_its_own_managers_and_the_councils_alone(
    as_role, world: World
) -> None:
    mine = f"/outcome-periods/{world.period.id}/providers/{world.provider.id}"
    theirs = f"/outcome-periods/{world.period.id}/providers/{world.other_provider.id}"
    manager = as_role(Role.PROVIDER_MANAGER)
    assert "Able, Margaret" in text_of(manager.get(mine))
    assert manager.get(theirs).status_code == 404
    assert manager.get(f"/outcome-periods/{world.period.id}/providers/999999").status_code == 404
    care_manager = as_role(Role.CARE_MANAGER)
    assert "Other, Olive" in text_of(care_manager.get(theirs))
