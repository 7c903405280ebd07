"""The audit trail: who signed in, failed to, signed out or was refused a page, and which
council staff read a person's record, each from which address; and it can be added to only,
never changed or emptied, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from portal.audit.models import AuditEvent
from portal.audit.requests import READ, REFUSED
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.records import every_stage

ELSEWHERE = {"REMOTE_ADDR": "198.51.100.7"}


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_sign_in_failure_and_sign_out_are_kept_with_the_address(
    client: CheckedClient, world: World
) -> None:
    user = world.users[Role.CARE_MANAGER]
    wrong = {"email": user.email, "password": "not the password"}
    client.post("/sign-in", data=wrong, environ_base=ELSEWHERE)
    right = {"email": user.email, "password": PASSWORD}
    assert client.post("/sign-in", data=right, environ_base=ELSEWHERE).status_code == 302
    assert client.post("/sign-out", environ_base=ELSEWHERE).status_code == 302

    failed, signed_in, signed_out = (
        _events(action)
        for action in ("account.sign_in_failed", "account.signed_in", "account.signed_out")
    )
    assert [e.ip_address for e in failed + signed_in + signed_out] == ["198.51.100.7"] * 3
    assert failed[0].after == {"email": user.email.lower(), "account": "known"}
    assert "not the password" not in repr(failed[0].after)
    assert signed_in[0].actor_id == signed_out[0].actor_id == user.id


def test_the_address_is_the_proxys_only_when_a_proxy_is_trusted(
    database_url: str, db_session: Any, world: World
) -> None:
    user = world.users[Role.CARE_MANAGER]
    forged = {"X-Forwarded-For": "203.0.113.9"}
    data = {"email": user.email, "password": "wrong"}
    for proxies in (0, 1):
        make_app(database_url, TRUSTED_PROXIES=proxies).test_client().post(
            "/sign-in", data=data, headers=forged, environ_base=ELSEWHERE
        )
    assert [e.ip_address for e in _events("account.sign_in_failed")] == [
        "198.51.100.7",  # no proxy trusted: the header is anyone's to write
        "203.0.113.9",
    ]


def test_a_refused_page_is_kept_for_a_signed_in_person(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    other = world.other_person
    assert client.get(f"/service-users/{other.id}", environ_base=ELSEWHERE).status_code == 404
    assert client.get("/payments").status_code == 403
    assert client.get("/no-such-page").status_code == 404  # names no page: not kept

    not_found, forbidden = _events(REFUSED)
    manager = world.users[Role.PROVIDER_MANAGER]
    assert (not_found.actor_id, not_found.provider_id) == (manager.id, world.provider.id)
    assert not_found.ip_address == "198.51.100.7"
    assert not_found.after == {
        "status": 404,
        "method": "GET",
        "path": f"/service-users/{other.id}",
        "endpoint": "casework.service_user",
        "record": {"service_user_id": other.id},
    }
    assert forbidden.after["status"] == 403 and forbidden.after["path"] == "/payments"


def test_a_signed_out_visitor_refused_is_not_kept(client: CheckedClient, world: World) -> None:
    client.get(f"/service-users/{world.person.id}")
    client.get("/no-such-page")
    assert _events(REFUSED) == []


def test_council_staff_reading_a_persons_record_is_kept(as_role, world: World) -> None:
    person = world.person
    stages = every_stage(world)
    db.session.commit()
    client = as_role(Role.CARE_MANAGER)
    paths = [
        f"/service-users/{person.id}",
        f"/service-users/{person.id}/outcome-returns",
        f"/service-users/{person.id}/recommendations",
        f"/service-users/{person.id}/package-history",
        f"/outcome-returns/{stages.outcome_return.id}",
        f"/recommendations/{stages.recommendation.id}",
        f"/review/{stages.recommendation.id}",
    ]
    for path in paths:
        assert client.get(path, environ_base=ELSEWHERE).status_code == 200, path
    reads = _events(READ)
    assert [e.after["path"] for e in reads] == paths
    care_manager = world.users[Role.CARE_MANAGER]
    assert {
        (e.actor_id, e.entity_type, e.entity_id, e.provider_id, e.ip_address) for e in reads
    } == {(care_manager.id, "service_users", person.id, world.provider.id, "198.51.100.7")}


def test_a_provider_reading_its_own_person_is_not_kept(as_role, world: World) -> None:
    stages = every_stage(world)
    db.session.commit()
    client = as_role(Role.PROVIDER_MANAGER)
    for path in (
        f"/service-users/{world.person.id}",
        f"/outcome-returns/{stages.outcome_return.id}",
        f"/recommendations/{stages.recommendation.id}",
    ):
        assert client.get(path).status_code == 200, path
    assert _events(READ) == []


def test_audit_events_cannot_be_changed_or_removed(db_session: Any, as_role, world: World) -> None:
    as_role(Role.CARE_MANAGER)  # a sign-in: one event at least
    event_id = db.session.scalar(select(AuditEvent.id).limit(1))
    assert event_id is not None
    for statement in (
        update(AuditEvent).where(AuditEvent.id == event_id).values(action="tampered"),
        delete(AuditEvent).where(AuditEvent.id == event_id),
    ):
        with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.execute(statement)
    assert db.session.get(AuditEvent, event_id).action != "tampered"


def test_the_table_cannot_be_emptied_on_postgresql(db_session: Any, world: World) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("TRUNCATE audit_events"))
