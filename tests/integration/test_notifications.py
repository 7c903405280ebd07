"""'What needs you' tells each side what is waiting for them."""

from __future__ import annotations

from portal.accounts.roles import Role
from portal.extensions import db
from portal.recommendations import operations
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.records import submitted_reduction


def test_each_side_is_told_what_needs_them(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(client.get("/what-needs-you"))
    assert "1 recommendation awaiting a decision, 0 overdue" in page
    client.post(
        f"/review/{recommendation.id}",
        data={"decision": "more_information", "question": "Who fitted the grab rails?"},
    )
    assert "0 recommendations awaiting a decision" in text_of(client.get("/what-needs-you"))
    client.post("/sign-out")

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get("/what-needs-you"))
    assert "1 recommendation where the council needs more information from you" in page
    client.post(
        f"/recommendations/{recommendation.id}/answer", data={"answer": "The OT, last week."}
    )
    assert "Nothing needs you at the moment" in text_of(client.get("/what-needs-you"))
    client.post("/sign-out")

    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    db.session.commit()
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    assert "1 payment ready to put in a batch" in text_of(client.get("/what-needs-you"))
