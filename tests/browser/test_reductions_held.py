"""Do reductions hold? on the commissioner's trusted assessor summary, in a real browser at a
desktop's and a phone's width: the figures read as the stored checkpoints say, the tables
reflow on a phone, and axe-core finds nothing on the page (see pages.py)."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest

from portal.common.dates import FinancialYear, today
from portal.common.roles import Role
from portal.extensions import db
from portal.providers.models import Provider, ServiceUser
from portal.recommendations import checkpoints
from portal.recommendations.models import ChangeKind, Recommendation, RecommendationStatus
from tests.browser.pages import BrowserFactory
from tests.browser.reflow import assert_reflowed
from tests.browser.server import LiveServer, Seed
from tests.browser.test_loop import sign_in
from tests.factories import PackageLineFactory, ProviderFactory, ServiceUserFactory, UserFactory

pytestmark = pytest.mark.browser


def reductions_seen_at_91_days(live_server: LiveServer, name: str) -> dt.date:
    """Three reductions approved for ``name``'s people 100 days ago, from 4 calls a day to 3:
    one person's package stayed down, one went back up after 60 days, one ended after 30.
    The day they started."""
    assert live_server.app is not None
    start = today() - dt.timedelta(days=100)
    with live_server.app.app_context():
        provider = cast(Provider, ProviderFactory(name=name, trusted_assessor=True))
        manager = UserFactory(roles=[Role.PROVIDER_MANAGER], provider_id=provider.id)
        people = []
        for number, after in enumerate((None, 60, 30)):
            person = cast(
                ServiceUser,
                ServiceUserFactory(provider=provider, given_name="Held", family_name=f"No{number}"),
            )
            PackageLineFactory(
                service_user=person,
                start_date=start - dt.timedelta(days=300),
                end_date=start - dt.timedelta(days=1),
            )
            reduced = PackageLineFactory(service_user=person, start_date=start, calls_per_day=3)
            if after == 60:
                PackageLineFactory(
                    service_user=person,
                    start_date=start + dt.timedelta(days=after),
                    calls_per_day=1,
                )
            elif after == 30:
                reduced.end_date = start + dt.timedelta(days=after)
            db.session.add(
                Recommendation(
                    service_user_id=person.id,
                    provider_id=provider.id,
                    kind=ChangeKind.REDUCE,
                    status=RecommendationStatus.APPROVED,
                    reason="Regained skills.",
                    evidence="Seen on visits.",
                    person_consulted_and_agrees=True,
                    risk_assessed=True,
                    proposed_start_date=start,
                    agreed_start_date=start,
                    created_by_id=manager.id,
                )
            )
            people.append(person.id)
        db.session.flush()
        checkpoints.lines_changed(people)  # as approving them did
        db.session.commit()
        db.session.remove()
    return start


@pytest.mark.parametrize("width", [1280, 320])
def test_the_summary_says_whether_reductions_held(
    open_browser: BrowserFactory, live_server: LiveServer, seed: Seed, width: int
) -> None:
    name = f"Steadfast Care {width}"
    start = reductions_seen_at_91_days(live_server, name)
    year = FinancialYear.containing(start + dt.timedelta(days=91))
    commissioner = open_browser(
        f"reductions-held-{width}", viewport={"width": width, "height": 900}
    )
    commissioner.goto("/")
    sign_in(commissioner, seed.emails[Role.COMMISSIONER])
    commissioner.goto(f"/recommendations/summary?year={year.start_year}")
    commissioner.expect_heading("Trusted assessor model")
    text = commissioner.text()
    assert "Do reductions hold?" in text
    caption = f"At 91 days: reductions reaching 91 days in {year.label}"
    assert caption in text
    row = commissioner.page.get_by_role("row").filter(has_text=name)
    cells = [c.strip() for c in row.first.locator("td").all_inner_texts()]
    if width == 1280:
        # Reductions, held, went back up, ended, not yet known, sustained.
        assert cells == ["3", "1", "1", "1", "0", "33%"]
    else:
        assert_reflowed(commissioner, caption, width=width)
        assert any("33%" in cell for cell in cells)
