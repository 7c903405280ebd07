"""A provider's capacity returns through the pages: the form and its bounds, "nothing has
changed", nil returns, history, and another provider's return out of reach."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
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


def send_return(client, path: str, form: dict[str, str]) -> Any:
    """Fill in the return at ``path`` and send it from the check answers page."""
    answered = client.post(path, data=form)
    assert answered.location == f"{path}/check", text_of(answered)
    return client.post(answered.location)


def test_a_provider_files_its_return(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    overview = text_of(client.get("/capacity"))
    assert "Due by 16 November 2026" in overview
    response = send_return(client, "/capacity/2026/11", return_form())
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
    assert send_return(client, "/capacity/2026/10", return_form()).status_code == 302
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
    assert send_return(client, "/capacity/2026/11", return_form()).status_code == 302
    theirs = db.session.scalars(select(CapacityReturn)).one()
    client.post("/sign-out")
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert client.get(f"/capacity/returns/{theirs.id}").status_code == 404
    client.post("/sign-out")
    sign_in(client, world.users[Role.COMMISSIONER])
    assert client.get(f"/capacity/returns/{theirs.id}").status_code == 200


def _field_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert found, name
    value = re.search(r'value="([^"]*)"', found[0])
    return value[1] if value else None


def test_the_form_says_where_its_figures_come_from_and_leaves_the_flows_empty(
    as_role, world: World
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    assert send_return(client, "/capacity/2026/10", return_form()).status_code == 302
    response = client.get("/capacity/2026/11")
    page = response.get_data(as_text=True)
    assert "These figures are from your October 2026 return." in text_of(response)
    assert "Starters and leavers are left empty" in text_of(response)
    # Stocks are offered again to be checked; what happened in October is not November's.
    assert _field_value(page, "headcount") == "35"
    assert _field_value(page, "vacancies") == "4"
    assert not _field_value(page, "starters") and not _field_value(page, "leavers")
    # A month's first return, with nothing before it, claims no source.
    assert "These figures are from" not in text_of(client.get("/capacity/2026/10"))


def test_nothing_is_sent_until_the_answers_are_checked(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    answered = client.post("/capacity/2026/11", data=return_form(leavers="3"))
    assert answered.location == "/capacity/2026/11/check"
    assert db.session.scalar(select(CapacityReturn)) is None
    check = client.get(answered.location)
    page = text_of(check)
    assert "Check your capacity return for November 2026" in page
    assert "Nothing has been sent yet." in page
    assert "Leavers in November 2026 3 Change leavers in november 2026" in page
    assert "Weekly hours of care delivered 1250.5 hours Change" in page
    assert 'href="/capacity/2026/11#leavers"' in check.get_data(as_text=True)

    # "Change" brings back what was typed, not the figures the form started from.
    again = client.get("/capacity/2026/11")
    assert _field_value(again.get_data(as_text=True), "leavers") == "3"
    assert "You have not sent this return yet" in text_of(again)
    changed = client.post("/capacity/2026/11", data=return_form(leavers="2"))
    assert "Leavers in November 2026 2 Change" in text_of(client.get(changed.location))
    assert db.session.scalar(select(CapacityReturn)) is None

    sent = client.post("/capacity/2026/11/check")
    assert "Capacity return for November 2026 sent." in text_of(client.get(sent.location))
    capacity = db.session.scalars(select(CapacityReturn)).one()
    assert (capacity.leavers, capacity.kind) == (2, CapacityKind.FULL)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "capacity_return.submitted")
    ).one()
    assert event.after["leavers"] == 2 and event.before is None
    # Sent, the draft is gone: the check page sends the person back to the form.
    assert client.get("/capacity/2026/11/check").location == "/capacity/2026/11"


def test_a_refused_figure_keeps_what_was_typed(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    response = client.post("/capacity/2026/11", data=return_form(leavers="40", vacancies="9"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _field_value(page, "leavers") == "40" and _field_value(page, "vacancies") == "9"
    assert client.get("/capacity/2026/11/check").location == "/capacity/2026/11"


def test_nothing_changed_sends_last_months_stocks_with_no_starters_or_leavers(
    as_role, world: World
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    assert send_return(client, "/capacity/2026/10", return_form()).status_code == 302
    overview = text_of(client.get("/capacity"))
    assert "Send October 2026’s figures for November 2026" in overview
    assert "Starters and leavers are sent as 0" in overview
    client.post("/capacity/2026/11/unchanged")
    november = db.session.scalars(
        select(CapacityReturn).where(CapacityReturn.month == dt.date(2026, 11, 1))
    ).one()
    assert (november.headcount, november.vacancies) == (35, 4)
    assert (november.starters, november.leavers) == (0, 0)


@pytest.mark.parametrize(
    ("day", "sentence"),
    [
        (dt.date(2026, 11, 10), "The window for November 2026 is open until 16 November 2026."),
        (dt.date(2026, 11, 17), "The window for November 2026 closed on 16 November 2026."),
    ],
)
def test_a_returns_page_tells_its_window_in_the_tense_of_the_day(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch, day: dt.date, sentence: str
) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    assert send_return(client, "/capacity/2026/11", return_form()).status_code == 302
    capacity = db.session.scalars(select(CapacityReturn)).one()
    monkeypatch.setattr("portal.capacity.views.today", lambda: day)
    assert sentence in text_of(client.get(f"/capacity/returns/{capacity.id}"))


def test_the_form_before_the_window_opens_says_when_it_does(
    as_role, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.capacity.views.today", lambda: dt.date(2026, 12, 3))
    monkeypatch.setattr("portal.capacity.operations.today", lambda: dt.date(2026, 12, 3))
    page = text_of(as_role(Role.PROVIDER_MANAGER).get("/capacity/2026/12"))
    assert "The window for December 2026 opens on 8 December 2026 and closes on" in page
    assert "Due by" not in page
