"""With CSRF protection switched on, as in production, a POST without the form's token is
refused and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.fixtures import World
from tests.integration.records import submitted_reduction


@pytest.fixture(scope="module")
def csrf_app(database_url: str) -> Flask:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    app.test_client_class = CheckedClient
    return app


@pytest.fixture
def csrf_client(csrf_app: Flask, db_session: Any) -> CheckedClient:
    return csrf_app.test_client()  # type: ignore[return-value]


def _token(client: CheckedClient, url: str) -> str:
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True)
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def test_sign_in_without_a_token_is_refused(csrf_client: CheckedClient, world: World) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    response = csrf_client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form could not be sent" in text_of(response)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_sign_in_with_the_token_works(csrf_client: CheckedClient, world: World) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    token = _token(csrf_client, "/sign-in")
    response = csrf_client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_every_post_route_refuses_a_missing_token(
    csrf_app: Flask, csrf_client: CheckedClient, world: World
) -> None:
    user = world.users[Role.PROVIDER_MANAGER]
    token = _token(csrf_client, "/sign-in")
    csrf_client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    arguments = {
        "service_user_id": world.person.id,
        "period_id": world.period.id,
        "return_id": 1,
        "recommendation_id": 1,
        "batch_id": 1,
        "outcome_number": 1,
        "payment_id": 1,
        "year": today().year,
        "month": today().month,
        "user_id": 1,
        "token": "token",
        "provider_id": 1,
        "import_id": 1,
        "session_id": 1,
        "key_id": 1,
    }
    posts = [rule for rule in csrf_app.url_map.iter_rules() if "POST" in (rule.methods or ())]
    assert len(posts) >= 8
    for rule in posts:
        url = rule.build({name: arguments[name] for name in rule.arguments}, append_unknown=False)[
            1
        ]
        response = csrf_client.post(url, data={})
        if url.startswith("/api/"):
            # The API takes no cookie: the session signed in here is no key, and refused.
            assert response.status_code == 401, url
        else:
            assert response.status_code == 400, url


def test_a_page_with_two_forms_has_one_element_of_each_id(
    csrf_client: CheckedClient, world: World
) -> None:
    """The review page has "Assign to me" and the decision, each a form with its token: the
    tokens carry no id, so the page (checked by the client) has no two elements with one id,
    which would break its labels and skip links for screen readers."""
    waiting = submitted_reduction(world, world.person)
    db.session.commit()
    user = world.users[Role.CARE_MANAGER]
    token = _token(csrf_client, "/sign-in")
    csrf_client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    page = csrf_client.get(f"/review/{waiting.id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') == 3  # the two forms' and sign-out's
