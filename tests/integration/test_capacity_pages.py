"""A provider's capacity returns through the pages: the form and its bounds, "nothing has
changed", nil returns, history, and another provider's return out of reach."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.capacity.models import CapacityKind, CapacityReturn
from portal.common.dates import format_date
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import Quadrant
from tests.client import text_of
from tests.factories import ProviderFactory, UserFactory
from tests.fixtures import World, sign_in

DAY = dt.date(2026, 11, 10)  # inside November's window (8th to Monday 16th)


@pytest.fixture(autouse=True)
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.views", "portal.capacity.operations"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


def return_form(**changes: str) -> dict[str, str]:
    form = {
        "service_users": "42",
        "delivered": "1,250.5",
        "east-spare": "20",
        "east-new_packages": "2",
        "west-spare": "0",
        "west-new_packages": "0",
        "central-spare": "7.5",
        "central-new_packages": "1",
        "south-spare": "0",
        "south-new_packages": "0",
        "weekend_starts": "yes",
        "seven_day_discharge": "no",
        "winter": "30",
        "festive": "10",
        "takes_double_handed": "y",
        "takes_dementia": "y",
        "headcount": "35",
        "fte": "28.5",
        "starters": "2",
        "leavers": "1",
        "vacancies": "4",
        "overseas_sponsored": "6",
        "agency": "12",
        "pays_travel_time": "yes",
        "hourly_pay": "12.85",
    }
    form.update(changes)
    return form


def test_a_provider_files_its_return(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    overview = text_of(client.get("/capacity"))
    assert "Due by 16 November 2026" in overview
    response = client.post("/capacity/2026/11", data=return_form())
    assert response.status_code == 302, text_of(response)
    capacity = db.session.scalars(select(CapacityReturn)).one()
    assert (capacity.delivered_weekly_minutes, capacity.fte_hundredths) == (75030, 2850)
    assert capacity.hourly_pay_pence == 1285 and not capacity.late
    assert {q.quadrant: q.spare_weekly_minutes for q in capacity.quadrants} == {
        Quadrant.EAST: 1200,
        Quadrant.CENTRAL: 450,
    }
    page = text_of(client.get(response.location))
    assert "Capacity return for November 2026 sent." in page
    assert f"November 2026 {format_date(capacity.submitted_at)} 27.5" in page  # history
    view = text_of(client.get(f"/capacity/returns/{capacity.id}"))
    assert "Spare-capacity index 0.02" in view  # 27.5 spare of 1,250.5 delivered
    assert "Staff turnover, annualised 34.8% Above 20%" in view  # 12 leavers a year / 34.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delivered": "lots"}, "Enter hours as a number, for example 1,250.5"),
        ({"hourly_pay": "12.855"}, "Enter pay in pounds and pence, for example 12.85"),
        ({"east-spare": "-3"}, "East quadrant: Enter spare hours as a number, for example 12.5"),
        ({"leavers": "40"}, "Leavers cannot be more than your care staff headcount plus starters"),
        ({"vacancies": "-1"}, "Vacancies must be 0 or more"),
        ({"weekend_starts": ""}, "Select whether you start at weekends"),
        ({"fte": ""}, "Enter your care staff full-time equivalents, or 0"),
    ],
)
def test_bad_figures_are_explained_and_nothing_is_saved(
    as_role, world: World, changes: dict[str, str], message: str
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post("/capacity/2026/11", data=return_form(**changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert text_of(response).count(message) == 2  # in the summary and by the field
    assert db.session.scalar(select(CapacityReturn)) is None


def test_nothing_changed_and_nil_returns(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    assert client.post("/capacity/2026/10", data=return_form()).status_code == 302
    overview = text_of(client.get("/capacity"))
    assert "Nothing has changed since October 2026?" in overview
    assert "Supporting no one this month?" not in overview  # Brightwater supports Margaret
    response = client.post("/capacity/2026/11/unchanged")
    assert "sent, with the same figures as your last return" in text_of(
        client.get(response.location)
    )
    november = db.session.scalars(
        select(CapacityReturn).where(CapacityReturn.month == dt.date(2026, 11, 1))
    ).one()
    assert november.kind == CapacityKind.UNCHANGED and november.service_users == 42
    # A nil return is refused for a provider that supports people.
    response = client.post("/capacity/2026/11/nil")
    assert "a nil return is only for a provider supporting no one" in text_of(
        client.get(response.location)
    )

    quiet = ProviderFactory(name="Quiet Lane Care")
    manager = UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=quiet.id)
    db.session.commit()
    client.post("/sign-out")
    sign_in(client, manager)
    assert "Supporting no one this month?" in text_of(client.get("/capacity"))
    response = client.post("/capacity/2026/11/nil")
    assert "Nil return for November 2026 sent." in text_of(client.get(response.location))


def test_only_this_month_and_last_can_be_filed(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    assert client.get("/capacity/2026/11").status_code == 200
    assert client.get("/capacity/2026/10").status_code == 200
    assert client.get("/capacity/2026/9").status_code == 404
    assert client.get("/capacity/2026/13").status_code == 404


def test_another_providers_return_is_not_found(client, world: World) -> None:
    sign_in(client, world.other_provider_manager)
    assert client.post("/capacity/2026/11", data=return_form()).status_code == 302
    theirs = db.session.scalars(select(CapacityReturn)).one()
    client.post("/sign-out")
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert client.get(f"/capacity/returns/{theirs.id}").status_code == 404
    client.post("/sign-out")
    sign_in(client, world.users[Role.COMMISSIONER])
    assert client.get(f"/capacity/returns/{theirs.id}").status_code == 200
