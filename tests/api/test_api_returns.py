"""A quarter's outcome returns through the API, as a care-planning system sends them, and
the portal's pages showing the same."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.roles import Role
from portal.extensions import db
from portal.outcomes.models import OutcomeReturn, ReturnStatus
from portal.outcomes.operations import return_for_correction
from tests.api.helpers import Caller, complete_answers, key_for, return_path
from tests.client import text_of
from tests.fixtures import World, sign_in


@pytest.fixture
def caller(client, world: World) -> Caller:
    return Caller(client, key_for(world.provider))


def test_a_quarter_walks_through_the_api_and_the_pages_show_the_same(
    caller: Caller, client, world: World
) -> None:
    quarters = caller.get("/api/v1/quarters").get_json()
    assert [q["id"] for q in quarters["items"]] == [world.period.id]

    owed = caller.get(f"/api/v1/quarters/{world.period.id}/returns").get_json()
    assert owed["total"] == 1
    (item,) = owed["items"]
    assert item["person"] == {
        "id": world.person.id,
        "case_reference": world.person.case_reference,
        "name": "Margaret Able",
    }
    assert item["status"] == "not_started"
    path = item["url"]
    assert path == return_path(world.period.id, world.person.id)

    # A draft, begun with one outcome: incomplete, which a draft may be.
    first = {code: answer for code, answer in complete_answers().items() if code < "2"}
    started = caller.patch(path, json={"answers": first})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["status"] == "draft"
    assert {p["pointer"] for p in body["problems"]} >= {"/answers/2.1/result"}
    etag = started.headers["ETag"]

    # Submitting it now says what is missing, measure by measure, and changes nothing.
    early = caller.post(path + "/submit", headers={"If-Match": etag})
    assert early.status_code == 409
    assert early.mimetype == "application/problem+json"
    assert "/answers/5.1/result" in {e["pointer"] for e in early.get_json()["errors"]}

    saved = caller.patch(path, json={"answers": complete_answers()}, headers={"If-Match": etag})
    assert saved.status_code == 200
    assert saved.get_json()["problems"] == []
    submitted = caller.post(path + "/submit", headers={"If-Match": saved.headers["ETag"]})
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"

    outcome_return = db.session.scalar(select(OutcomeReturn))
    assert outcome_return.status == ReturnStatus.SUBMITTED
    assert len(outcome_return.answers) == 9

    # The council returns it for correction: the system reads why, puts it right, resubmits.
    return_for_correction(
        outcome_return, by=world.users[Role.CARE_MANAGER], reason="Say who gave the feedback"
    )
    db.session.commit()
    returned = caller.get(path).get_json()
    assert returned["status"] == "returned"
    assert returned["correction"]["reason"] == "Say who gave the feedback"
    etag = caller.get(path).headers["ETag"]
    fixed = {"1.1": {**complete_answers()["1.1"], "evidence": "Margaret told her carer."}}
    corrected = caller.patch(path, json={"answers": fixed}, headers={"If-Match": etag})
    assert corrected.status_code == 200
    resubmitted = caller.post(path + "/submit", headers={"If-Match": corrected.headers["ETag"]})
    assert resubmitted.get_json()["status"] == "submitted"
    assert resubmitted.get_json()["correction"] is None

    # The provider's pages show what the API did, in the key maker's name.
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get(f"/outcome-returns/{outcome_return.id}"))
    assert "Margaret told her carer." in page
    assert "Submitted" in page
    tasks = text_of(client.get(f"/outcome-periods/{world.period.id}"))
    assert "Submitted" in tasks
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "outcome_return.submitted")
    ).all()
    assert [e.after["source"] for e in events] == ["api", "api"]
    assert all(e.api_key_id is not None for e in events)
    # The audit trail says which key each change came through.
    sign_in(client, world.users[Role.ADMINISTRATOR])
    shown = text_of(client.get(f"/audit/{events[0].id}"))
    assert f"API key {events[0].api_key_id}, in the name of its maker" in shown


def test_a_change_to_a_version_read_before_someone_else_saved_is_refused(
    caller: Caller, world: World
) -> None:
    path = return_path(world.period.id, world.person.id)
    started = caller.patch(path, json={"answers": {"1.1": complete_answers()["1.1"]}})
    stale = started.headers["ETag"]
    caller.patch(
        path, json={"answers": {"1.2": complete_answers()["1.2"]}}, headers={"If-Match": stale}
    )

    refused = caller.patch(
        path,
        json={"answers": {"1.1": {"result": "not_met"}}},
        headers={"If-Match": stale},
    )
    assert refused.status_code == 412
    unsaid = caller.patch(path, json={"answers": {"1.1": {"result": "not_met"}}})
    assert unsaid.status_code == 428
    assert caller.get(path).get_json()["answers"]["1.1"]["result"] == "met"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"answers": {"1.1": {"result": "brilliant"}}}, "/answers/1.1/result"),
        ({"answers": {"9.9": {"result": "met"}}}, "/answers/9.9"),
        ({"answers": {"1.1": {"result": "met", "colour": "red"}}}, "/answers/1.1/colour"),
        ({"answers": {"1.1": {"result": "met", "evidence": "x" * 4001}}}, "/answers/1.1/evidence"),
        ({"answers": {"1.1": {"result": "met", "evidence": "a\x00b"}}}, "/answers/1.1/evidence"),
        (
            {"answers": {"1.1": {"result": "met", "evidence_sources": ["monitoring_checks"]}}},
            "/answers/1.1/evidence_sources/0",
        ),
        ({}, "/answers"),
        ({"answers": [], "extra": 1}, "/extra"),
    ],
)
def test_what_the_schema_refuses_is_named_by_pointer_and_nothing_is_saved(
    caller: Caller, world: World, body: dict[str, Any], pointer: str
) -> None:
    response = caller.patch(return_path(world.period.id, world.person.id), json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert pointer in {error["pointer"] for error in problem["errors"]}
    assert db.session.scalar(select(OutcomeReturn)) is None


def test_a_submitted_return_cannot_be_changed(caller: Caller, world: World) -> None:
    path = return_path(world.period.id, world.person.id)
    saved = caller.patch(path, json={"answers": complete_answers()})
    done = caller.post(path + "/submit", headers={"If-Match": saved.headers["ETag"]})
    refused = caller.patch(
        path,
        json={"answers": {"1.1": {"result": "not_met"}}},
        headers={"If-Match": done.headers["ETag"]},
    )
    assert refused.status_code == 409
    assert "can no longer be changed" in refused.get_json()["detail"]
    again = caller.post(path + "/submit", headers={"If-Match": done.headers["ETag"]})
    assert again.status_code == 409


def test_the_list_filters_by_state_and_case_reference_and_pages(
    caller: Caller, world: World
) -> None:
    base = f"/api/v1/quarters/{world.period.id}/returns"
    assert caller.get(base + "?status=submitted").get_json()["total"] == 0
    assert caller.get(base + "?status=not_started").get_json()["total"] == 1
    found = caller.get(base + f"?case_reference={world.person.case_reference.lower()}")
    assert found.get_json()["total"] == 1
    assert caller.get(base + "?case_reference=NOBODY").get_json()["total"] == 0
    bad = caller.get(base + "?per_page=500&colour=red")
    assert bad.status_code == 422
    assert {e.get("parameter") for e in bad.get_json()["errors"]} == {"per_page", "colour"}
    page = caller.get(base + "?per_page=1").get_json()
    assert page["links"]["next"] is None and page["pages"] == 1
