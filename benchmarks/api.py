"""The API's benchmarks: a care-planning system submitting one provider's 400 returns for
the quarter in one call, against the same returns through the bulk upload (both as HTTP
requests through the app, each try rolled back). The list of returns owed is timed with the
other pages, against the floor page (measure.py)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from benchmarks.measure import (
    MANAGER,
    Council,
    against_plain_insert,
    key_for,
    unreturned_people_moved_to_provider,
    upload_file,
)
from portal.accounts import sessions
from portal.accounts.models import User
from portal.extensions import db
from portal.outcomes.measures import MEASURES

SIZE = 400


class _KeptSession(scoped_session):
    """The app ends each request with ``session.remove()``; here the one session, bound to
    the try's connection, lives on for the next request."""

    def remove(self) -> None:
        pass


@contextmanager
def rolled_back(council: Council) -> Iterator[Any]:
    """``db.session`` inside one transaction on one connection, rolled back at the end: the
    requests' own commits release savepoints inside it. Gives the connection."""
    connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    session = _KeptSession(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    db.session = session
    try:
        yield connection
    finally:
        scoped_session.remove(session)
        db.session = original
        outer.rollback()
        connection.close()


def _signed_in(council: Council, user_id: int) -> FlaskClient:
    client = council.app.test_client()
    with council.app.test_request_context():
        sessions.begin(db.session.get_one(User, user_id))
        db.session.commit()
        token = flask.session[sessions.SESSION_ID_KEY]
    with client.session_transaction() as cookie:
        cookie[sessions.SESSION_ID_KEY] = token
    return client


def _csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if found is None:
        raise RuntimeError("the upload page has no CSRF token")
    return found.group(1)


def _body(person_ids: list[int]) -> bytes:
    answers = {
        measure.code: {
            "result": "met",
            "evidence": "Seen at the care review.",
            "evidence_sources": [measure.sources[0].value],
        }
        for measure in MEASURES
    }
    return json.dumps(
        {"returns": [{"person_id": person_id, "answers": answers} for person_id in person_ids]}
    ).encode()


@contextmanager
def _isolated(council: Council, *, own: bool) -> Iterator[Any]:
    """The connection the tries run on: one of the run's own, rolled back after it, or
    (``own`` False, a test's) the session's, which its caller rolls back."""
    if own:
        with rolled_back(council) as connection:
            yield connection
    else:
        yield db.session.connection()


def api_against_upload(
    council: Council, *, rounds: int, size: int = SIZE, own_transaction: bool = True
) -> dict[str, Any]:
    """The provider's ``size`` returns in one call to the API, against the same returns in
    one upload of a CSV file: each a whole request through the app (checked, saved,
    submitted, audited), each try rolled back. People with no return yet this quarter are
    moved to the provider for the run. A test already inside a transaction it rolls back
    says so (``own_transaction`` False)."""
    with council.app.app_context(), _isolated(council, own=own_transaction) as connection:
        period, people = unreturned_people_moved_to_provider(size)
        ids = [person_id for person_id, _ in people]
        db.session.commit()
        uploader = _signed_in(council, MANAGER)
        system = council.app.test_client()
        system.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key_for(MANAGER)}"
        content = upload_file([reference for _, reference in people])
        body = _body(ids)

        def tried(send: Any) -> None:
            savepoint = connection.begin_nested()
            try:
                send()
            finally:
                savepoint.rollback()
                db.session.expire_all()

        upload_page = f"/outcome-periods/{period.id}/upload"
        token = _csrf_token(uploader.get(upload_page).get_data(as_text=True))

        def by_upload() -> None:
            response = uploader.post(
                upload_page,
                data={
                    "file": (io.BytesIO(content), "returns.csv"),
                    "confirm": "y",
                    "csrf_token": token,
                },
                content_type="multipart/form-data",
            )
            if response.status_code != 302:
                raise RuntimeError(f"the upload was refused ({response.status_code})")

        def by_api() -> None:
            response = system.post(
                f"/api/v1/quarters/{period.id}/submissions",
                data=body,
                content_type="application/json",
            )
            if response.status_code != 200 or response.get_json()["submitted"] != len(ids):
                raise RuntimeError(f"the API refused the returns: {response.get_data()[:300]!r}")

        tried(by_api)  # warm: statements cached, templates compiled
        tried(by_upload)
        timings = against_plain_insert(
            lambda: tried(by_api), lambda: tried(by_upload), rounds=rounds
        )
    return {
        "returns": len(ids),
        "api_ms": timings["median_ms"],
        "upload_ms": timings["plain_insert_ms"],
        "ratio": timings["ratio"],
    }
