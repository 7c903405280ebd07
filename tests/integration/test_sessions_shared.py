"""Sessions live in the database, not in a worker's memory: a cookie from a sign-in
answered by one gunicorn worker (or machine) works on another, and a session ended on one
is over on the other. Each app here is made by create_app with its own connections to one
database, committed for real, as two workers would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts.models import SessionEnd, UserSession
from portal.common.roles import Role
from portal.extensions import db
from tests.client import CheckedClient, text_of
from tests.conftest import make_app
from tests.databases import create_database, drop_database
from tests.factories import PASSWORD
from tests.fixtures import build_world

PAGE = "/account/sessions"


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[Flask, Flask, str]]:
    """Two apps on one database of their own, and a care manager's email address."""
    url = create_database(tmp_path, "shared")
    first, second = make_app(url), make_app(url)
    try:
        with first.app_context():
            flask_migrate.upgrade()
            email = build_world(db.session).users[Role.CARE_MANAGER].email
            db.session.remove()
        for app in (first, second):
            app.test_client_class = CheckedClient
        yield first, second, email
    finally:
        for app in (first, second):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_database(url)


def _signed_in(app: Flask, email: str, agent: str) -> CheckedClient:
    browser: CheckedClient = app.test_client()  # type: ignore[assignment]
    browser.environ_base["HTTP_USER_AGENT"] = agent
    response = browser.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def _on(app: Flask, browser: CheckedClient) -> CheckedClient:
    """The same browser's next request, answered by ``app``."""
    cookie = browser.get_cookie("session")
    assert cookie is not None
    moved: CheckedClient = app.test_client()  # type: ignore[assignment]
    moved.set_cookie("session", cookie.value)
    return moved


def _sent_to_sign_in(browser: CheckedClient) -> bool:
    response = browser.get(PAGE)
    return response.status_code == 302 and response.location.startswith("/sign-in?next=")


def test_a_session_begun_on_one_worker_is_known_and_ended_on_another(
    workers: tuple[Flask, Flask, str],
) -> None:
    first, second, email = workers
    desk = _signed_in(first, email, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0")
    phone = _signed_in(second, email, "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile")

    desk_on_second = _on(second, desk)
    page = text_of(desk_on_second.get(PAGE))
    assert (
        page.index("This browser") < page.index("Firefox on Linux") < page.index("Other sessions")
    )
    assert "Chrome on Android" in page.split("Other sessions", 1)[1]

    # Ended by a request the second worker answers, the phone is refused by the first.
    phone_on_first = _on(first, phone)
    assert phone_on_first.get(PAGE).status_code == 200
    assert desk_on_second.post("/account/sessions/end-others").status_code == 302
    assert _sent_to_sign_in(phone_on_first)
    assert _sent_to_sign_in(phone)
    assert desk.get(PAGE).status_code == 200, "the desk carries on, on either worker"

    # Signed out on the first worker, the desk's cookie is worth nothing on the second.
    assert desk.post("/sign-out").status_code == 302
    assert _sent_to_sign_in(desk_on_second)
    with second.app_context():
        ends = db.session.scalars(select(UserSession.end_reason).order_by(UserSession.id)).all()
        db.session.remove()
    assert ends == [SessionEnd.SIGNED_OUT, SessionEnd.ENDED_BY_USER]
