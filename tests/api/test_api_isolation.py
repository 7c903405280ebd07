"""Every call of the API, asked with one provider's key about another provider's records:
the answer is as if they did not exist, and nothing changes. A key that no longer works
(revoked, expired, its maker's account disabled) is refused on every call at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.routing import Rule

from portal.accounts import administration
from portal.api import keys
from portal.api.models import ApiKey
from portal.audit.models import AuditEvent
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.operations import save_answers
from portal.outcomes.rules import AnswerData
from tests.api.helpers import Caller, complete_answers, key_for
from tests.fixtures import World
from tests.integration.fingerprint import fingerprint

# What each call sends when it sends anything: what the record's owner would.
BODIES: dict[str, Any] = {"PATCH": {"answers": complete_answers()}}


def api_calls(app: Flask) -> list[tuple[Rule, str]]:
    """Every call the API answers with a key: each rule under /api/v1/ and each method."""
    return sorted(
        (
            (rule, method)
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") and rule.endpoint != "api_docs.openapi"
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        ),
        key=lambda call: (call[0].rule, call[1]),
    )


def _url(rule: Rule, world: World) -> str:
    """The rule's address about A's records: A's person in the quarter."""
    values = {"period_id": world.period.id, "service_user_id": world.person.id}
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


@pytest.fixture
def a_return(world: World) -> None:
    """A's person has a draft return, so each call has something of A's to find."""
    save_answers(
        period=world.period,
        service_user=world.person,
        answers=[AnswerData(measure="1.1", result=MeasureResult.MET, evidence="Seen.")],
        by=world.users[Role.PROVIDER_MANAGER],
    )
    db.session.commit()


def test_the_calls_walked_are_every_call(app: Flask) -> None:
    walked = {(rule.endpoint, method) for rule, method in api_calls(app)}
    assert len(walked) >= 5
    assert ("outcome_returns.save_draft", "PATCH") in walked


def test_another_providers_key_finds_nothing_of_this_ones(
    app: Flask, client, world: World, a_return: None
) -> None:
    other = Caller(client, key_for(world.other_provider))
    before = fingerprint()
    seen = {}
    for rule, method in api_calls(app):
        url = _url(rule, world)
        response = other.call(method, url, json=BODIES.get(method))
        body = response.get_data(as_text=True)
        if set(rule.arguments) & {"service_user_id"}:
            assert response.status_code == 404, f"{method} {url}"
        else:
            assert response.status_code == 200, f"{method} {url}"
        for word in (world.person.case_reference, world.person.family_name, world.provider.name):
            if word in body:
                seen[f"{method} {url}"] = word
        assert fingerprint() == before, f"{method} {url} changed something"
    assert seen == {}


def test_the_owners_key_reaches_the_same_calls(
    app: Flask, client, world: World, a_return: None
) -> None:
    """The walk above is not empty-handed: A's own key finds A's records on each call."""
    own = Caller(client, key_for(world.provider))
    for rule, method in api_calls(app):
        if method != "GET":
            continue
        response = own.get(_url(rule, world))
        assert response.status_code == 200, rule.rule
        if rule.rule.endswith("/returns") or "service_user_id" in rule.arguments:
            assert world.person.case_reference in response.get_data(as_text=True)


def _revoked(world: World, token: str) -> None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.token_hash == keys.token_hash(token)))
    keys.revoke_key(key, by=key.created_by)


def _expired(world: World, token: str) -> None:
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.token_hash == keys.token_hash(token))
        .values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )


def _maker_disabled(world: World, token: str) -> None:
    key = db.session.scalar(select(ApiKey).where(ApiKey.token_hash == keys.token_hash(token)))
    administration.disable(key.created_by, by=world.users[Role.ADMINISTRATOR])


@pytest.mark.parametrize(
    ("stop", "why"),
    [
        (_revoked, "was revoked on"),
        (_expired, "expired on"),
        (_maker_disabled, "no longer active"),
    ],
)
def test_a_key_that_stops_working_is_refused_on_every_call_at_once(
    app: Flask, client, world: World, a_return: None, stop: Any, why: str
) -> None:
    token = key_for(world.provider)
    caller = Caller(client, token)
    assert caller.get("/api/v1/quarters").status_code == 200
    stop(world, token)
    db.session.commit()
    before = fingerprint()
    for rule, method in api_calls(app):
        response = caller.call(method, _url(rule, world), json=BODIES.get(method))
        assert response.status_code == 401, f"{method} {rule.rule}"
        assert response.mimetype == "application/problem+json"
        assert why in response.get_json()["detail"]
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert fingerprint() == before


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer hcp_not-a-key", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500],
)
def test_a_call_without_a_known_key_is_refused(client, world: World, authorization: str) -> None:
    response = client.get("/api/v1/quarters", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.called")) is None


def test_every_call_is_noted_in_the_audit_trail_against_its_key(client, world: World) -> None:
    caller = Caller(client, key_for(world.provider))
    caller.get("/api/v1/quarters")
    caller.get(f"/api/v1/quarters/{world.period.id}/returns/999999")
    notes = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.called").order_by(AuditEvent.id)
    ).all()
    assert [(n.after["method"], n.after["status"]) for n in notes] == [("GET", 200), ("GET", 404)]
    key = db.session.get(ApiKey, notes[0].entity_id)
    assert key.provider_id == world.provider.id
    assert notes[0].actor_id == key.created_by_id
    assert key.last_used_at is not None
