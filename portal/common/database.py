"""One transaction per request: a successful POST commits once at the end; anything else
(a GET, a form shown again with errors, an exception) is rolled back."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_successful_post(response: Response) -> Response:
        if request.method == "POST" and 300 <= response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _make_sqlite_transactional(db.engine)


def _make_sqlite_transactional(engine: Engine) -> None:
    """SQLAlchemy's recipe so SQLite honours BEGIN and SAVEPOINT like PostgreSQL does,
    and enforces foreign keys."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
