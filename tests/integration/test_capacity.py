"""Capacity returns through their operations: the window, lateness, bounds, "nothing has
changed" and nil returns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.capacity import operations
from portal.capacity.models import CapacityKind
from portal.capacity.operations import CapacityData, QuadrantFigures
from portal.common.errors import DomainError
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.enums import Quadrant
from tests.factories import ProviderFactory, UserFactory
from tests.fixtures import World

NOVEMBER = dt.date(2026, 11, 1)  # the 14th is a Saturday: the window closes on Monday 16th

FIGURES = CapacityData(
    service_users=40,
    delivered_weekly_minutes=60 * 400,
    weekend_starts=True,
    seven_day_discharge=True,
    headcount=30,
    fte_hundredths=2450,
    starters=2,
    leavers=1,
    vacancies=3,
    hourly_pay_pence=1275,
    pays_travel_time=True,
    quadrants={
        Quadrant.EAST: QuadrantFigures(60 * 20, 2),
        Quadrant.SOUTH: QuadrantFigures(60 * 5, 1),
    },
)


def _on(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    monkeypatch.setattr("portal.capacity.operations.today", lambda: day)


@pytest.mark.parametrize(
    ("day", "late"),
    [(dt.date(2026, 11, 8), False), (dt.date(2026, 11, 16), False), (dt.date(2026, 11, 17), True)],
)
def test_a_return_is_late_after_the_window_closes(
    monkeypatch: pytest.MonkeyPatch, world: World, day: dt.date, late: bool
) -> None:
    _on(monkeypatch, day)
    capacity = operations.submit_return(
        world.provider, NOVEMBER, FIGURES, by=world.users[Role.PROVIDER_MANAGER]
    )
    assert capacity.late is late
    assert capacity.spare_weekly_minutes == 60 * 25 and capacity.new_packages == 3


def test_a_return_cannot_be_made_before_the_window_opens(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    _on(monkeypatch, dt.date(2026, 11, 7))
    with pytest.raises(DomainError, match="can be made from 8 November 2026"):
        operations.submit_return(
            world.provider, NOVEMBER, FIGURES, by=world.users[Role.PROVIDER_MANAGER]
        )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"leavers": 33}, "leavers", "Leavers cannot be more than your care staff headcount"),
        ({"vacancies": -1}, "vacancies", "Figures cannot be negative"),
        ({"overseas_sponsored": 31}, "overseas_sponsored", "cannot be more than your care staff"),
        ({"hourly_pay_pence": 0}, "hourly_pay", "Enter your care staff's average hourly pay"),
    ],
)
def test_figures_are_kept_within_bounds(
    monkeypatch: pytest.MonkeyPatch, world: World, changes: dict, field: str, message: str
) -> None:
    _on(monkeypatch, dt.date(2026, 11, 9))
    data = CapacityData(**{**FIGURES.__dict__, **changes})
    with pytest.raises(DomainError, match=message) as refused:
        operations.submit_return(
            world.provider, NOVEMBER, data, by=world.users[Role.PROVIDER_MANAGER]
        )
    assert refused.value.field == field
    # 30 staff, 2 starters: 32 leavers is the most there could be.
    operations.check_figures(CapacityData(**{**FIGURES.__dict__, "leavers": 32}))


def test_nothing_changed_confirms_last_months_figures(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]
    _on(monkeypatch, dt.date(2026, 10, 9))
    with pytest.raises(DomainError, match="no earlier return to confirm"):
        operations.confirm_unchanged(world.provider, dt.date(2026, 10, 1), by=manager)
    operations.submit_return(world.provider, dt.date(2026, 10, 1), FIGURES, by=manager)
    _on(monkeypatch, dt.date(2026, 11, 10))
    november = operations.confirm_unchanged(world.provider, NOVEMBER, by=manager)
    assert november.kind == CapacityKind.UNCHANGED
    assert november.month == NOVEMBER
    assert (november.headcount, november.hourly_pay_pence) == (30, 1275)
    assert {q.quadrant: (q.spare_weekly_minutes, q.new_packages) for q in november.quadrants} == {
        Quadrant.EAST: (1200, 2),
        Quadrant.SOUTH: (300, 1),
    }


def test_a_nil_return_is_for_a_provider_supporting_no_one(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    _on(monkeypatch, dt.date(2026, 11, 9))
    with pytest.raises(DomainError, match="supports 1 person: a nil return is only for"):
        operations.nil_return(world.provider, NOVEMBER, by=world.users[Role.PROVIDER_MANAGER])
    empty = ProviderFactory(name="Quiet Lane Care")
    manager = UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=empty.id)
    nil = operations.nil_return(empty, NOVEMBER, by=manager)
    assert nil.kind == CapacityKind.NIL
    assert (nil.service_users, nil.headcount, nil.quadrants) == (0, 0, [])


def test_a_correction_keeps_the_first_submissions_lateness(
    monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    manager = world.users[Role.PROVIDER_MANAGER]
    _on(monkeypatch, dt.date(2026, 11, 18))
    first = operations.submit_return(world.provider, NOVEMBER, FIGURES, by=manager)
    assert first.late
    first_sent = first.submitted_at.replace(tzinfo=None)  # SQLite hands it back bare
    _on(monkeypatch, dt.date(2026, 11, 19))
    changed = {
        **FIGURES.__dict__,
        "vacancies": 5,
        "quadrants": {
            Quadrant.EAST: QuadrantFigures(60, 1),
            Quadrant.WEST: QuadrantFigures(120, 0),
        },
    }
    corrected = operations.submit_return(
        world.provider, NOVEMBER, CapacityData(**changed), by=manager
    )
    assert corrected.id == first.id and corrected.late and corrected.vacancies == 5
    # Who sent it first, and when, stand.
    assert corrected.submitted_at.replace(tzinfo=None) == first_sent
    db.session.flush()
    db.session.expire(corrected, ["quadrants"])
    assert [(q.quadrant, q.spare_weekly_minutes) for q in corrected.quadrants] == [
        (Quadrant.EAST, 60),
        (Quadrant.WEST, 120),
    ]
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "capacity_returns")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["capacity_return.submitted", "capacity_return.corrected"]
