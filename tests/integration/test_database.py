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
