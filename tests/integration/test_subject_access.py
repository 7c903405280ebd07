"""A commissioner downloads everything held about one person (a subject access request), as
JSON and as a PDF; the download is in the audit trail, and no one else can make it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.audit.requests import RECORD_EXPORTED
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.recommendations import operations as recommendations
from tests.client import CheckedClient, text_of
from tests.fixtures import World
from tests.integration.records import exported_batch, submitted_reduction, submitted_return
from tests.pdf_tools import poppler

QUESTION = "Has she tried the new kettle tipper?"
ANSWER = "Yes, every morning since May."


def everything_for(world: World) -> dict[str, Any]:
    """The person with a record of every kind: a return, a recommendation questioned,
    answered and approved, and the payment it earned, exported in a batch."""
    person = world.person
    outcome_return = submitted_return(world, person)
    recommendation = submitted_reduction(world, person)
    recommendations.request_information(
        recommendation, by=world.users[Role.CARE_MANAGER], question=QUESTION
    )
    recommendations.answer_information_request(
        recommendation, by=world.users[Role.PROVIDER_MANAGER], answer=ANSWER
    )
    batch = exported_batch(world, recommendation)
    db.session.commit()
    return {"return": outcome_return, "recommendation": recommendation, "batch": batch}


def download(client: CheckedClient, world: World, file_format: str) -> Any:
    return client.get(f"/service-users/{world.person.id}/subject-access.{file_format}")


def test_the_json_holds_every_kind_of_record_about_the_person(world: World, as_role: Any) -> None:
    records = everything_for(world)
    response = download(as_role(Role.COMMISSIONER), world, "json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    held = json.loads(response.data)
    assert sorted(held) == [
        "audit_events",
        "outcome_returns",
        "package_lines",
        "payments",
        "person",
        "recommendations",
        "request",
    ]
    assert held["request"] == {
        "council": "Testshire County Council",
        "made_by": "Cora Commissioner",
        "made_on": today().isoformat(),
    }
    person = held["person"]
    assert person["given_name"] == "Margaret"
    assert person["family_name"] == "Able"
    assert person["case_reference"] == world.person.case_reference
    assert person["nhs_number"] == world.person.nhs_number
    assert person["date_of_birth"] == world.person.date_of_birth.isoformat()
    assert person["provider"] == "Brightwater Home Care"
    assert person["anonymised_at"] is None

    # The original line, ended by the approval, and its successor.
    lines = held["package_lines"]
    assert len(lines) == 2
    assert lines[0]["end_date"] is not None and lines[1]["end_date"] is None
    assert lines[0]["hourly_rate_pence"] == world.line.hourly_rate_pence
    assert lines[0]["weekly_cost_pence"] == world.line.weekly_cost_pence
    assert lines[1]["recommendation_id"] == records["recommendation"].id

    (returned,) = held["outcome_returns"]
    assert returned["status"] == "submitted"
    assert returned["submitted_by"] == "Priya Provider"
    assert len(returned["answers"]) == 9
    assert {a["evidence"] for a in returned["answers"]} == {"Seen at review."}

    (recommendation,) = held["recommendations"]
    assert recommendation["reference"] == records["recommendation"].reference
    assert recommendation["status"] == "approved"
    assert recommendation["decided_by"] == "Carl Caremanager"
    assert recommendation["reason"] == "Regained skills."
    assert [(m["kind"], m["text"], m["author"]) for m in recommendation["messages"]] == [
        ("question", QUESTION, "Carl Caremanager"),
        ("answer", ANSWER, "Priya Provider"),
    ]

    (payment,) = held["payments"]
    assert payment["amount_pence"] == records["recommendation"].payment.amount_pence
    assert isinstance(payment["amount_pence"], int)
    assert payment["batch"] == records["batch"].reference
    assert payment["status"] == "exported"

    actions = {(e["action"], e["record_type"]) for e in held["audit_events"]}
    assert ("outcome_return.submitted", "outcome_returns") in actions
    assert any(kind == "recommendations" for _, kind in actions)
    assert any(kind == "payments" for _, kind in actions)
    assert any(e["by"] == "Carl Caremanager" for e in held["audit_events"])
    # Nothing about anyone else.
    assert "Olive" not in response.get_data(as_text=True)


def test_the_json_is_sorted_and_the_same_again_but_for_the_download(
    world: World, as_role: Any
) -> None:
    everything_for(world)
    client = as_role(Role.COMMISSIONER)
    first = download(client, world, "json").get_data(as_text=True)
    second = download(client, world, "json").get_data(as_text=True)
    assert first == json.dumps(json.loads(first), sort_keys=True, indent=2, ensure_ascii=False)
    # The second holds the first download among the audit events, and otherwise the same.
    before, after = json.loads(first), json.loads(second)
    exported = after["audit_events"].pop()
    assert exported["action"] == RECORD_EXPORTED
    assert exported["by"] == "Cora Commissioner"
    assert exported["after"]["format"] == "json"
    assert after == before


def test_the_pdf_reads_as_the_report(world: World, as_role: Any, tmp_path: Path) -> None:
    records = everything_for(world)
    answer = records["return"].answers[0]
    answer.evidence_sources = ["care_reviews", "monitoring_checks"]
    db.session.commit()
    response = download(as_role(Role.COMMISSIONER), world, "pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    path = tmp_path / "subject-access.pdf"
    path.write_bytes(response.data)
    text = " ".join(poppler("pdftotext", "-raw", "-enc", "UTF-8", str(path), "-").split())
    for expected in (
        "Testshire County Council",
        "Subject access request",
        f"Request made {today().day} {today():%B %Y}",
        "Margaret Able",
        world.person.case_reference,
        "The person’s details",
        "Care package lines",
        "Outcome returns",
        "Seen at review.",
        "Care reviews that document it; Monitoring checks",
        "Package change recommendations",
        records["recommendation"].reference,
        QUESTION,
        ANSWER,
        "One-off payments",
        records["batch"].reference,
        "Who did what with these records",
        "Outcome return submitted",
        "Page 1",
    ):
        assert expected in text, expected
    assert "Olive" not in text


def test_each_download_is_in_the_audit_trail(world: World, as_role: Any) -> None:
    client = as_role(Role.COMMISSIONER)
    download(client, world, "pdf")
    download(client, world, "json")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == RECORD_EXPORTED).order_by(AuditEvent.id)
    ).all()
    assert [(e.entity_type, e.entity_id, e.after["format"]) for e in events] == [
        ("service_users", world.person.id, "pdf"),
        ("service_users", world.person.id, "json"),
    ]
    assert {e.actor_id for e in events} == {world.users[Role.COMMISSIONER].id}
    assert {e.provider_id for e in events} == {world.provider.id}


def test_the_person_page_offers_the_downloads_to_commissioners_only(
    world: World, as_role: Any
) -> None:
    page = text_of(as_role(Role.COMMISSIONER).get(f"/service-users/{world.person.id}"))
    assert "Download everything held about this person" in page
    client = as_role(Role.CARE_MANAGER)
    assert "Download everything held" not in text_of(
        client.get(f"/service-users/{world.person.id}")
    )


@pytest.mark.parametrize(
    "role",
    [
        Role.CARE_MANAGER,
        Role.FINANCE_OFFICER,
        Role.ADMINISTRATOR,
        Role.PROVIDER_MANAGER,
        Role.AGENCY_ADMINISTRATOR,
    ],
)
def test_no_other_role_can_download_it(world: World, as_role: Any, role: Role) -> None:
    client = as_role(role)
    for person in (world.person, world.other_person):
        for file_format in ("pdf", "json"):
            response = client.get(f"/service-users/{person.id}/subject-access.{file_format}")
            assert response.status_code == 403
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == RECORD_EXPORTED)
    ).all()


def test_a_person_who_does_not_exist_is_not_found(world: World, as_role: Any) -> None:
    client = as_role(Role.COMMISSIONER)
    assert client.get("/service-users/999999/subject-access.json").status_code == 404
    assert client.get(f"/service-users/{world.person.id}/subject-access.csv").status_code == 404
    assert client.get(f"/service-users/{world.person.id}/subject-access").status_code == 404
