"""One transaction per request: a successful POST commits once at the end; anything else
(a GET, a form shown again with errors, an exception) is rolled back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db


def after_commit(key: str, callback: Callable[[], None]) -> bool:
    """Run ``callback`` once this request's transaction has committed and its response has
    gone (so no one waits on it); if the request rolls back, never. One callback per
    ``key`` a request: returns whether this one was taken."""
    pending: dict[str, Callable[[], None]] = g.setdefault("after_commit", {})
    if key in pending:
        return False
    pending[key] = callback
    return True


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_successful_post(response: Response) -> Response:
        if request.method == "POST" and 300 <= response.status_code < 400:
            db.session.commit()
            for callback in g.pop("after_commit", {}).values():
                response.call_on_close(callback)
        else:
            db.session.rollback()
            g.pop("after_commit", None)
        return response

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _make_sqlite_transactional(db.engine)


# SQLite reads the database through a memory map of up to this many bytes: every connection
# and worker process then shares the operating system's cache of the file, instead of each
# connection copying pages into its own small cache (2 MB by default) and reading them again.
SQLITE_MMAP_BYTES = 1 << 30


def _make_sqlite_transactional(engine: Engine) -> None:
    """SQLAlchemy's recipe so SQLite honours BEGIN and SAVEPOINT like PostgreSQL does,
    and enforces foreign keys; and reads through a memory map."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
