"""Many returns submitted in one call, as the bulk upload submits a spreadsheet's: all or
none, each problem named by pointer, the same returns twice changing nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from tests.api.helpers import Caller, complete_answers, key_for
from tests.factories import PackageLineFactory, ServiceUserFactory
from tests.fixtures import World


def _people(world: World, count: int) -> list[int]:
    people = [world.person.id]
    for number in range(count - 1):
        person = ServiceUserFactory(
            provider=world.provider, given_name="Person", family_name=f"Number{number}"
        )
        PackageLineFactory(service_user=person)
        people.append(person.id)
    db.session.commit()
    return people


def test_a_quarters_returns_are_submitted_in_one_call(client, world: World) -> None:
    caller = Caller(client, key_for(world.provider))
    people = _people(world, 3)
    url = f"/api/v1/quarters/{world.period.id}/submissions"
    body = {"returns": [{"person_id": p, "answers": complete_answers()} for p in people]}
    done = caller.post(url, json=body)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["submitted"] == 3
    assert {r["status"] for r in done.get_json()["returns"]} == {"submitted"}
    statuses = db.session.scalars(select(OutcomeReturn.status)).all()
    assert statuses == [ReturnStatus.SUBMITTED] * 3
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "outcome_return.submitted")
    ).all()
    assert {e.after["source"] for e in events} == {"api"}

    again = caller.post(url, json=body)
    assert again.get_json()["submitted"] == 0 and again.get_json()["unchanged"] == 3
    assert db.session.scalar(select(func.count()).select_from(OutcomeReturn)) == 3


def test_one_problem_stops_them_all_and_each_is_named(client, world: World) -> None:
    caller = Caller(client, key_for(world.provider))
    people = _people(world, 2)
    incomplete = {"1.1": {"result": "met"}}
    body = {
        "returns": [
            {"person_id": people[0], "answers": complete_answers()},
            {"person_id": people[1], "answers": incomplete},
            {"person_id": people[0], "answers": complete_answers()},
            {"person_id": world.other_person.id, "answers": complete_answers()},
        ]
    }
    refused = caller.post(f"/api/v1/quarters/{world.period.id}/submissions", json=body)
    assert refused.status_code == 422
    pointers = {e["pointer"] for e in refused.get_json()["errors"]}
    assert "/returns/1/answers/1.1/evidence" in pointers
    assert "/returns/1/answers/5.1/result" in pointers
    assert "/returns/2/person_id" in pointers  # the same person twice
    assert "/returns/3/person_id" in pointers  # another provider's person
    assert world.other_person.family_name not in refused.get_data(as_text=True)
    assert db.session.scalar(select(OutcomeReturn)) is None


def test_a_return_handed_in_cannot_be_changed_in_a_batch(client, world: World) -> None:
    caller = Caller(client, key_for(world.provider))
    url = f"/api/v1/quarters/{world.period.id}/submissions"
    first = {"returns": [{"person_id": world.person.id, "answers": complete_answers()}]}
    assert caller.post(url, json=first).status_code == 200
    changed = complete_answers() | {"1.1": {"result": "not_met"}}
    refused = caller.post(
        url, json={"returns": [{"person_id": world.person.id, "answers": changed}]}
    )
    assert refused.status_code == 422
    assert "return it for correction" in refused.get_json()["errors"][0]["detail"]


def test_too_many_at_once_are_refused(client, world: World) -> None:
    caller = Caller(client, key_for(world.provider))
    body = {"returns": [{"person_id": world.person.id, "answers": {}}] * 501}
    refused = caller.post(f"/api/v1/quarters/{world.period.id}/submissions", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["pointer"] == "/returns"
