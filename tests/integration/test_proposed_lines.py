"""Building the proposed package: changing a line's calls and days, ending a line, adding
a new one, and what approval then does to the person's package lines."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Integer, func, literal, select

from portal.common.care import CareCategory
from portal.common.dates import today
from portal.common.roles import Role
from portal.extensions import db
from portal.payments.models import Payment
from portal.providers.models import PackageLine, days_count_expression
from portal.recommendations.models import Recommendation, RecommendationStatus
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import date_parts, reduction_form

EVERY_DAY = [str(day) for day in range(7)]


def _new_url(world: World) -> str:
    return f"/service-users/{world.person.id}/recommendations/new"


def _with_new_line(data: dict[str, object], *, calls: int = 1, minutes: int = 60) -> dict:
    return data | {
        "new_lines-0-calls_per_day": str(calls),
        "new_lines-0-minutes_per_call": str(minutes),
        "new_lines-0-carers_per_call": "1",
        "new_lines-0-days": ["0", "2", "4"],  # Monday, Wednesday and Friday
    }


def _approve(as_role, recommendation_id: int, start: dt.date) -> None:
    client = as_role(Role.CARE_MANAGER)
    response = client.post(
        f"/review/{recommendation_id}",
        data={"decision": "approve", "start_date": date_parts(start)},
    )
    assert response.status_code == 302, text_of(response)


def _submit(client, world: World, data: dict[str, object]) -> Recommendation:
    response = client.post(_new_url(world), data=data)
    assert response.status_code == 302, text_of(response)
    recommendation = db.session.scalars(select(Recommendation)).one()
    assert client.post(response.location, data={}).status_code == 302
    return recommendation


def test_adding_a_line_shows_a_new_blank_line_and_saves_nothing(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = reduction_form(calls=4) | {"kind": "increase", "add_line": "yes"}
    response = client.post(_new_url(world), data=data)
    assert response.status_code == 200
    page = text_of(response)
    assert "New line 1" in page
    assert "There is a problem" not in page  # nothing is checked until Continue
    assert 'name="new_lines-0-calls_per_day"' in response.text
    # What had been typed is still there.
    assert "Margaret has regained the strength" in page
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0

    # Removing it takes it away again, still saving nothing.
    response = client.post(
        _new_url(world), data=_with_new_line(reduction_form()) | {"remove_line": "new_lines-0"}
    )
    assert "New line 1" not in text_of(response)
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0


def test_an_increase_adds_a_line_at_the_package_rate(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = _with_new_line(reduction_form(calls=4)) | {
        "kind": "increase",
        "reason_category": "needs_increased",
    }
    recommendation = _submit(client, world, data)

    check = text_of(client.get(f"/recommendations/{recommendation.id}"))
    assert "New line 1 call a day, 60 minutes, Monday, Wednesday and Friday" in check
    # 14 hours a week now, 3 more proposed; £287.00 a week now, £348.50 proposed.
    assert "Total 14 17 £287.00 £348.50" in check
    assert "Difference a week +3 hours +£61.50" in check

    start = today() + dt.timedelta(days=21)
    _approve(as_role, recommendation.id, start)
    lines = db.session.scalars(
        select(PackageLine)
        .where(PackageLine.service_user_id == world.person.id)
        .order_by(PackageLine.id)
    ).all()
    # The unchanged line carries on; the new one starts on the agreed date at the same rate.
    assert [(line.description, line.start_date, line.end_date) for line in lines] == [
        ("4 calls a day, 30 minutes, 7 days a week", world.line.start_date, None),
        ("1 call a day, 60 minutes, Monday, Wednesday and Friday", start, None),
    ]
    assert lines[1].hourly_rate_pence == world.line.hourly_rate_pence
    assert lines[1].recommendation_id == recommendation.id
    assert db.session.scalar(select(func.count(Payment.id))) == 0  # increases earn nothing


def test_ending_a_line_ignores_what_is_entered_for_it(as_role, world: World) -> None:
    """4 calls every day are ended and replaced by a 2-call line on weekdays only."""
    client = as_role(Role.PROVIDER_MANAGER)
    data = _with_new_line(reduction_form(), calls=2, minutes=30) | {
        "lines-0-end_line": "y",
        "lines-0-calls_per_day": "",
        "lines-0-days": [],
        "new_lines-0-days": ["0", "1", "2", "3", "4"],
    }
    recommendation = _submit(client, world, data)
    assert [line.description for line in recommendation.lines] == [
        "Line ends",
        "2 calls a day, 30 minutes, Monday to Friday",
    ]

    start = today() + dt.timedelta(days=14)
    _approve(as_role, recommendation.id, start)
    assert world.line.end_date == start - dt.timedelta(days=1)
    # 14 hours a week became 5: 9 hours x £20.50 x 4 weeks.
    payment = db.session.scalars(select(Payment)).one()
    assert payment.weekly_minutes_removed == 9 * 60
    assert payment.amount_pence == 9 * 2050 * 4


def test_a_line_can_move_to_fewer_days(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = reduction_form(calls=4) | {"lines-0-days": ["5", "6"]}
    recommendation = _submit(client, world, data)
    assert recommendation.lines[0].description == "4 calls a day, 30 minutes, Saturday and Sunday"
    assert recommendation.proposed_weekly_minutes == 4 * 30 * 2
    assert recommendation.status == RecommendationStatus.SUBMITTED


def test_each_line_needs_days_and_a_new_line_needs_every_answer(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = _with_new_line(reduction_form()) | {
        "lines-0-days": [],
        "new_lines-0-minutes_per_call": "",
    }
    response = client.post(_new_url(world), data=data)
    assert response.status_code == 200
    page = response.text
    # In the error summary, linked to the first checkbox of the line's days, and by the field.
    assert 'href="#lines-0-days"' in page
    assert 'href="#new_lines-0-minutes_per_call"' in page
    assert text_of(response).count("Select the days the calls happen on") == 2
    assert text_of(response).count("Enter the minutes a call") == 2
    assert db.session.scalar(select(func.count(Recommendation.id))) == 0


def test_a_draft_with_a_new_line_opens_as_it_was_saved(as_role, world: World) -> None:
    client = as_role(Role.PROVIDER_MANAGER)
    data = _with_new_line(reduction_form(calls=4)) | {"kind": "increase"}
    assert client.post(_new_url(world), data=data).status_code == 302
    page = client.get(_new_url(world)).text
    assert re.search(r'name="new_lines-0-minutes_per_call"[^>]*value="60"', page)
    checked_days = re.findall(r'name="new_lines-0-days" type="checkbox" value="(\d)" checked', page)
    assert checked_days == ["0", "2", "4"]


def test_the_database_counts_days_as_python_does(db_session) -> None:
    """Weekly hours in lists are summed in SQL; every one of the 127 day patterns agrees."""
    masks = select(
        *(days_count_expression(literal(mask, Integer)).label(f"m{mask}") for mask in range(1, 128))
    )
    counted = db.session.execute(masks).one()
    assert list(counted) == [mask.bit_count() for mask in range(1, 128)]


def test_a_changed_lines_successor_keeps_its_case_system_id_and_category(
    as_role, world: World
) -> None:
    world.line.case_system_line_id = "PL-77"
    world.line.care_category = CareCategory.PALLIATIVE
    recommendation = _submit(as_role(Role.PROVIDER_MANAGER), world, reduction_form(calls=2))
    _approve(as_role, recommendation.id, today() + dt.timedelta(days=14))
    successor = db.session.scalars(
        select(PackageLine).where(PackageLine.recommendation_id == recommendation.id)
    ).one()
    assert (successor.calls_per_day, successor.case_system_line_id) == (2, "PL-77")
    assert successor.care_category == CareCategory.PALLIATIVE
