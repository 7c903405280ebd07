"""Recommendations, their decisions and the money that followed, read through the API as
the provider's own pages show them."""

from __future__ import annotations

from portal.common.roles import Role
from portal.extensions import db
from portal.recommendations import operations as recommendations
from tests.api.helpers import Caller, key_for
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.records import exported_batch, submitted_reduction


def test_a_decision_a_question_and_the_payment_read_as_the_pages_show_them(
    client, world: World
) -> None:
    approved = submitted_reduction(world, world.person)
    batch = exported_batch(world, approved)
    asked = submitted_reduction(world, world.person)
    recommendations.request_information(
        asked, by=world.users[Role.CARE_MANAGER], question="Who noticed the change?"
    )
    db.session.commit()
    caller = Caller(client, key_for(world.provider))

    listed = caller.get("/api/v1/recommendations").get_json()
    assert [r["reference"] for r in listed["items"]] == [asked.reference, approved.reference]
    waiting = listed["items"][0]
    assert waiting["status"] == "more_information" and waiting["decision"] is None
    assert waiting["messages"][0] == {
        "kind": "question",
        "text": "Who noticed the change?",
        "sent_at": waiting["messages"][0]["sent_at"],
    }
    decided = caller.get(f"/api/v1/recommendations/{approved.id}").get_json()
    assert decided["decision"]["approved"] is True
    assert decided["decision"]["agreed_start_date"] == approved.agreed_start_date.isoformat()
    assert decided["current_weekly_minutes"] > decided["proposed_weekly_minutes"]
    assert decided["payment"]["reference"] == approved.payment.reference
    only = caller.get("/api/v1/recommendations?status=approved").get_json()
    assert [r["id"] for r in only["items"]] == [approved.id]

    paid = caller.get("/api/v1/payments").get_json()["items"]
    assert [(p["reference"], p["amount_pence"]) for p in paid] == [
        (approved.payment.reference, approved.payment.amount_pence)
    ]
    assert paid[0]["recommendation_reference"] == approved.reference
    advices = caller.get("/api/v1/remittances").get_json()["items"]
    assert [(a["reference"], a["total_pence"]) for a in advices] == [
        (batch.reference, approved.payment.amount_pence)
    ]
    advice = caller.get(advices[0]["url"]).get_json()
    assert advice["lines"][0]["payment_reference"] == approved.payment.reference
    assert advice["total_pence"] == approved.payment.amount_pence

    # The provider's own pages show the same.
    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get("/payments/yours"))
    assert approved.payment.reference in page and batch.reference in page


def test_another_providers_recommendations_and_remittances_are_not_found(
    client, world: World
) -> None:
    theirs = submitted_reduction(world, world.other_person)
    batch = exported_batch(world, theirs)
    db.session.commit()
    caller = Caller(client, key_for(world.provider))
    assert caller.get(f"/api/v1/recommendations/{theirs.id}").status_code == 404
    assert caller.get(f"/api/v1/remittances/{batch.id}").status_code == 404
    assert caller.get("/api/v1/recommendations").get_json()["total"] == 0
    assert caller.get("/api/v1/payments").get_json()["total"] == 0
    assert caller.get("/api/v1/remittances").get_json()["total"] == 0
