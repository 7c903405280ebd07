"""The trusted assessor summary reports one financial year: recommendations sent in it,
and the reductions approved in it, read through indexed dates in two statements."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.common.dates import FinancialYear, london_date, today
from portal.common.roles import Role
from portal.common.statements import recorded_statements
from portal.extensions import db
from portal.payments.models import Payment
from portal.recommendations import operations
from portal.recommendations.summary import model_summary
from tests.client import text_of
from tests.fixtures import World
from tests.integration.records import submitted_reduction

THIS_YEAR = FinancialYear.containing(today())
LAST_YEAR = FinancialYear(THIS_YEAR.start_year - 1)


def a_year_earlier(moment: dt.datetime) -> dt.datetime:
    return moment - dt.timedelta(days=366)


def test_the_summary_shows_this_financial_year_unless_asked(as_role, world: World) -> None:
    this_year = submitted_reduction(world, world.person)
    operations.approve(
        this_year, by=world.users[Role.CARE_MANAGER], start_date=this_year.proposed_start_date
    )
    last_year = submitted_reduction(world, world.other_person)
    operations.reject(last_year, by=world.users[Role.CARE_MANAGER], reason="Not yet")
    assert last_year.submitted_at is not None and last_year.decided_at is not None
    last_year.submitted_at = a_year_earlier(last_year.submitted_at)
    last_year.decided_at = a_year_earlier(last_year.decided_at)
    db.session.commit()
    client = as_role(Role.COMMISSIONER)

    page = text_of(client.get("/recommendations/summary"))
    assert f"Trusted assessor model, {THIS_YEAR.label}" in page
    assert "trusted assessor providers sent 1 recommendation:" in page
    assert "Brightwater Home Care 1 0 0 1 0 0 0 0.0" in page
    assert "Rival Care Ltd" not in page
    assert "released 3.5 hours a week, worth £3,731.00 a year, for £287.00" in page

    page = text_of(client.get(f"/recommendations/summary?year={LAST_YEAR.start_year}"))
    assert f"Trusted assessor model, {LAST_YEAR.label}" in page
    assert f"From 1 April {LAST_YEAR.start_year} to 31 March {THIS_YEAR.start_year}" in page
    assert "Rival Care Ltd 1 0 0 0 1 0 0 0.0" in page
    assert "Brightwater Home Care" not in page  # its payment was approved this year
    assert "released 0 hours a week" in page


def test_payments_count_in_the_year_they_were_approved(as_role, world: World) -> None:
    recommendation = submitted_reduction(world, world.person)
    operations.approve(
        recommendation,
        by=world.users[Role.CARE_MANAGER],
        start_date=recommendation.proposed_start_date,
    )
    payment = db.session.scalar(
        select(Payment).where(Payment.recommendation_id == recommendation.id)
    )
    assert payment is not None
    payment.created_at = a_year_earlier(payment.created_at)
    db.session.commit()

    [this_year] = model_summary(THIS_YEAR)
    assert (this_year.total, this_year.payments_pence) == (1, 0)
    [last_year] = model_summary(LAST_YEAR)
    assert (last_year.total, last_year.payments_pence) == (0, 28700)
    assert last_year.weekly_minutes_released == 210


def test_only_years_that_can_hold_data_are_accepted(as_role, world: World) -> None:
    client = as_role(Role.COMMISSIONER)
    for value in ("", "next", "1999", str(THIS_YEAR.start_year + 1), "-2024"):
        page = text_of(client.get(f"/recommendations/summary?year={value}"))
        assert f"Trusted assessor model, {THIS_YEAR.label}" in page, value
    html = client.get("/recommendations/summary?year=2010").get_data(as_text=True)
    assert '<option value="2010" selected>2010/11</option>' in html
    assert f'<option value="{LAST_YEAR.start_year}">{LAST_YEAR.label}</option>' in html


def test_the_summary_takes_two_statements_whatever_the_history(world: World) -> None:
    for person in (world.person, world.other_person):
        submitted_reduction(world, person)
    db.session.commit()
    with recorded_statements() as statements:
        rows = model_summary()
    assert len(statements) == 2
    assert [row.provider_name for row in rows] == ["Brightwater Home Care", "Rival Care Ltd"]


@pytest.mark.parametrize(
    ("sent", "decided", "days"),
    [
        # Late on a summer evening in UTC is already the next day in London.
        ("2026-07-01 23:30", "2026-07-02 08:00", 0),
        ("2026-07-01 22:30", "2026-07-01 23:30", 1),
        # In winter London keeps UTC's date.
        ("2026-01-10 23:30", "2026-01-11 00:30", 1),
        # Clocks go forward at 01:00 UTC on 29 March 2026...
        ("2026-03-29 00:30", "2026-03-29 23:30", 1),
        # ...and back at 01:00 UTC on 25 October 2026.
        ("2026-10-24 23:30", "2026-10-25 23:30", 0),
        ("2026-10-25 00:59", "2026-10-25 01:00", 0),
    ],
)
def test_days_to_decide_are_london_calendar_days(
    world: World, monkeypatch: pytest.MonkeyPatch, sent: str, decided: str, days: int
) -> None:
    submitted_at = dt.datetime.fromisoformat(sent).replace(tzinfo=dt.UTC)
    decided_at = dt.datetime.fromisoformat(decided).replace(tzinfo=dt.UTC)
    recommendation = submitted_reduction(world, world.person)
    recommendation.submitted_at = submitted_at
    db.session.flush()
    # The decision is made at ``decided_at``: the days it took are kept with it.
    monkeypatch.setattr(operations, "utcnow", lambda: decided_at)
    operations.reject(recommendation, by=world.users[Role.CARE_MANAGER], reason="Not yet")
    db.session.flush()

    [row] = model_summary(FinancialYear.containing(london_date(submitted_at)))
    assert recommendation.decided_at == decided_at
    assert row.average_decision_days == days
