"""The administrator's audit viewer: the trail newest first, narrowed by its filters in SQL,
each event's values before and after, and the same events as a formula-safe CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.factories import UserFactory
from tests.fixtures import World

MIDDAY = dt.datetime(2026, 6, 15, 11, 0, tzinfo=dt.UTC)  # midday in London (summer time)


def _event(action: str, *, at: dt.datetime, **values: Any) -> AuditEvent:
    event = AuditEvent(occurred_at=at, action=action, entity_type="providers", **values)
    db.session.add(event)
    db.session.flush()
    return event


@pytest.fixture
def trail(world: World) -> dict[str, AuditEvent]:
    """Three events on three days, by two people, about two records."""
    sly = UserFactory(
        roles=[Role.COMMISSIONER], name='=HYPERLINK("http://x")', email="sly@council.example"
    )
    events = {
        "oldest": _event(
            "provider.created",
            at=MIDDAY - dt.timedelta(days=2),
            entity_id=world.provider.id,
            actor_id=world.users[Role.COMMISSIONER].id,
            after={"name": "Brightwater Home Care", "status": "active"},
            ip_address="198.51.100.7",
        ),
        "middle": _event(
            "provider.suspended",
            at=MIDDAY - dt.timedelta(days=1),
            entity_id=world.provider.id,
            actor_id=sly.id,
            before={"status": "active", "name": "Brightwater Home Care"},
            after={"status": "suspended", "name": "Brightwater Home Care"},
        ),
        "newest": _event(
            "provider.created",
            at=MIDDAY,
            entity_id=world.other_provider.id,
            actor_id=world.users[Role.COMMISSIONER].id,
            after={"name": "-2+3"},
        ),
    }
    db.session.commit()
    return events


def _rows(client: CheckedClient, query: str = "") -> list[str]:
    """The event links of the list page, in order (each names the event's id)."""
    page = client.get(f"/audit{query}").get_data(as_text=True)
    return [
        line.split('href="/audit/')[1].split('"')[0]
        for line in page.splitlines()
        if 'href="/audit/' in line and "events.csv" not in line
    ]


def test_only_administrators_open_the_viewer(as_role, world: World) -> None:
    for role in (Role.COMMISSIONER, Role.CARE_MANAGER, Role.PROVIDER_MANAGER):
        client = as_role(role)
        assert client.get("/audit").status_code == 403, role
        assert client.get("/audit/events.csv").status_code == 403, role
        client.post("/sign-out")
    assert as_role(Role.ADMINISTRATOR).get("/audit").status_code == 200


def test_the_list_is_newest_first_and_each_filter_narrows_it(
    as_role, trail: dict[str, AuditEvent], world: World
) -> None:
    client = as_role(Role.ADMINISTRATOR)
    ids = {name: str(event.id) for name, event in trail.items()}
    on = lambda day: f"date_from={day.day}&date_from={day.month}&date_from={day.year}"  # noqa: E731
    upto = lambda day: f"date_to={day.day}&date_to={day.month}&date_to={day.year}"  # noqa: E731
    seeded = [ids["newest"], ids["middle"], ids["oldest"]]
    assert [row for row in _rows(client) if row in seeded] == seeded
    assert _rows(client, "?action=provider.suspended") == [ids["middle"]]
    assert _rows(client, f"?record_type=providers&record_id={world.provider.id}") == [
        ids["middle"],
        ids["oldest"],
    ]
    assert _rows(client, "?actor=SLY@council") == [ids["middle"]]
    yesterday = (MIDDAY - dt.timedelta(days=1)).date()
    assert _rows(client, f"?record_type=providers&{on(yesterday)}&{upto(yesterday)}") == [
        ids["middle"]
    ]
    assert _rows(client, f"?record_type=providers&{upto(yesterday)}") == [
        ids["middle"],
        ids["oldest"],
    ]


def test_a_persons_events_are_found_by_case_reference(as_role, world: World) -> None:
    client = as_role(Role.CARE_MANAGER)
    client.get(f"/service-users/{world.person.id}")  # a council read of the person's record
    client.get(f"/service-users/{world.other_person.id}")
    client.post("/sign-out")
    admin = as_role(Role.ADMINISTRATOR)
    page = text_of(admin.get(f"/audit?case_reference={world.person.case_reference}"))
    assert "Showing 1 to 1 of 1 event." in page
    assert f"service_users {world.person.id}" in page and "Carl Caremanager" in page


def test_refused_filters_are_explained_beside_them_and_filter_nothing(
    as_role, trail: dict[str, AuditEvent]
) -> None:
    client = as_role(Role.ADMINISTRATOR)
    response = client.get(
        "/audit?date_from=31&date_from=2&date_from=2026&record_id=0&action=made.up"
        "&case_reference=NOBODY&date_to=1&date_to=1&date_to=2026"
    )
    assert response.status_code == 200
    page = text_of(response)
    assert page.startswith("Error: Audit trail")
    assert "There is a problem" in page
    for message in (
        "Date from must be a real date",
        "Enter a record ID from 1 upwards",
        "Select an action from the list",
        "No service user has that case reference",
    ):
        assert page.count(message) == 2, message  # in the summary and beside the field
    assert "No events match." in page  # the unknown person's events: none
    words = text_of(client.get("/audit?record_id=forty-two"))
    assert words.count("Enter a record ID as a whole number, like 42") == 2


def test_an_events_page_shows_its_values_before_and_after(
    as_role, trail: dict[str, AuditEvent]
) -> None:
    client = as_role(Role.ADMINISTRATOR)
    page = text_of(client.get(f"/audit/{trail['middle'].id}"))
    assert "provider.suspended" in page
    assert "status Changed active suspended" in page
    assert "name Brightwater Home Care Brightwater Home Care" in page
    assert "name Changed" not in page
    created = text_of(client.get(f"/audit/{trail['oldest'].id}"))
    assert "198.51.100.7" in created and "Cora Commissioner" in created
    assert "Nothing was recorded before" in created
    assert client.get("/audit/999999").status_code == 404


def test_the_csv_holds_the_filtered_events_and_runs_no_formula(
    as_role, trail: dict[str, AuditEvent], world: World
) -> None:
    client = as_role(Role.ADMINISTRATOR)
    response = client.get(f"/audit/events.csv?record_type=providers&record_id={world.provider.id}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["event_id"] for row in rows] == [str(trail["middle"].id), str(trail["oldest"].id)]
    assert rows[0]["done_by"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["before"] == '{"name": "Brightwater Home Care", "status": "active"}'
    assert rows[1]["ip_address"] == "198.51.100.7"
    # Who took a copy, and of which events, is kept too.
    kept = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.exported"))
    assert [(e.actor_id, e.after) for e in kept] == [
        (
            world.users[Role.ADMINISTRATOR].id,
            {"filters": {"record_type": "providers", "record_id": world.provider.id}},
        )
    ]
