"""A person's long history in a real browser: their page shows the newest recommendations
and package lines and links to pages holding every one; the commissioner's trusted
assessor summary is chosen by financial year. Every page reached is checked by axe-core
and photographed (see pages.py)."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.models import utcnow
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import Provider, ServiceUser
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus
from tests.browser.pages import Browser, BrowserFactory
from tests.browser.server import LiveServer, Seed
from tests.browser.test_loop import table_rows
from tests.browser.test_outcomes import signed_in
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.browser


def a_long_history(live_server: LiveServer) -> int:
    """A person supported for years: 7 decided recommendations and 12 package lines, 11 of
    them ended. Their id."""
    assert live_server.app is not None
    with live_server.app.app_context():
        provider = cast(Provider, ProviderFactory(name="Longstay Care"))
        manager = UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=provider.id)
        person = cast(
            ServiceUser,
            ServiceUserFactory(provider=provider, given_name="Edith", family_name="Long"),
        )
        first = today() - dt.timedelta(days=400)
        for number in range(11):
            start = first + dt.timedelta(days=14 * number)
            PackageLineFactory(
                service_user=person, start_date=start, end_date=start + dt.timedelta(days=13)
            )
        PackageLineFactory(service_user=person, start_date=first + dt.timedelta(days=154))
        for number in range(7):
            sent = utcnow() - dt.timedelta(days=300 - 30 * number)
            db.session.add(
                Recommendation(
                    service_user_id=person.id,
                    provider_id=provider.id,
                    kind=ChangeKind.REFRAME,
                    status=RecommendationStatus.WITHDRAWN,
                    reason="Mornings suit her better.",
                    evidence="Said at review.",
                    person_consulted_and_agrees=True,
                    risk_assessed=True,
                    proposed_start_date=sent.date() + dt.timedelta(days=14),
                    created_by_id=manager.id,
                    created_at=sent,
                    submitted_at=sent,
                )
            )
        db.session.commit()
        person_id = person.id
        db.session.remove()
    return person_id


def test_a_long_history_is_a_link_away(
    open_browser: BrowserFactory, live_server: LiveServer, seed: Seed
) -> None:
    person_id = a_long_history(live_server)
    council = signed_in(open_browser, "care-manager", seed.emails[Role.CARE_MANAGER])
    council.goto(f"/service-users/{person_id}")
    council.expect_heading("Edith Long")
    assert len(table_rows(council, "Recommendations, newest first")) == 5
    assert len(table_rows(council, "The latest 10 package lines, newest first")) == 10

    council.click_link("See all recommendations for Edith Long")
    council.expect_heading("Package change recommendations")
    assert "7 recommendations, newest first." in council.text()
    assert len(table_rows(council, "Recommendations, newest first")) == 7
    council.click_link("Back to Edith Long")

    council.click_link("See every package line Edith Long has had")
    council.expect_heading("Package history")
    assert "12 package lines, newest first." in council.text()
    assert len(table_rows(council, "Every package line, newest first")) == 12


def test_the_summary_is_chosen_by_financial_year(open_browser: BrowserFactory, seed: Seed) -> None:
    this_year = FinancialYear.containing(today())
    last_year = FinancialYear(this_year.start_year - 1)
    commissioner: Browser = signed_in(open_browser, "commissioner", seed.emails[Role.COMMISSIONER])
    commissioner.open_from_menu("Trusted assessors")
    commissioner.expect_heading("Trusted assessor model")
    assert f"Financial year {this_year.label}" in commissioner.text()

    commissioner.page.get_by_label("Financial year", exact=True).select_option(
        label=last_year.label
    )
    commissioner.click_button("Show this year")
    assert f"Financial year {last_year.label}" in commissioner.text()
    assert f"From 1 April {last_year.start_year} to 31 March {this_year.start_year}" in (
        commissioner.text()
    )
