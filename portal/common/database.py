"""One transaction per request: a successful POST commits once at the end; anything else
(a GET, a form shown again with errors, an exception) is rolled back."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db
from portal.notifications.email import deliver_after_response


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_successful_post(response: Response) -> Response:
        if request.method == "POST" and 300 <= response.status_code < 400:
            db.session.commit()
            # Emails the change wrote go once the response has: no one waits on SMTP.
            ids = g.pop("queued_email_ids", None)
            if ids:
                response.call_on_close(partial(deliver_after_response, app, ids))
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
