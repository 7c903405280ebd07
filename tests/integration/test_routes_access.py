"""Walks app.url_map: every view declares who may use it, ids are typed, and no GET, for
any role, changes anything in the database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from werkzeug.routing import IntegerConverter, Rule

from portal.api.keys import create_key
from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.common.roles import Role
from portal.common.security import CACHEABLE_ENDPOINTS
from portal.extensions import db
from tests.fixtures import World, sign_in
from tests.integration.caseload_files import previewed_import
from tests.integration.fingerprint import fingerprint
from tests.integration.records import Stages, every_stage


def _rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_view_declares_its_access(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in _rules(app)
        if not getattr(app.view_functions[rule.endpoint], "access", None)
    ]
    assert undeclared == []


def test_every_id_in_a_url_is_an_integer(app: Flask) -> None:
    untyped = [
        f"{rule.rule} ({argument})"
        for rule in _rules(app)
        for argument, converter in rule._converters.items()
        if argument.endswith("_id") and not isinstance(converter, IntegerConverter)
    ]
    assert untyped == []


def test_only_the_sign_in_pages_are_public(app: Flask) -> None:
    public = sorted(
        rule.endpoint
        for rule in _rules(app)
        if app.view_functions[rule.endpoint].access == "public"
    )
    assert public == [
        "accounts.home",
        "accounts.set_password",
        "accounts.sign_in",
        "accounts.signed_out",
        "api_docs.guide",  # the API's guide and its OpenAPI document hold no one's data
        "api_docs.openapi",
        "common.accessibility",
        "common.brand_stylesheet",
        "common.healthz",
        "passwords.forgotten",
        "passwords.link_sent",
    ]


def committed_records(world: World) -> dict[str, Any]:
    """A record at every stage, committed (the requests roll back what they do): each URL
    argument, by name."""
    stages = every_stage(world)
    preview = previewed_import(world)
    key, _ = create_key(name="Nourish", lifetime_days=90, by=world.users[Role.AGENCY_ADMINISTRATOR])
    db.session.commit()
    return _arguments(world, stages) | {"import_id": preview.id, "key_id": key.id}


def _arguments(world: World, stages: Stages) -> dict[str, Any]:
    return {
        "service_user_id": world.person.id,
        "period_id": world.period.id,
        "return_id": stages.outcome_return.id,
        "recommendation_id": stages.recommendation.id,
        "batch_id": stages.batch.id,
        "outcome_number": 1,
        "payment_id": stages.batch.payments[0].id,
        "file_format": "csv",
        "key": "recommendations",  # a dashboard section
        "year": today().year,
        "month": today().month,
        "start_year": today().year - 1,  # a financial year the annual report offers
        "provider_id": stages.batch.payments[0].provider_id,
        "user_id": world.users[Role.PROVIDER_MANAGER].id,
        "token": "not-a-token",
        "event_id": db.session.scalar(select(func.max(AuditEvent.id))),
    }


@pytest.mark.parametrize("role", [None, *Role])
def test_no_get_changes_state(app: Flask, client, world: World, role: Role | None) -> None:
    arguments = committed_records(world)
    if role is not None:
        sign_in(client, world.users[role])
    checked = 0
    for rule in _rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        url = rule.build({name: arguments[name] for name in rule.arguments}, append_unknown=False)[
            1
        ]
        before = fingerprint()
        response = client.get(url)
        assert response.status_code < 500, url
        # Pages and downloads alike hold personal or payment data; only the brand colour's
        # stylesheet, the same for everyone, may be kept.
        if rule.endpoint not in CACHEABLE_ENDPOINTS:
            assert response.headers.get("Cache-Control") == "no-store", f"GET {url} may be cached"
        # Closed here: a streamed download left open is closed whenever it is collected,
        # popping its request's context in the middle of some later test.
        response.close()
        db.session.execute(text("SELECT 1"))  # a fresh look after the request's rollback
        assert fingerprint() == before, f"GET {url} changed the database as {role}"
        checked += 1
    assert checked >= 15


def test_signed_out_visitors_are_sent_to_sign_in(client, world: World) -> None:
    response = client.get(f"/service-users/{world.person.id}")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.FINANCE_OFFICER, "/review"),
        (Role.PROVIDER_MANAGER, "/review"),
        (Role.PROVIDER_MANAGER, "/payments"),
        (Role.CARE_MANAGER, "/payments/batches"),
        (Role.COMMISSIONER, "/accounts"),
        (Role.ADMINISTRATOR, "/service-users"),
    ],
)
def test_roles_without_the_job_are_refused(as_role, role: Role, url: str) -> None:
    response = as_role(role).get(url)
    assert response.status_code == 403


def test_an_id_too_large_for_any_record_is_not_found(as_role) -> None:
    """Ids are 32-bit integers on PostgreSQL: a larger one names no record, and is answered
    404 before it reaches the database (which would refuse it with an error)."""
    client = as_role(Role.COMMISSIONER)
    assert client.get("/service-users/2147483647").status_code == 404
    assert client.get("/service-users/2147483648").status_code == 404
    assert client.get("/service-users/9223372036854775808").status_code == 404
