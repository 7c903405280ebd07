"""A month's capacity return through the API: sent with its figures, corrected, sent as
"nothing has changed", refused where the form refuses it; and the portal's pages showing
the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.capacity.models import CapacityKind, CapacityReturn
from portal.common.roles import Role
from portal.extensions import db
from tests.api.helpers import Caller, key_for
from tests.client import text_of
from tests.fixtures import World, sign_in

DAY = dt.date(2026, 11, 10)  # inside November's window (8th to Monday 16th)
THIS_MONTH = "/api/v1/capacity-returns/2026/11"
LAST_MONTH = "/api/v1/capacity-returns/2026/10"


@pytest.fixture(autouse=True)
def _on_the_10th(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (
        "portal.capacity.views",
        "portal.capacity.operations",
        "portal.api.v1.capacity",
    ):
        monkeypatch.setattr(f"{module}.today", lambda: DAY)


@pytest.fixture
def caller(client, world: World) -> Caller:
    return Caller(client, key_for(world.provider))


def figures(**changes: Any) -> dict[str, Any]:
    return {
        "service_users": 42,
        "delivered_weekly_minutes": 75_030,
        "quadrants": {
            "east": {"spare_weekly_minutes": 1200, "new_packages": 2},
            "central": {"spare_weekly_minutes": 450, "new_packages": 1},
        },
        "weekend_starts": True,
        "seven_day_discharge": False,
        "winter_weekly_minutes": 2400,
        "festive_weekly_minutes": 1200,
        "takes_children": False,
        "takes_palliative": True,
        "takes_double_handed": True,
        "takes_dementia": True,
        "headcount": 30,
        "fte_hundredths": 2450,
        "starters": 2,
        "leavers": 1,
        "vacancies": 3,
        "overseas_sponsored": 4,
        "agency_weekly_minutes": 900,
        "pays_travel_time": True,
        "hourly_pay_pence": 1285,
    } | changes


def test_a_month_is_sent_corrected_and_shown_on_the_portal(
    caller: Caller, client, world: World
) -> None:
    before = caller.get(THIS_MONTH)
    assert before.status_code == 200
    assert before.get_json()["status"] == "not_sent"
    assert before.get_json()["window"] == {"opens": "2026-11-08", "closes": "2026-11-16"}

    sent = caller.call("PUT", THIS_MONTH, json=figures())
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["status"] == "sent" and sent.get_json()["kind"] == "full"
    assert sent.get_json()["figures"]["quadrants"]["east"]["spare_weekly_minutes"] == 1200

    unsaid = caller.call("PUT", THIS_MONTH, json=figures(vacancies=5))
    assert unsaid.status_code == 428
    corrected = caller.call(
        "PUT", THIS_MONTH, json=figures(vacancies=5), headers={"If-Match": sent.headers["ETag"]}
    )
    assert corrected.status_code == 200
    stale = caller.call(
        "PUT", THIS_MONTH, json=figures(vacancies=6), headers={"If-Match": sent.headers["ETag"]}
    )
    assert stale.status_code == 412

    capacity = db.session.scalar(select(CapacityReturn))
    assert capacity.vacancies == 5 and capacity.hourly_pay_pence == 1285
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "capacity_returns")
    ).all()
    assert actions == ["capacity_return.submitted", "capacity_return.corrected"]

    sign_in(client, world.users[Role.PROVIDER_MANAGER])
    page = text_of(client.get(f"/capacity/returns/{capacity.id}"))
    assert "£12.85" in page
    listed = caller.get("/api/v1/capacity-returns").get_json()
    assert [item["month"] for item in listed["items"]] == ["2026-11-01"]


def test_nothing_changed_takes_last_months_figures(caller: Caller) -> None:
    assert caller.call("PUT", LAST_MONTH, json=figures()).status_code == 201
    same = caller.post(THIS_MONTH + "/unchanged")
    assert same.status_code == 201
    body = same.get_json()
    assert body["kind"] == "unchanged"
    assert body["figures"]["headcount"] == 30
    assert body["figures"]["starters"] == 0 and body["figures"]["leavers"] == 0
    kinds = db.session.scalars(select(CapacityReturn.kind).order_by(CapacityReturn.month)).all()
    assert kinds == [CapacityKind.FULL, CapacityKind.UNCHANGED]


def test_the_forms_rules_refuse_what_they_refuse_on_the_form(caller: Caller) -> None:
    refused = caller.call("PUT", THIS_MONTH, json=figures(leavers=40))
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {
            "pointer": "/leavers",
            "detail": "Leavers cannot be more than your care staff headcount plus starters",
        }
    ]
    nothing = caller.post(THIS_MONTH + "/unchanged")
    assert nothing.status_code == 409
    assert "no earlier return" in nothing.get_json()["detail"]
    nil = caller.post(THIS_MONTH + "/nil")
    assert nil.status_code == 409  # the provider supports Margaret
    assert db.session.scalar(select(CapacityReturn)) is None


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (figures(headcount=-1), "/headcount"),
        (figures(headcount=100_001), "/headcount"),
        (figures(headcount="30"), "/headcount"),
        (figures(weekend_starts="yes"), "/weekend_starts"),
        (figures(weekend_starts=1), "/weekend_starts"),
        (
            figures(quadrants={"north": {"spare_weekly_minutes": 1, "new_packages": 0}}),
            "/quadrants/north",
        ),
        ({k: v for k, v in figures().items() if k != "vacancies"}, "/vacancies"),
        (figures(colour="red"), "/colour"),
    ],
)
def test_figures_out_of_shape_are_named_by_pointer(
    caller: Caller, body: dict[str, Any], pointer: str
) -> None:
    refused = caller.call("PUT", THIS_MONTH, json=body)
    assert refused.status_code == 422
    assert pointer in {error["pointer"] for error in refused.get_json()["errors"]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/capacity-returns/2026/9",
        "/api/v1/capacity-returns/2026/12",
        "/api/v1/capacity-returns/2026/13",
    ],
)
def test_only_this_month_and_last_are_sent(caller: Caller, path: str) -> None:
    assert caller.get(path).status_code == 404
    assert caller.call("PUT", path, json=figures()).status_code == 404
