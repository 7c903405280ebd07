"""The council's rate card: dated hourly rates by pricing zone and care category."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common.care import CareCategory, PricingZone
from portal.common.dates import today
from portal.common.roles import Role
from portal.council.models import CardRate
from portal.council.rates import add_rate, card_rate, load_card
from portal.extensions import db
from tests.client import text_of
from tests.fixtures import World
from tests.integration.helpers import date_parts

URBAN, RURAL = PricingZone.URBAN, PricingZone.RURAL
ADULT, PALLIATIVE = CareCategory.STANDARD_ADULT, CareCategory.PALLIATIVE


def _rate_form(start: dt.date, rate: str = "21.50", zone: str = "urban") -> dict[str, object]:
    return {
        "pricing_zone": zone,
        "care_category": "standard_adult",
        "rate": rate,
        "effective_from": date_parts(start),
    }


def _urban_adult_rate_since_last_month() -> None:
    add_rate(
        zone=URBAN,
        category=ADULT,
        hourly_rate_pence=2000,
        effective_from=today() - dt.timedelta(days=30),
        by=None,
    )


def test_a_new_rate_supersedes_the_earlier_one_from_its_date(world: World) -> None:
    first = today() - dt.timedelta(days=100)
    add_rate(zone=URBAN, category=ADULT, hourly_rate_pence=2000, effective_from=first, by=None)
    later = today() + dt.timedelta(days=10)
    add_rate(zone=URBAN, category=ADULT, hourly_rate_pence=2150, effective_from=later, by=None)
    add_rate(zone=RURAL, category=ADULT, hourly_rate_pence=2300, effective_from=first, by=None)

    assert card_rate(URBAN, ADULT, first - dt.timedelta(days=1)) is None
    assert card_rate(URBAN, ADULT, first) == 2000
    assert card_rate(URBAN, ADULT, later - dt.timedelta(days=1)) == 2000
    assert card_rate(URBAN, ADULT, later) == 2150
    assert card_rate(RURAL, ADULT, later) == 2300
    assert card_rate(URBAN, PALLIATIVE, later) is None
    card = load_card()  # the same answers from memory, for a batch
    for day in (first - dt.timedelta(days=1), first, later - dt.timedelta(days=1), later):
        for zone in (URBAN, RURAL):
            assert card.rate(zone.value, ADULT.value, day) == card_rate(zone, ADULT, day)


def test_a_commissioner_adds_a_rate_and_sees_current_and_past(as_role, world: World) -> None:
    _urban_adult_rate_since_last_month()
    client = as_role(Role.COMMISSIONER)
    start = today() + dt.timedelta(days=7)
    response = client.post("/rate-card", data=_rate_form(start))
    assert response.status_code == 302
    page = text_of(client.get(response.location))
    assert f"Urban standard adult care is £21.50 an hour from {start:%-d %B %Y}" in page
    assert "Standard adult £20.00" in page  # today's rate until the new one starts
    assert f"Urban Standard adult £21.50 {start:%-d %B %Y} To come" in page
    rate = db.session.scalar(select(CardRate).where(CardRate.hourly_rate_pence == 2150))
    assert rate is not None
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "card_rate.added", AuditEvent.entity_id == rate.id
        )
    )
    assert event is not None and event.actor_id is not None
    assert event.after is not None and event.after["hourly_rate_pence"] == 2150


def test_a_rate_cannot_rewrite_the_past_or_be_nonsense(as_role, world: World) -> None:
    _urban_adult_rate_since_last_month()
    client = as_role(Role.COMMISSIONER)
    page = text_of(client.post("/rate-card", data=_rate_form(today() - dt.timedelta(days=1))))
    assert "The new rate must start today or later" in page
    for typed, message in (
        ("", "Enter the hourly rate"),
        ("lots", "Enter the hourly rate in pounds and pence, for example 21.50"),
        ("0", "The hourly rate must be more than £0"),
        ("100000", "The hourly rate must be £100 or less"),
    ):
        page = text_of(client.post("/rate-card", data=_rate_form(today(), rate=typed)))
        assert message in page
    page = text_of(client.post("/rate-card", data=_rate_form(today(), zone="")))
    assert "Select the pricing zone" in page
    assert db.session.scalar(select(db.func.count()).select_from(CardRate)) == 1


def test_only_commissioners_reach_the_rate_card(as_role, world: World) -> None:
    assert as_role(Role.FINANCE_OFFICER).get("/rate-card").status_code == 403
