"""What a change to the register does elsewhere: a suspended or exited provider makes no new
recommendations; an exited one owes no outcome or capacity returns for periods starting
after its exit date; a move in or out of the strategic tier changes who owes returns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal.capacity.models import CapacityReturn
from portal.common.dates import today
from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import ProviderStatus, RegisterFact
from portal.providers.operations import change_flag, change_status
from portal.providers.queries import status_on
from portal.recommendations import operations as recommendations
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import date_parts, owed_in, reduction_form
from tests.integration.records import submitted_reduction
from tests.integration.test_capacity_pages import return_form, send_return


def _owing(world: World) -> set[int]:
    """The providers owing the world's quarter's returns."""
    return {provider for _person, provider in owed_in(world.period)}


def _suspend(world: World) -> None:
    change_status(
        world.provider,
        ProviderStatus.SUSPENDED,
        on=today(),
        reason="CQC rated it Requires improvement",
        by=world.users[Role.COMMISSIONER],
    )
    db.session.commit()


def test_a_suspended_provider_is_offered_no_new_recommendation(as_role, world: World) -> None:
    _suspend(world)
    client = as_role(Role.PROVIDER_MANAGER)
    person = text_of(client.get(f"/service-users/{world.person.id}"))
    assert "Recommend a package change" not in person
    assert "Brightwater Home Care has been suspended since" in person
    assert "has been suspended since" in text_of(client.get("/recommendations"))

    url = f"/service-users/{world.person.id}/recommendations/new"
    page = text_of(client.get(url))
    assert "You cannot recommend a package change" in page
    response = client.post(url, data=reduction_form())
    assert "You cannot recommend a package change" in text_of(response)
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0

    # The operation refuses too, whatever page calls it.
    with pytest.raises(DomainError, match="is suspended, so it cannot make new recommendations"):
        submitted_reduction(world, world.person)


def test_a_draft_made_before_the_suspension_cannot_be_sent(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post(
        f"/service-users/{world.person.id}/recommendations/new", data=reduction_form()
    )
    assert response.status_code == 302
    draft = db.session.scalars(select(Recommendation)).one()
    _suspend(world)

    check = client.get(f"/recommendations/{draft.id}/check")
    assert "You cannot recommend a package change" in text_of(check)
    refused = client.post(f"/recommendations/{draft.id}/check", data={})
    assert "You cannot recommend a package change" in text_of(refused)
    db.session.expire_all()
    assert draft.status == RecommendationStatus.DRAFT
    with pytest.raises(DomainError, match="is suspended"):
        recommendations.submit(draft, by=world.users[Role.PROVIDER_MANAGER])


def test_an_exit_ends_the_outcome_returns_owed_after_it(as_role, world: World) -> None:
    period = world.period
    assert _owing(world) == {world.provider.id, world.other_provider.id}
    client = as_role(Role.COMMISSIONER)
    url = f"/providers/{world.provider.id}/exit"
    # Left the day before the quarter started: it owes nothing for the quarter.
    left = period.start_date - dt.timedelta(days=1)
    data = {"effective_on": date_parts(left), "reason": "Contract ended", "confirmed": "yes"}
    assert client.post(url, data=data).status_code == 302
    assert _owing(world) == {world.other_provider.id}


def test_a_provider_leaving_on_the_quarters_first_day_still_owes_it(as_role, world: World) -> None:
    period = world.period
    client = as_role(Role.COMMISSIONER)
    data = {"effective_on": date_parts(period.start_date), "confirmed": "yes"}
    assert client.post(f"/providers/{world.provider.id}/exit", data=data).status_code == 302
    assert world.provider.id in _owing(world)


def test_leaving_the_strategic_tier_changes_who_owes(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    data = {"value": "no", "effective_on": date_parts(today()), "confirmed": "yes"}
    response = client.post(f"/providers/{world.provider.id}/strategic-tier", data=data)
    assert response.status_code == 302
    assert _owing(world) == {world.other_provider.id}


CAPACITY_DAY = dt.date(2026, 11, 10)  # inside November's window (8th to Monday 16th)


@pytest.fixture
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.views", "portal.capacity.operations", "portal.casework.needs"):
        monkeypatch.setattr(f"{module}.today", lambda: CAPACITY_DAY)


@pytest.mark.usefixtures("_on_the_10th")
def test_an_exited_provider_owes_no_capacity_return_after_its_exit(as_role, world: World) -> None:
    change_status(
        world.provider,
        ProviderStatus.EXITED,
        on=dt.date(2026, 10, 31),
        reason="",
        by=world.users[Role.COMMISSIONER],
    )
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    overview = text_of(client.get("/capacity"))
    assert "left the council’s register on 31 October 2026, so it owes no return for November" in (
        overview
    )
    assert "Fill in the November 2026 return" not in overview
    home = text_of(client.get("/what-needs-you"))
    assert "capacity return" not in home.lower()  # neither owed nor coming next

    refused = client.post("/capacity/2026/11", data=return_form())
    assert refused.location == "/capacity/2026/11/check"
    assert "owes no return for November 2026" in text_of(client.post(refused.location))
    # October, before it left, is still owed: sent late.
    assert send_return(client, "/capacity/2026/10", return_form()).status_code == 302
    months = db.session.scalars(select(CapacityReturn.month)).all()
    assert months == [dt.date(2026, 10, 1)]


def test_status_on_a_day_follows_the_dated_history(world: World) -> None:
    provider, by = world.provider, world.users[Role.COMMISSIONER]
    # A provider whose status was never recorded has the status it has now.
    assert status_on(provider, dt.date(2020, 1, 1)) == ProviderStatus.ACTIVE
    change_status(
        provider,
        ProviderStatus.SUSPENDED,
        on=today() - dt.timedelta(days=10),
        reason="Safeguarding",
        by=by,
    )
    change_status(
        provider, ProviderStatus.ACTIVE, on=today() - dt.timedelta(days=4), reason="Done", by=by
    )
    # Other facts' changes are no status.
    change_flag(provider, RegisterFact.TRUSTED_ASSESSOR, False, on=today(), reason="", by=by)
    change_status(provider, ProviderStatus.EXITED, on=today(), reason="", by=by)
    assert [status_on(provider, today() - dt.timedelta(days=n)) for n in (11, 10, 5, 4, 1, 0)] == [
        ProviderStatus.ACTIVE,
        ProviderStatus.SUSPENDED,
        ProviderStatus.SUSPENDED,
        ProviderStatus.ACTIVE,
        ProviderStatus.ACTIVE,
        ProviderStatus.EXITED,
    ]


def test_the_care_manager_is_told_a_recommendations_provider_is_suspended(
    as_role, world: World
) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    assert "has been suspended" not in text_of(client.get(f"/review/{recommendation.id}"))
    _suspend(world)
    page = text_of(client.get(f"/review/{recommendation.id}"))
    assert (
        f"Brightwater Home Care has been suspended since {today().strftime('%-d %B %Y')}: it can make "
        "no new recommendations, but this one still needs your decision"
    ) in page


def test_an_exited_provider_is_not_offered_a_quarter_it_does_not_owe(as_role, world: World) -> None:
    period = world.period
    change_status(
        world.provider,
        ProviderStatus.EXITED,
        on=period.start_date - dt.timedelta(days=1),
        reason="",
        by=world.users[Role.COMMISSIONER],
    )
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    page = text_of(client.get(f"/service-users/{world.person.id}"))
    assert f"the {period.label} outcome return" not in page
    assert (
        client.get(f"/service-users/{world.person.id}/outcome-returns/{period.id}").status_code
        == 404
    )
