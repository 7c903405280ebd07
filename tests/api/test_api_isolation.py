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
from portal.capacity.models import CapacityReturn
from portal.capacity.operations import CapacityData, submit_return
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MeasureResult
from portal.outcomes.models import OutcomeAnswer, OutcomeReturn
from portal.outcomes.operations import save_answers
from portal.outcomes.rules import AnswerData
from portal.payments.models import PaymentBatch
from portal.recommendations.models import Recommendation
from tests.api.helpers import Caller, complete_answers, key_for
from tests.api.test_api_capacity import figures as capacity_figures
from tests.fixtures import World
from tests.integration.fingerprint import fingerprint
from tests.integration.records import exported_batch, submitted_reduction

DAY = dt.date(2026, 11, 10)  # inside November's capacity window


@pytest.fixture(autouse=True)
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("portal.capacity.operations", "portal.api.v1.capacity"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


def _body(rule: Rule, method: str, world: World) -> Any:
    """What each call sends, when it sends anything: what A, the records' owner, would."""
    if method == "PATCH":
        return {"answers": complete_answers()}
    if rule.rule.endswith("/submissions"):
        return {"returns": [{"person_id": world.person.id, "answers": complete_answers()}]}
    if method == "PUT":
        return capacity_figures()
    return None


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
    """The rule's address about A's records: A's person in the quarter, A's month."""
    values = {
        "period_id": world.period.id,
        "service_user_id": world.person.id,
        "year": DAY.year,
        "month": DAY.month,
        "recommendation_id": db.session.scalar(
            select(Recommendation.id).where(Recommendation.provider_id == world.provider.id)
        ),
        "batch_id": db.session.scalar(select(PaymentBatch.id)),
    }
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


@pytest.fixture
def a_return(world: World) -> None:
    """A's person has a draft return and A this month's capacity return, so each call has
    something of A's to find."""
    manager = world.users[Role.PROVIDER_MANAGER]
    save_answers(
        period=world.period,
        service_user=world.person,
        answers=[AnswerData(measure="1.1", result=MeasureResult.MET, evidence="Seen.")],
        by=manager,
    )
    submit_return(world.provider, DAY, CapacityData(service_users=1, vacancies=7), by=manager)
    db.session.commit()
    # And an approved reduction of A's, paid in an exported batch.
    exported_batch(world, submitted_reduction(world, world.person))
    db.session.commit()


def a_records(world: World) -> str:
    """Everything of A's the API could reach: its returns, their answers, its capacity."""
    rows = [
        db.session.execute(select(table).where(criterion).order_by(*table.primary_key)).all()
        for table, criterion in (
            (OutcomeReturn.__table__, OutcomeReturn.provider_id == world.provider.id),
            (
                OutcomeAnswer.__table__,
                OutcomeAnswer.return_id.in_(
                    select(OutcomeReturn.id).where(OutcomeReturn.provider_id == world.provider.id)
                ),
            ),
            (CapacityReturn.__table__, CapacityReturn.provider_id == world.provider.id),
        )
    ]
    return repr(rows)


def test_the_calls_walked_are_every_call(app: Flask) -> None:
    walked = {(rule.endpoint, method) for rule, method in api_calls(app)}
    assert len(walked) >= 10
    assert ("outcome_returns.save_draft", "PATCH") in walked
    assert ("capacity_returns.send_figures", "PUT") in walked


def test_another_providers_key_finds_nothing_of_this_ones(
    app: Flask, client, world: World, a_return: None
) -> None:
    """B's key, on every call about A's records (A's person, A's month): A's records are
    not found (404), or the call reaches only B's own (B's month), or is refused; nothing
    of A's is named in any answer or changed."""
    other = Caller(client, key_for(world.other_provider))
    before = a_records(world)
    seen = {}
    for rule, method in api_calls(app):
        url = _url(rule, world)
        response = other.call(method, url, json=_body(rule, method, world))
        body = response.get_data(as_text=True)
        if {"service_user_id", "recommendation_id", "batch_id"} & set(rule.arguments):
            assert response.status_code == 404, f"{method} {url}"
        elif rule.rule.endswith("/submissions"):
            assert response.status_code == 422, f"{method} {url}"  # not B's person
        else:
            # B's own month: sent, or refused as B's return stands (none to confirm, one to
            # name the version of); either way, only B's.
            assert response.status_code in (200, 201, 409, 428), f"{method} {url}"
        for word in (world.person.case_reference, world.person.family_name, world.provider.name):
            if word in body:
                seen[f"{method} {url}"] = word
        if '"vacancies":7' in body.replace(" ", ""):
            seen[f"{method} {url}"] = "A's vacancies"
        assert a_records(world) == before, f"{method} {url} changed A's records"
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
        body = response.get_data(as_text=True)
        if rule.rule.endswith(("/returns", "/recommendations", "/payments")) or {
            "service_user_id",
            "recommendation_id",
        } & set(rule.arguments):
            assert world.person.case_reference in body, rule.rule
        if "remittances" in rule.rule:
            assert "PB" in body, rule.rule
        if rule.rule.startswith("/api/v1/capacity-returns"):
            assert '"vacancies":7' in body.replace(" ", "")


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
        response = caller.call(method, _url(rule, world), json=_body(rule, method, world))
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
