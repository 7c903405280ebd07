from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.common import stored_figures
from portal.extensions import db
from portal.reports import stored
from tests.client import CheckedClient
from tests.databases import backend_name, create_database, drop_database

pytest_plugins = ["tests.fixtures"]


def pytest_report_header() -> str:
    return f"database backend: {backend_name()}"


def make_app(database_url: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "tests-only",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "COUNCIL_NAME": "Testshire County Council",
        # The suite signs in thousands of times from one address; tests of the limits set
        # their own (tests/integration/test_sign_in_limits.py).
        "SIGN_IN_LIMIT_PER_ADDRESS": "100000 per minute",
        "SIGN_IN_LIMIT_PER_ACCOUNT": "100000 per minute",
        # And calls one key makes (tests/api/test_api_limits.py sets its own).
        "API_LIMIT_PER_KEY": "100000 per minute",
        # Most tests sign in with a password alone; the MFA tests require it themselves,
        # and anyone enrolled is asked for a code whatever this says (tests/mfa.py).
        "MFA_REQUIRED": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_database(tmp_path_factory.mktemp("db"), "tests")
    migrated = make_app(url)
    with migrated.app_context():
        flask_migrate.upgrade()  # the real migrations, never create_all
        db.engine.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    app = make_app(database_url)
    app.test_client_class = CheckedClient
    return app


class _TestSession(scoped_session):  # type: ignore[type-arg]
    """The app ends each request with ``session.remove()``; in a test the one session lives
    on so the test can keep reading its objects. Commits and rollbacks still happen."""

    def remove(self) -> None:
        pass


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    """Each test runs inside a transaction that is rolled back afterwards. The request's own
    commit releases a savepoint instead, so views behave exactly as in production."""
    with rolled_back_session(app) as session:
        yield session


@contextmanager
def rolled_back_session(app: Flask) -> Iterator[Any]:
    """``db.session`` inside one transaction, rolled back at the end (``db_session``'s, or
    a module's that shares one world among its tests)."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        session = _TestSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        db.session = session  # type: ignore[assignment]
        try:
            yield session
        finally:
            scoped_session.remove(session)
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db_session: Any) -> CheckedClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture(params=["counted", "kept"])
def counted_or_kept(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The dashboard's figures both ways: each counted as it is read ("counted"), and with
    every month that is over kept by the nightly refresh and read back ("kept"), the
    refresh run just before each read so the test's own records are in it."""
    if request.param == "kept":
        read = stored_figures.read
        refreshing: list[bool] = []

        def refreshed_first(figure: str, months: Any) -> Any:
            if not refreshing:
                refreshing.append(True)
                try:
                    stored.refresh()
                finally:
                    refreshing.clear()
            return read(figure, months)

        monkeypatch.setattr(stored_figures, "read", refreshed_first)
    return str(request.param)
