"""The council's queue of outcome returns to accept: what waits, by quarter and provider;
one provider's returns for the quarter, several accepted at once, each with its own audit
event and the progress figures kept in step; the count on a commissioner's What needs you."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes import owed
from portal.outcomes.models import OutcomeProgress, OutcomeReturn, ReturnStatus
from portal.providers.models import ServiceUser
from tests.client import text_of
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World, sign_in
from tests.integration.records import submitted_return


def _people(world: World, count: int) -> list[ServiceUser]:
    """``count`` more people the provider supports, each owing this quarter's return."""
    people = [
        ServiceUserFactory(provider=world.provider, given_name="Person", family_name=f"No{n}")
        for n in range(count)
    ]
    for person in people:
        PackageLineFactory(service_user=person)
    db.session.flush()
    owed.lines_changed([person.id for person in people])
    return people


def _handed_in(world: World, count: int) -> list[OutcomeReturn]:
    returns = [submitted_return(world, person) for person in _people(world, count)]
    db.session.commit()
    return returns


def _page(world: World) -> str:
    return f"/outcome-returns/to-accept/{world.period.id}/providers/{world.provider.id}"


def test_what_waits_is_listed_by_quarter_and_provider(client, world: World) -> None:
    _handed_in(world, 3)
    submitted_return(world, world.other_person)
    db.session.commit()
    sign_in(client, world.users[Role.COMMISSIONER])
    home = text_of(client.get("/what-needs-you"))
    assert "4 outcome returns waiting to be accepted" in home

    response = client.get("/outcome-returns/to-accept")
    page = text_of(response)
    assert "4 returns are waiting" in page
    rows = re.findall(
        r"(Brightwater Home Care|Rival Care Ltd) returns for (\S+ \S+) \2 (\d+)", page
    )
    label = world.period.label
    assert sorted(rows) == [("Brightwater Home Care", label, "3"), ("Rival Care Ltd", label, "1")]
    assert f'href="{_page(world)}"' in response.get_data(as_text=True)


def test_several_returns_are_accepted_at_once(client, world: World) -> None:
    returns = _handed_in(world, 3)
    chosen, left = returns[:2], returns[2]
    sign_in(client, world.users[Role.COMMISSIONER])
    listing = client.get(_page(world))
    page = text_of(listing)
    assert "3 returns are waiting" in page
    assert "Person No0" in page and "Person No2" in page

    response = client.post(_page(world), data={"returns": [r.id for r in chosen]})
    assert response.status_code == 302 and response.location == _page(world)
    banner = text_of(client.get(response.location))
    assert f"2 returns from Brightwater Home Care for {world.period.label} accepted." in banner
    db.session.expire_all()
    assert [db.session.get(OutcomeReturn, r.id).status for r in chosen] == [  # type: ignore[union-attr]
        ReturnStatus.ACCEPTED,
        ReturnStatus.ACCEPTED,
    ]
    assert db.session.get(OutcomeReturn, left.id).status == ReturnStatus.SUBMITTED  # type: ignore[union-attr]
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "outcome_return.accepted",
            AuditEvent.entity_id.in_([r.id for r in chosen]),
        )
    ).all()
    assert len(events) == 2
    commissioner = world.users[Role.COMMISSIONER]
    for event in events:
        assert event.actor_id == commissioner.id
        assert event.before["status"] == "submitted"
        assert event.after["status"] == "accepted"
        assert event.after["reviewed_by_id"] == commissioner.id
    progress = db.session.scalar(
        select(OutcomeProgress).where(
            OutcomeProgress.period_id == world.period.id,
            OutcomeProgress.provider_id == world.provider.id,
        )
    )
    assert progress is not None and progress.accepted == 2

    # The last one accepted, nothing waits: back to the queue, which says so.
    last = client.post(_page(world), data={"returns": [left.id]})
    assert last.location == "/outcome-returns/to-accept"
    assert "No outcome returns are waiting to be accepted" in text_of(client.get(last.location))


def test_choosing_none_says_so_and_changes_nothing(client, world: World) -> None:
    returns = _handed_in(world, 2)
    sign_in(client, world.users[Role.COMMISSIONER])
    response = client.post(_page(world), data={})
    page = text_of(response)
    assert "There is a problem" in page and "Select the returns to accept" in page
    assert 'href="#returns"' in response.get_data(as_text=True)
    assert 'id="returns"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert {db.session.get(OutcomeReturn, r.id).status for r in returns} == {  # type: ignore[union-attr]
        ReturnStatus.SUBMITTED
    }


def test_a_return_reviewed_meanwhile_is_counted_not_accepted_again(client, world: World) -> None:
    returns = _handed_in(world, 2)
    sign_in(client, world.users[Role.COMMISSIONER])
    client.post(_page(world), data={"returns": [returns[0].id]})
    # Another tab still shows both: both are chosen.
    response = client.post(_page(world), data={"returns": [r.id for r in returns]})
    banner = text_of(client.get(response.location))
    assert "1 return from Brightwater Home Care" in banner
    assert "1 of those you chose was reviewed by someone else first." in banner
    accepted = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "outcome_return.accepted", AuditEvent.entity_id == returns[0].id
        )
    ).all()
    assert len(accepted) == 1


def test_another_providers_or_quarters_return_is_not_accepted_by_its_id(
    client, world: World
) -> None:
    _handed_in(world, 1)
    theirs = submitted_return(world, world.other_person)
    db.session.commit()
    sign_in(client, world.users[Role.COMMISSIONER])
    response = client.post(_page(world), data={"returns": [theirs.id]})
    assert "0 returns from Brightwater Home Care" in text_of(client.get(response.location))
    db.session.expire_all()
    assert db.session.get(OutcomeReturn, theirs.id).status == ReturnStatus.SUBMITTED  # type: ignore[union-attr]


def test_providers_and_finance_cannot_reach_the_queue(client, world: World) -> None:
    _handed_in(world, 1)
    for role in (Role.PROVIDER_MANAGER, Role.FINANCE_OFFICER):
        sign_in(client, world.users[role])
        assert client.get("/outcome-returns/to-accept").status_code in (403, 404)
        assert client.get(_page(world)).status_code in (403, 404)
        client.post("/sign-out")


def test_an_unknown_provider_or_quarter_is_not_found(client, world: World) -> None:
    sign_in(client, world.users[Role.CARE_MANAGER])
    assert (
        client.get(f"/outcome-returns/to-accept/{world.period.id}/providers/999999").status_code
        == 404
    )
    assert (
        client.get(f"/outcome-returns/to-accept/999999/providers/{world.provider.id}").status_code
        == 404
    )
