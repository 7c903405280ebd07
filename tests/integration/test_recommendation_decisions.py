"""Asking for more information, withdrawing, and two care managers deciding at once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import Engine, func, select, text

from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment
from portal.providers.models import PackageLine
from portal.recommendations import operations
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of
from tests.conftest import make_app
from tests.databases import backend_name, create_database, drop_database
from tests.factories import UserFactory
from tests.fixtures import World, build_world, sign_in
from tests.integration.records import submitted_reduction


def test_more_information_goes_to_the_provider_and_back_to_the_queue(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(
        client.post(f"/review/{recommendation.id}", data={"decision": "more_information"})
    )
    assert "Enter what you need to know" in page
    response = client.post(
        f"/review/{recommendation.id}",
        data={"decision": "more_information", "question": "Has the OT seen the kitchen?"},
    )
    assert response.status_code == 302, text_of(response)[-1500:]
    assert recommendation.status == RecommendationStatus.MORE_INFORMATION
    assert "No recommendations are awaiting a decision" in text_of(client.get("/review"))
    client.post("/sign-out")

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get(f"/recommendations/{recommendation.id}"))
    assert "The council needs more information Has the OT seen the kitchen?" in page
    client.post(
        f"/recommendations/{recommendation.id}/answer",
        data={"answer": "Yes, on 2 November; the report is on the care record."},
    )
    assert recommendation.status == RecommendationStatus.SUBMITTED
    client.post("/sign-out")

    sign_in(client, world.users[Role.CARE_MANAGER])
    assert "Margaret Able" in text_of(client.get("/review"))
    review = text_of(client.get(f"/review/{recommendation.id}"))
    assert "Question from the council" in review
    assert "Yes, on 2 November; the report is on the care record." in review


def test_a_provider_withdraws_before_a_decision(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    confirm = text_of(client.get(f"/recommendations/{recommendation.id}/withdraw"))
    assert "Are you sure you want to withdraw the recommendation to reduce" in confirm
    assert recommendation.status == RecommendationStatus.SUBMITTED  # asking changes nothing
    response = client.post(f"/recommendations/{recommendation.id}/withdraw")
    assert "Recommendation withdrawn" in text_of(client.get(response.location))
    assert recommendation.status == RecommendationStatus.WITHDRAWN
    # Once withdrawn, the question is not asked again.
    again = client.get(f"/recommendations/{recommendation.id}/withdraw")
    assert again.status_code == 302
    client.post("/sign-out")

    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(
        client.post(
            f"/review/{recommendation.id}",
            data={"decision": "reject", "reason": "Not needed"},
        )
    )
    assert "The provider has withdrawn this recommendation" in page
    assert recommendation.status == RecommendationStatus.WITHDRAWN


def test_the_second_care_manager_is_told_who_decided(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    second = UserFactory(roles=[Role.CARE_MANAGER], name="Second Caremanager")
    db.session.commit()
    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    db.session.commit()
    sign_in(client, second)
    page = text_of(
        client.post(
            f"/review/{recommendation.id}",
            data={"decision": "reject", "reason": "Too soon"},
        )
    )
    assert "Carl Caremanager approved this recommendation on" in page
    assert recommendation.status == RecommendationStatus.APPROVED
    assert db.session.scalar(select(func.count(Payment.id))) == 1


def _someone_waits_for_a_lock(engine: Engine) -> bool:
    """Whether another connection comes to wait for a row lock within ten seconds, asked of
    PostgreSQL on a connection of its own (so the test depends on no timing)."""
    with engine.connect() as watcher:
        for _ in range(1000):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).scalar()
            if waiting:
                return True
            watcher.rollback()
            time.sleep(0.01)
    return False


@pytest.mark.skipif(
    backend_name() != "postgresql", reason="row locks between two connections need PostgreSQL"
)
def test_two_decisions_at_once_leave_one(tmp_path: Path) -> None:
    """Two real connections: the first care manager locks the recommendation and takes its
    time; the second, deciding meanwhile, waits for the lock and is then told who decided."""
    url = create_database(tmp_path, "race")
    app = make_app(url)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            world = build_world(db.session)
            recommendation = submitted_reduction(world, world.person)
            other = UserFactory(roles=[Role.CARE_MANAGER], name="Second Caremanager")
            db.session.commit()
            ids = (recommendation.id, world.users[Role.CARE_MANAGER].id, other.id)

        locked = threading.Event()
        outcomes: dict[str, str] = {}

        def first() -> None:
            with app.app_context():
                rec = db.session.get(Recommendation, ids[0])
                user = db.session.get(type(world.users[Role.CARE_MANAGER]), ids[1])
                operations.approve(rec, by=user, start_date=rec.proposed_start_date)
                locked.set()
                # Hold the lock until the second care manager is seen waiting for it.
                outcomes["second waited"] = str(_someone_waits_for_a_lock(db.engine))
                db.session.commit()
                outcomes["first"] = "approved"

        def second() -> None:
            locked.wait(5)
            with app.app_context():
                rec = db.session.get(Recommendation, ids[0])
                user = db.session.get(type(world.users[Role.CARE_MANAGER]), ids[2])
                try:
                    operations.reject(rec, by=user, reason="Not yet")
                    db.session.commit()
                    outcomes["second"] = "rejected"
                except DomainError as error:
                    db.session.rollback()
                    outcomes["second"] = error.message

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)

        assert outcomes["first"] == "approved"
        assert outcomes["second"].startswith("Carl Caremanager approved this recommendation")
        assert outcomes["second waited"] == "True"  # it waited for the lock
        with app.app_context():
            rec = db.session.get(Recommendation, ids[0])
            assert rec.status == RecommendationStatus.APPROVED
            assert db.session.scalar(select(func.count(Payment.id))) == 1
            lines = db.session.scalars(
                select(PackageLine).where(PackageLine.service_user_id == rec.service_user_id)
            ).all()
            assert len(lines) == 2  # the old line ended once, one new line started
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


def test_the_queue_filters_and_a_care_manager_takes_an_item(client, world: World) -> None:
    mine = submitted_reduction(world, world.person)
    theirs = submitted_reduction(world, world.other_person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    everything = text_of(client.get("/review"))
    assert "2 recommendations awaiting a decision" in everything
    only_rival = text_of(client.get(f"/review?provider={world.other_provider.id}"))
    assert "Olive Other" in only_rival
    assert "Margaret Able" not in only_rival
    assert "No recommendations are awaiting a decision" in text_of(
        client.get("/review?kind=increase")
    )

    response = client.post(f"/review/{mine.id}/assign")
    assert "Assigned to you" in text_of(client.get(response.location))
    assert mine.assigned_to_id == world.users[Role.CARE_MANAGER].id
    assigned = text_of(client.get("/review?assigned=me"))
    assert "Margaret Able" in assigned
    assert "Olive Other" not in assigned
    assert theirs.assigned_to_id is None


def test_no_second_recommendation_while_the_council_waits_for_an_answer(
    client, world: World
) -> None:
    recommendation = submitted_reduction(world, world.person)
    operations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question="Who fitted the rails?"
    )
    db.session.commit()
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    response = client.get(f"/service-users/{world.person.id}/recommendations/new")
    assert response.status_code == 302
    assert response.location == f"/recommendations/{recommendation.id}"
    assert "Recommend a package change" not in text_of(
        client.get(f"/service-users/{world.person.id}")
    )


def test_the_queue_puts_the_oldest_first(client, world: World) -> None:
    """Oldest first, even when the older one's due date moved later while it waited."""
    older = submitted_reduction(world, world.person)
    newer = submitted_reduction(world, world.other_person)
    older.submitted_at -= dt.timedelta(days=3)
    older.decision_due_date = newer.decision_due_date + dt.timedelta(days=7)  # type: ignore[operator]
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    queue = text_of(client.get("/review"))
    assert queue.index("Margaret Able") < queue.index("Olive Other")


def test_a_draft_cannot_be_withdrawn_and_a_new_provider_starts_afresh(client, world: World) -> None:
    from portal.recommendations import operations as recs
    from tests.factories import PackageLineFactory
    from tests.integration.helpers import reduction_form

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    assert (
        client.post(
            f"/service-users/{world.person.id}/recommendations/new", data=reduction_form()
        ).status_code
        == 302
    )
    draft = db.session.scalars(select(Recommendation)).one()
    with pytest.raises(DomainError, match="has not been sent"):
        recs.withdraw(draft, by=world.users[Role.PROVIDER_MANAGER])
    client.post("/sign-out")

    # Margaret moves to the rival provider: its form starts empty, not from Brightwater's draft.
    world.person.provider_id = world.other_provider.id
    PackageLineFactory(service_user=world.person)
    db.session.commit()
    sign_in(client, world.other_provider_manager)
    form = client.get(f"/service-users/{world.person.id}/recommendations/new").text
    assert "Margaret has regained the strength" not in form
