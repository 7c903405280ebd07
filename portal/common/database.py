"""One transaction per request: a successful POST commits once at the end; anything else
(a GET, a form shown again with errors, an operation refused with a DomainError even when
the view redirects after it, an exception) is rolled back. An API call that changes
something answers 2xx rather than redirecting, and commits on that (``commits``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from portal.common.errors import DomainError, was_refused
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


@contextmanager
def first_one_wins(message: str, *, field: str | None = None) -> Iterator[None]:
    """Add (and flush) a record only one of which may exist, such as a provider's capacity
    return for a month, inside a savepoint. If another request made the same record a
    moment before, the database's unique constraint refuses this one and the person is told
    ``message`` (a DomainError, shown on the form) instead of an error page; the rest of
    the request's work is rolled back with it as usual."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise DomainError(message, field=field) from error


@contextmanager
def write_of_its_own() -> Iterator[None]:
    """A transaction of its own that writes and commits, in a request that otherwise only
    reads (a GET noting when a session was last used, or ending it). Whatever the request
    had read is let go first, and on SQLite the transaction takes the write lock as it
    begins, as a POST's does: a read transaction that later tries to write, after another
    connection has written, is refused at once ("database is locked"), however long the
    busy timeout, where one that begins by taking the lock waits its turn."""
    db.session.rollback()
    g.writing = True
    try:
        yield
        db.session.commit()
    finally:
        g.writing = False


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether a unique constraint (not a foreign key or a check) refused the statement."""
    sqlstate = getattr(error.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(error.orig)  # sqlite3


# The largest id a record may have: ids are 32-bit integers on PostgreSQL.
LARGEST_ID = 2**31 - 1
# Requests that may change something; every other is read-only and rolls back.
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def answered_in_json() -> None:
    """Mark this request as the API's (portal/api): its success is a 2xx with the record,
    not a redirect, and commits as a form's redirect does."""
    g.answered_in_json = True


def commits(response: Response) -> bool:
    """Whether this request's transaction commits as its response goes: a form sent that
    succeeded (its redirect), or an API change that did (2xx); never a refused one."""
    if request.method not in WRITING_METHODS or g.get("refused"):
        return False
    status = response.status_code
    if g.get("answered_in_json"):
        return 200 <= status < 300
    return request.method == "POST" and 300 <= status < 400


def init_app(app: Flask) -> None:
    @app.before_request
    def forget_the_last_request() -> None:
        # A test's requests may share one application context, and so ``g``.
        g.pop("answered_in_json", None)

    @app.after_request
    def commit_successful_post(response: Response) -> Response:
        committing = commits(response)
        was_refused()  # the mark cleared, asked or not
        if committing:
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
# How long a connection waits for another's write to finish before giving up (milliseconds):
# well past any one request's writes, well short of gunicorn's 30-second worker timeout.
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _make_sqlite_transactional(engine: Engine) -> None:
    """SQLAlchemy's recipe so SQLite honours BEGIN and SAVEPOINT like PostgreSQL does,
    and enforces foreign keys; and reads through a memory map.

    Several people at once (a demo, a small install) must never see "database is locked":
    the write-ahead log lets pages be read while another request writes; a connection
    waits its turn to write (busy timeout); and a request that may write (anything but a
    GET, or a GET's ``write_of_its_own``) takes the write lock when its transaction begins. A transaction that read first
    and then tried to write while another held the lock would be refused at once, however
    long the timeout, since waiting could deadlock."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        writing = has_request_context() and (
            request.method not in ("GET", "HEAD") or bool(g.get("writing"))
        )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
