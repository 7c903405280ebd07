"""Sessions are held on the server: signing out, the idle timeout and the absolute timeout
end them wherever their cookie was copied; the cookie names no one; signing in starts a new
CSRF secret."""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from typing import Any

import pytest
from flask import Flask
from itsdangerous import base64_decode
from sqlalchemy import select, update

from portal.accounts.models import SessionEnd, UserSession
from portal.audit.models import AuditEvent
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.fixtures import World, sign_in

QUEUE = "/review"  # a care manager's page


def _cookie(client: CheckedClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _copy(app: Flask, value: str) -> CheckedClient:
    """Another browser holding a copy of the cookie."""
    thief: CheckedClient = app.test_client()  # type: ignore[assignment]
    thief.set_cookie("session", value)
    return thief


def _signed_in_copy(app: Flask, client: CheckedClient, world: World) -> CheckedClient:
    sign_in(client, world.users[Role.CARE_MANAGER])
    thief = _copy(app, _cookie(client))
    assert thief.get(QUEUE).status_code == 200, "the copy works while the session lives"
    return thief


def _live_session(world: World) -> UserSession:
    return db.session.scalars(
        select(UserSession).where(
            UserSession.user_id == world.users[Role.CARE_MANAGER].id,
            UserSession.ended_at.is_(None),
        )
    ).one()


def _age(session_row: UserSession, **changes: dt.datetime) -> None:
    db.session.execute(
        update(UserSession).where(UserSession.id == session_row.id).values(**changes)
    )
    db.session.commit()


def _refused(client: CheckedClient) -> str:
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")
    return text_of(client.get(response.location))


def test_the_cookie_names_no_one(app: Flask, client: CheckedClient, world: World) -> None:
    user = world.users[Role.CARE_MANAGER]
    sign_in(client, user)
    payload = _cookie(client).rsplit(".", 2)[0]  # the signed data, before time and signature
    compressed = payload.startswith(".")
    data = base64_decode(payload.lstrip("."))
    contents = json.loads(zlib.decompress(data) if compressed else data)
    assert set(contents) <= {"sid", "csrf_token", "_flashes"}
    assert "_user_id" not in contents
    assert user.email not in json.dumps(contents)


def test_a_cookie_naming_a_user_signs_no_one_in(app: Flask, world: World) -> None:
    """Even signed with the portal's own key (as a leaked key, or the old key in the code,
    would let anyone do), a cookie that says who the user is is not a session."""
    admin = world.users[Role.ADMINISTRATOR]
    forged = app.session_interface.get_signing_serializer(app).dumps(  # type: ignore[attr-defined]
        {"_user_id": str(admin.id), "_fresh": True}
    )
    response = _copy(app, forged).get("/accounts")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")


def test_a_copied_cookie_is_refused_after_sign_out(
    app: Flask, client: CheckedClient, world: World
) -> None:
    thief = _signed_in_copy(app, client, world)
    row = _live_session(world)
    assert client.post("/sign-out").status_code == 302
    assert client.get(QUEUE).status_code == 302
    assert "Sign in to continue" in _refused(thief)
    db.session.refresh(row)
    assert row.end_reason is SessionEnd.SIGNED_OUT and row.ended_at is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.signed_out")
    ).one()
    assert event.entity_id == row.id
    assert event.actor_id == world.users[Role.CARE_MANAGER].id


def test_a_copied_cookie_is_refused_after_the_idle_timeout(
    app: Flask, client: CheckedClient, world: World
) -> None:
    thief = _signed_in_copy(app, client, world)
    row = _live_session(world)
    _age(row, last_seen_at=utcnow() - dt.timedelta(minutes=31))
    page = _refused(thief)
    assert "You were signed out because you had not used the portal for 30 minutes" in page
    assert client.get(QUEUE).status_code == 302, "the session is over for its owner too"
    db.session.refresh(row)
    assert row.end_reason is SessionEnd.IDLE
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "user_sessions", AuditEvent.entity_id == row.id
        )
    ).all()
    assert actions == ["account.session_ended"]


def test_a_session_in_use_is_kept_alive(app: Flask, client: CheckedClient, world: World) -> None:
    sign_in(client, world.users[Role.CARE_MANAGER])
    row = _live_session(world)
    _age(row, last_seen_at=utcnow() - dt.timedelta(minutes=29))
    assert client.get(QUEUE).status_code == 200
    db.session.refresh(row)
    last_seen = row.last_seen_at.replace(tzinfo=dt.UTC)
    assert utcnow() - last_seen < dt.timedelta(minutes=1)
    assert client.get(QUEUE).status_code == 200


def test_a_copied_cookie_is_refused_after_the_absolute_timeout(
    app: Flask, client: CheckedClient, world: World
) -> None:
    thief = _signed_in_copy(app, client, world)
    row = _live_session(world)
    # In use all along: seen a minute ago, but signed in 12 hours and a minute ago.
    _age(
        row,
        created_at=utcnow() - dt.timedelta(hours=12, minutes=1),
        last_seen_at=utcnow() - dt.timedelta(seconds=30),
    )
    assert "because you signed in more than 12 hours ago" in _refused(thief)
    db.session.refresh(row)
    assert row.end_reason is SessionEnd.EXPIRED


@pytest.fixture
def short_app(database_url: str) -> Flask:
    app = make_app(database_url, SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=2)
    app.test_client_class = CheckedClient
    return app


def test_the_timeouts_are_configurable(short_app: Flask, db_session: Any, world: World) -> None:
    client: CheckedClient = short_app.test_client()  # type: ignore[assignment]
    thief = _signed_in_copy(short_app, client, world)
    _age(_live_session(world), last_seen_at=utcnow() - dt.timedelta(minutes=6))
    assert "had not used the portal for 5 minutes" in _refused(thief)

    sign_in(client, world.users[Role.CARE_MANAGER])
    _age(_live_session(world), created_at=utcnow() - dt.timedelta(hours=2, minutes=1))
    assert "signed in more than 2 hours ago" in _refused(client)


def test_a_deactivated_account_is_signed_out(
    app: Flask, client: CheckedClient, world: World
) -> None:
    sign_in(client, world.users[Role.CARE_MANAGER])
    row = _live_session(world)
    world.users[Role.CARE_MANAGER].active = False
    db.session.commit()
    _refused(client)
    db.session.refresh(row)
    assert row.end_reason is SessionEnd.ACCOUNT_INACTIVE


def test_signing_in_again_ends_the_session_before(
    app: Flask, client: CheckedClient, world: World
) -> None:
    thief = _signed_in_copy(app, client, world)
    first = _live_session(world)
    sign_in(client, world.users[Role.CARE_MANAGER])
    db.session.refresh(first)
    assert first.ended_at is not None
    _refused(thief)
    assert client.get(QUEUE).status_code == 200


@pytest.fixture
def csrf_app(database_url: str) -> Flask:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    app.test_client_class = CheckedClient
    return app


def _token(client: CheckedClient, url: str) -> str:
    match = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def test_signing_in_starts_a_new_csrf_secret(
    csrf_app: Flask, db_session: Any, world: World
) -> None:
    client: CheckedClient = csrf_app.test_client()  # type: ignore[assignment]
    before = _token(client, "/sign-in")
    user = world.users[Role.CARE_MANAGER]
    response = client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    # A token from before sign-in (one an attacker could have planted) is no good now.
    assert client.post("/sign-out", data={"csrf_token": before}).status_code == 400
    after = _token(client, QUEUE)  # the header's sign-out form, signed in
    assert after != before
    assert client.post("/sign-out", data={"csrf_token": after}).status_code == 302


def test_a_copied_cookie_is_refused_after_the_account_is_disabled(
    app: Flask, client: CheckedClient, world: World
) -> None:
    """Disabling ends the sessions on the server: the copy stays worthless even once the
    account is enabled again."""
    thief = _signed_in_copy(app, client, world)
    row = _live_session(world)
    admin: CheckedClient = app.test_client()  # type: ignore[assignment]
    sign_in(admin, world.users[Role.ADMINISTRATOR])
    colleague = world.users[Role.CARE_MANAGER].id
    assert admin.post(f"/accounts/{colleague}/disable").status_code == 302
    db.session.refresh(row)
    assert row.end_reason is SessionEnd.ACCOUNT_INACTIVE, "ended when disabled, not when next used"
    assert admin.post(f"/accounts/{colleague}/enable").status_code == 302
    assert "Sign in to continue" in _refused(thief)
    assert _refused(client)
