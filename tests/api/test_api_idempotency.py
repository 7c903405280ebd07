"""Idempotency-Key: a change sent again is answered as the first time and changes nothing,
also when the repeats arrive at the same moment, through real connections on either
database."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.api.idempotency import KEPT_HOURS
from portal.api.models import IdempotentRequest
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn
from tests.api.helpers import Caller, complete_answers, key_for, return_path
from tests.conftest import make_app
from tests.databases import create_database, drop_database
from tests.fixtures import World, build_world


@pytest.fixture
def caller(client, world: World) -> Caller:
    return Caller(client, key_for(world.provider))


def _events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_a_repeated_change_is_answered_the_same_and_changes_nothing(
    caller: Caller, world: World
) -> None:
    path = return_path(world.period.id, world.person.id)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = caller.patch(path, json={"answers": complete_answers()}, headers=key)
    assert first.status_code == 201
    again = caller.patch(path, json={"answers": complete_answers()}, headers=key)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _events("outcome_return.created") == 1
    assert _events("outcome_return.updated") == 0

    submit = {"Idempotency-Key": str(uuid.uuid4()), "If-Match": first.headers["ETag"]}
    sent = caller.post(path + "/submit", headers=submit)
    resent = caller.post(path + "/submit", headers=submit)
    assert sent.status_code == resent.status_code == 200  # not "already submitted"
    assert resent.get_json() == sent.get_json()
    assert _events("outcome_return.submitted") == 1


def test_a_key_spent_on_another_request_is_refused(caller: Caller, world: World) -> None:
    path = return_path(world.period.id, world.person.id)
    key = {"Idempotency-Key": "order-1"}
    assert caller.patch(path, json={"answers": complete_answers()}, headers=key).status_code == 201
    other = caller.patch(
        path, json={"answers": {"1.1": {"result": "not_met"}}}, headers=key | {"If-Match": "*"}
    )
    assert other.status_code == 422
    assert other.get_json()["errors"] == [
        {"header": "Idempotency-Key", "detail": "Used for another request"}
    ]
    assert caller.get(path).get_json()["answers"]["1.1"]["result"] == "met"


def test_a_change_that_failed_leaves_its_key_free(caller: Caller, world: World) -> None:
    path = return_path(world.period.id, world.person.id)
    started = caller.patch(path, json={"answers": {"1.1": complete_answers()["1.1"]}})
    key = {"Idempotency-Key": "submit-1", "If-Match": started.headers["ETag"]}
    assert caller.post(path + "/submit", headers=key).status_code == 409  # incomplete
    done = caller.patch(
        path, json={"answers": complete_answers()}, headers={"If-Match": started.headers["ETag"]}
    )
    key["If-Match"] = done.headers["ETag"]
    assert caller.post(path + "/submit", headers=key).status_code == 200


@pytest.mark.parametrize("value", ["", "x" * 256, "naïve", "tab\there"])
def test_an_unusable_key_is_refused(caller: Caller, world: World, value: str) -> None:
    response = caller.patch(
        return_path(world.period.id, world.person.id),
        json={"answers": complete_answers()},
        headers={"Idempotency-Key": value},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(OutcomeReturn)) is None


REPEATS = 8


@pytest.fixture
def racing(tmp_path: Path) -> Iterator[tuple[Flask, str, str]]:
    """Its own database, committed for real: a key, and the address of a return it owes."""
    url = create_database(tmp_path, "idempotency")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            world = build_world(db.session)
            token = key_for(world.provider)
            path = return_path(world.period.id, world.person.id)
            db.session.remove()
        yield app, token, path
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(url)


def test_repeats_at_the_same_moment_make_one_change(racing: tuple[Flask, str, str]) -> None:
    app, token, path = racing
    start = threading.Barrier(REPEATS)
    answers: list[Any] = [None] * REPEATS

    def send(index: int) -> None:
        caller = Caller(app.test_client(), token)
        start.wait(10)
        response = caller.patch(
            path, json={"answers": complete_answers()}, headers={"Idempotency-Key": "same"}
        )
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=send, args=(i,)) for i in range(REPEATS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(answer is not None for answer in answers), "a call never finished"
    assert {status for status, _ in answers} == {201}
    assert all(body == answers[0][1] for _, body in answers)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutcomeReturn)) == 1
        assert _events("outcome_return.created") == 1
        assert _events("api.called") == REPEATS
        db.session.remove()


def test_a_key_is_kept_a_day_and_then_cleared(caller: Caller, world: World) -> None:
    path = return_path(world.period.id, world.person.id)
    key = {"Idempotency-Key": "day-old"}
    first = caller.patch(path, json={"answers": complete_answers()}, headers=key)
    assert first.status_code == 201
    db.session.execute(
        update(IdempotentRequest).values(
            created_at=IdempotentRequest.created_at - dt.timedelta(hours=KEPT_HOURS, seconds=1)
        )
    )
    db.session.commit()
    # A day on, the same key is a new call: the return exists now, so it needs If-Match.
    again = caller.patch(path, json={"answers": complete_answers()}, headers=key)
    assert again.status_code == 428
    assert "Idempotent-Replayed" not in again.headers
    another = {"Idempotency-Key": "today", "If-Match": first.headers["ETag"]}
    assert (
        caller.patch(path, json={"answers": complete_answers()}, headers=another).status_code == 200
    )
    kept = db.session.scalars(select(IdempotentRequest.idempotency_key)).all()
    assert kept == ["today"]  # the day-old answer was cleared
