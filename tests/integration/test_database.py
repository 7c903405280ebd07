"""How the portal's SQLite connections are set up: foreign keys enforced, as PostgreSQL
does, and the file read through a memory map that every connection shares."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.common.database import SQLITE_BUSY_TIMEOUT_MS, SQLITE_MMAP_BYTES
from portal.extensions import db


@pytest.fixture
def sqlite(db_session: Any) -> Any:
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's connection settings")
    return connection


def test_a_row_pointing_nowhere_is_refused(sqlite: Any) -> None:
    with pytest.raises(IntegrityError):
        sqlite.execute(
            text(
                "INSERT INTO outcome_owed (period_id, service_user_id, provider_id) "
                "VALUES (999999, 999999, 999999)"
            )
        )


def test_the_file_is_read_through_a_memory_map(sqlite: Any) -> None:
    assert sqlite.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_BYTES


def test_writers_wait_their_turn_and_readers_are_not_blocked(sqlite: Any) -> None:
    assert sqlite.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    assert sqlite.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_refused_operation_commits_nothing_even_when_the_view_redirects(
    database_url: str, db_session: Any
) -> None:
    """A view that flashes a DomainError and redirects must not commit what the refused
    operation flushed before it was refused."""
    from flask import flash, redirect

    from portal.common.errors import DomainError
    from tests.conftest import make_app
    from tests.factories import ProviderFactory

    provider = ProviderFactory(name="Before")
    db_session.commit()
    app = make_app(database_url)

    @app.post("/refused-after-a-flush")
    def refused_after_a_flush() -> Any:
        provider.name = "Half done"
        db.session.flush()
        try:
            raise DomainError("Refused")
        except DomainError as error:
            flash(error.message, "error")
        return redirect("/")

    response = app.test_client().post("/refused-after-a-flush")
    assert response.status_code == 302
    db_session.expire_all()
    assert provider.name == "Before"
