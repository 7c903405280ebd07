"""'What needs you' tells each side what is waiting for them."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.capacity.models import CapacityKind, CapacityReturn
from portal.common.dates import today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.recommendations import operations
from tests.client import text_of
from tests.fixtures import World, sign_in
from tests.integration.records import submitted_reduction


def _capacity_sent(world: World) -> None:
    """This month's capacity return is in, so it does not show among what needs them."""
    db.session.add(
        CapacityReturn(
            provider_id=world.provider.id,
            month=today().replace(day=1),
            kind=CapacityKind.NIL,
            submitted_at=utcnow(),
            submitted_by_id=world.users[Role.PROVIDER_MANAGER].id,
        )
    )


def test_each_side_is_told_what_needs_them(client, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    _capacity_sent(world)
    db.session.commit()
    sign_in(client, world.users[Role.CARE_MANAGER])
    page = text_of(client.get("/what-needs-you"))
    assert "1 recommendation awaiting a decision, 0 overdue" in page
    client.post(
        f"/review/{recommendation.id}",
        data={"decision": "more_information", "question": "Who fitted the grab rails?"},
    )
    home = client.get("/what-needs-you")
    page = text_of(home)
    assert "No recommendations awaiting a decision" in page
    assert 'href="/review/decided">Recommendations you decided</a>' in home.get_data(as_text=True)
    assert "0 recommendations" not in page and "0 overdue" not in page
    client.post("/sign-out")

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get("/what-needs-you"))
    assert "1 recommendation where the council needs more information from you" in page
    client.post(
        f"/recommendations/{recommendation.id}/answer", data={"answer": "The OT, last week."}
    )
    assert "more information" not in text_of(client.get("/what-needs-you"))
    client.post("/sign-out")

    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    db.session.commit()
    sign_in(client, world.users[Role.FINANCE_OFFICER])
    page = text_of(client.get("/what-needs-you"))
    assert "1 payment ready to put in a batch" in page
    assert "No batches waiting to be exported" in page
    client.post("/sign-out")


def test_a_council_user_with_nothing_waiting_is_told_so_once(client, world: World) -> None:
    sign_in(client, world.users[Role.COMMISSIONER])
    page = text_of(client.get("/what-needs-you"))
    assert "Nothing needs you at the moment" in page
    assert "No payments waiting for your second approval" in page
    assert "Nothing waiting" not in page and "0 payments" not in page


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 7), "No capacity return to send"),
        (dt.date(2026, 11, 8), "Capacity return for November 2026, due by 16 November 2026"),
        (
            dt.date(2026, 11, 17),
            "Capacity return for November 2026, overdue since 16 November 2026",
        ),
    ],
)
def test_the_provider_is_told_when_capacity_is_due(
    as_role, monkeypatch: pytest.MonkeyPatch, world: World, day: dt.date, expected: str
) -> None:
    monkeypatch.setattr("portal.casework.needs.today", lambda: day)
    client = as_role(Role.PROVIDER_MANAGER)
    # What needs them lists the return from before its window opens (its dates are
    # tests/integration/test_provider_home.py's); the service users page once it is due.
    assert "Capacity return for November 2026" in text_of(client.get("/what-needs-you"))
    home = text_of(client.get("/service-users"))
    assert (expected in home) is expected.startswith("Capacity return")
