"""Throwaway test databases on SQLite or PostgreSQL, always built by the Alembic migrations.

``TEST_DATABASE_URL`` names a PostgreSQL server's maintenance database (``make test`` starts
one with scripts/with-postgres.sh); without it the tests use SQLite files.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def server_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def backend_name() -> str:
    return "postgresql" if server_url() else "sqlite"


def create_database(folder: Path, label: str) -> str:
    """A new empty database; returns its URL."""
    base = server_url()
    if base is None:
        return f"sqlite:///{folder / f'{label}.sqlite'}"
    name = f"portal_{label}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    base = server_url()
    if base is None:
        return
    name = make_url(url).database
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
