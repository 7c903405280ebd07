"""Many people at the same moment, through real connections on either database: nobody
sees an error page. SQLite waits its turn to write; a record only one of which may exist is
kept once, and whoever lost the race is told so."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import event, func, select, update

from portal.accounts.models import User, UserSession
from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityReturn
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.measures import MEASURES
from portal.outcomes.models import OutcomeReturn, PeriodKind, ReportingPeriod, ReturnStatus
from portal.outcomes.operations import save_answers
from portal.outcomes.uploads import HEADER
from portal.providers.models import ServiceUser
from tests.client import text_of
from tests.conftest import make_app
from tests.databases import create_database, drop_database
from tests.factories import PASSWORD, UserFactory
from tests.fixtures import build_world
from tests.integration.test_capacity_pages import DAY, return_form
from tests.integration.test_outcome_submission import (
    _answers,
    _counted,
    _events,
    _kept_counts_are_the_recount,
)

PEOPLE = 10


@pytest.fixture
def racing_app(tmp_path: Path) -> Iterator[tuple[Flask, list[str]]]:
    """Its own database, committed for real, with ten managers at one provider."""
    url = create_database(tmp_path, "races")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            world = build_world(db.session)
            managers = [
                UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=world.provider.id)
                for _ in range(PEOPLE)
            ]
            db.session.commit()
            emails = [manager.email for manager in managers]
            db.session.remove()
        yield app, emails
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def _all_at_once(count: int, work: Callable[[int], tuple[int, str]]) -> list[tuple[int, str]]:
    start = threading.Barrier(count)
    results: list[tuple[int, str] | None] = [None] * count

    def run(index: int) -> None:
        start.wait(10)
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(result is not None for result in results), "a request never finished"
    return [result for result in results if result is not None]


def _signed_in(app: Flask, emails: list[str]) -> list[Any]:
    clients = []
    for email in emails:
        client = app.test_client()
        assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code
        clients.append(client)
    return clients


def _each_done_or_told(results: list[tuple[int, str]], told: str) -> None:
    """Nobody saw an error page: each request was done (a redirect) or its page says
    ``told``."""
    assert all(status < 500 for status, _ in results), results
    for status, page in results:
        assert status == 302 or told in page, page[:300]


def test_simultaneous_sign_ins_all_get_in(racing_app: tuple[Flask, list[str]]) -> None:
    app, emails = racing_app

    def sign_in(index: int) -> tuple[int, str]:
        response = app.test_client().post(
            "/sign-in", data={"email": emails[index], "password": PASSWORD}
        )
        return response.status_code, response.location or ""

    results = _all_at_once(PEOPLE, sign_in)
    assert [status for status, _ in results] == [302] * PEOPLE
    assert not any(location.startswith("/sign-in") for _, location in results)


def test_simultaneous_first_capacity_returns_keep_one(
    racing_app: tuple[Flask, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, emails = racing_app
    for module in ("portal.capacity.views", "portal.capacity.operations"):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)
    clients = _signed_in(app, emails)
    # Each fills in the form (held until sent), then all send it from the check answers page.
    path = f"/capacity/{DAY:%Y/%m}"
    for client in clients[:PEOPLE]:
        assert client.post(path, data=return_form()).location == f"{path}/check"

    def send(index: int) -> tuple[int, str]:
        response = clients[index].post(f"{path}/check")
        return response.status_code, text_of(response) if response.status_code == 200 else ""

    # Each either sent the return, corrected the one sent a moment before, or was told
    # that someone else had just sent it (and saved nothing).
    _each_done_or_told(_all_at_once(PEOPLE, send), "has just been sent by someone else")
    with app.app_context():
        month = dt.date(DAY.year, DAY.month, 1)
        kept = db.session.scalar(
            select(func.count(CapacityReturn.id)).where(CapacityReturn.month == month)
        )
        db.session.remove()
    assert kept == 1


def test_a_page_that_notes_its_session_waits_for_another_writer(
    racing_app: tuple[Flask, list[str]],
) -> None:
    """A GET notes when its session was last used (a write). On SQLite, had it read in the
    same transaction first, another connection's write in between would get it refused at
    once ("database is locked", an error page), however long the busy timeout. Here that
    write is made at the worst moment: just as the note is written."""
    app, emails = racing_app
    client = app.test_client()
    assert client.post("/sign-in", data={"email": emails[0], "password": PASSWORD}).status_code
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's locking")
        db.session.execute(
            update(UserSession).values(last_seen_at=utcnow() - dt.timedelta(minutes=5))
        )
        db.session.commit()
        database = db.engine.url.database
        db.session.remove()
    assert database
    written: list[bool] = []

    def another_writer(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not written and statement.startswith("UPDATE user_sessions"):
            other = sqlite3.connect(database, timeout=0, isolation_level=None)
            try:
                other.execute("UPDATE providers SET name = name")
                written.append(True)
            except sqlite3.OperationalError:
                written.append(False)  # this request holds the write lock: it cannot be refused
            finally:
                other.close()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", another_writer)
        try:
            response = client.get("/service-users")
        finally:
            event.remove(db.engine, "before_cursor_execute", another_writer)
    assert written, "the session's use was not noted"
    assert response.status_code == 200


def test_a_return_sent_by_the_form_and_a_file_at_once_is_counted_once(
    racing_app: tuple[Flask, list[str]],
) -> None:
    app, emails = racing_app
    with app.app_context():
        person = db.session.scalar(select(ServiceUser).filter_by(family_name="Able"))
        period = db.session.scalar(select(ReportingPeriod).filter_by(kind=PeriodKind.OUTCOMES))
        manager = db.session.scalar(select(User).filter_by(email=emails[0]))
        draft = save_answers(period=period, service_user=person, answers=_answers(), by=manager)
        db.session.commit()
        return_id, period_id = draft.id, period.id
        row = dict.fromkeys(HEADER, "") | {"case_reference": person.case_reference}
        for measure in MEASURES:
            row[f"{measure.code} result"] = "met"
            row[f"{measure.code} evidence"] = f"Seen at review ({measure.code})."
            row[f"{measure.code} sources"] = measure.sources[0].label
        db.session.remove()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER)
    writer.writeheader()
    writer.writerow(row)
    content = buffer.getvalue().encode()
    clients = _signed_in(app, emails)

    def send(index: int) -> tuple[int, str]:
        if index == 0:  # one uploads a file with the return in it; the others submit the form
            response = clients[0].post(
                f"/outcome-periods/{period_id}/upload",
                data={"file": (io.BytesIO(content), "returns.csv"), "confirm": "y"},
                content_type="multipart/form-data",
            )
        else:
            response = clients[index].post(f"/outcome-returns/{return_id}/check")
        return response.status_code, text_of(response) if response.status_code == 200 else ""

    # Each sent it, or found it sent (and unchanged) a moment before, or was told so.
    _each_done_or_told(_all_at_once(PEOPLE, send), "already been submitted")
    with app.app_context():
        submitted = [e for e in _events(return_id) if e.action == "outcome_return.submitted"]
        assert len(submitted) == 1
        assert db.session.get(OutcomeReturn, return_id).status == ReturnStatus.SUBMITTED
        assert _counted(period_id) == 1
        _kept_counts_are_the_recount(period_id)
        db.session.rollback()
        db.session.remove()


def test_a_session_signed_out_from_several_tabs_at_once_is_ended_once(
    racing_app: tuple[Flask, list[str]],
) -> None:
    """Ten of a person's browsers sign their phone out at the same moment (Your sessions):
    each is answered, and the phone's session is ended, and audited, once."""
    app, emails = racing_app
    phone = app.test_client()
    assert phone.post("/sign-in", data={"email": emails[0], "password": PASSWORD}).status_code
    tabs = _signed_in(app, [emails[0]] * PEOPLE)
    with app.app_context():
        phone_id = db.session.scalar(select(func.min(UserSession.id)))
        db.session.remove()

    def end(index: int) -> tuple[int, str]:
        response = tabs[index].post(f"/account/sessions/{phone_id}/end")
        return response.status_code, response.location or ""

    assert [status for status, _ in _all_at_once(PEOPLE, end)] == [302] * PEOPLE
    with app.app_context():
        events = db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.entity_type == "user_sessions", AuditEvent.entity_id == phone_id
            )
        )
        db.session.remove()
    assert events == 1
    assert phone.get("/account/sessions").status_code == 302
